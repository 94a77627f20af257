import { describe, expect, test } from "bun:test";
import { IsoOccurrences, durationMs, parseIsoDuration, parseIsoSchedule, timeZoneProblem, type IsoSchedule } from "./iso8601.ts";

const ms = (iso: string): number => Date.parse(iso);
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

function schedule(text: string, zone = "", nowMs = ms("2024-01-01T00:00:00Z")): IsoSchedule {
  const parsed = parseIsoSchedule(text, zone, nowMs);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

function first(s: IsoSchedule, afterMs: number, n: number): Array<string | undefined> {
  const occ = new IsoOccurrences(s);
  const out: Array<string | undefined> = [];
  let t = afterMs;
  for (let i = 0; i < n; i++) {
    const next = occ.nextAfter(t);
    out.push(iso(next));
    if (next === undefined) break;
    t = next;
  }
  return out;
}

describe("durations", () => {
  test.each([
    ["PT60S", 60_000],
    ["PT1H30M", 5_400_000],
    ["P1D", 86_400_000],
    ["P2W", 14 * 86_400_000],
    ["PT0.5S", 500],
    ["P1DT12H", 129_600_000],
  ])("%s is %d ms", (text, expected) => {
    const parsed = parseIsoDuration(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(durationMs(parsed.value)).toEqual({ ok: true, value: expected });
  });

  test.each(["", "P", "PT", "1H", "PT-1S", "P1H", "PT0S", "every minute"])("'%s' is refused", (text) => {
    expect(parseIsoDuration(text).ok).toBe(false);
  });

  test("months have no fixed length for epsilon", () => {
    const parsed = parseIsoDuration("P1M");
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(durationMs(parsed.value).ok).toBe(false);
  });
});

describe("repeating intervals", () => {
  test("R with no count repeats for ever from the start", () => {
    expect(first(schedule("R/2024-01-01T00:00:00Z/PT2S"), ms("2024-01-01T00:00:00Z") - 1, 3)).toEqual([
      "2024-01-01T00:00:00.000Z",
      "2024-01-01T00:00:02.000Z",
      "2024-01-01T00:00:04.000Z",
    ]);
  });

  test("Rn runs n times and R0 never", () => {
    expect(first(schedule("R3/2024-01-01T00:00:00Z/PT1H"), 0, 5)).toEqual([
      "2024-01-01T00:00:00.000Z",
      "2024-01-01T01:00:00.000Z",
      "2024-01-01T02:00:00.000Z",
      undefined,
    ]);
    expect(first(schedule("R0/2024-01-01T00:00:00Z/PT1H"), 0, 2)).toEqual([undefined]);
    expect(first(schedule("R1/2024-01-01T00:00:00Z/PT1H"), 0, 3)).toEqual(["2024-01-01T00:00:00.000Z", undefined]);
  });

  test("an empty start is the time the job was posted", () => {
    const s = schedule("R//PT10M", "", ms("2024-05-05T12:34:56.789Z"));
    expect(iso(s.startMs)).toBe("2024-05-05T12:34:56.789Z");
  });

  test("a start without an offset is wall-clock time in scheduleTimeZone", () => {
    expect(iso(schedule("R/2024-07-01T09:00:00/P1D", "Europe/Paris").startMs)).toBe("2024-07-01T07:00:00.000Z");
    expect(iso(schedule("R/2024-07-01T09:00:00/P1D").startMs)).toBe("2024-07-01T09:00:00.000Z");
  });

  test("the next occurrence after any time is found without walking from the start", () => {
    const s = schedule("R/2000-01-01T00:00:00Z/PT1S");
    const occ = new IsoOccurrences(s);
    expect(iso(occ.nextAfter(ms("2024-03-03T03:03:03.500Z")))).toBe("2024-03-03T03:03:04.000Z");
    expect(iso(occ.latestAtOrBefore(ms("2024-03-03T03:03:03.500Z")))).toBe("2024-03-03T03:03:03.000Z");
    expect(occ.countBetween(ms("2024-01-01T00:00:00Z"), ms("2024-01-02T00:00:00Z"))).toBe(86_400);
  });

  test("months are added from the start, so the day of month never drifts", () => {
    expect(first(schedule("R/2024-01-31T10:00:00Z/P1M"), 0, 4)).toEqual([
      "2024-01-31T10:00:00.000Z",
      "2024-02-29T10:00:00.000Z",
      "2024-03-31T10:00:00.000Z",
      "2024-04-30T10:00:00.000Z",
    ]);
  });

  test("bad schedules name the part that is wrong", () => {
    const problem = (text: string): string => {
      const parsed = parseIsoSchedule(text, "", 0);
      return parsed.ok ? "ok" : parsed.problem;
    };
    expect(problem("R/2024-01-01T00:00:00Z")).toContain("R[n]/<start>/<period>");
    expect(problem("X/2024-01-01T00:00:00Z/PT1S")).toContain("repeat count");
    expect(problem("R/yesterday/PT1S")).toContain("start");
    expect(problem("R/2024-01-01T00:00:00Z/1S")).toContain("period");
    expect(problem("R/2024-01-01T00:00:00Z/PT0.5S")).toContain("shorter than");
    expect(problem("R/1960-01-01T00:00:00Z/PT1S")).toContain("before 1970");
  });
});

describe("time zones and DST", () => {
  test("P1D in a zone keeps the wall-clock time across spring forward and fall back", () => {
    const s = schedule("R/2024-03-09T09:00:00/P1D", "America/New_York");
    expect(first(s, 0, 3)).toEqual(["2024-03-09T14:00:00.000Z", "2024-03-10T13:00:00.000Z", "2024-03-11T13:00:00.000Z"]);
    const fall = schedule("R/2024-11-02T09:00:00/P1D", "America/New_York");
    expect(first(fall, 0, 3)).toEqual(["2024-11-02T13:00:00.000Z", "2024-11-03T14:00:00.000Z", "2024-11-04T14:00:00.000Z"]);
  });

  test("PT24H is exact time, so the wall-clock time moves with DST", () => {
    const s = schedule("R/2024-03-09T09:00:00/PT24H", "America/New_York");
    expect(first(s, 0, 2)).toEqual(["2024-03-09T14:00:00.000Z", "2024-03-10T14:00:00.000Z"]);
  });

  test("a wall-clock time skipped by spring forward runs just after the gap", () => {
    const s = schedule("R/2024-03-09T02:30:00/P1D", "America/New_York");
    expect(first(s, 0, 3)).toEqual(["2024-03-09T07:30:00.000Z", "2024-03-10T07:30:00.000Z", "2024-03-11T06:30:00.000Z"]);
  });

  test("without scheduleTimeZone, days are added at the start's own offset", () => {
    const s = schedule("R/2024-03-09T09:00:00+02:00/P1D");
    expect(s.zone).toBe("+02:00");
    expect(first(s, 0, 2)).toEqual(["2024-03-09T07:00:00.000Z", "2024-03-10T07:00:00.000Z"]);
  });

  test("scheduleTimeZone wins over the start's offset for calendar arithmetic", () => {
    const s = schedule("R/2024-10-26T10:00:00Z/P1D", "Europe/London");
    expect(first(s, 0, 3)).toEqual(["2024-10-26T10:00:00.000Z", "2024-10-27T11:00:00.000Z", "2024-10-28T11:00:00.000Z"]);
  });

  test("time zone names are checked", () => {
    expect(timeZoneProblem("Europe/Paris")).toBeUndefined();
    expect(timeZoneProblem("Mars/Olympus")).toContain("Mars/Olympus");
  });
});

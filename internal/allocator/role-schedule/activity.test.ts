import { describe, expect, test } from "bun:test";
import { roleActivity, roleWindowState, windowTransitions } from "./activity.ts";
import { parseRoleSchedule } from "./parse.ts";
import type { RoleSchedule } from "./types.ts";

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const iso = (text: string): number => Date.parse(text);

function schedule(document: unknown): RoleSchedule {
  const parsed = parseRoleSchedule(document);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

function qunar(timezone: string): RoleSchedule {
  return schedule({
    timezone,
    max_oversubscription: 1.5,
    roles: {
      logstash: { always: true },
      spark: { windows: [{ cron: "0 2 * * *", duration: "4h" }], on_window_end: "revoke", kill_grace_period: "30s" },
      rebuild: { windows: [{ cron: "0 22 * * 1-5", duration: "2h" }], on_window_end: "drain" },
    },
  });
}

/** Every open and close in [fromMs, toMs), found minute by minute, as ISO strings. */
function edgesByMinute(s: RoleSchedule, role: string, fromMs: number, toMs: number): string[] {
  const edges: string[] = [];
  let previous = roleWindowState(s, role, fromMs)!.active;
  for (let t = fromMs + minuteMs; t < toMs; t += minuteMs) {
    const active = roleWindowState(s, role, t)!.active;
    if (active !== previous) edges.push(`${active ? "open" : "close"} ${new Date(t).toISOString()}`);
    previous = active;
  }
  return edges;
}

describe("Asia/Shanghai (no daylight saving)", () => {
  const s = qunar("Asia/Shanghai");

  test("spark 02:00-06:00 local is 18:00-22:00 UTC the day before; logstash always; rebuild weekdays 22:00-24:00", () => {
    const at = iso("2025-03-09T19:00:00Z"); // Monday 03:00 in Shanghai
    const activity = roleActivity(s, at);
    expect([...activity.inactiveRoles]).toEqual(["rebuild"]);
    expect(activity.perRole.get("logstash")).toEqual({ active: true, nextOpenMs: undefined, nextCloseMs: undefined });
    expect(activity.perRole.get("spark")).toEqual({ active: true, nextCloseMs: iso("2025-03-09T22:00:00Z"), nextOpenMs: iso("2025-03-10T18:00:00Z") });
    expect(activity.perRole.get("rebuild")).toEqual({ active: false, nextOpenMs: iso("2025-03-10T14:00:00Z"), nextCloseMs: iso("2025-03-10T16:00:00Z") });
    expect(activity.perRole.has("unlisted")).toBe(false);
  });

  test("edges are half-open: open at the start instant, closed at the end instant", () => {
    expect(roleWindowState(s, "spark", iso("2025-03-09T18:00:00Z"))!.active).toBe(true);
    expect(roleWindowState(s, "spark", iso("2025-03-09T17:59:59.999Z"))!.active).toBe(false);
    expect(roleWindowState(s, "spark", iso("2025-03-09T22:00:00Z"))!.active).toBe(false);
    expect(roleWindowState(s, "spark", iso("2025-03-09T21:59:59.999Z"))!.active).toBe(true);
  });

  test("rebuild skips the weekend (Friday 22:00 opens, Saturday and Sunday do not)", () => {
    const from = iso("2025-03-14T00:00:00Z");
    expect(edgesByMinute(s, "rebuild", from, from + 4 * 24 * hourMs)).toEqual([
      "open 2025-03-14T14:00:00.000Z",
      "close 2025-03-14T16:00:00.000Z",
      "open 2025-03-17T14:00:00.000Z",
      "close 2025-03-17T16:00:00.000Z",
    ]);
  });
});

describe("daylight saving", () => {
  test("New York spring forward: 02:00 does not exist, spark opens at 03:00 EDT and stays 4 hours", () => {
    const s = qunar("America/New_York");
    expect(edgesByMinute(s, "spark", iso("2025-03-08T05:00:00Z"), iso("2025-03-10T05:00:00Z"))).toEqual([
      "open 2025-03-08T07:00:00.000Z", // 02:00 EST
      "close 2025-03-08T11:00:00.000Z",
      "open 2025-03-09T07:00:00.000Z", // 03:00 EDT, the first valid time after the gap
      "close 2025-03-09T11:00:00.000Z",
    ]);
  });

  test("a start in the middle of the gap (02:30) opens at the end of the gap, 03:00", () => {
    const s = schedule({ timezone: "America/New_York", roles: { r: { windows: [{ cron: "30 2 * * *", duration: "1h" }] } } });
    expect(edgesByMinute(s, "r", iso("2025-03-09T05:00:00Z"), iso("2025-03-10T05:00:00Z"))).toEqual(["open 2025-03-09T07:00:00.000Z", "close 2025-03-09T08:00:00.000Z"]);
  });

  test("New York fall back: a window at 01:30 opens once although 01:30 happens twice", () => {
    const s = schedule({ timezone: "America/New_York", roles: { r: { windows: [{ cron: "30 1 * * *", duration: "20m" }] } } });
    expect(edgesByMinute(s, "r", iso("2025-11-02T04:00:00Z"), iso("2025-11-03T04:00:00Z"))).toEqual(["open 2025-11-02T05:30:00.000Z", "close 2025-11-02T05:50:00.000Z"]);
    // Asked from inside the repeated hour, the next opening is the next day's.
    const state = roleWindowState(s, "r", iso("2025-11-02T06:10:00Z"))!;
    expect(state).toEqual({ active: false, nextOpenMs: iso("2025-11-03T06:30:00Z"), nextCloseMs: iso("2025-11-03T06:50:00Z") });
  });

  test("Berlin fall back: spark at 02:00 opens at the first 02:00 (CEST) and not again at the second", () => {
    const s = qunar("Europe/Berlin");
    expect(edgesByMinute(s, "spark", iso("2025-10-25T22:00:00Z"), iso("2025-10-27T22:00:00Z"))).toEqual([
      "open 2025-10-26T00:00:00.000Z",
      "close 2025-10-26T04:00:00.000Z",
      "open 2025-10-27T01:00:00.000Z",
      "close 2025-10-27T05:00:00.000Z",
    ]);
  });

  test("Berlin spring forward: spark opens at 03:00 CEST", () => {
    const s = qunar("Europe/Berlin");
    expect(edgesByMinute(s, "spark", iso("2025-03-29T23:00:00Z"), iso("2025-03-30T22:00:00Z"))).toEqual(["open 2025-03-30T01:00:00.000Z", "close 2025-03-30T05:00:00.000Z"]);
  });

  test("durations are elapsed time: a daily 24-hour window merges across spring forward and leaves an hour on fall back", () => {
    const s = schedule({ timezone: "America/New_York", roles: { r: { windows: [{ cron: "0 0 * * *", duration: "24h" }] } } });
    // Spring forward: the 23-hour day's window overlaps the next by an hour, so no edge at all.
    expect(edgesByMinute(s, "r", iso("2025-03-08T12:00:00Z"), iso("2025-03-11T12:00:00Z"))).toEqual([]);
    // Fall back: the 25-hour day's window ends at 23:00 EST, an hour before the next midnight.
    const state = roleWindowState(s, "r", iso("2025-03-08T12:00:00Z"))!;
    expect(state).toEqual({ active: true, nextCloseMs: iso("2025-11-03T04:00:00Z"), nextOpenMs: iso("2025-11-03T05:00:00Z") });
  });
});

describe("stretches", () => {
  test("windows that touch make one stretch; nextOpen is after the stretch", () => {
    const s = schedule({
      timezone: "UTC",
      roles: { r: { windows: [{ cron: "0 22 * * *", duration: "4h" }, { cron: "0 2 * * *", duration: "2h" }] } },
    });
    expect(roleWindowState(s, "r", iso("2025-01-01T23:00:00Z"))).toEqual({ active: true, nextCloseMs: iso("2025-01-02T04:00:00Z"), nextOpenMs: iso("2025-01-02T22:00:00Z") });
    expect(roleWindowState(s, "r", iso("2025-01-01T12:00:00Z"))).toEqual({ active: false, nextOpenMs: iso("2025-01-01T22:00:00Z"), nextCloseMs: iso("2025-01-02T04:00:00Z") });
  });

  test("windows: [] is never active", () => {
    const s = schedule({ roles: { parked: { windows: [] } } });
    expect(roleActivity(s, 0).inactiveRoles).toEqual(new Set(["parked"]));
    expect(roleWindowState(s, "parked", 0)).toEqual({ active: false, nextOpenMs: undefined, nextCloseMs: undefined });
  });

  test("asking at an earlier instant after a later one (a clock stepped back) answers for that instant", () => {
    const s = qunar("UTC");
    expect(roleWindowState(s, "spark", iso("2025-01-01T03:00:00Z"))!.active).toBe(true);
    expect(roleWindowState(s, "spark", iso("2025-01-01T01:00:00Z"))!.active).toBe(false);
    expect(roleWindowState(s, "spark", iso("2025-01-01T03:00:00Z"))!.active).toBe(true);
  });
});

describe("windowTransitions", () => {
  test("reports opens and closes in (from, to], in order", () => {
    const s = qunar("Asia/Shanghai");
    const from = iso("2025-03-09T16:00:00Z"); // Monday 00:00 local
    expect(windowTransitions(s, from, from + 24 * hourMs)).toEqual([
      { role: "spark", kind: "opened", atMs: iso("2025-03-09T18:00:00Z") },
      { role: "spark", kind: "closed", atMs: iso("2025-03-09T22:00:00Z") },
      { role: "rebuild", kind: "opened", atMs: iso("2025-03-10T14:00:00Z") },
      { role: "rebuild", kind: "closed", atMs: iso("2025-03-10T16:00:00Z") },
    ]);
    expect(windowTransitions(s, iso("2025-03-09T18:00:00Z"), iso("2025-03-09T18:00:01Z"))).toEqual([]);
    expect(windowTransitions(s, iso("2025-03-09T17:59:59.750Z"), iso("2025-03-09T18:00:00Z"))).toEqual([{ role: "spark", kind: "opened", atMs: iso("2025-03-09T18:00:00Z") }]);
    expect(windowTransitions(s, from, from)).toEqual([]);
  });

  test("250 ms checks of a 4-second window every 10 seconds see each edge once", () => {
    const s = schedule({ roles: { r: { windows: [{ cron: "*/10 * * * * *", duration: "4s" }], on_window_end: "revoke" } } });
    const from = iso("2025-01-01T00:00:00.100Z");
    const seen: string[] = [];
    for (let t = from; t < from + 30_000; t += 250) {
      for (const transition of windowTransitions(s, t, t + 250)) seen.push(`${transition.kind}@${transition.atMs - iso("2025-01-01T00:00:00Z")}`);
    }
    expect(seen).toEqual(["closed@4000", "opened@10000", "closed@14000", "opened@20000", "closed@24000", "opened@30000"]);
  });

  test("a clock jump of a day reports at most transitionsPerRoleCheckMax per role", () => {
    const s = schedule({ roles: { r: { windows: [{ cron: "*/10 * * * * *", duration: "4s" }] } } });
    const from = iso("2025-01-01T00:00:05Z");
    const transitions = windowTransitions(s, from, from + 24 * hourMs);
    expect(transitions.length).toBe(64);
    expect(transitions[0]).toEqual({ role: "r", kind: "opened", atMs: iso("2025-01-01T00:00:10Z") });
  });
});

import { describe, expect, test } from "bun:test";
import { CronOccurrences, parseCronExpression } from "./cron-expr.ts";
import { chronosDefaults, parseJobJson } from "./job-json.ts";
import { nextRuns } from "./next-runs.ts";

const t0 = Date.parse("2024-01-01T00:00:00Z");
const iso = (ms: number[]): string[] => ms.map((t) => new Date(t).toISOString());

function job(body: Record<string, unknown>) {
  return parseJobJson({ name: "j", command: "true", ...body }, "iso8601", chronosDefaults, t0);
}

describe("nextRuns(job, afterMs)", () => {
  test("ISO 8601: strictly after, earliest first, bounded by the repeat count", () => {
    expect(iso(nextRuns(job({ schedule: "R3/2024-01-01T00:00:00Z/PT1H" }), t0, 5))).toEqual(["2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z"]);
  });

  test("cron: five fields, six with seconds, and the @ shorthands", () => {
    expect(iso(nextRuns(job({ cron: "*/20 * * * *" }), t0, 3))).toEqual(["2024-01-01T00:20:00.000Z", "2024-01-01T00:40:00.000Z", "2024-01-01T01:00:00.000Z"]);
    expect(iso(nextRuns(job({ cron: "*/10 * * * * *" }), t0, 2))).toEqual(["2024-01-01T00:00:10.000Z", "2024-01-01T00:00:20.000Z"]);
    expect(iso(nextRuns(job({ cron: "@daily" }), t0, 2))).toEqual(["2024-01-02T00:00:00.000Z", "2024-01-03T00:00:00.000Z"]);
    expect(iso(nextRuns(job({ cron: "@hourly", scheduleTimeZone: "Asia/Kolkata" }), t0, 1))).toEqual(["2024-01-01T00:30:00.000Z"]);
    expect(iso(nextRuns(job({ cron: "@weekly" }), t0, 1))).toEqual(["2024-01-07T00:00:00.000Z"]);
  });

  test("cron in a zone: a time skipped by spring forward runs after the gap", () => {
    const spring = Date.parse("2024-03-09T12:00:00Z");
    expect(iso(nextRuns(job({ cron: "30 2 * * *", scheduleTimeZone: "America/New_York" }), spring, 2))).toEqual(["2024-03-10T07:30:00.000Z", "2024-03-11T06:30:00.000Z"]);
  });

  test("a dependent job has no times of its own", () => {
    expect(nextRuns(parseJobJson({ name: "d", command: "true", parents: ["a"] }, "dependency", chronosDefaults, t0), t0, 3)).toEqual([]);
  });
});

describe("cron expressions", () => {
  test("bad expressions name the problem", () => {
    expect(parseCronExpression("* * *", "")).toMatchObject({ ok: false, problem: expect.stringContaining("3 fields") });
    expect(parseCronExpression("0 0 31 2 *", "")).toMatchObject({ ok: false });
    expect(parseCronExpression("@sometimes", "")).toMatchObject({ ok: false });
  });

  test("latest at or before and counting between", () => {
    const occ = new CronOccurrences("*/15 * * * *", "");
    expect(occ.latestAtOrBefore(t0 + 20 * 60_000)).toBe(t0 + 15 * 60_000);
    expect(occ.latestAtOrBefore(t0 + 15 * 60_000)).toBe(t0 + 15 * 60_000);
    expect(occ.countBetween(t0, t0 + 3_600_000, 1000)).toBe(4);
    expect(occ.countBetween(t0, t0 + 3_600_000, 2)).toBe(2);
  });
});

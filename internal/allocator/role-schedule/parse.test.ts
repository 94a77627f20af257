import { expect, test } from "bun:test";
import { readRoleScheduleFile } from "./file.ts";
import { parseRoleSchedule, parseRoleScheduleText } from "./parse.ts";

const configPath = new URL("../../../config/roles.json", import.meta.url).pathname;

function problemOf(document: unknown): string {
  const parsed = parseRoleSchedule(document);
  if (parsed.ok) throw new Error("expected a problem");
  return parsed.problem;
}

const spark = { windows: [{ cron: "0 2 * * *", duration: "4h" }], on_window_end: "revoke", kill_grace_period: "30s" };

test("config/roles.json (seed 003's roles) loads", () => {
  const file = readRoleScheduleFile(configPath);
  if (!file.ok) throw new Error(file.problem);
  const schedule = file.value.schedule;
  expect(schedule.timeZone).toBe("Asia/Shanghai");
  expect(schedule.maxOversubscription).toBe(1.5);
  expect([...schedule.roles.keys()]).toEqual(["logstash", "spark", "rebuild"]);
  expect(schedule.roles.get("logstash")).toEqual({ kind: "always" });
  const sparkRule = schedule.roles.get("spark");
  expect(sparkRule?.kind === "windows" && sparkRule.onWindowEnd).toBe("revoke");
  expect(sparkRule?.kind === "windows" && sparkRule.killGracePeriodMs).toBe(30_000);
  expect(sparkRule?.kind === "windows" && sparkRule.windows.map((w) => [w.cron, w.durationMs])).toEqual([["0 2 * * *", 4 * 3_600_000]]);
  expect(file.value.sha256).toMatch(/^[0-9a-f]{64}$/);
});

test("defaults: UTC, max_oversubscription 1.0, on_window_end drain, no grace period of our own", () => {
  const parsed = parseRoleSchedule({ roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "4h" }] } } });
  if (!parsed.ok) throw new Error(parsed.problem);
  expect(parsed.value.timeZone).toBe("UTC");
  expect(parsed.value.maxOversubscription).toBe(1);
  expect(parsed.value.roles.get("spark")).toMatchObject({ kind: "windows", onWindowEnd: "drain", killGracePeriodMs: undefined });
});

test("every problem starts with the field at fault", () => {
  const cases: Array<[unknown, string]> = [
    [[], "schedule: must be a JSON object"],
    [{ roles: {}, extra: 1 }, "extra: unknown key (expected one of timezone, max_oversubscription, roles)"],
    [{}, "roles: is required"],
    [{ roles: [] }, "roles: must be a JSON object"],
    [{ timezone: "Asia/Shangai", roles: {} }, "timezone: 'Asia/Shangai' is not a time zone of the tz database"],
    [{ timezone: 8, roles: {} }, "timezone: must be a string"],
    [{ max_oversubscription: 0.9, roles: {} }, "max_oversubscription: must be a number from 1 to 100"],
    [{ max_oversubscription: "1.5", roles: {} }, "max_oversubscription: must be a number from 1 to 100"],
    [{ roles: { "*": { always: true } } }, "roles.*: the unreserved role '*' has no reservations to schedule"],
    [{ roles: { "-bad": { always: true } } }, "roles.-bad: "],
    [{ roles: { spark: { ...spark, priority: 1 } } }, "roles.spark.priority: unknown key (expected one of always, windows, on_window_end, kill_grace_period)"],
    [{ roles: { spark: { always: false } } }, "roles.spark.always: must be true"],
    [{ roles: { spark: { always: true, windows: [] } } }, "roles.spark: give either always or windows, not both"],
    [{ roles: { spark: { always: true, on_window_end: "drain" } } }, "roles.spark.on_window_end: applies only to a role with windows"],
    [{ roles: { spark: {} } }, 'roles.spark: needs "always": true or "windows": [...]'],
    [{ roles: { spark: { windows: {} } } }, "roles.spark.windows: must be an array"],
    [{ roles: { spark: { windows: [{ cron: "0 2 * *", duration: "4h" }] } } }, "roles.spark.windows[0].cron: '0 2 * *' has 4 fields"],
    [{ roles: { spark: { windows: [{ cron: "0 25 * * *", duration: "4h" }] } } }, "roles.spark.windows[0].cron: '0 25 * * *': Constraint error"],
    [{ roles: { spark: { windows: [{ cron: 2, duration: "4h" }] } } }, "roles.spark.windows[0].cron: must be a cron expression"],
    [{ roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "4 hours" }] } } }, "roles.spark.windows[0].duration: expected a duration such as"],
    [{ roles: { spark: { windows: [{ cron: "0 2 * * *", duration: 4 }] } } }, "roles.spark.windows[0].duration: must be a duration string"],
    [{ roles: { spark: { windows: [{ cron: "0 2 * * *" }] } } }, "roles.spark.windows[0].duration: is required"],
    [{ roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "500ms" }] } } }, "roles.spark.windows[0].duration: '500ms' is outside"],
    [{ roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "4h", tz: "UTC" }] } } }, "roles.spark.windows[0].tz: unknown key (expected one of cron, duration)"],
    [{ roles: { spark: { ...spark, on_window_end: "kill" } } }, 'roles.spark.on_window_end: must be "revoke" or "drain"'],
    [{ roles: { spark: { ...spark, kill_grace_period: "soon" } } }, "roles.spark.kill_grace_period: expected a duration"],
    [{ roles: { spark: { ...spark, on_window_end: "drain" } } }, 'roles.spark.kill_grace_period: applies only with "on_window_end": "revoke"'],
  ];
  for (const [document, expected] of cases) expect(problemOf(document)).toStartWith(expected);
});

test("windows of one role that overlap are refused, naming both", () => {
  const two = { roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "4h" }, { cron: "0 5 * * *", duration: "2h" }] } } };
  expect(problemOf(two)).toBe(
    "roles.spark.windows[1]: overlaps windows[0]: the window opening 2024-01-01T05:00:00 starts before the one opening 2024-01-01T02:00:00 closes at 2024-01-01T06:00:00",
  );
  const itself = { roles: { spark: { windows: [{ cron: "0 */6 * * *", duration: "7h" }] } } };
  expect(problemOf(itself)).toStartWith("roles.spark.windows[0]: overlaps itself: the window opening 2024-01-01T06:00:00");
  // Only on Fridays: 22:00 Friday + 3 days runs into Monday 02:00.
  const weekly = { roles: { r: { windows: [{ cron: "0 22 * * 5", duration: "3d" }, { cron: "0 2 * * 1", duration: "1h" }] } } };
  expect(problemOf(weekly)).toStartWith("roles.r.windows[1]: overlaps windows[0]");
  // Touching is not overlapping, and other roles may overlap freely.
  const fine = {
    roles: {
      a: { windows: [{ cron: "0 22 * * *", duration: "4h" }, { cron: "0 2 * * *", duration: "2h" }] },
      b: { windows: [{ cron: "0 23 * * *", duration: "2h" }] },
    },
  };
  expect(parseRoleSchedule(fine).ok).toBe(true);
});

test("text that is not JSON says so", () => {
  const parsed = parseRoleScheduleText("{ roles: ");
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) expect(parsed.problem).toStartWith("not valid JSON: ");
});

test("a missing file names the path", () => {
  const file = readRoleScheduleFile("/nonexistent/roles.json");
  expect(file.ok).toBe(false);
  if (!file.ok) expect(file.problem).toStartWith("cannot read '/nonexistent/roles.json': ");
});

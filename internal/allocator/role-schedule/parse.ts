// Parses and validates a role schedule document. Every problem is one sentence that starts with
// the path of the field at fault (`roles.spark.windows[0].cron: ...`), so the flag check, the
// PUT's 400 and the file watcher's log line can all show it as is.
//
//   { "timezone": "Asia/Shanghai", "max_oversubscription": 1.5,
//     "roles": { "logstash": { "always": true },
//                "spark": { "windows": [{ "cron": "0 2 * * *", "duration": "4h" }],
//                           "on_window_end": "revoke", "kill_grace_period": "30s" } } }

import { parseDurationMs } from "../../flags/index.ts";
import { roleProblem, unreservedRole } from "../../resources/index.ts";
import { maxOversubscriptionMax } from "../limits.ts";
import { parseCronText } from "./cron-walk.ts";
import { killGracePeriodMsMax, scheduledRolesMax, windowDurationMsMax, windowDurationMsMin, windowsPerRoleMax } from "./limits.ts";
import { windowsOverlapProblem } from "./overlap.ts";
import type { OnWindowEnd, Parsed, RoleRule, RoleSchedule, ScheduleWindow } from "./types.ts";
import { timeZoneProblem } from "./wall-clock.ts";

/** With a schedule and no `max_oversubscription`: allocated plus offered cpus stay within the cores. */
export const scheduleMaxOversubscriptionDefault = 1.0;
export const scheduleTimeZoneDefault = "UTC";
export const onWindowEndDefault: OnWindowEnd = "drain";

const topKeys = ["timezone", "max_oversubscription", "roles"];
const roleKeys = ["always", "windows", "on_window_end", "kill_grace_period"];
const windowKeys = ["cron", "duration"];

class ScheduleProblem extends Error {}

function fail(path: string, problem: string): never {
  throw new ScheduleProblem(`${path}: ${problem}`);
}

/** Parses JSON text, then the document. */
export function parseRoleScheduleText(text: string): Parsed<RoleSchedule> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not valid JSON: ${(error as Error).message}` };
  }
  return parseRoleSchedule(document);
}

export function parseRoleSchedule(document: unknown): Parsed<RoleSchedule> {
  try {
    return { ok: true, value: scheduleOf(document) };
  } catch (error) {
    if (error instanceof ScheduleProblem) return { ok: false, problem: error.message };
    throw error;
  }
}

function scheduleOf(document: unknown): RoleSchedule {
  const top = objectAt("schedule", document);
  checkKeys("", top, topKeys);
  const timeZone = top["timezone"] ?? scheduleTimeZoneDefault;
  if (typeof timeZone !== "string") fail("timezone", `must be a string such as "Asia/Shanghai", got ${JSON.stringify(timeZone)}`);
  const zoneProblem = timeZoneProblem(timeZone);
  if (zoneProblem !== undefined) fail("timezone", zoneProblem);
  const maxOversubscription = top["max_oversubscription"] ?? scheduleMaxOversubscriptionDefault;
  if (typeof maxOversubscription !== "number" || !Number.isFinite(maxOversubscription) || maxOversubscription < 1 || maxOversubscription > maxOversubscriptionMax) {
    fail("max_oversubscription", `must be a number from 1 to ${maxOversubscriptionMax} (a ratio of cpus to physical cores), got ${JSON.stringify(maxOversubscription)}`);
  }
  if (top["roles"] === undefined) fail("roles", "is required: an object of role name to { always } or { windows }");
  const entries = Object.entries(objectAt("roles", top["roles"]));
  if (entries.length > scheduledRolesMax) fail("roles", `lists ${entries.length} roles; at most ${scheduledRolesMax}`);
  const roles = new Map<string, RoleRule>();
  for (const [role, value] of entries) roles.set(role, roleRuleOf(role, value));
  return { timeZone, maxOversubscription, roles, document };
}

function roleRuleOf(role: string, value: unknown): RoleRule {
  const path = `roles.${role}`;
  if (role === unreservedRole) fail(path, "the unreserved role '*' has no reservations to schedule");
  const badName = roleProblem(role);
  if (badName !== undefined) fail(path, badName);
  const rule = objectAt(path, value);
  checkKeys(`${path}.`, rule, roleKeys);
  const hasWindows = rule["windows"] !== undefined;
  if (rule["always"] !== undefined) {
    if (rule["always"] !== true) fail(`${path}.always`, `must be true (leave the role out of the schedule, or give windows), got ${JSON.stringify(rule["always"])}`);
    if (hasWindows) fail(path, "give either always or windows, not both");
    for (const key of ["on_window_end", "kill_grace_period"]) if (rule[key] !== undefined) fail(`${path}.${key}`, "applies only to a role with windows");
    return { kind: "always" };
  }
  if (!hasWindows) fail(path, 'needs "always": true or "windows": [...]');
  const windows = windowsOf(path, rule["windows"]);
  const onWindowEnd = rule["on_window_end"] ?? onWindowEndDefault;
  if (onWindowEnd !== "revoke" && onWindowEnd !== "drain") fail(`${path}.on_window_end`, `must be "revoke" or "drain", got ${JSON.stringify(onWindowEnd)}`);
  let killGracePeriodMs: number | undefined;
  if (rule["kill_grace_period"] !== undefined) {
    if (onWindowEnd !== "revoke") fail(`${path}.kill_grace_period`, 'applies only with "on_window_end": "revoke"');
    killGracePeriodMs = durationAt(`${path}.kill_grace_period`, rule["kill_grace_period"], 0, killGracePeriodMsMax);
  }
  return { kind: "windows", windows, onWindowEnd, killGracePeriodMs };
}

function windowsOf(path: string, value: unknown): ScheduleWindow[] {
  if (!Array.isArray(value)) fail(`${path}.windows`, `must be an array of { "cron", "duration" }, got ${JSON.stringify(value)}`);
  if (value.length > windowsPerRoleMax) fail(`${path}.windows`, `has ${value.length} windows; at most ${windowsPerRoleMax}`);
  const windows = value.map((entry, index): ScheduleWindow => {
    const at = `${path}.windows[${index}]`;
    const window = objectAt(at, entry);
    checkKeys(`${at}.`, window, windowKeys);
    if (typeof window["cron"] !== "string") fail(`${at}.cron`, `must be a cron expression such as "0 2 * * *", got ${JSON.stringify(window["cron"])}`);
    const cron = parseCronText(window["cron"]);
    if (!cron.ok) fail(`${at}.cron`, cron.problem);
    if (window["duration"] === undefined) fail(`${at}.duration`, 'is required, e.g. "4h"');
    const durationMs = durationAt(`${at}.duration`, window["duration"], windowDurationMsMin, windowDurationMsMax);
    return { cron: window["cron"], durationMs, matcher: cron.value };
  });
  const overlap = windowsOverlapProblem(windows);
  if (overlap !== undefined) throw new ScheduleProblem(`${path}.${overlap}`);
  return windows;
}

function durationAt(path: string, value: unknown, minMs: number, maxMs: number): number {
  if (typeof value !== "string") fail(path, `must be a duration string such as "4h" or "30s", got ${JSON.stringify(value)}`);
  const parsed = parseDurationMs(value);
  if (!parsed.ok) fail(path, `expected ${parsed.expected}, got '${value}'`);
  if (parsed.value < minMs || parsed.value > maxMs) fail(path, `'${value}' is outside ${minMs} ms to ${maxMs / 86_400_000} days`);
  return parsed.value;
}

function objectAt(path: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, `must be a JSON object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function checkKeys(prefix: string, object: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) fail(`${prefix}${key}`, `unknown key (expected one of ${known.join(", ")})`);
  }
}

// Which scheduled roles are active at an instant, when each next opens and closes, and the
// transitions between two instants. Pure: answers depend only on the schedule and the instant.
//
// A role is active while any of its windows is open; windows that overlap or touch make one
// stretch. Between two transitions a role's answer does not change, so each role keeps its last
// answer with the span it holds for, and a call inside that span costs a lookup: the master asks
// every allocation cycle and every housekeeping tick.

import { assert } from "../../runtime/index.ts";
import { lookAheadMs, stretchMergesMax, transitionsPerRoleCheckMax } from "./limits.ts";
import type { RoleActivity, RoleRule, RoleSchedule, RoleWindowState, RoleWindowTransition, ScheduleWindow } from "./types.ts";
import { instantOfWall, wallLimitAt } from "./wall-clock.ts";

type WindowedRule = Extract<RoleRule, { kind: "windows" }>;

/** A role's answer and the instants it holds for: [fromMs, untilMs). */
interface HeldState {
  readonly fromMs: number;
  readonly untilMs: number;
  readonly state: RoleWindowState;
}

const alwaysActive: RoleWindowState = { active: true, nextOpenMs: undefined, nextCloseMs: undefined };

/** The last answer per rule. A rule object belongs to one parsed schedule, hence to one zone. */
const held = new WeakMap<WindowedRule, HeldState>();

export function roleActivity(schedule: RoleSchedule, nowMs: number): RoleActivity {
  const inactiveRoles = new Set<string>();
  const perRole = new Map<string, RoleWindowState>();
  for (const [role, rule] of schedule.roles) {
    const state = rule.kind === "always" ? alwaysActive : heldStateAt(rule, schedule.timeZone, nowMs).state;
    perRole.set(role, state);
    if (!state.active) inactiveRoles.add(role);
  }
  return { inactiveRoles, perRole };
}

/** One role's state; undefined for a role the schedule does not list (always active). */
export function roleWindowState(schedule: RoleSchedule, role: string, nowMs: number): RoleWindowState | undefined {
  const rule = schedule.roles.get(role);
  if (rule === undefined) return undefined;
  return rule.kind === "always" ? alwaysActive : heldStateAt(rule, schedule.timeZone, nowMs).state;
}

/**
 * Windows that opened or closed in (fromMs, toMs], in order, per role at most
 * transitionsPerRoleCheckMax (a clock that jumps days reports the first ones).
 */
export function windowTransitions(schedule: RoleSchedule, fromMs: number, toMs: number): RoleWindowTransition[] {
  const transitions: RoleWindowTransition[] = [];
  if (toMs <= fromMs) return transitions;
  for (const [role, rule] of schedule.roles) {
    if (rule.kind === "always") continue;
    let current = heldStateAt(rule, schedule.timeZone, fromMs);
    let count = 0;
    while (current.untilMs <= toMs && count < transitionsPerRoleCheckMax) {
      const next = heldStateAt(rule, schedule.timeZone, current.untilMs);
      if (next.state.active !== current.state.active) {
        transitions.push({ role, kind: next.state.active ? "opened" : "closed", atMs: current.untilMs });
        count += 1;
      }
      current = next;
    }
  }
  return transitions.sort((a, b) => a.atMs - b.atMs);
}

function heldStateAt(rule: WindowedRule, zone: string, nowMs: number): HeldState {
  const last = held.get(rule);
  if (last !== undefined && last.fromMs <= nowMs && nowMs < last.untilMs) return last;
  const computed = computeState(rule, zone, nowMs);
  held.set(rule, computed);
  return computed;
}

function computeState(rule: WindowedRule, zone: string, nowMs: number): HeldState {
  const limitMs = nowMs + lookAheadMs;
  const coveredUntil = coverEnd(rule.windows, zone, nowMs);
  if (coveredUntil !== undefined) {
    const stretch = stretchEnd(rule.windows, zone, coveredUntil, limitMs);
    const nextOpenMs = stretch.endMs === undefined ? undefined : firstStartAfter(rule.windows, zone, stretch.endMs);
    const state = { active: true, nextOpenMs, nextCloseMs: stretch.endMs };
    return { fromMs: nowMs, untilMs: stretch.endMs ?? stretch.reachedMs, state };
  }
  const nextOpenMs = firstStartAfter(rule.windows, zone, nowMs);
  if (nextOpenMs === undefined) return { fromMs: nowMs, untilMs: limitMs, state: { active: false, nextOpenMs, nextCloseMs: undefined } };
  const firstEnd = coverEnd(rule.windows, zone, nextOpenMs);
  assert(firstEnd !== undefined, `a window opening at ${nextOpenMs} does not cover its own opening instant`);
  const stretch = stretchEnd(rule.windows, zone, firstEnd, nextOpenMs + lookAheadMs);
  return { fromMs: nowMs, untilMs: nextOpenMs, state: { active: false, nextOpenMs, nextCloseMs: stretch.endMs } };
}

/** The latest end of the windows open at `instantMs` (opened at or before it, closing after it). */
function coverEnd(windows: readonly ScheduleWindow[], zone: string, instantMs: number): number | undefined {
  const wallLimitMs = wallLimitAt(instantMs, zone);
  let endMs: number | undefined;
  for (const window of windows) {
    // The latest opening at or before the instant has the latest end: all its openings last alike.
    const wallMs = window.matcher.atOrBefore(wallLimitMs);
    if (wallMs === undefined) continue;
    const closeMs = instantOfWall(wallMs, zone) + window.durationMs;
    if (closeMs > instantMs && (endMs === undefined || closeMs > endMs)) endMs = closeMs;
  }
  return endMs;
}

/** Follows windows that overlap or touch from `endMs` on; `endMs` undefined: not closing before the limit. */
function stretchEnd(windows: readonly ScheduleWindow[], zone: string, firstEndMs: number, limitMs: number): { endMs: number | undefined; reachedMs: number } {
  let endMs = firstEndMs;
  for (let merges = 0; merges < stretchMergesMax && endMs <= limitMs; merges++) {
    const further = coverEnd(windows, zone, endMs);
    if (further === undefined) return { endMs, reachedMs: endMs };
    endMs = further;
  }
  return { endMs: undefined, reachedMs: endMs };
}

function firstStartAfter(windows: readonly ScheduleWindow[], zone: string, instantMs: number): number | undefined {
  const wallLimitMs = wallLimitAt(instantMs, zone);
  let startMs: number | undefined;
  for (const window of windows) {
    const wallMs = window.matcher.nextAfter(wallLimitMs);
    if (wallMs === undefined) continue;
    const openMs = instantOfWall(wallMs, zone);
    if (startMs === undefined || openMs < startMs) startMs = openMs;
  }
  return startMs;
}

// The master's side of role schedules (--role_schedule, /master/roles/schedule): which schedule
// is in force, and what happens at a window's edges. The decisions (is a role active, when does
// it next open or close, which transitions lie between two instants) are the pure core's in
// internal/allocator/role-schedule; the allocator itself leaves inactive roles' reservations out
// of offers and applies the cap. Here:
//
// - at a close, the role's outstanding offers holding its reservations are rescinded at once,
//   and its tasks holding its reservations are killed with REASON_ROLE_WINDOW_CLOSED (`revoke`,
//   with the rule's kill grace period) or left to finish (`drain`);
// - at an open, an allocation runs at once, so offers go out within one allocation interval;
// - transitions are looked for every housekeeping tick (250 ms) and before every allocation, on
//   the master's clock, so an allocation never sees a role's new state before its edge is acted on.
//
// Which schedule is in force: the registry keeps the last one applied (SET_ROLE_SCHEDULE) with
// the hash of the --role_schedule file last applied. On a new leadership the file is applied if
// its content differs from that hash (it was edited), otherwise the registry's copy stays, which
// may be a later PUT. While running, the file is re-applied whenever its content changes. So the
// latest change wins, whether it came from the file or from the API.

import { roleActivity, windowTransitions, type RoleSchedule } from "../allocator/role-schedule/index.ts";
import { isTerminalState } from "../wire/index.ts";
import { sendToAgent } from "./agents.ts";
import type { Master } from "./master.ts";
import type { RoleScheduleSource, RoleWindowEvent, RoleWindowOffer, RoleWindowTask, StoredRoleSchedule } from "./role-schedule-keeper.ts";
import { taskKey } from "./types.ts";

export const roleWindowClosedReason = "REASON_ROLE_WINDOW_CLOSED";

export function setInForce(m: Master, schedule: RoleSchedule | undefined, source: RoleScheduleSource, fileSha256: string | undefined): void {
  const keeper = m.roleSchedule;
  keeper.schedule = schedule;
  keeper.source = schedule === undefined ? undefined : source;
  keeper.fileSha256 = fileSha256;
  keeper.setAtMs = m.nowMs();
}

export function storedOf(m: Master): StoredRoleSchedule {
  const keeper = m.roleSchedule;
  return {
    document: keeper.schedule?.document ?? null,
    source: keeper.source ?? "api",
    ...(keeper.fileSha256 !== undefined ? { fileSha256: keeper.fileSha256 } : {}),
    setAtMs: keeper.setAtMs ?? m.nowMs(),
  };
}

export function persist(m: Master, stored: StoredRoleSchedule): Promise<void> {
  return m.deps.registry.apply({ type: "SET_ROLE_SCHEDULE", schedule: stored });
}

/**
 * Puts a new schedule (or none) in force once the registry has it, then acts on the roles whose
 * state it changes now: a role it deactivates is closed as at a window's end (by the new rule),
 * a role it activates is opened.
 */
export async function replaceRoleSchedule(m: Master, schedule: RoleSchedule | undefined, source: RoleScheduleSource, fileSha256: string | undefined): Promise<void> {
  const setAtMs = m.nowMs();
  await persist(m, { document: schedule?.document ?? null, source, ...(fileSha256 !== undefined ? { fileSha256 } : {}), setAtMs });
  if (m.isStopped) return;
  const nowMs = m.nowMs();
  checkRoleWindows(m, nowMs);
  const before = activeRoles(m.roleSchedule.schedule, nowMs);
  setInForce(m, schedule, source, fileSha256);
  const after = activeRoles(schedule, nowMs);
  m.logger.info({ source, roles: schedule?.roles.size ?? 0, max_oversubscription: schedule?.maxOversubscription ?? null }, schedule ? "role schedule replaced" : "role schedule removed");
  for (const role of new Set([...before.keys(), ...after.keys()])) {
    const wasActive = before.get(role) ?? true;
    const isActive = after.get(role) ?? true;
    if (wasActive && !isActive) closeRoleWindow(m, role, nowMs, "schedule-changed");
    if (!wasActive && isActive) openRoleWindow(m, role, nowMs, "schedule-changed");
  }
  m.requestAllocation();
}

function activeRoles(schedule: RoleSchedule | undefined, nowMs: number): Map<string, boolean> {
  const active = new Map<string, boolean>();
  if (schedule === undefined) return active;
  for (const [role, state] of roleActivity(schedule, nowMs).perRole) active.set(role, state.active);
  return active;
}

/** Acts on the window edges in (last check, nowMs]. */
export function checkRoleWindows(m: Master, nowMs: number): void {
  const keeper = m.roleSchedule;
  const lastMs = keeper.lastCheckedMs;
  keeper.lastCheckedMs = nowMs;
  if (keeper.schedule === undefined || lastMs === undefined || nowMs <= lastMs) return;
  for (const transition of windowTransitions(keeper.schedule, lastMs, nowMs)) {
    if (transition.kind === "closed") closeRoleWindow(m, transition.role, transition.atMs, "window");
    else openRoleWindow(m, transition.role, transition.atMs, "window");
  }
}

function openRoleWindow(m: Master, role: string, atMs: number, cause: RoleWindowEvent["cause"]): void {
  m.logger.info({ role, cause, at: new Date(atMs).toISOString() }, "role window opened");
  m.requestAllocation();
  m.roleSchedule.emit({ kind: "role-window-opened", role, atMs, observedAtMs: m.nowMs(), cause, onWindowEnd: undefined, rescindedOffers: [], revokedTasks: [], drainingTasks: [] });
}

function closeRoleWindow(m: Master, role: string, atMs: number, cause: RoleWindowEvent["cause"]): void {
  const rule = m.roleSchedule.schedule?.roles.get(role);
  const onWindowEnd = rule?.kind === "windows" ? rule.onWindowEnd : "drain";
  const rescindedOffers = rescindRoleOffers(m, role);
  const tasks = tasksHoldingReservations(m, role);
  const message = `The schedule window of role '${role}' closed at ${new Date(atMs).toISOString()}`;
  const gracePeriodMs = rule?.kind === "windows" ? rule.killGracePeriodMs : undefined;
  const revokedTasks = onWindowEnd === "revoke" ? tasks.map((task) => revokeTask(m, task, message, gracePeriodMs)) : [];
  const drainingTasks = onWindowEnd === "drain" ? tasks : [];
  m.logger.info(
    { role, cause, on_window_end: onWindowEnd, at: new Date(atMs).toISOString(), offers_rescinded: rescindedOffers.length, tasks_revoked: revokedTasks.length, tasks_draining: drainingTasks.length },
    "role window closed",
  );
  m.roleSchedule.emit({ kind: "role-window-closed", role, atMs, observedAtMs: m.nowMs(), cause, onWindowEnd, rescindedOffers, revokedTasks, drainingTasks });
}

/** Offers in the role holding its reservations go at once (the allocator would only at its next cycle). */
function rescindRoleOffers(m: Master, role: string): RoleWindowOffer[] {
  const rescinded: RoleWindowOffer[] = [];
  for (const offer of [...m.offers.values()]) {
    if (offer.role !== role || offer.resources.reservedBy(role).isEmpty()) continue;
    rescinded.push({ offerId: offer.id, frameworkId: offer.frameworkId, agentId: offer.agentId });
    m.rescindOffer(offer.id, "rescinded", "role window closed");
  }
  return rescinded;
}

/** Live tasks in the role holding its reservations; tasks on unreserved resources are not the schedule's business. */
function tasksHoldingReservations(m: Master, role: string): RoleWindowTask[] {
  const tasks: RoleWindowTask[] = [];
  for (const task of m.tasks.values()) {
    if (task.role !== role || isTerminalState(task.state) || task.released || task.resources.reservedBy(role).isEmpty()) continue;
    tasks.push({ taskId: task.info.task_id.value, frameworkId: task.frameworkId, agentId: task.agentId });
  }
  return tasks;
}

function revokeTask(m: Master, task: RoleWindowTask, message: string, gracePeriodMs: number | undefined): RoleWindowTask {
  const killPolicy = gracePeriodMs === undefined ? undefined : { grace_period: { nanoseconds: gracePeriodMs * 1e6 } };
  const kill = { type: "KILL_TASK" as const, epoch: m.epoch, frameworkId: task.frameworkId, taskId: task.taskId, reason: roleWindowClosedReason, message, ...(killPolicy ? { killPolicy } : {}) };
  if (!sendToAgent(m, task.agentId, kill)) m.agents.get(task.agentId)?.pendingKills.add(taskKey(task.frameworkId, task.taskId));
  m.logger.info({ framework_id: task.frameworkId, task_id: task.taskId, agent_id: task.agentId, grace_period_ms: gracePeriodMs ?? null }, "revoking task: role window closed");
  return task;
}

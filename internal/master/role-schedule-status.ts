// Observability hooks of role schedules, as plain data (observability/ turns them into metrics
// and spans; nothing here imports OpenTelemetry): per role whether it is active, its next open
// and close, and its cpus reserved, offered and allocated; per agent the oversubscription ratio
// (cpus allocated to tasks over physical cpus). Also the JSON of /master/roles's `schedule`
// field, GET /master/roles/schedule and the /metrics/snapshot gauges.

import { roleActivity, type RoleWindowState } from "../allocator/role-schedule/index.ts";
import { unreservedRole } from "../resources/index.ts";
import type { Master } from "./master.ts";
import type { RoleWindowEvent } from "./role-schedule-keeper.ts";

export interface RoleScheduleRoleStatus {
  readonly role: string;
  /** Listed in the schedule (an unlisted role is always active). */
  readonly scheduled: boolean;
  readonly active: boolean;
  readonly nextOpenMs: number | undefined;
  readonly nextCloseMs: number | undefined;
  readonly onWindowEnd: "revoke" | "drain" | undefined;
  /** Reserved for the role on agents that are not unreachable. */
  readonly cpusReserved: number;
  /** In outstanding offers of the role. */
  readonly cpusOffered: number;
  /** Held by the role's live tasks. */
  readonly cpusAllocated: number;
}

export interface AgentOversubscription {
  readonly agentId: string;
  readonly hostname: string;
  readonly physicalCpus: number;
  readonly cpusAllocated: number;
  readonly cpusOffered: number;
  /** cpusAllocated / physicalCpus. */
  readonly ratio: number;
}

export interface RoleScheduleStatus {
  /** Undefined without a schedule (no cap). */
  readonly maxOversubscription: number | undefined;
  readonly roles: readonly RoleScheduleRoleStatus[];
  readonly agents: readonly AgentOversubscription[];
}

export function roleScheduleStatus(m: Master, nowMs: number): RoleScheduleStatus {
  const schedule = m.roleSchedule.schedule;
  const perRole = schedule === undefined ? new Map<string, RoleWindowState>() : roleActivity(schedule, nowMs).perRole;
  const cpus = new Map<string, { reserved: number; offered: number; allocated: number }>();
  const of = (role: string) => {
    let entry = cpus.get(role);
    if (entry === undefined) cpus.set(role, (entry = { reserved: 0, offered: 0, allocated: 0 }));
    return entry;
  };
  for (const role of perRole.keys()) of(role);
  const byAgent = new Map<string, { allocated: number; offered: number }>();
  const agentOf = (id: string) => byAgent.get(id) ?? byAgent.set(id, { allocated: 0, offered: 0 }).get(id)!;
  for (const agent of m.agents.values()) {
    if (agent.connection === "unreachable") continue;
    for (const [role, value] of agent.total.scalarByRole("cpus")) if (role !== unreservedRole) of(role).reserved += value;
  }
  for (const offer of m.offers.values()) {
    of(offer.role).offered += offer.resources.scalar("cpus");
    agentOf(offer.agentId).offered += offer.resources.scalar("cpus");
  }
  for (const task of m.tasks.values()) {
    if (task.released) continue;
    of(task.role).allocated += task.resources.scalar("cpus");
    agentOf(task.agentId).allocated += task.resources.scalar("cpus");
  }
  const roles = [...cpus.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([role, c]): RoleScheduleRoleStatus => {
    const state = perRole.get(role);
    const rule = schedule?.roles.get(role);
    return {
      role,
      scheduled: state !== undefined,
      active: state?.active ?? true,
      nextOpenMs: state?.nextOpenMs,
      nextCloseMs: state?.nextCloseMs,
      onWindowEnd: rule?.kind === "windows" ? rule.onWindowEnd : undefined,
      cpusReserved: c.reserved,
      cpusOffered: c.offered,
      cpusAllocated: c.allocated,
    };
  });
  const agents = [...m.agents.values()].filter((a) => a.connection !== "unreachable").map((agent): AgentOversubscription => {
    const use = byAgent.get(agent.record.id) ?? { allocated: 0, offered: 0 };
    const physicalCpus = agent.record.physicalCpus;
    return { agentId: agent.record.id, hostname: agent.record.hostname, physicalCpus, cpusAllocated: use.allocated, cpusOffered: use.offered, ratio: physicalCpus > 0 ? use.allocated / physicalCpus : 0 };
  });
  return { maxOversubscription: schedule?.maxOversubscription, roles, agents };
}

const secs = (ms: number | undefined): number | null => (ms === undefined ? null : ms / 1000);

/** `schedule` of a /master/roles entry, for roles the schedule lists; {} for the others. */
export function rolesEntryScheduleFields(m: Master, role: string): { schedule?: Record<string, unknown> } {
  const schedule = m.roleSchedule.schedule;
  const rule = schedule?.roles.get(role);
  if (schedule === undefined || rule === undefined) return {};
  const state = roleActivity(schedule, m.nowMs()).perRole.get(role)!;
  return {
    schedule: {
      active: state.active,
      always: rule.kind === "always",
      next_open: secs(state.nextOpenMs),
      next_close: secs(state.nextCloseMs),
      on_window_end: rule.kind === "windows" ? rule.onWindowEnd : null,
    },
  };
}

/** The roles a schedule lists, so /master/roles shows them even with no framework yet. */
export function scheduledRoleNames(m: Master): Iterable<string> {
  return m.roleSchedule.schedule?.roles.keys() ?? [];
}

/** GET /master/roles/schedule; `withAgents` adds every agent's ratio (large clusters: large). */
export function roleScheduleJson(m: Master, withAgents: boolean): Record<string, unknown> {
  const keeper = m.roleSchedule;
  const status = roleScheduleStatus(m, m.nowMs());
  const roles: Record<string, unknown> = {};
  for (const r of status.roles) {
    roles[r.role] = { scheduled: r.scheduled, active: r.active, next_open: secs(r.nextOpenMs), next_close: secs(r.nextCloseMs), on_window_end: r.onWindowEnd ?? null, cpus: { reserved: r.cpusReserved, offered: r.cpusOffered, allocated: r.cpusAllocated } };
  }
  const ratios = status.agents.map((a) => a.ratio);
  return {
    schedule: keeper.schedule?.document ?? null,
    source: keeper.source ?? null,
    set_at: secs(keeper.setAtMs),
    timezone: keeper.schedule?.timeZone ?? null,
    max_oversubscription: status.maxOversubscription ?? null,
    roles,
    agents: {
      count: status.agents.length,
      oversubscription_ratio_max: ratios.reduce((max, ratio) => Math.max(max, ratio), 0),
      ...(withAgents ? { list: status.agents.map((a) => ({ id: a.agentId, hostname: a.hostname, physical_cpus: a.physicalCpus, cpus_allocated: a.cpusAllocated, cpus_offered: a.cpusOffered, oversubscription_ratio: a.ratio })) } : {}),
    },
    recent_events: keeper.recentEvents.map(eventJson),
  };
}

function eventJson(event: RoleWindowEvent): Record<string, unknown> {
  const task = (t: { taskId: string; frameworkId: string; agentId: string }) => ({ task_id: t.taskId, framework_id: t.frameworkId, agent_id: t.agentId });
  return {
    kind: event.kind,
    role: event.role,
    at: secs(event.atMs),
    observed_at: secs(event.observedAtMs),
    cause: event.cause,
    on_window_end: event.onWindowEnd ?? null,
    rescinded_offers: event.rescindedOffers.map((o) => ({ offer_id: o.offerId, framework_id: o.frameworkId, agent_id: o.agentId })),
    revoked_tasks: event.revokedTasks.map(task),
    draining_tasks: event.drainingTasks.map(task),
  };
}

/** /metrics/snapshot gauges: `master/roles/<role>/...` for scheduled roles and the largest agent ratio. */
export function roleScheduleMetrics(m: Master): Record<string, number> {
  const status = roleScheduleStatus(m, m.nowMs());
  const gauges: Record<string, number> = {};
  if (status.maxOversubscription !== undefined) gauges["master/role_schedule/max_oversubscription"] = status.maxOversubscription;
  gauges["master/oversubscription_ratio_max"] = status.agents.reduce((max, a) => Math.max(max, a.ratio), 0);
  for (const r of status.roles) {
    if (!r.scheduled) continue;
    gauges[`master/roles/${r.role}/active`] = r.active ? 1 : 0;
    gauges[`master/roles/${r.role}/cpus_reserved`] = r.cpusReserved;
    gauges[`master/roles/${r.role}/cpus_offered`] = r.cpusOffered;
    gauges[`master/roles/${r.role}/cpus_allocated`] = r.cpusAllocated;
  }
  return gauges;
}

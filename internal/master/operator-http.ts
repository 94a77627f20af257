// The Mesos v0 operator endpoints: state and its slices, redirect, teardown, roles and the
// /metrics/snapshot counters with Mesos's names.

import type { Context, Hono } from "hono";
import { isTerminalState } from "../wire/index.ts";
import { teardown } from "./frameworks.ts";
import type { Master } from "./master.ts";
import { roleScheduleMetrics, rolesEntryScheduleFields, scheduledRoleNames } from "./role-schedule-status.ts";
import { agentJson, agentUsage, frameworkJson, stateJson, taskJson } from "./state-json.ts";

export interface OperatorContext {
  flags: () => Record<string, string>;
  build: () => Record<string, unknown>;
  /** Base URL of the leading master (`//host:port`), or undefined when none is known. */
  leaderLocation: () => string | undefined;
}

export function mountOperatorEndpoints(app: Hono, m: Master, ctx: OperatorContext): void {
  const state = (c: Context) => c.json(stateJson(m, ctx.flags(), ctx.build()));
  for (const path of ["/master/state", "/master/state.json", "/state", "/state.json"]) app.get(path, state);
  app.get("/master/state-summary", (c) => c.json(stateSummary(m)));
  app.get("/master/slaves", (c) => c.json({ slaves: [...m.agents.values()].filter((a) => a.connection !== "unreachable").map((a) => agentJson(m, a)), recovered_slaves: [] }));
  app.get("/master/frameworks", (c) => c.json({ frameworks: [...m.frameworks.values()].map((f) => frameworkJson(m, f)), completed_frameworks: m.completedFrameworks.map((f) => frameworkJson(m, f)), unregistered_frameworks: [] }));
  app.get("/master/tasks", (c) => c.json({ tasks: tasksList(m, c.req.query("framework_id"), c.req.query("task_id")) }));
  app.get("/master/roles", (c) => c.json({ roles: rolesJson(m) }));
  app.get("/metrics/snapshot", (c) => c.json(metricsSnapshot(m)));
  for (const path of ["/master/redirect", "/redirect"]) {
    app.get(path, (c) => {
      const location = ctx.leaderLocation();
      return location === undefined ? c.text("No leading master", 503) : c.body(null, 307, { Location: location });
    });
  }
  app.post("/master/teardown", async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const frameworkId = (form as Record<string, unknown>)["frameworkId"] ?? c.req.query("frameworkId");
    if (typeof frameworkId !== "string" || frameworkId === "") return c.text("Missing 'frameworkId' parameter", 400);
    if (!m.frameworks.has(frameworkId)) return c.text(`No framework found with specified ID '${frameworkId}'`, 400);
    await teardown(m, frameworkId, "torn down by the operator");
    return c.body(null, 200);
  });
}

function tasksList(m: Master, frameworkId: string | undefined, taskId: string | undefined): unknown[] {
  const all = [...m.tasks.values(), ...[...m.frameworks.values()].flatMap((f) => f.completedTasks)];
  return all.filter((t) => (frameworkId === undefined || t.frameworkId === frameworkId) && (taskId === undefined || t.info.task_id.value === taskId)).map(taskJson);
}

function stateSummary(m: Master): Record<string, unknown> {
  const counts = (tasks: Iterable<string>) => {
    const byState: Record<string, number> = {};
    for (const key of tasks) {
      const state = m.tasks.get(key)?.state;
      if (state) byState[state] = (byState[state] ?? 0) + 1;
    }
    return byState;
  };
  return {
    hostname: m.deps.address.hostname,
    cluster: "",
    slaves: [...m.agents.values()].map((a) => ({ id: a.record.id, hostname: a.record.hostname, active: a.connection === "connected", ...counts(a.tasks) })),
    frameworks: [...m.frameworks.values()].map((f) => ({ id: f.id, name: f.info.name, active: f.active, ...counts(f.tasks) })),
  };
}

function rolesJson(m: Master): unknown[] {
  const roles = new Map<string, { frameworks: Set<string>; allocated: number; offered: number }>();
  const touch = (role: string) => {
    let entry = roles.get(role);
    if (!entry) roles.set(role, (entry = { frameworks: new Set(), allocated: 0, offered: 0 }));
    return entry;
  };
  for (const framework of m.frameworks.values()) for (const role of framework.info.roles ?? [framework.info.role ?? "*"]) touch(role).frameworks.add(framework.id);
  for (const task of m.tasks.values()) if (!task.released) touch(task.role).allocated += task.resources.scalar("cpus");
  for (const offer of m.offers.values()) touch(offer.role).offered += offer.resources.scalar("cpus");
  for (const role of Object.keys(m.deps.registry.state().weights)) touch(role);
  for (const role of scheduledRoleNames(m)) touch(role);
  const weights = m.deps.registry.state().weights;
  return [...roles.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, entry]) => ({
    name,
    weight: weights[name] ?? m.config.weights.get(name) ?? 1,
    frameworks: [...entry.frameworks],
    resources: { cpus: entry.allocated + entry.offered },
    allocated: { cpus: entry.allocated },
    offered: { cpus: entry.offered },
    ...rolesEntryScheduleFields(m, name),
  }));
}

/** Mesos metric names; gauges computed now, counters from MasterMetrics. */
export function metricsSnapshot(m: Master): Record<string, number> {
  const agents = [...m.agents.values()];
  let cpusTotal = 0;
  let memTotal = 0;
  let diskTotal = 0;
  let cpusUsed = 0;
  let memUsed = 0;
  let diskUsed = 0;
  for (const agent of agents) {
    if (agent.connection === "unreachable") continue;
    const { used } = agentUsage(m, agent);
    cpusTotal += agent.total.scalar("cpus");
    memTotal += agent.total.scalar("mem");
    diskTotal += agent.total.scalar("disk");
    cpusUsed += used.scalar("cpus");
    memUsed += used.scalar("mem");
    diskUsed += used.scalar("disk");
  }
  const active = [...m.tasks.values()];
  const inState = (state: string) => active.filter((t) => t.state === state).length;
  const counter = (state: string) => m.metrics.taskStates.get(state as never) ?? 0;
  const frameworks = [...m.frameworks.values()];
  const ms = m.metrics;
  return {
    "master/elected": 1,
    "master/uptime_secs": (m.nowMs() - m.startedAtMs) / 1000,
    "master/slaves_active": agents.filter((a) => a.connection === "connected" && !a.record.deactivated).length,
    "master/slaves_inactive": agents.filter((a) => a.connection === "connected" && a.record.deactivated).length,
    "master/slaves_connected": agents.filter((a) => a.connection === "connected").length,
    "master/slaves_disconnected": agents.filter((a) => a.connection === "disconnected").length,
    "master/slaves_unreachable": agents.filter((a) => a.connection === "unreachable").length,
    "master/slave_registrations": ms.agentRegistrations,
    "master/slave_reregistrations": ms.agentReregistrations,
    "master/slave_removals": ms.agentRemovals,
    "master/slave_unreachable_completed": ms.agentsUnreachable,
    "master/frameworks_active": frameworks.filter((f) => f.active).length,
    "master/frameworks_inactive": frameworks.filter((f) => !f.active).length,
    "master/frameworks_connected": frameworks.filter((f) => f.connected).length,
    "master/frameworks_disconnected": frameworks.filter((f) => !f.connected).length,
    "master/cpus_total": cpusTotal,
    "master/cpus_used": cpusUsed,
    "master/cpus_percent": cpusTotal === 0 ? 0 : cpusUsed / cpusTotal,
    "master/mem_total": memTotal,
    "master/mem_used": memUsed,
    "master/mem_percent": memTotal === 0 ? 0 : memUsed / memTotal,
    "master/disk_total": diskTotal,
    "master/disk_used": diskUsed,
    "master/disk_percent": diskTotal === 0 ? 0 : diskUsed / diskTotal,
    "master/tasks_staging": inState("TASK_STAGING"),
    "master/tasks_starting": inState("TASK_STARTING"),
    "master/tasks_running": inState("TASK_RUNNING"),
    "master/tasks_killing": inState("TASK_KILLING"),
    "master/tasks_unreachable": inState("TASK_UNREACHABLE"),
    "master/tasks_finished": counter("TASK_FINISHED"),
    "master/tasks_failed": counter("TASK_FAILED"),
    "master/tasks_killed": counter("TASK_KILLED"),
    "master/tasks_lost": counter("TASK_LOST"),
    "master/tasks_error": counter("TASK_ERROR"),
    "master/tasks_dropped": counter("TASK_DROPPED"),
    "master/tasks_gone": counter("TASK_GONE"),
    "master/tasks_gone_by_operator": counter("TASK_GONE_BY_OPERATOR"),
    "master/outstanding_offers": m.offers.size,
    "master/valid_status_updates": ms.validStatusUpdates,
    "master/invalid_status_updates": ms.invalidStatusUpdates,
    "master/messages_scheduler_calls": [...ms.schedulerCalls.values()].reduce((a, b) => a + b, 0),
    "allocator/mesos/allocation_runs": ms.allocationRuns,
    "allocator/mesos/allocation_run_ms": ms.lastAllocationRunMs,
    "allocator/mesos/offers_created": ms.offersCreated,
    "master/offers_accepted": ms.offersAccepted,
    "master/offers_declined": ms.offersDeclined,
    "master/offers_rescinded": ms.offersRescinded,
    "master/offers_expired": ms.offersExpired,
    "registrar/registry_size_bytes": JSON.stringify(m.deps.registry.state()).length,
    "master/terminal_tasks_in_memory": [...m.frameworks.values()].reduce((n, f) => n + f.completedTasks.filter((t) => isTerminalState(t.state)).length, 0),
    ...roleScheduleMetrics(m),
  };
}

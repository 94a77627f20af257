// POST /api/v1: the Mesos v1 operator API in JSON, and the v0 maintenance endpoints.

import type { Context, Hono } from "hono";
import type { Flags } from "../flags/index.ts";
import { effectiveFlagsForDisplay, versionInfo } from "../process/index.ts";
import {
  operatorApiPath,
  parseMachineIdsBody,
  parseMaintenanceScheduleBody,
  parseOperatorCallText,
  protobufDurationMs,
  WireError,
  type OperatorCall,
  type OperatorResponse,
  type Task,
} from "../wire/index.ts";
import { teardown } from "./frameworks.ts";
import type { Master } from "./master.ts";
import { metricsSnapshot } from "./operator-http.ts";
import {
  drainAgent,
  machinesDown,
  machinesUp,
  markAgentGone,
  scheduleFromWindows,
  setAgentFlag,
  updateMaintenanceSchedule,
  updateQuota,
  updateWeights,
  type OperationResult,
} from "./operations.ts";
import { agentUsage } from "./state-json.ts";
import type { AgentEntry, FrameworkEntry, TaskEntry } from "./types.ts";

type Answer = OperatorResponse | OperationResult;

export function mountOperatorApi(app: Hono, m: Master, flags: Flags): void {
  app.post(operatorApiPath, async (c) => {
    const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
    if (contentType !== "application/json") return c.text(`Expecting 'Content-Type' of application/json (protobuf is not supported); got '${contentType || "none"}'`, 415);
    let call: OperatorCall;
    try {
      call = parseOperatorCallText(await c.req.text());
    } catch (error) {
      if (error instanceof WireError) return c.text(`Failed to validate master::Call: ${error.message}`, 400);
      throw error;
    }
    m.metrics.countCall(m.metrics.operatorCalls, call.type);
    return respond(c, await answer(m, flags, call));
  });
  mountMaintenanceV0(app, m);
}

function respond(c: Context, result: Answer): Response {
  if ("ok" in result) return result.ok ? c.body(null, 200) : c.text(result.message, result.status as 400);
  return c.json(result);
}

async function answer(m: Master, flags: Flags, call: OperatorCall): Promise<Answer> {
  switch (call.type) {
    case "GET_HEALTH":
      return { type: "GET_HEALTH", get_health: { healthy: true } };
    case "GET_FLAGS":
      return { type: "GET_FLAGS", get_flags: { flags: Object.entries(effectiveFlagsForDisplay(flags)).map(([name, value]) => ({ name, value })) } };
    case "GET_VERSION":
      return { type: "GET_VERSION", get_version: { version_info: versionInfo() } };
    case "GET_METRICS":
      return { type: "GET_METRICS", get_metrics: { metrics: Object.entries(metricsSnapshot(m)).map(([name, value]) => ({ name, value })) } };
    case "GET_LOGGING_LEVEL":
      return { type: "GET_LOGGING_LEVEL", get_logging_level: { level: m.logger.levelVal <= 20 ? 1 : 0 } };
    case "GET_MASTER":
      return { type: "GET_MASTER", get_master: { master_info: m.masterInfo(), start_time: m.startedAtMs / 1000, ...(m.electedAtMs ? { elected_time: m.electedAtMs / 1000 } : {}) } };
    case "GET_STATE":
      return { type: "GET_STATE", get_state: { get_tasks: getTasks(m), get_executors: { executors: [] }, get_frameworks: getFrameworks(m), get_agents: getAgents(m) } };
    case "GET_AGENTS":
      return { type: "GET_AGENTS", get_agents: getAgents(m) };
    case "GET_FRAMEWORKS":
      return { type: "GET_FRAMEWORKS", get_frameworks: getFrameworks(m) };
    case "GET_EXECUTORS":
      return { type: "GET_EXECUTORS", get_executors: { executors: [] } };
    case "GET_TASKS":
      return { type: "GET_TASKS", get_tasks: getTasks(m) };
    case "GET_ROLES":
      return { type: "GET_ROLES", get_roles: { roles: getRoles(m) } };
    case "GET_WEIGHTS":
      return { type: "GET_WEIGHTS", get_weights: { weight_infos: Object.entries(currentWeights(m)).map(([role, weight]) => ({ role, weight })) } };
    case "UPDATE_WEIGHTS":
      return updateWeights(m, call.update_weights.weight_infos);
    case "GET_QUOTA":
      return { type: "GET_QUOTA", get_quota: { status: quotaStatus(m) } };
    case "UPDATE_QUOTA":
      return updateQuota(m, call.update_quota.quota_configs);
    case "SET_QUOTA": {
      const request = call.set_quota.quota_request;
      const limits: Record<string, { value: number }> = {};
      for (const resource of request.guarantee ?? []) if (resource.scalar) limits[resource.name] = { value: resource.scalar.value };
      return updateQuota(m, [{ role: request.role, limits }]);
    }
    case "REMOVE_QUOTA":
      return updateQuota(m, [{ role: call.remove_quota.role, limits: {} }]);
    default:
      return answerMutation(m, call);
  }
}

async function answerMutation(m: Master, call: OperatorCall): Promise<Answer> {
  switch (call.type) {
    case "GET_MAINTENANCE_SCHEDULE":
      return { type: "GET_MAINTENANCE_SCHEDULE", get_maintenance_schedule: { schedule: scheduleFromWindows(m.deps.registry.state().maintenance.windows) } };
    case "GET_MAINTENANCE_STATUS":
      return { type: "GET_MAINTENANCE_STATUS", get_maintenance_status: { status: maintenanceStatus(m) } };
    case "UPDATE_MAINTENANCE_SCHEDULE":
      return updateMaintenanceSchedule(m, call.update_maintenance_schedule.schedule);
    case "START_MAINTENANCE":
      return machinesDown(m, call.start_maintenance.machines);
    case "STOP_MAINTENANCE":
      return machinesUp(m, call.stop_maintenance.machines);
    case "DRAIN_AGENT": {
      const grace = call.drain_agent.max_grace_period;
      return drainAgent(m, call.drain_agent.agent_id.value, grace ? protobufDurationMs(grace) : undefined, call.drain_agent.mark_gone ?? false);
    }
    case "DEACTIVATE_AGENT":
      return setAgentFlag(m, call.deactivate_agent.agent_id.value, { deactivated: true });
    case "REACTIVATE_AGENT":
      return setAgentFlag(m, call.reactivate_agent.agent_id.value, { deactivated: false, draining: false });
    case "MARK_AGENT_GONE":
      return markAgentGone(m, call.mark_agent_gone.agent_id.value);
    case "TEARDOWN": {
      const frameworkId = call.teardown.framework_id.value;
      if (!m.frameworks.has(frameworkId)) return { ok: false, status: 400, message: `No framework found with ID '${frameworkId}'` };
      await teardown(m, frameworkId, "torn down by the operator");
      return { ok: true };
    }
    default:
      return { ok: false, status: 501, message: `Operator call ${call.type} is not implemented by this master` };
  }
}

function currentWeights(m: Master): Record<string, number> {
  return { ...Object.fromEntries(m.config.weights), ...m.deps.registry.state().weights };
}

function taskProto(task: TaskEntry): Task {
  return {
    name: task.info.name,
    task_id: task.info.task_id,
    framework_id: { value: task.frameworkId },
    ...(task.info.executor ? { executor_id: { value: task.executorId } } : {}),
    agent_id: { value: task.agentId },
    state: task.state,
    resources: task.resources.toJSON(),
    statuses: task.statuses,
    ...(task.latestStatus ? { status_update_state: task.latestStatus.state } : {}),
    ...(task.latestStatus?.uuid ? { status_update_uuid: task.latestStatus.uuid } : {}),
    ...(task.info.labels ? { labels: task.info.labels } : {}),
    ...(task.info.health_check ? { health_check: task.info.health_check } : {}),
    ...(task.info.kill_policy ? { kill_policy: task.info.kill_policy } : {}),
  };
}

function getTasks(m: Master) {
  const active = [...m.tasks.values()];
  return {
    tasks: active.filter((t) => t.state !== "TASK_UNREACHABLE").map(taskProto),
    unreachable_tasks: active.filter((t) => t.state === "TASK_UNREACHABLE").map(taskProto),
    completed_tasks: [...m.frameworks.values()].flatMap((f) => f.completedTasks).map(taskProto),
    pending_tasks: [],
    orphan_tasks: [],
  };
}

function frameworkProto(m: Master, framework: FrameworkEntry) {
  return {
    framework_info: framework.info,
    active: framework.active,
    connected: framework.connected,
    recovered: false,
    registered_time: { nanoseconds: framework.registeredAtMs * 1e6 },
    ...(framework.reregisteredAtMs ? { reregistered_time: { nanoseconds: framework.reregisteredAtMs * 1e6 } } : {}),
    offered_resources: [...framework.offerIds].flatMap((id) => m.offers.get(id)?.resources.toJSON() ?? []),
  };
}

function getFrameworks(m: Master) {
  return {
    frameworks: [...m.frameworks.values()].map((f) => frameworkProto(m, f)),
    completed_frameworks: m.completedFrameworks.map((f) => frameworkProto(m, f)),
  };
}

function agentProto(m: Master, agent: AgentEntry) {
  const { used, offered } = agentUsage(m, agent);
  return {
    agent_info: { hostname: agent.record.hostname, port: agent.record.port, resources: agent.total.toJSON(), attributes: agent.record.attributes, id: { value: agent.record.id } },
    active: agent.connection === "connected" && !agent.record.deactivated,
    deactivated: agent.record.deactivated,
    version: agent.version,
    pid: `slave(1)@${agent.record.hostname}:${agent.record.port}`,
    registered_time: { nanoseconds: agent.registeredAtMs * 1e6 },
    total_resources: agent.total.toJSON(),
    allocated_resources: used.toJSON(),
    offered_resources: offered.toJSON(),
    ...(agent.record.draining ? { drain_info: { state: m.drainMarkGone.has(agent.record.id) ? ("DRAINING" as const) : ("DRAINED" as const), config: { mark_gone: m.drainMarkGone.get(agent.record.id) ?? false } } } : {}),
  };
}

function getAgents(m: Master) {
  return { agents: [...m.agents.values()].filter((a) => a.connection !== "unreachable").map((a) => agentProto(m, a)), recovered_agents: [] };
}

function getRoles(m: Master) {
  const weights = currentWeights(m);
  const roles = new Set<string>(Object.keys(weights));
  for (const framework of m.frameworks.values()) for (const role of framework.info.roles ?? [framework.info.role ?? "*"]) roles.add(role);
  return [...roles].sort().map((name) => ({
    name,
    weight: weights[name] ?? 1,
    frameworks: [...m.frameworks.values()].filter((f) => (f.info.roles ?? [f.info.role ?? "*"]).includes(name)).map((f) => ({ value: f.id })),
    resources: [...m.tasks.values()].filter((t) => t.role === name && !t.released).flatMap((t) => t.resources.toJSON()),
  }));
}

function quotaStatus(m: Master) {
  const quotas = m.deps.registry.state().quotas;
  return {
    infos: Object.entries(quotas).map(([role, limits]) => ({ role, guarantee: limits })),
    configs: Object.entries(quotas).map(([role, limits]) => ({ role, limits: Object.fromEntries(limits.filter((r) => r.scalar).map((r) => [r.name, { value: r.scalar!.value }])) })),
  };
}

function maintenanceStatus(m: Master) {
  const machines = Object.values(m.deps.registry.state().maintenance.machines);
  const id = (machine: { hostname?: string; ip?: string }) => ({ ...(machine.hostname ? { hostname: machine.hostname } : {}), ...(machine.ip ? { ip: machine.ip } : {}) });
  return {
    draining_machines: machines.filter((x) => x.mode === "DRAINING").map((x) => ({ id: id(x), statuses: [] })),
    down_machines: machines.filter((x) => x.mode === "DOWN").map(id),
  };
}

/** /master/maintenance/schedule (GET, POST), /master/maintenance/status, /master/machine/down and /up. */
function mountMaintenanceV0(app: Hono, m: Master): void {
  const body = async <T>(c: Context, parse: (value: unknown) => T): Promise<T | Response> => {
    try {
      return parse(JSON.parse(await c.req.text()));
    } catch (error) {
      if (error instanceof WireError || error instanceof SyntaxError) return c.text(`Failed to parse the request body: ${error.message}`, 400);
      throw error;
    }
  };
  app.get("/master/maintenance/schedule", (c) => c.json(scheduleFromWindows(m.deps.registry.state().maintenance.windows)));
  app.get("/master/maintenance/status", (c) => c.json(maintenanceStatus(m)));
  app.post("/master/maintenance/schedule", async (c) => {
    const schedule = await body(c, parseMaintenanceScheduleBody);
    return schedule instanceof Response ? schedule : respond(c, await updateMaintenanceSchedule(m, schedule));
  });
  app.post("/master/machine/down", async (c) => {
    const machines = await body(c, parseMachineIdsBody);
    return machines instanceof Response ? machines : respond(c, await machinesDown(m, machines));
  });
  app.post("/master/machine/up", async (c) => {
    const machines = await body(c, parseMachineIdsBody);
    return machines instanceof Response ? machines : respond(c, await machinesUp(m, machines));
  });
}

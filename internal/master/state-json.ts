// The Mesos v0 JSON of /master/state and its relatives (/master/slaves, /master/frameworks,
// /master/tasks, /master/state-summary, /master/roles): resources as {cpus: 4, ports: "[..]"},
// times as seconds since the epoch.

import { formatRanges, Resources } from "../resources/index.ts";
import type { Attribute } from "../wire/index.ts";
import { isOfferable } from "./agents.ts";
import type { Master } from "./master.ts";
import type { AgentEntry, FrameworkEntry, TaskEntry } from "./types.ts";

export type ResourcesObject = Record<string, number | string>;

/** Mesos's v0 form: scalars as numbers (cpus, mem, disk and gpus always present), ranges and sets as text. */
export function resourcesObject(resources: Resources): ResourcesObject {
  const out: ResourcesObject = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  for (const name of resources.names()) {
    const entry = resources.toArray().find((r) => r.name === name)!;
    if (entry.type === "SCALAR") out[name] = resources.scalar(name);
    else if (entry.type === "RANGES") out[name] = formatRanges(resources.ranges(name));
    else out[name] = `{${resources.setItems(name).join(",")}}`;
  }
  return out;
}

export function attributesObject(attributes: readonly Attribute[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const attribute of attributes) {
    if (attribute.type === "SCALAR") out[attribute.name] = attribute.scalar?.value ?? 0;
    else if (attribute.type === "TEXT") out[attribute.name] = attribute.text?.value ?? "";
    else if (attribute.type === "RANGES") out[attribute.name] = formatRanges(attribute.ranges?.range ?? []);
    else out[attribute.name] = `{${(attribute.set?.item ?? []).join(",")}}`;
  }
  return out;
}

function secs(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** Resources of an agent by use: tasks (used), outstanding offers (offered). */
export function agentUsage(m: Master, agent: AgentEntry): { used: Resources; offered: Resources } {
  let used = Resources.EMPTY;
  for (const key of agent.tasks) {
    const task = m.tasks.get(key);
    if (task && !task.released) used = used.plus(task.resources);
  }
  let offered = Resources.EMPTY;
  for (const offer of m.offers.values()) if (offer.agentId === agent.record.id) offered = offered.plus(offer.resources);
  return { used, offered };
}

export function agentJson(m: Master, agent: AgentEntry): Record<string, unknown> {
  const { used, offered } = agentUsage(m, agent);
  const reserved: Record<string, ResourcesObject> = {};
  for (const role of agent.total.roles()) if (role !== "*") reserved[role] = resourcesObject(agent.total.reservedBy(role));
  return {
    id: agent.record.id,
    pid: `slave(1)@${agent.record.hostname}:${agent.record.port}`,
    hostname: agent.record.hostname,
    port: agent.record.port,
    registered_time: secs(agent.registeredAtMs),
    ...(agent.reregisteredAtMs !== undefined ? { reregistered_time: secs(agent.reregisteredAtMs) } : {}),
    resources: resourcesObject(agent.total),
    used_resources: resourcesObject(used),
    offered_resources: resourcesObject(offered),
    reserved_resources: reserved,
    unreserved_resources: resourcesObject(agent.total.unreserved()),
    resources_full: agent.total.toJSON(),
    used_resources_full: used.toJSON(),
    offered_resources_full: offered.toJSON(),
    attributes: attributesObject(agent.record.attributes),
    active: agent.connection === "connected" && !agent.record.deactivated,
    deactivated: agent.record.deactivated,
    draining: agent.record.draining,
    offerable: isOfferable(m, agent),
    physical_cpus: agent.record.physicalCpus,
    version: agent.version,
    capabilities: [],
  };
}

export function taskJson(task: TaskEntry): Record<string, unknown> {
  return {
    id: task.info.task_id.value,
    name: task.info.name,
    framework_id: task.frameworkId,
    executor_id: task.info.executor ? task.executorId : "",
    slave_id: task.agentId,
    agent_id: task.agentId,
    state: task.state,
    resources: resourcesObject(task.resources),
    role: task.role,
    statuses: task.statuses.map((s) => ({ state: s.state, timestamp: s.timestamp, ...(s.healthy !== undefined ? { healthy: s.healthy } : {}) })),
    ...(task.info.labels ? { labels: task.info.labels.labels } : {}),
    ...(task.info.discovery ? { discovery: task.info.discovery } : {}),
    ...(task.info.container ? { container: task.info.container } : {}),
    ...(task.info.health_check ? { health_check: task.info.health_check } : {}),
  };
}

export function frameworkJson(m: Master, framework: FrameworkEntry): Record<string, unknown> {
  const tasks = [...framework.tasks].map((key) => m.tasks.get(key)).filter((t): t is TaskEntry => t !== undefined);
  const used = tasks.filter((t) => !t.released).reduce((sum, t) => sum.plus(t.resources), Resources.EMPTY);
  const offers = [...framework.offerIds].map((id) => m.offers.get(id)).filter((o) => o !== undefined);
  const offered = offers.reduce((sum, o) => sum.plus(o.resources), Resources.EMPTY);
  const info = framework.info;
  return {
    id: framework.id,
    name: info.name,
    user: info.user,
    hostname: info.hostname ?? "",
    webui_url: info.webui_url ?? "",
    principal: info.principal,
    role: info.role ?? info.roles?.[0] ?? "*",
    roles: info.roles ?? [info.role ?? "*"],
    capabilities: (info.capabilities ?? []).map((c) => c.type),
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    active: framework.active,
    connected: framework.connected,
    recovered: false,
    registered_time: secs(framework.registeredAtMs),
    ...(framework.reregisteredAtMs !== undefined ? { reregistered_time: secs(framework.reregisteredAtMs) } : {}),
    resources: resourcesObject(used.plus(offered)),
    used_resources: resourcesObject(used),
    offered_resources: resourcesObject(offered),
    tasks: tasks.filter((t) => t.state !== "TASK_UNREACHABLE").map(taskJson),
    unreachable_tasks: tasks.filter((t) => t.state === "TASK_UNREACHABLE").map(taskJson),
    completed_tasks: framework.completedTasks.map(taskJson),
    offers: offers.map((o) => ({ id: o.id, framework_id: o.frameworkId, slave_id: o.agentId, resources: resourcesObject(o.resources), allocation_info: { role: o.role } })),
    executors: [],
    ...(info.labels ? { labels: info.labels.labels } : {}),
  };
}

export function stateJson(m: Master, flags: Record<string, string>, build: Record<string, unknown>): Record<string, unknown> {
  const agents = [...m.agents.values()];
  const leader = m.masterInfo();
  return {
    ...build,
    id: m.masterId,
    pid: leader.pid,
    hostname: leader.hostname,
    start_time: secs(m.startedAtMs),
    elected_time: secs(m.electedAtMs),
    activated_slaves: agents.filter((a) => a.connection === "connected" && !a.record.deactivated).length,
    deactivated_slaves: agents.filter((a) => a.connection !== "unreachable" && (a.connection !== "connected" || a.record.deactivated)).length,
    unreachable_slaves: agents.filter((a) => a.connection === "unreachable").length,
    leader: leader.pid,
    leader_info: leader,
    flags,
    slaves: agents.filter((a) => a.connection !== "unreachable").map((a) => agentJson(m, a)),
    recovered_slaves: agents.filter((a) => a.recovered).map((a) => ({ id: a.record.id, hostname: a.record.hostname, port: a.record.port })),
    frameworks: [...m.frameworks.values()].map((f) => frameworkJson(m, f)),
    completed_frameworks: m.completedFrameworks.map((f) => frameworkJson(m, f)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

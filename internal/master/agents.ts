// Agents: registration and re-registration over the internal protocol, pings, disconnection,
// unreachability, and whether an agent may receive offers right now.

import { Resources, parseResourcesJSONValue, unreservedRole } from "../resources/index.ts";
import { isTerminalState, type AgentToMaster, type MasterToAgent, type TaskStatus } from "../wire/index.ts";
import { agentProtocolVersion } from "../wire/index.ts";
import type { Master } from "./master.ts";
import { newFrameworkEntry } from "./master.ts";
import type { AgentRecord, MachineMode } from "./registry/index.ts";
import { withReservations } from "./reservations.ts";
import { masterStatus } from "./status.ts";
import { addTask, completeTask, hasCapability, masterTransition, taskResources, taskRole } from "./tasks.ts";
import { taskKey, type AgentEntry, type AgentLink } from "./types.ts";

type RegisterMessage = Extract<AgentToMaster, { type: "REGISTER" }>;

/** Handles REGISTER; answers REGISTERED or REFUSED on the link. Returns the agent id on success. */
export async function registerAgent(m: Master, link: AgentLink, message: RegisterMessage): Promise<string | undefined> {
  const refuse = (text: string): undefined => {
    link.send({ type: "REFUSED", message: text });
    m.logger.warn({ hostname: message.agent.hostname, reason: text }, "agent registration refused");
    return undefined;
  };
  if (message.protocolVersion !== agentProtocolVersion) return refuse(`agent protocol version ${message.protocolVersion} is not ${agentProtocolVersion}; upgrade the agent and master together`);
  if (message.epoch > m.epoch) return refuse(`this master's epoch ${m.epoch} is older than the agent's ${message.epoch}: it is not the current leader`);
  let total: Resources;
  try {
    total = parseResourcesJSONValue(message.agent.resources, unreservedRole);
  } catch (error) {
    return refuse(`bad resources: ${(error as Error).message}`);
  }
  const known = message.agentId === undefined ? undefined : m.deps.registry.state().agents[message.agentId];
  if (known?.gone) return refuse(`agent ${known.id} was marked gone by the operator; start it with a fresh --work_dir`);
  const agentId = message.agentId ?? m.ids.nextAgentId();
  const record: AgentRecord = {
    id: agentId,
    hostname: message.agent.hostname,
    port: message.agent.port,
    resources: message.agent.resources,
    attributes: message.agent.attributes,
    physicalCpus: message.agent.physicalCpus,
    registeredAtMs: known?.registeredAtMs ?? m.nowMs(),
    deactivated: known?.deactivated ?? false,
    draining: known?.draining ?? false,
    gone: false,
    ...(known?.dynamicReservations ? { dynamicReservations: known.dynamicReservations } : {}),
  };
  total = applyDynamicReservations(m, record, total);
  await m.deps.registry.apply({ type: "ADMIT_AGENT", agent: record });
  const previous = m.agents.get(agentId);
  previous?.link?.close("agent re-registered on a new connection");
  const entry = admit(m, record, total, link, message.agent.version, previous);
  link.send(registeredMessage(m, agentId));
  reconcileReportedTasks(m, entry, message, previous);
  if (message.agentId === undefined) m.metrics.agentRegistrations += 1;
  else m.metrics.agentReregistrations += 1;
  m.logger.info({ agent_id: agentId, hostname: record.hostname, resources: total.toText(), reregistered: message.agentId !== undefined }, "agent registered");
  m.requestAllocation();
  return agentId;
}

/** The registry's dynamic reservations on top of what the agent advertises, if they still fit. */
function applyDynamicReservations(m: Master, record: AgentRecord, advertised: Resources): Resources {
  if (!record.dynamicReservations?.length) return advertised;
  const dynamic = parseResourcesJSONValue(record.dynamicReservations, unreservedRole);
  const total = withReservations(advertised, dynamic);
  if (total) return total;
  m.logger.warn({ agent_id: record.id, reservations: dynamic.toText() }, "the agent no longer has the resources of its dynamic reservations; dropping them");
  delete record.dynamicReservations;
  return advertised;
}

function registeredMessage(m: Master, agentId: string): MasterToAgent {
  return {
    type: "REGISTERED",
    agentId,
    masterId: m.masterId,
    epoch: m.epoch,
    pingIntervalMs: m.config.agentPingTimeoutMs,
    maxPingTimeouts: m.config.maxAgentPingTimeouts,
  };
}

/** Puts the agent (back) into the master's maps and the allocator with its current total. */
function admit(m: Master, record: AgentRecord, total: Resources, link: AgentLink, version: string, previous: AgentEntry | undefined): AgentEntry {
  if (m.allocator.agentView(record.id) !== undefined) {
    m.rescindOffersOfAgent(record.id, "agent_lost", "agent re-registered");
    m.allocator.removeAgent(record.id);
  }
  const entry: AgentEntry = {
    record,
    total,
    link,
    connection: "connected",
    lastPongMs: m.monoMs(),
    missedPings: 0,
    tasks: previous?.tasks ?? new Set(),
    registeredAtMs: previous?.registeredAtMs ?? m.nowMs(),
    reregisteredAtMs: previous ? m.nowMs() : undefined,
    version,
    recovered: false,
    pendingKills: previous?.pendingKills ?? new Set(),
  };
  m.agents.set(record.id, entry);
  m.allocator.addAgent({ id: record.id, hostname: record.hostname, total, physicalCpus: record.physicalCpus, offerable: false });
  // Tasks already on the agent hold their resources again before anything is offered.
  for (const key of entry.tasks) {
    const task = m.tasks.get(key);
    if (task && !task.released) bookTask(m, task.frameworkId, record.id, task.role, task.resources);
  }
  refreshOfferable(m, record.id);
  return entry;
}

function bookTask(m: Master, frameworkId: string, agentId: string, role: string, resources: Resources): boolean {
  const view = m.allocator.agentView(agentId);
  if (!view || !view.available.contains(resources)) {
    m.logger.error({ agent_id: agentId, framework_id: frameworkId, resources: resources.toText() }, "task resources do not fit the agent's total; not booked");
    return false;
  }
  m.allocator.recordAllocation(frameworkId, agentId, role, resources);
  return true;
}

/**
 * The agent's report is the truth about what runs there. Tasks the master did not know are added
 * (a master restart); tasks the master knew but the agent does not report are lost; tasks the
 * master already declared lost (the agent was unreachable) or whose framework is gone are killed.
 */
function reconcileReportedTasks(m: Master, entry: AgentEntry, message: RegisterMessage, previous: AgentEntry | undefined): void {
  const agentId = entry.record.id;
  const reported = new Set<string>();
  for (const report of message.tasks) {
    const key = taskKey(report.frameworkId, report.task.task_id.value);
    reported.add(key);
    const verdict = reportedTaskVerdict(m, report.frameworkId, key);
    if (verdict === "known") {
      const task = m.tasks.get(key)!;
      task.state = report.state;
      // A task that was unreachable comes back: it holds its resources again.
      if (task.released && !isTerminalState(report.state)) task.released = !bookTask(m, task.frameworkId, agentId, task.role, task.resources);
    } else if (verdict === "kill") {
      if (!isTerminalState(report.state)) sendToAgent(m, agentId, { type: "KILL_TASK", epoch: m.epoch, frameworkId: report.frameworkId, taskId: report.task.task_id.value, reason: "REASON_AGENT_REMOVED", message: "The master already reported this task lost or its framework removed" });
    } else {
      ensureFramework(m, report.frameworkId, report.framework);
      const resources = taskResources(report.task);
      const role = taskRole(report.task, report.framework);
      if (!isTerminalState(report.state)) bookTask(m, report.frameworkId, agentId, role, resources);
      addTask(m, { frameworkId: report.frameworkId, agentId, info: report.task, role, resources, state: report.state, executorId: report.executorId });
    }
  }
  loseUnreportedTasks(m, agentId, previous, reported);
  for (const key of entry.pendingKills) {
    const task = m.tasks.get(key);
    if (task) sendToAgent(m, agentId, { type: "KILL_TASK", epoch: m.epoch, frameworkId: task.frameworkId, taskId: task.info.task_id.value });
  }
  entry.pendingKills.clear();
}

function reportedTaskVerdict(m: Master, frameworkId: string, key: string): "known" | "kill" | "add" {
  if (m.tasks.has(key)) return "known";
  if (m.deps.registry.state().frameworks[frameworkId]?.removedAtMs !== undefined) return "kill";
  const framework = m.frameworks.get(frameworkId);
  if (framework?.completedTasks.some((t) => t.key === key)) return "kill";
  if (m.completedFrameworks.some((f) => f.id === frameworkId)) return "kill";
  return "add";
}

function loseUnreportedTasks(m: Master, agentId: string, previous: AgentEntry | undefined, reported: ReadonlySet<string>): void {
  for (const key of [...(previous?.tasks ?? [])]) {
    const task = m.tasks.get(key);
    if (!task || reported.has(key) || isTerminalState(task.state)) continue;
    const partitionAware = hasCapability(m.frameworks.get(task.frameworkId)?.info ?? { user: "", name: "" }, "PARTITION_AWARE");
    masterTransition(m, task, masterStatus({ taskId: task.info.task_id.value, agentId, state: partitionAware ? "TASK_DROPPED" : "TASK_LOST", reason: "REASON_RECONCILIATION", message: "Task was not reported by the agent when it re-registered", nowMs: m.nowMs() }));
  }
}

/** A framework the agent knows but this master does not (a fresh registry): known from now on, disconnected. */
function ensureFramework(m: Master, frameworkId: string, info: RegisterMessage["tasks"][number]["framework"]): void {
  if (m.frameworks.has(frameworkId)) return;
  const removed = m.deps.registry.state().frameworks[frameworkId]?.removedAtMs !== undefined;
  if (removed) return;
  const failoverMs = (info.failover_timeout ?? 0) * 1000;
  const entry = newFrameworkEntry(frameworkId, { ...info, id: { value: frameworkId } }, m.nowMs(), m.monoMs() + Math.max(failoverMs, m.config.agentReregisterTimeoutMs));
  m.frameworks.set(frameworkId, entry);
  m.allocator.addFramework({ id: frameworkId, roles: frameworkRoles(entry.info), capabilities: { multiRole: hasCapability(entry.info, "MULTI_ROLE") }, active: false });
  void m.deps.registry.apply({ type: "ADD_FRAMEWORK", framework: { id: frameworkId, info: entry.info, registeredAtMs: entry.registeredAtMs } });
}

export function frameworkRoles(info: RegisterMessage["tasks"][number]["framework"]): string[] {
  if (hasCapability(info, "MULTI_ROLE")) return info.roles && info.roles.length > 0 ? [...new Set(info.roles)] : [unreservedRole];
  return [info.role ?? unreservedRole];
}

export function sendToAgent(m: Master, agentId: string, message: MasterToAgent): boolean {
  const agent = m.agents.get(agentId);
  if (!agent?.link || agent.connection !== "connected") return false;
  agent.link.send(message);
  return true;
}

export function handleAgentMessage(m: Master, agentId: string, message: AgentToMaster, onUpdate: (agentId: string, frameworkId: string, status: TaskStatus) => void): void {
  const agent = m.agents.get(agentId);
  if (!agent) return;
  switch (message.type) {
    case "PONG":
      agent.lastPongMs = m.monoMs();
      agent.missedPings = 0;
      return;
    case "STATUS_UPDATE":
      onUpdate(agentId, message.frameworkId, message.status);
      return;
    case "COMMAND_REFUSED":
      m.logger.warn({ agent_id: agentId, command: message.command, reason: message.message }, "agent refused a command");
      return;
    case "REGISTER":
      m.logger.warn({ agent_id: agentId }, "agent sent REGISTER twice on one connection; ignored");
      return;
  }
}

/** The socket closed: no offers until the agent re-registers; pings keep counting toward unreachable. */
export function agentDisconnected(m: Master, agentId: string, link: AgentLink): void {
  const agent = m.agents.get(agentId);
  if (!agent || agent.link !== link) return;
  agent.link = undefined;
  if (agent.connection === "connected") agent.connection = "disconnected";
  m.logger.warn({ agent_id: agentId, hostname: agent.record.hostname }, "agent disconnected");
  refreshOfferable(m, agentId);
}

/** Every --agent_ping_timeout: ping connected agents; count misses; unreachable after the maximum. */
export function pingTick(m: Master): void {
  const now = m.monoMs();
  for (const agent of m.agents.values()) {
    if (agent.connection === "unreachable" || agent.recovered) continue;
    const answered = agent.link !== undefined && now - agent.lastPongMs < m.config.agentPingTimeoutMs * 1.5;
    agent.missedPings = answered ? 0 : agent.missedPings + 1;
    if (agent.missedPings >= m.config.maxAgentPingTimeouts) {
      void markUnreachable(m, agent.record.id, `no answer to ${agent.missedPings} pings`);
      continue;
    }
    agent.link?.send({ type: "PING", nonce: now });
  }
}

/** Agents recovered from the registry that did not re-register in time become unreachable. */
export function checkReregisterDeadline(m: Master): void {
  if (m.monoMs() < m.reregisterDeadlineMs) return;
  for (const agent of m.agents.values()) {
    if (agent.recovered && agent.connection !== "unreachable") void markUnreachable(m, agent.record.id, "did not re-register after master failover");
  }
}

export async function markUnreachable(m: Master, agentId: string, why: string): Promise<void> {
  const agent = m.agents.get(agentId);
  if (!agent || agent.connection === "unreachable") return;
  agent.connection = "unreachable";
  agent.link?.close("unreachable");
  agent.link = undefined;
  m.metrics.agentsUnreachable += 1;
  m.logger.warn({ agent_id: agentId, hostname: agent.record.hostname, why }, "agent unreachable");
  if (m.allocator.agentView(agentId) !== undefined) {
    m.rescindOffersOfAgent(agentId, "agent_lost", "agent unreachable");
    m.allocator.removeAgent(agentId);
  }
  await m.deps.registry.apply({ type: "UPDATE_AGENT", agentId, changes: { unreachableSinceMs: m.nowMs() } });
  for (const key of [...agent.tasks]) {
    const task = m.tasks.get(key);
    if (!task || isTerminalState(task.state)) continue;
    const partitionAware = hasCapability(m.frameworks.get(task.frameworkId)?.info ?? { user: "", name: "" }, "PARTITION_AWARE");
    task.released = true; // removeAgent above returned everything the agent held
    const status = masterStatus({ taskId: task.info.task_id.value, agentId, state: partitionAware ? "TASK_UNREACHABLE" : "TASK_LOST", reason: "REASON_AGENT_REMOVED", message: `Agent ${agent.record.hostname} is unreachable: ${why}`, nowMs: m.nowMs() });
    status.unreachable_time = { nanoseconds: m.nowMs() * 1e6 };
    masterTransition(m, task, status);
  }
  for (const framework of m.frameworks.values()) m.sendToFramework(framework.id, { type: "FAILURE", failure: { agent_id: { value: agentId } } });
}

/** Whether the agent may get offers now: connected, active, whitelisted, not in maintenance. */
export function isOfferable(m: Master, agent: AgentEntry): boolean {
  if (agent.connection !== "connected" || agent.record.deactivated || agent.record.draining) return false;
  if (m.whitelist !== undefined && !m.whitelist.has(agent.record.hostname)) return false;
  return machineMode(m, agent.record.hostname) !== "DOWN";
}

/** Maintenance mode of the machine an agent runs on, matched by hostname (case-insensitive). */
export function machineMode(m: Master, hostname: string): MachineMode {
  const wanted = hostname.toLowerCase();
  for (const machine of Object.values(m.deps.registry.state().maintenance.machines)) {
    if (machine.hostname?.toLowerCase() === wanted) return machine.mode;
  }
  return "UP";
}

export function refreshOfferable(m: Master, agentId: string): void {
  const agent = m.agents.get(agentId);
  if (!agent || m.allocator.agentView(agentId) === undefined) return;
  const offerable = isOfferable(m, agent);
  m.allocator.updateAgent(agentId, { offerable });
  // A disconnected agent's offers are lost with it; a deactivated, draining or maintained one's are taken back.
  if (!offerable) m.rescindOffersOfAgent(agentId, agent.connection === "connected" ? "rescinded" : "agent_lost", "agent no longer offerable");
  else m.requestAllocation();
}

export function completeAgentTasksOnGone(m: Master, agentId: string): void {
  const agent = m.agents.get(agentId);
  if (!agent) return;
  for (const key of [...agent.tasks]) {
    const task = m.tasks.get(key);
    if (!task) continue;
    if (isTerminalState(task.state)) completeTask(m, task);
    else masterTransition(m, task, masterStatus({ taskId: task.info.task_id.value, agentId, state: "TASK_GONE_BY_OPERATOR", reason: "REASON_AGENT_REMOVED", message: "Agent was marked gone by the operator", nowMs: m.nowMs() }));
  }
}

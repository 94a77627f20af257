// Operator actions shared by the v0 endpoints and the v1 operator API: weights, quota,
// maintenance (schedule, machines down and up), draining, deactivating and marking agents gone.

import { Resources, scalarResource, unreservedRole } from "../resources/index.ts";
import { isTerminalState, type MachineID, type MaintenanceSchedule, type QuotaConfig } from "../wire/index.ts";
import { completeAgentTasksOnGone, refreshOfferable, sendToAgent } from "./agents.ts";
import type { Master } from "./master.ts";
import { machineKey, type MaintenanceWindow } from "./registry/index.ts";

export type OperationResult = { ok: true } | { ok: false; status: number; message: string };

const ok: OperationResult = { ok: true };

export async function updateWeights(m: Master, weights: Array<{ role: string; weight: number }>): Promise<OperationResult> {
  const record: Record<string, number> = {};
  for (const { role, weight } of weights) record[role] = weight;
  await m.deps.registry.apply({ type: "SET_WEIGHTS", weights: record });
  for (const { role, weight } of weights) m.allocator.setWeight(role, weight);
  m.requestAllocation();
  return ok;
}

export async function updateQuota(m: Master, configs: QuotaConfig[]): Promise<OperationResult> {
  for (const config of configs) {
    const limits = Object.entries(config.limits ?? {}).map(([name, { value }]) => scalarResource(name, value, unreservedRole));
    const resources = Resources.fromList(limits);
    await m.deps.registry.apply({ type: "SET_QUOTA", role: config.role, limits: resources.isEmpty() ? null : resources.toJSON() });
    m.allocator.setQuota(config.role, resources.isEmpty() ? undefined : resources);
  }
  m.requestAllocation();
  return ok;
}

function windowsFromSchedule(schedule: MaintenanceSchedule): MaintenanceWindow[] {
  return schedule.windows.map((window) => ({
    machineIds: window.machine_ids,
    startNs: window.unavailability.start.nanoseconds,
    ...(window.unavailability.duration ? { durationNs: window.unavailability.duration.nanoseconds } : {}),
  }));
}

export function scheduleFromWindows(windows: readonly MaintenanceWindow[]): MaintenanceSchedule {
  return {
    windows: windows.map((window) => ({
      machine_ids: window.machineIds,
      unavailability: { start: { nanoseconds: window.startNs }, ...(window.durationNs !== undefined ? { duration: { nanoseconds: window.durationNs } } : {}) },
    })),
  };
}

/** Machines in the schedule drain; machines leaving it come back up. Down machines must stay in it. */
export async function updateMaintenanceSchedule(m: Master, schedule: MaintenanceSchedule): Promise<OperationResult> {
  const state = m.deps.registry.state().maintenance;
  const scheduled = new Map<string, MachineID>();
  for (const window of schedule.windows) for (const machine of window.machine_ids) scheduled.set(machineKey(machine), machine);
  for (const [key, machine] of Object.entries(state.machines)) {
    if (machine.mode === "DOWN" && !scheduled.has(key)) {
      return { ok: false, status: 400, message: `Machine '${machine.hostname ?? machine.ip}' is down; bring it up before removing it from the schedule` };
    }
  }
  const leaving = Object.entries(state.machines).filter(([key]) => !scheduled.has(key)).map(([, machine]) => machine);
  const draining = [...scheduled.entries()].filter(([key]) => state.machines[key]?.mode !== "DOWN").map(([, machine]) => machine);
  await m.deps.registry.apply({ type: "SET_MAINTENANCE_WINDOWS", windows: windowsFromSchedule(schedule) });
  if (leaving.length > 0) await m.deps.registry.apply({ type: "SET_MACHINE_MODES", machines: leaving, mode: "UP" });
  if (draining.length > 0) await m.deps.registry.apply({ type: "SET_MACHINE_MODES", machines: draining, mode: "DRAINING" });
  // As Mesos does: outstanding offers of these machines' agents go, so the next ones carry the
  // new unavailability (or none).
  for (const agent of agentsOn(m, [...scheduled.values(), ...leaving])) m.rescindOffersOfAgent(agent.record.id, "rescinded", "the machine's maintenance schedule changed");
  refreshAllAgents(m);
  return ok;
}

/** Machines go down: no offers, and their tasks are killed. They must be in the schedule first. */
export async function machinesDown(m: Master, machines: MachineID[]): Promise<OperationResult> {
  const state = m.deps.registry.state().maintenance;
  for (const machine of machines) {
    if (!state.machines[machineKey(machine)]) return { ok: false, status: 400, message: `Machine '${machine.hostname ?? machine.ip}' is not in the maintenance schedule` };
  }
  await m.deps.registry.apply({ type: "SET_MACHINE_MODES", machines, mode: "DOWN" });
  for (const agent of agentsOn(m, machines)) {
    refreshOfferable(m, agent.record.id);
    killAllTasks(m, agent.record.id, undefined, "REASON_MAINTENANCE_DOWN", "The machine was taken down for maintenance");
  }
  return ok;
}

/** Machines come back: they leave the schedule and get offers again. */
export async function machinesUp(m: Master, machines: MachineID[]): Promise<OperationResult> {
  const state = m.deps.registry.state().maintenance;
  for (const machine of machines) {
    if (state.machines[machineKey(machine)]?.mode !== "DOWN") return { ok: false, status: 400, message: `Machine '${machine.hostname ?? machine.ip}' is not down` };
  }
  await m.deps.registry.apply({ type: "SET_MACHINE_MODES", machines, mode: "UP" });
  const keys = new Set(machines.map(machineKey));
  const windows = state.windows
    .map((window) => ({ ...window, machineIds: window.machineIds.filter((id) => !keys.has(machineKey(id))) }))
    .filter((window) => window.machineIds.length > 0);
  await m.deps.registry.apply({ type: "SET_MAINTENANCE_WINDOWS", windows });
  refreshAllAgents(m);
  return ok;
}

function agentsOn(m: Master, machines: MachineID[]) {
  const hostnames = new Set(machines.map((machine) => machine.hostname).filter((h): h is string => h !== undefined));
  return [...m.agents.values()].filter((agent) => hostnames.has(agent.record.hostname));
}

function refreshAllAgents(m: Master): void {
  for (const agent of m.agents.values()) refreshOfferable(m, agent.record.id);
}

function killAllTasks(m: Master, agentId: string, gracePeriodMs: number | undefined, reason: string, message: string): void {
  const agent = m.agents.get(agentId);
  if (!agent) return;
  for (const key of agent.tasks) {
    const task = m.tasks.get(key);
    if (!task || isTerminalState(task.state)) continue;
    const killPolicy = gracePeriodMs === undefined ? undefined : { grace_period: { nanoseconds: gracePeriodMs * 1e6 } };
    const sent = sendToAgent(m, agentId, { type: "KILL_TASK", epoch: m.epoch, frameworkId: task.frameworkId, taskId: task.info.task_id.value, reason, message, ...(killPolicy ? { killPolicy } : {}) });
    if (!sent) agent.pendingKills.add(key);
  }
}

export async function setAgentFlag(m: Master, agentId: string, changes: { deactivated?: boolean; draining?: boolean }): Promise<OperationResult> {
  const agent = m.agents.get(agentId);
  if (!agent) return { ok: false, status: 404, message: `Agent '${agentId}' is not known` };
  await m.deps.registry.apply({ type: "UPDATE_AGENT", agentId, changes });
  agent.record = { ...agent.record, ...changes };
  refreshOfferable(m, agentId);
  return ok;
}

/** DRAIN_AGENT: no more offers, every task killed within its grace period (capped by maxGracePeriodMs). */
export async function drainAgent(m: Master, agentId: string, maxGracePeriodMs: number | undefined, markGone: boolean): Promise<OperationResult> {
  const result = await setAgentFlag(m, agentId, { draining: true });
  if (!result.ok) return result;
  m.drainMarkGone.set(agentId, markGone);
  killAllTasks(m, agentId, maxGracePeriodMs, "REASON_AGENT_DRAINING", "The agent is being drained");
  return ok;
}

/** Housekeeping: a draining agent whose tasks are all gone is drained (and marked gone if asked). */
export function checkDrained(m: Master): void {
  for (const [agentId, markGone] of [...m.drainMarkGone]) {
    const agent = m.agents.get(agentId);
    if (!agent) continue;
    const busy = [...agent.tasks].some((key) => !isTerminalState(m.tasks.get(key)?.state ?? "TASK_FINISHED"));
    if (busy) continue;
    m.drainMarkGone.delete(agentId);
    m.logger.info({ agent_id: agentId }, "agent drained");
    if (markGone) void markAgentGone(m, agentId);
  }
}

export async function markAgentGone(m: Master, agentId: string): Promise<OperationResult> {
  const agent = m.agents.get(agentId);
  if (!agent) return { ok: false, status: 404, message: `Agent '${agentId}' is not known` };
  await m.deps.registry.apply({ type: "UPDATE_AGENT", agentId, changes: { gone: true } });
  agent.record = { ...agent.record, gone: true };
  completeAgentTasksOnGone(m, agentId);
  agent.link?.send({ type: "REFUSED", message: `Agent ${agentId} was marked gone by the operator; start it with a fresh --work_dir to rejoin` });
  agent.link?.close("marked gone");
  if (m.allocator.agentView(agentId) !== undefined) {
    m.rescindOffersOfAgent(agentId, "agent_lost", "agent gone");
    m.allocator.removeAgent(agentId);
  }
  m.agents.delete(agentId);
  m.metrics.agentRemovals += 1;
  return ok;
}

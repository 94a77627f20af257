// Frameworks: SUBSCRIBE (new and failover), disconnection with the failover timeout, and teardown.

import { roleProblem } from "../resources/index.ts";
import { isTerminalState, type FrameworkInfo, type SubscribeCall } from "../wire/index.ts";
import { frameworkRoles, sendToAgent } from "./agents.ts";
import type { Master } from "./master.ts";
import { newFrameworkEntry } from "./master.ts";
import { masterStatus } from "./status.ts";
import { applyStatus, completeTask, hasCapability } from "./tasks.ts";
import type { FrameworkEntry, FrameworkStream } from "./types.ts";

export type SubscribeResult = { ok: true; frameworkId: string } | { ok: false; status: number; message: string };

export async function subscribe(m: Master, call: SubscribeCall, stream: FrameworkStream): Promise<SubscribeResult> {
  const info = call.subscribe.framework_info;
  const problem = frameworkInfoProblem(info, call.framework_id?.value);
  if (problem) return { ok: false, status: 400, message: problem };
  const requestedId = info.id?.value;
  if (requestedId !== undefined && m.deps.registry.state().frameworks[requestedId]?.removedAtMs !== undefined) {
    return { ok: false, status: 403, message: `Framework ${requestedId} has been removed; subscribe without an id to register anew` };
  }
  const existing = requestedId === undefined ? undefined : m.frameworks.get(requestedId);
  const frameworkId = requestedId ?? m.ids.nextFrameworkId();
  const stored: FrameworkInfo = { ...info, id: { value: frameworkId } };
  if (existing) {
    await m.deps.registry.apply({ type: "UPDATE_FRAMEWORK", frameworkId, info: stored });
    failOver(m, existing, stored, stream);
  } else {
    await m.deps.registry.apply({ type: "ADD_FRAMEWORK", framework: { id: frameworkId, info: stored, registeredAtMs: m.nowMs() } });
    addFramework(m, frameworkId, stored, stream);
  }
  const suppressed = call.subscribe.suppressed_roles ?? [];
  if (suppressed.length > 0) m.allocator.suppress(frameworkId, suppressed);
  stream.send({
    type: "SUBSCRIBED",
    subscribed: {
      framework_id: { value: frameworkId },
      heartbeat_interval_seconds: m.config.frameworkHeartbeatIntervalMs / 1000,
      master_info: m.masterInfo(),
    },
  });
  m.metrics.frameworksSubscribed += 1;
  m.logger.info({ framework_id: frameworkId, framework_name: info.name, failover: existing !== undefined }, "framework subscribed");
  m.requestAllocation();
  return { ok: true, frameworkId };
}

function frameworkInfoProblem(info: FrameworkInfo, callFrameworkId: string | undefined): string | undefined {
  if (callFrameworkId !== undefined && info.id?.value !== callFrameworkId) {
    return "framework_id: must equal subscribe.framework_info.id.value when given";
  }
  const multiRole = hasCapability(info, "MULTI_ROLE");
  if (multiRole && info.role !== undefined) return "subscribe.framework_info.role: must not be set by a MULTI_ROLE framework; use roles";
  if (!multiRole && (info.roles?.length ?? 0) > 0) return "subscribe.framework_info.roles: needs the MULTI_ROLE capability; use role";
  for (const [index, role] of frameworkRoles(info).entries()) {
    const bad = roleProblem(role);
    if (bad) return `subscribe.framework_info.roles[${index}]: ${bad}`;
  }
  if (info.failover_timeout !== undefined && !(info.failover_timeout >= 0)) return "subscribe.framework_info.failover_timeout: must be a non-negative number";
  return undefined;
}

function addFramework(m: Master, frameworkId: string, info: FrameworkInfo, stream: FrameworkStream): void {
  const entry = newFrameworkEntry(frameworkId, info, m.nowMs(), undefined);
  entry.stream = stream;
  entry.connected = true;
  entry.active = true;
  m.frameworks.set(frameworkId, entry);
  m.allocator.addFramework({ id: frameworkId, roles: frameworkRoles(info), capabilities: { multiRole: hasCapability(info, "MULTI_ROLE") }, active: true });
}

/** A re-subscription: the old stream (if any) is told and closed, the new one takes over. */
function failOver(m: Master, entry: FrameworkEntry, info: FrameworkInfo, stream: FrameworkStream): void {
  if (entry.stream) {
    entry.stream.send({ type: "ERROR", error: { message: "Framework failed over" } });
    entry.stream.close();
  }
  entry.info = info;
  entry.stream = stream;
  entry.connected = true;
  entry.active = true;
  entry.failoverDeadlineMs = undefined;
  entry.reregisteredAtMs = m.nowMs();
  const roles = frameworkRoles(info);
  const capabilities = { multiRole: hasCapability(info, "MULTI_ROLE") };
  try {
    m.allocator.updateFramework(entry.id, { roles, capabilities, active: true });
  } catch (error) {
    m.logger.debug({ framework_id: entry.id, err: error }, "framework not in the allocator yet; adding it");
    m.allocator.addFramework({ id: entry.id, roles, capabilities, active: true });
  }
}

/** The subscription stream ended: offers go back, and the failover timeout starts. */
export function frameworkDisconnected(m: Master, frameworkId: string, streamId: string): void {
  const entry = m.frameworks.get(frameworkId);
  if (!entry || entry.stream?.streamId !== streamId) return;
  entry.stream.close();
  entry.stream = undefined;
  entry.connected = false;
  entry.active = false;
  for (const offerId of [...entry.offerIds]) m.endOffer(offerId, { outcome: "framework_gone", reason: "framework disconnected" });
  safeDeactivate(m, frameworkId);
  const failoverMs = (entry.info.failover_timeout ?? 0) * 1000;
  entry.failoverDeadlineMs = m.monoMs() + failoverMs;
  m.logger.warn({ framework_id: frameworkId, failover_timeout_secs: failoverMs / 1000 }, "framework disconnected");
  if (failoverMs === 0) void teardown(m, frameworkId, "failover timeout of 0 passed");
  m.requestAllocation();
}

function safeDeactivate(m: Master, frameworkId: string): void {
  try {
    m.allocator.updateFramework(frameworkId, { active: false });
  } catch (error) {
    m.logger.debug({ framework_id: frameworkId, err: error }, "framework not in the allocator");
  }
}

/** Housekeeping: frameworks whose failover timeout passed are torn down. */
export function checkFailoverDeadlines(m: Master): void {
  const now = m.monoMs();
  for (const entry of m.frameworks.values()) {
    if (entry.connected || entry.failoverDeadlineMs === undefined || now < entry.failoverDeadlineMs) continue;
    entry.failoverDeadlineMs = undefined;
    void teardown(m, entry.id, "failover timeout passed");
  }
}

/** Removes the framework: its tasks are killed on their agents, its offers withdrawn. */
export async function teardown(m: Master, frameworkId: string, why: string): Promise<void> {
  const entry = m.frameworks.get(frameworkId);
  if (!entry) return;
  m.frameworks.delete(frameworkId);
  await m.deps.registry.apply({ type: "REMOVE_FRAMEWORK", frameworkId, removedAtMs: m.nowMs() });
  for (const offerId of [...entry.offerIds]) m.endOffer(offerId, { outcome: "framework_gone", reason: `framework removed: ${why}` });
  const agentsWithTasks = new Set<string>();
  for (const key of [...entry.tasks]) {
    const task = m.tasks.get(key);
    if (!task) continue;
    agentsWithTasks.add(task.agentId);
    if (!isTerminalState(task.state)) {
      applyStatus(m, task, masterStatus({ taskId: task.info.task_id.value, agentId: task.agentId, state: "TASK_KILLED", reason: "REASON_FRAMEWORK_REMOVED", message: `Framework removed: ${why}`, nowMs: m.nowMs() }));
    }
    completeTask(m, task, entry);
  }
  try {
    m.allocator.removeFramework(frameworkId);
  } catch (error) {
    m.logger.debug({ framework_id: frameworkId, err: error }, "framework not in the allocator");
  }
  for (const agentId of agentsWithTasks) sendToAgent(m, agentId, { type: "SHUTDOWN_FRAMEWORK", epoch: m.epoch, frameworkId });
  entry.stream?.close();
  entry.stream = undefined;
  entry.connected = false;
  entry.active = false;
  m.completedFrameworks.push(entry);
  const excess = m.completedFrameworks.length - m.config.maxCompletedFrameworks;
  if (excess > 0) m.completedFrameworks.splice(0, excess);
  m.logger.info({ framework_id: frameworkId, why }, "framework removed");
  m.requestAllocation();
}

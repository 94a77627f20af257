// Scheduler calls other than SUBSCRIBE. Each answers 202 once accepted, as Mesos does; anything
// the call asks for that cannot happen reaches the framework as an event.

import { isTerminalState, type SchedulerCall, type SchedulerCallOf, type TaskStatus } from "../wire/index.ts";
import { accept, decline } from "./accept.ts";
import { sendToAgent } from "./agents.ts";
import { teardown } from "./frameworks.ts";
import type { Master } from "./master.ts";
import type { TraceRef } from "./observer.ts";
import { masterStatus } from "./status.ts";
import { completeTask, hasCapability } from "./tasks.ts";
import { taskKey, type FrameworkEntry } from "./types.ts";

export type CallResult = { status: 202 } | { status: number; message: string };

const accepted: CallResult = { status: 202 };

/** `trace`: the observer's handle of this call (scheduler-http.ts starts and ends it). */
export function handleCall(m: Master, call: Exclude<SchedulerCall, { type: "SUBSCRIBE" }>, streamId: string | null, trace?: TraceRef): CallResult {
  const framework = m.frameworks.get(call.framework_id.value);
  if (!framework) return { status: 403, message: `Framework ${call.framework_id.value} is not subscribed` };
  if (streamId === null) return { status: 400, message: "All non-subscribe calls should include the 'Mesos-Stream-Id' header" };
  if (framework.stream?.streamId !== streamId) {
    return { status: 400, message: `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${framework.id}` };
  }
  m.metrics.countCall(m.metrics.schedulerCalls, call.type);
  return dispatch(m, framework, call, trace);
}

function dispatch(m: Master, framework: FrameworkEntry, call: Exclude<SchedulerCall, { type: "SUBSCRIBE" }>, trace: TraceRef | undefined): CallResult {
  switch (call.type) {
    case "ACCEPT":
      accept(m, framework, call, trace);
      return accepted;
    case "DECLINE":
      decline(m, framework, call, trace);
      return accepted;
    case "REVIVE":
      m.allocator.revive(framework.id, nonEmpty(call.revive?.roles));
      m.requestAllocation();
      return accepted;
    case "SUPPRESS":
      m.allocator.suppress(framework.id, nonEmpty(call.suppress?.roles));
      return accepted;
    case "KILL":
      kill(m, framework, call);
      return accepted;
    case "SHUTDOWN":
      shutdownExecutor(m, framework, call);
      return accepted;
    case "ACKNOWLEDGE":
      acknowledge(m, framework, call);
      return accepted;
    case "RECONCILE":
      reconcile(m, framework, call);
      return accepted;
    case "TEARDOWN":
      void teardown(m, framework.id, "the framework asked (TEARDOWN)");
      return accepted;
    case "UPDATE_FRAMEWORK":
      return updateFramework(m, framework, call);
    case "MESSAGE":
      m.logger.info({ framework_id: framework.id, agent_id: call.message.agent_id.value, executor_id: call.message.executor_id.value }, "framework message for a command executor; command executors ignore messages");
      return accepted;
    case "REQUEST":
    case "ACCEPT_INVERSE_OFFERS":
    case "DECLINE_INVERSE_OFFERS":
    case "ACKNOWLEDGE_OPERATION_STATUS":
    case "RECONCILE_OPERATIONS":
      // Accepted and ignored, as Mesos does with REQUEST; we make no inverse offers and run no
      // offer operations that report operation status.
      return accepted;
  }
}

function nonEmpty(roles: string[] | undefined): string[] | undefined {
  return roles && roles.length > 0 ? roles : undefined;
}

function kill(m: Master, framework: FrameworkEntry, call: SchedulerCallOf<"KILL">): void {
  const taskId = call.kill.task_id.value;
  const task = m.tasks.get(taskKey(framework.id, taskId));
  if (!task) {
    const state = hasCapability(framework.info, "PARTITION_AWARE") ? "TASK_UNKNOWN" : "TASK_LOST";
    const status = masterStatus({ taskId, state, reason: "REASON_RECONCILIATION", message: "Attempted to kill an unknown task", nowMs: m.nowMs() });
    if (call.kill.agent_id) status.agent_id = call.kill.agent_id;
    m.sendToFramework(framework.id, { type: "UPDATE", update: { status } });
    return;
  }
  const message = { type: "KILL_TASK" as const, epoch: m.epoch, frameworkId: framework.id, taskId, ...(call.kill.kill_policy ? { killPolicy: call.kill.kill_policy } : {}) };
  if (!sendToAgent(m, task.agentId, message)) m.agents.get(task.agentId)?.pendingKills.add(task.key);
}

function shutdownExecutor(m: Master, framework: FrameworkEntry, call: SchedulerCallOf<"SHUTDOWN">): void {
  for (const key of framework.tasks) {
    const task = m.tasks.get(key);
    if (!task || task.executorId !== call.shutdown.executor_id.value || task.agentId !== call.shutdown.agent_id.value) continue;
    if (!sendToAgent(m, task.agentId, { type: "KILL_TASK", epoch: m.epoch, frameworkId: framework.id, taskId: task.info.task_id.value })) {
      m.agents.get(task.agentId)?.pendingKills.add(task.key);
    }
  }
}

function acknowledge(m: Master, framework: FrameworkEntry, call: SchedulerCallOf<"ACKNOWLEDGE">): void {
  const { agent_id: agentId, task_id: taskId, uuid } = call.acknowledge;
  sendToAgent(m, agentId.value, { type: "ACK_UPDATE", epoch: m.epoch, frameworkId: framework.id, taskId: taskId.value, uuid });
  const task = m.tasks.get(taskKey(framework.id, taskId.value));
  if (task && task.latestStatus?.uuid === uuid && isTerminalState(task.state)) completeTask(m, task);
}

/** Explicit (named tasks) or implicit (all tasks) reconciliation: latest states, no uuid. */
function reconcile(m: Master, framework: FrameworkEntry, call: SchedulerCallOf<"RECONCILE">): void {
  const named = call.reconcile.tasks;
  if (named.length === 0) {
    for (const key of framework.tasks) {
      const task = m.tasks.get(key);
      if (task) sendReconciled(m, framework.id, task.latestStatus ?? stagingStatus(task.info.task_id.value, task.agentId, m.nowMs()), task.state);
    }
    return;
  }
  for (const { task_id: taskId, agent_id: agentId } of named) {
    const task = m.tasks.get(taskKey(framework.id, taskId.value));
    if (task) {
      sendReconciled(m, framework.id, task.latestStatus ?? stagingStatus(taskId.value, task.agentId, m.nowMs()), task.state);
      continue;
    }
    sendReconciled(m, framework.id, unknownTaskStatus(m, framework, taskId.value, agentId?.value), undefined);
  }
}

function stagingStatus(taskId: string, agentId: string, nowMs: number): TaskStatus {
  return masterStatus({ taskId, agentId, state: "TASK_STAGING", reason: "REASON_RECONCILIATION", message: "Reconciliation: task is staging", nowMs });
}

/** Mesos: a task on a registered agent that it does not know is GONE (LOST without PARTITION_AWARE); elsewhere UNKNOWN. */
function unknownTaskStatus(m: Master, framework: FrameworkEntry, taskId: string, agentId: string | undefined): TaskStatus {
  const partitionAware = hasCapability(framework.info, "PARTITION_AWARE");
  const agent = agentId === undefined ? undefined : m.agents.get(agentId);
  const completed = framework.completedTasks.find((t) => t.info.task_id.value === taskId);
  if (completed?.latestStatus) return completed.latestStatus;
  const onKnownAgent = agent !== undefined && agent.connection === "connected";
  const state = !partitionAware ? "TASK_LOST" : onKnownAgent ? "TASK_GONE" : "TASK_UNKNOWN";
  return masterStatus({ taskId, ...(agentId ? { agentId } : {}), state, reason: "REASON_RECONCILIATION", message: "Reconciliation: task is unknown", nowMs: m.nowMs() });
}

function sendReconciled(m: Master, frameworkId: string, latest: TaskStatus, state: TaskStatus["state"] | undefined): void {
  const { uuid: _uuid, ...rest } = latest;
  const status: TaskStatus = { ...rest, state: state ?? latest.state, reason: "REASON_RECONCILIATION", timestamp: m.nowMs() / 1000 };
  m.sendToFramework(frameworkId, { type: "UPDATE", update: { status } });
}

function updateFramework(m: Master, framework: FrameworkEntry, call: SchedulerCallOf<"UPDATE_FRAMEWORK">): CallResult {
  const info = call.update_framework.framework_info;
  if (info.id?.value !== framework.id) return { status: 400, message: "update_framework.framework_info.id: must equal framework_id" };
  framework.info = { ...info, id: { value: framework.id } };
  void m.deps.registry.apply({ type: "UPDATE_FRAMEWORK", frameworkId: framework.id, info: framework.info });
  const multiRole = hasCapability(info, "MULTI_ROLE");
  const roles = multiRole ? (info.roles?.length ? info.roles : ["*"]) : [info.role ?? "*"];
  try {
    m.allocator.updateFramework(framework.id, { roles, capabilities: { multiRole } });
  } catch (error) {
    return { status: 400, message: `update_framework.framework_info.roles: ${(error as Error).message}` };
  }
  const suppressed = call.update_framework.suppressed_roles;
  if (suppressed !== undefined) {
    m.allocator.unsuppress(framework.id);
    if (suppressed.length > 0) m.allocator.suppress(framework.id, suppressed);
  }
  m.requestAllocation();
  return accepted;
}

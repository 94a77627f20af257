// Status updates from agents: applied to the task, forwarded to the framework. The agent keeps
// resending an update until the framework's ACKNOWLEDGE comes back, so nothing here needs to be
// durable: a lost forward is repaired by the agent's next retry.

import { taskStates, type TaskStatus } from "../wire/index.ts";
import { sendToAgent } from "./agents.ts";
import type { Master } from "./master.ts";
import { applyStatus } from "./tasks.ts";
import { taskKey } from "./types.ts";

export function handleStatusUpdate(m: Master, agentId: string, frameworkId: string, status: TaskStatus): void {
  if (!status?.task_id?.value || !(taskStates as readonly string[]).includes(status.state) || !status.uuid) {
    m.metrics.invalidStatusUpdates += 1;
    m.logger.warn({ agent_id: agentId, framework_id: frameworkId }, "malformed status update dropped");
    return;
  }
  const task = m.tasks.get(taskKey(frameworkId, status.task_id.value));
  if (task && task.agentId !== agentId) {
    m.metrics.invalidStatusUpdates += 1;
    m.logger.warn({ agent_id: agentId, framework_id: frameworkId, task_id: status.task_id.value }, "status update from an agent the task is not on; dropped");
    return;
  }
  m.metrics.validStatusUpdates += 1;
  if (!m.frameworks.has(frameworkId)) {
    // The framework is gone for good: acknowledge on its behalf so the agent stops retrying.
    if (m.deps.registry.state().frameworks[frameworkId]?.removedAtMs !== undefined) {
      sendToAgent(m, agentId, { type: "ACK_UPDATE", epoch: m.epoch, frameworkId, taskId: status.task_id.value, uuid: status.uuid });
    }
    return;
  }
  const alreadySeen = task?.statuses.some((s) => s.uuid === status.uuid) ?? false;
  if (task && !alreadySeen) applyStatus(m, task, status);
  m.sendToFramework(frameworkId, { type: "UPDATE", update: { status } });
}

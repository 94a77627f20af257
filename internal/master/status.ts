import type { TaskState, TaskStatus, TaskStatusReason, TaskStatusSource } from "../wire/index.ts";

/** 16 random bytes in base64, as TaskStatus.uuid travels in JSON. */
export function statusUuid(randomBytes: (n: number) => Uint8Array): string {
  return Buffer.from(randomBytes(16)).toString("base64");
}

export interface MasterStatusOptions {
  taskId: string;
  agentId?: string;
  state: TaskState;
  reason: TaskStatusReason;
  message: string;
  nowMs: number;
  source?: TaskStatusSource;
}

/** A status the master writes itself (TASK_ERROR, TASK_LOST, reconciliation...): no uuid, so no ack. */
export function masterStatus(options: MasterStatusOptions): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: options.taskId },
    state: options.state,
    source: options.source ?? "SOURCE_MASTER",
    reason: options.reason,
    message: options.message,
    timestamp: options.nowMs / 1000,
  };
  if (options.agentId !== undefined) status.agent_id = { value: options.agentId };
  return status;
}

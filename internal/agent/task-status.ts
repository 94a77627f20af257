// The TaskStatus values the agent makes, pure. The agent plays Mesos's command executor for
// command tasks, so most updates carry SOURCE_EXECUTOR; those the agent makes on its own account
// (dropped launches, memory limit, launch failures) carry SOURCE_AGENT.

import type { IdGenerator } from "../runtime/index.ts";
import type { FrameworkInfo, TaskState, TaskStatus, TaskStatusReason, TaskStatusSource } from "../wire/index.ts";
import type { ContainerTermination } from "./containerizer/types.ts";
import { statusMessageCharsMax } from "./limits.ts";

export interface StatusFields {
  taskId: string;
  state: TaskState;
  source: TaskStatusSource;
  agentId: string;
  executorId: string;
  nowMs: number;
  reason?: TaskStatusReason | string;
  message?: string;
  healthy?: boolean;
  containerId?: string;
  executorPid?: number;
}

/** A fresh update with a new uuid (base64 of 16 random bytes, as Mesos's id::UUID). */
export function makeStatus(fields: StatusFields, ids: IdGenerator): TaskStatus {
  const status: TaskStatus = {
    task_id: { value: fields.taskId },
    state: fields.state,
    source: fields.source,
    agent_id: { value: fields.agentId },
    executor_id: { value: fields.executorId },
    timestamp: fields.nowMs / 1000,
    uuid: uuidBase64(ids),
  };
  if (fields.reason !== undefined) status.reason = fields.reason;
  if (fields.message !== undefined) status.message = clipMessage(fields.message);
  if (fields.healthy !== undefined) status.healthy = fields.healthy;
  if (fields.containerId !== undefined) {
    status.container_status = { container_id: { value: fields.containerId } };
    if (fields.executorPid !== undefined) status.container_status.executor_pid = fields.executorPid;
  }
  return status;
}

/** 16 random bytes from the injected id generator, base64 as Mesos's JSON carries bytes fields. */
export function uuidBase64(ids: IdGenerator): string {
  const hex = ids.uuid().replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`IdGenerator.uuid gave '${hex}', not 16 hex bytes`);
  return Buffer.from(hex, "hex").toString("base64");
}

function clipMessage(message: string): string {
  return message.length <= statusMessageCharsMax ? message : `${message.slice(0, statusMessageCharsMax - 3)}...`;
}

export interface TerminalOutcome {
  state: TaskState;
  source: TaskStatusSource;
  reason?: TaskStatusReason | string;
  message: string;
  healthy?: boolean;
}

/** What the agent asked for when it killed the task, if it did. */
export interface KillIntent {
  reason?: string;
  message?: string;
  /** Killed because its health check said so (Mesos then sets healthy=false on TASK_KILLED). */
  byHealthCheck: boolean;
}

/** The terminal update for an ended container, as Mesos's command executor and agent decide it. */
export function terminalOutcome(termination: ContainerTermination, kill: KillIntent | undefined): TerminalOutcome {
  if (termination.memoryLimitExceeded) {
    return {
      state: "TASK_FAILED",
      source: "SOURCE_AGENT",
      reason: "REASON_CONTAINER_LIMITATION_MEMORY",
      message: termination.message || "Memory limit exceeded",
    };
  }
  if (kill !== undefined || termination.killedByAgent) {
    const outcome: TerminalOutcome = {
      state: "TASK_KILLED",
      source: "SOURCE_EXECUTOR",
      message: kill?.message ?? termination.message,
    };
    if (kill?.reason !== undefined) outcome.reason = kill.reason;
    if (kill?.byHealthCheck === true) outcome.healthy = false;
    return outcome;
  }
  if (termination.exitCode === 0) {
    return { state: "TASK_FINISHED", source: "SOURCE_EXECUTOR", message: termination.message || "Command exited with status 0" };
  }
  if (termination.exitCode === null && termination.signal === null) {
    return {
      state: "TASK_FAILED",
      source: "SOURCE_AGENT",
      reason: "REASON_EXECUTOR_TERMINATED",
      message: termination.message || "The task's process ended and its exit status is unknown",
    };
  }
  return { state: "TASK_FAILED", source: "SOURCE_EXECUTOR", message: termination.message || describeExit(termination) };
}

function describeExit(termination: ContainerTermination): string {
  if (termination.exitCode !== null) return `Command exited with status ${termination.exitCode}`;
  return `Command terminated with signal ${termination.signal ?? "unknown"}`;
}

/**
 * The state for a task the agent will not launch for a transient reason: TASK_DROPPED for
 * PARTITION_AWARE frameworks, TASK_LOST for the others, as Mesos's agent does.
 */
export function droppedState(framework: FrameworkInfo): TaskState {
  const partitionAware = (framework.capabilities ?? []).some((capability) => capability.type === "PARTITION_AWARE");
  return partitionAware ? "TASK_DROPPED" : "TASK_LOST";
}

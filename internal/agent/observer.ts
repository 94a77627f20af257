// What the agent tells observability, as plain calls (observability/observers turns them into
// spans and metrics; nothing here imports OpenTelemetry). The task spans join the master's
// trace through RUN_TASKS.traceparent, which is passed through as the text it is.

import type { TaskState, TaskStatus } from "../wire/index.ts";
import type { ResourceStatistics } from "./containerizer/types.ts";

/** One running task's container usage, as /monitor/statistics shows it. */
export interface TaskUsage {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly taskId: string;
  readonly statistics: ResourceStatistics;
}

/** Read when metrics are collected. */
export interface AgentStateSource {
  tasksByState(): ReadonlyMap<TaskState, number>;
  pendingUpdates(): number;
  /** Usage of the running tasks' containers (reads /proc or cgroups). */
  usage(): Promise<readonly TaskUsage[]>;
}

export interface AgentObserver {
  bind(source: AgentStateSource): void;
  /** A RUN_TASKS arrived (before it is checked); `traceparent` is the master's task.launch context. */
  runTasksReceived(frameworkId: string, taskIds: readonly string[], traceparent: string | undefined): void;
  /** The agent made a status update for a task (it is journaled and will be sent). */
  statusUpdate(frameworkId: string, taskId: string, status: TaskStatus): void;
  /** An update went to the master; `resends` is 0 the first time. */
  statusUpdateSent(frameworkId: string, taskId: string, uuid: string, resends: number): void;
  /** The framework's acknowledgement of the update arrived. */
  statusUpdateAcknowledged(frameworkId: string, taskId: string, uuid: string): void;
}

export const noopAgentObserver: AgentObserver = {
  bind: () => {},
  runTasksReceived: () => {},
  statusUpdate: () => {},
  statusUpdateSent: () => {},
  statusUpdateAcknowledged: () => {},
};

// Counters behind /metrics/snapshot, with Mesos's agent metric names (docs/monitoring.md).

import type { TaskState } from "../wire/index.ts";

export class AgentMetrics {
  tasksFinished = 0;
  tasksFailed = 0;
  tasksKilled = 0;
  tasksLost = 0;
  tasksDropped = 0;
  tasksError = 0;
  validStatusUpdates = 0;
  invalidStatusUpdates = 0;
  recoveryErrors = 0;
  containerLaunchErrors = 0;
  commandsRefused = 0;

  countTerminal(state: TaskState): void {
    switch (state) {
      case "TASK_FINISHED":
        this.tasksFinished++;
        break;
      case "TASK_FAILED":
        this.tasksFailed++;
        break;
      case "TASK_KILLED":
        this.tasksKilled++;
        break;
      case "TASK_LOST":
        this.tasksLost++;
        break;
      case "TASK_DROPPED":
        this.tasksDropped++;
        break;
      case "TASK_ERROR":
        this.tasksError++;
        break;
      default:
        break;
    }
  }
}

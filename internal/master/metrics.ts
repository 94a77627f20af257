// Counters behind Mesos's /metrics/snapshot names. Gauges (tasks running, resources used...) are
// computed from the state when the snapshot is taken.

import type { TaskState } from "../wire/index.ts";

export class MasterMetrics {
  allocationRuns = 0;
  lastAllocationRunMs = 0;
  offersCreated = 0;
  offersAccepted = 0;
  offersDeclined = 0;
  offersRescinded = 0;
  offersExpired = 0;
  /** Terminal and transitional task states reached, by state (Mesos master/tasks_<state> counters). */
  readonly taskStates = new Map<TaskState, number>();
  validStatusUpdates = 0;
  invalidStatusUpdates = 0;
  agentRegistrations = 0;
  agentReregistrations = 0;
  agentRemovals = 0;
  agentsUnreachable = 0;
  frameworksSubscribed = 0;
  droppedMessages = 0;
  schedulerCalls = new Map<string, number>();
  operatorCalls = new Map<string, number>();

  countTaskState(state: TaskState): void {
    this.taskStates.set(state, (this.taskStates.get(state) ?? 0) + 1);
  }

  countCall(map: Map<string, number>, type: string): void {
    map.set(type, (map.get(type) ?? 0) + 1);
  }
}

// The agent's in-memory picture of its frameworks and tasks, and the shapes of its checkpoints.

import type { Resources } from "../resources/index.ts";
import type { ExecutorInfo, FrameworkInfo, TaskInfo, TaskState, TaskStatus } from "../wire/index.ts";
import type { ContainerLimits, ContainerTermination } from "./containerizer/types.ts";
import type { KillIntent } from "./task-status.ts";

/** meta/slaves/<id>/slave.info: who the agent was, to compare with who it is after a restart. */
export interface AgentInfoCheckpoint {
  id: string;
  hostname: string;
  /** The --resources it registered with, as text (`cpus(*):4;mem(*):1024;...`). */
  resources: string;
  attributes: string;
  registeredAtMs: number;
}

/** The TASK journal record: everything needed to recover the task, journaled before it is launched. */
export interface TaskCheckpoint {
  frameworkId: string;
  executorId: string;
  /** The executor run's container id: the sandbox `runs/<runId>`. */
  runId: string;
  /** The task's own container (equal to runId for command tasks). */
  containerId: string;
  sandboxDir: string;
  runSandboxDir: string;
  task: TaskInfo;
  /** Present for LAUNCH_GROUP tasks: the executor they share. */
  executor?: ExecutorInfo;
  /** Present for LAUNCH_GROUP tasks: the task ids of the group, which live and die together. */
  group?: string[];
  limits: ContainerLimits;
  /** False for tasks refused before launch (TASK_ERROR, TASK_DROPPED): no container exists. */
  launched: boolean;
  createdAtMs: number;
}

/**
 * launching: checkpointed, launch in flight. running: the process exists. killing: kill asked.
 * terminated: the terminal update is made and the resources are free, awaiting acknowledgement.
 */
export type TaskPhase = "launching" | "running" | "killing" | "terminated";

export interface TaskRecord {
  key: string;
  frameworkId: string;
  taskId: string;
  checkpoint: TaskCheckpoint;
  resources: Resources;
  phase: TaskPhase;
  state: TaskState;
  pid?: number;
  /** The process's start time as the containerizer read it: its identity against pid reuse. */
  startTicks?: number;
  kill?: KillIntent;
  /** SIGTERM to SIGKILL for the kill in progress. */
  killGracePeriodMs?: number;
  /** A termination that arrived while the launch was still in flight. */
  pendingTermination?: ContainerTermination;
  healthy?: boolean;
  /** Recent updates, newest last, for /state. */
  statuses: TaskStatus[];
}

export interface FrameworkRecord {
  id: string;
  /** The agent id its checkpoints live under (meta/slaves/<agentId>/frameworks/<id>). */
  agentId: string;
  info: FrameworkInfo;
  /** SHUTDOWN_FRAMEWORK arrived: its tasks are being killed and its updates are no longer sent. */
  removing: boolean;
}

/** A task whose terminal update was acknowledged, kept (bounded) for /state. */
export interface CompletedTask {
  frameworkId: string;
  executorId: string;
  checkpoint: TaskCheckpoint;
  state: TaskState;
  statuses: TaskStatus[];
  resources: Resources;
}

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}/${taskId}`;
}

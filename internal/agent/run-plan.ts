// What to do with each task of a RUN_TASKS, decided from the message and what the agent has
// free; pure. Plain tasks are judged one by one (each takes its share of the free resources, as
// if the master had sent them apart); a task group is all or nothing, as Mesos's LAUNCH_GROUP.

import { Resources } from "../resources/index.ts";
import type { MasterToAgent, TaskInfo, TaskState, TaskStatusReason } from "../wire/index.ts";
import { idProblem } from "./paths.ts";
import { missingResources, taskResources } from "./resource-fit.ts";
import { droppedState } from "./task-status.ts";

export type RunTasks = Extract<MasterToAgent, { type: "RUN_TASKS" }>;

export type TaskDecision =
  | { kind: "launch"; task: TaskInfo; resources: Resources }
  /** The task gets a terminal update and never runs. */
  | { kind: "refuse"; task: TaskInfo; state: TaskState; reason: TaskStatusReason; message: string }
  /** No status update can be made for it (unusable id, already running): COMMAND_REFUSED. */
  | { kind: "ignore"; task: TaskInfo; message: string };

export interface RunPlanInput {
  message: RunTasks;
  free: Resources;
  /** Tasks the agent already has, by framework/task key. */
  isKnown(taskId: string): boolean;
}

export function planRunTasks(input: RunPlanInput): TaskDecision[] {
  const { message } = input;
  const first = message.tasks.map((task) => firstLook(task, message, input.isKnown));
  if (message.executor !== undefined) return planGroup(first, input);
  let free = input.free;
  return first.map((decision) => {
    if (decision.kind !== "launch") return decision;
    const fit = fitDecision([decision], free, message)[0]!;
    if (fit.kind === "launch") free = free.minus(fit.resources);
    return fit;
  });
}

function planGroup(first: TaskDecision[], input: RunPlanInput): TaskDecision[] {
  const ignored = first.find((decision) => decision.kind === "ignore");
  if (ignored !== undefined) {
    return first.map((decision) => ({ kind: "ignore", task: decision.task, message: `task group not launched: ${ignored.message}` }));
  }
  const bad = first.find((decision) => decision.kind === "refuse");
  if (bad !== undefined && bad.kind === "refuse") {
    const message = `Task group is invalid: task ${bad.task.task_id.value}: ${bad.message}`;
    return first.map((decision) => ({ kind: "refuse", task: decision.task, state: "TASK_ERROR", reason: "REASON_TASK_GROUP_INVALID", message }));
  }
  return fitDecision(first as Array<Extract<TaskDecision, { kind: "launch" }>>, input.free, input.message);
}

/** Checks everything but resources fitting. */
function firstLook(task: TaskInfo, message: RunTasks, isKnown: (taskId: string) => boolean): TaskDecision {
  const taskId = task.task_id?.value ?? "";
  const problem = idProblem(taskId);
  if (problem !== undefined) return { kind: "ignore", task, message: `task id '${taskId}' ${problem}` };
  if (message.executor !== undefined) {
    const executorProblem = idProblem(message.executor.executor_id?.value ?? "");
    if (executorProblem !== undefined) return { kind: "ignore", task, message: `executor id ${executorProblem}` };
  }
  if (isKnown(taskId)) return { kind: "ignore", task, message: `task ${taskId} already exists on this agent` };
  const invalid = (text: string): TaskDecision => ({ kind: "refuse", task, state: "TASK_ERROR", reason: "REASON_TASK_INVALID", message: text });
  if (task.executor !== undefined && message.executor === undefined) {
    return invalid("Custom executors are not supported by this agent; launch a command task or a task group");
  }
  if (task.command === undefined || (task.command.value ?? "") === "") return invalid("Task has no command to run");
  const resources = taskResources(task.resources ?? []);
  if ("problem" in resources) return invalid(`Task resources are invalid: ${resources.problem}`);
  return { kind: "launch", task, resources };
}

/** All of `launches` fit in `free` together, or none is launched. */
function fitDecision(launches: Array<Extract<TaskDecision, { kind: "launch" }>>, free: Resources, message: RunTasks): TaskDecision[] {
  const needed = launches.reduce((sum, decision) => sum.plus(decision.resources), Resources.EMPTY);
  const missing = missingResources(free, needed);
  if (missing.isEmpty()) return launches;
  const what = launches.length === 1 ? `Task needs ${needed.toText()}` : `Task group needs ${needed.toText()}`;
  const text = `${what} but the agent has ${free.isEmpty() ? "nothing" : free.toText()} free; missing ${missing.toText()}`;
  const state = droppedState(message.framework);
  return launches.map((decision) => ({ kind: "refuse", task: decision.task, state, reason: "REASON_RESOURCES_UNKNOWN", message: text }));
}

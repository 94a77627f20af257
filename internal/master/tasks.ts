// Task bookkeeping shared by the agent and framework handlers: adding tasks, applying status
// updates, returning resources once, and moving finished tasks to the completed list.

import { Resources, parseResourcesJSONValue, unreservedRole } from "../resources/index.ts";
import { isTerminalState, type FrameworkInfo, type TaskInfo, type TaskState, type TaskStatus } from "../wire/index.ts";
import type { Master } from "./master.ts";
import { taskKey, type FrameworkEntry, type TaskEntry } from "./types.ts";

/** Statuses kept per task for /master/state; older ones are dropped. */
export const statusesPerTaskMax = 16;

export function hasCapability(info: FrameworkInfo, capability: string): boolean {
  return info.capabilities?.some((c) => c.type === capability) ?? false;
}

/** The role a task's resources are allocated to: allocation_info, else its reservation, else the framework's. */
export function taskRole(task: TaskInfo, framework: FrameworkInfo | undefined): string {
  for (const resource of task.resources ?? []) {
    const allocation = (resource as { allocation_info?: { role?: string } }).allocation_info;
    if (allocation?.role) return allocation.role;
  }
  for (const resource of task.resources ?? []) {
    if (resource.role && resource.role !== unreservedRole) return resource.role;
  }
  return framework?.roles?.[0] ?? framework?.role ?? unreservedRole;
}

export function taskResources(task: TaskInfo): Resources {
  return parseResourcesJSONValue(task.resources ?? [], unreservedRole);
}

export interface NewTask {
  frameworkId: string;
  agentId: string;
  info: TaskInfo;
  role: string;
  resources: Resources;
  state: TaskState;
  executorId: string;
}

/** Adds a task; its resources must already be booked in the allocator (or be terminal). */
export function addTask(m: Master, task: NewTask): TaskEntry {
  const key = taskKey(task.frameworkId, task.info.task_id.value);
  const entry: TaskEntry = { key, ...task, statuses: [], latestStatus: undefined, released: isTerminalState(task.state) };
  m.tasks.set(key, entry);
  m.agents.get(task.agentId)?.tasks.add(key);
  m.frameworks.get(task.frameworkId)?.tasks.add(key);
  return entry;
}

/** Records a status on the task; on the first terminal state its resources go back to the pool. */
export function applyStatus(m: Master, task: TaskEntry, status: TaskStatus): void {
  if (task.state !== status.state) m.metrics.countTaskState(status.state);
  task.state = status.state;
  task.latestStatus = status;
  task.statuses.push(status);
  if (task.statuses.length > statusesPerTaskMax) task.statuses.splice(0, task.statuses.length - statusesPerTaskMax);
  if (isTerminalState(status.state)) releaseTask(m, task);
}

/** Returns the task's resources to the allocator, once. */
export function releaseTask(m: Master, task: TaskEntry): void {
  if (task.released) return;
  task.released = true;
  if (m.allocator.agentView(task.agentId) !== undefined) {
    m.allocator.recover(task.frameworkId, task.agentId, task.role, task.resources);
    m.requestAllocation();
  }
}

/** The task is done with: it leaves the active maps and joins its framework's completed list. */
export function completeTask(m: Master, task: TaskEntry, removedFramework?: FrameworkEntry): void {
  releaseTask(m, task);
  m.tasks.delete(task.key);
  m.agents.get(task.agentId)?.tasks.delete(task.key);
  const framework = removedFramework ?? m.frameworks.get(task.frameworkId);
  if (!framework) return;
  framework.tasks.delete(task.key);
  framework.completedTasks.push(task);
  const excess = framework.completedTasks.length - m.config.maxCompletedTasksPerFramework;
  if (excess > 0) framework.completedTasks.splice(0, excess);
}

/** A status the master itself decides (lost, dropped, killed by teardown): applied and forwarded. */
export function masterTransition(m: Master, task: TaskEntry, status: TaskStatus): void {
  applyStatus(m, task, status);
  m.sendToFramework(task.frameworkId, { type: "UPDATE", update: { status } });
  if (isTerminalState(status.state)) completeTask(m, task);
}

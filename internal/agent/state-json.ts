// The agent's /state in the shape of Mesos's agent /state (src/slave/http.cpp), and its
// /metrics/snapshot with Mesos's metric names; pure functions of a snapshot of the agent.

import { attributesToJSON, type Attributes, type Resources } from "../resources/index.ts";
import type { TaskStatus } from "../wire/index.ts";
import type { AgentSummary } from "./agent.ts";
import type { AgentMetrics } from "./metrics.ts";
import type { CompletedTask, FrameworkRecord, TaskCheckpoint, TaskRecord } from "./model.ts";

export interface StateInput {
  summary: AgentSummary;
  ip: string;
  attributes: Attributes;
  version: { version: string; git_sha: string; git_tag: string; build_date: string; build_time: number; build_user: string };
  flags: Record<string, string>;
  logDir?: string;
  frameworks: readonly FrameworkRecord[];
  tasks: readonly TaskRecord[];
  completed: readonly CompletedTask[];
  completedFrameworks: readonly FrameworkRecord[];
}

type Json = Record<string, unknown>;

/** Mesos's JSON model of Resources: scalars summed per name, ranges and sets as text. */
export function resourcesModel(resources: Resources): Record<string, number | string> {
  const model: Record<string, number | string> = {};
  for (const name of resources.names()) {
    const entry = resources.toArray().find((resource) => resource.name === name);
    if (entry === undefined) continue;
    if (entry.type === "SCALAR") model[name] = resources.scalar(name);
    else if (entry.type === "RANGES") model[name] = `[${resources.ranges(name).map((r) => `${r.begin}-${r.end}`).join(", ")}]`;
    else model[name] = `{${resources.setItems(name).join(", ")}}`;
  }
  return model;
}

function reservedModel(resources: Resources): Record<string, Record<string, number | string>> {
  const out: Record<string, Record<string, number | string>> = {};
  for (const role of resources.roles()) {
    if (role !== "*") out[role] = resourcesModel(resources.reservedBy(role));
  }
  return out;
}

export function agentStateJson(input: StateInput): Json {
  const { summary } = input;
  const state: Json = {
    version: input.version.version,
    git_sha: input.version.git_sha,
    git_tag: input.version.git_tag,
    build_date: input.version.build_date,
    build_time: input.version.build_time,
    build_user: input.version.build_user,
    start_time: summary.startTimeMs / 1000,
    id: summary.agentId ?? "",
    pid: `slave(1)@${input.ip}:${summary.port}`,
    hostname: summary.hostname,
    capabilities: ["MULTI_ROLE", "TASK_KILLING_STATE"],
    resources: resourcesModel(summary.resources),
    reserved_resources: reservedModel(summary.resources),
    unreserved_resources: resourcesModel(summary.resources.unreserved()),
    attributes: attributesToJSON(input.attributes),
    master_hostname: summary.masterAddress?.replace(/:\d+$/, "") ?? "",
    flags: input.flags,
    frameworks: input.frameworks.map((framework) => frameworkJson(framework, input, summary)),
    completed_frameworks: input.completedFrameworks.map((framework) => frameworkJson(framework, input, summary)),
  };
  if (input.logDir !== undefined) state.log_dir = input.logDir;
  return state;
}

function frameworkJson(framework: FrameworkRecord, input: StateInput, summary: AgentSummary): Json {
  const live = input.tasks.filter((task) => task.frameworkId === framework.id);
  const done = input.completed.filter((task) => task.frameworkId === framework.id);
  const executors = new Map<string, { checkpoint: TaskCheckpoint; tasks: Json[]; completed: Json[] }>();
  const executorOf = (checkpoint: TaskCheckpoint) => {
    const key = `${checkpoint.executorId}/${checkpoint.runId}`;
    let executor = executors.get(key);
    if (executor === undefined) {
      executor = { checkpoint, tasks: [], completed: [] };
      executors.set(key, executor);
    }
    return executor;
  };
  for (const task of live) {
    const json = taskJson(task.checkpoint, task.state, task.statuses, summary);
    if (task.phase === "terminated") executorOf(task.checkpoint).completed.push(json);
    else executorOf(task.checkpoint).tasks.push(json);
  }
  for (const task of done) executorOf(task.checkpoint).completed.push(taskJson(task.checkpoint, task.state, task.statuses, summary));
  const all = [...executors.values()];
  const info = framework.info;
  const json: Json = {
    id: framework.id,
    name: info.name,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    hostname: info.hostname ?? "",
    executors: all.filter((executor) => executor.tasks.length > 0).map(executorJson),
    completed_executors: all.filter((executor) => executor.tasks.length === 0).map(executorJson),
  };
  if (info.roles !== undefined) json.roles = info.roles;
  else json.role = info.role ?? "*";
  if (info.principal !== undefined) json.principal = info.principal;
  return json;
}

function executorJson(executor: { checkpoint: TaskCheckpoint; tasks: Json[]; completed: Json[] }): Json {
  const { checkpoint } = executor;
  const group = checkpoint.executor !== undefined;
  const command = checkpoint.task.command?.value ?? "";
  return {
    id: checkpoint.executorId,
    name: group ? (checkpoint.executor?.name ?? checkpoint.executorId) : `Command Executor (Task: ${checkpoint.task.task_id.value}) (Command: sh -c '${command}')`,
    source: group ? (checkpoint.executor?.source ?? checkpoint.executorId) : checkpoint.task.task_id.value,
    container: checkpoint.runId,
    directory: checkpoint.runSandboxDir,
    type: group ? "DEFAULT" : "COMMAND",
    tasks: executor.tasks,
    queued_tasks: [],
    completed_tasks: executor.completed,
  };
}

function taskJson(checkpoint: TaskCheckpoint, state: string, statuses: readonly TaskStatus[], summary: AgentSummary): Json {
  const task = checkpoint.task;
  const json: Json = {
    id: task.task_id.value,
    name: task.name,
    framework_id: checkpoint.frameworkId,
    executor_id: checkpoint.executorId,
    slave_id: summary.agentId ?? "",
    state,
    resources: task.resources,
    statuses: statuses.map((status) => {
      const out: Json = { state: status.state, timestamp: status.timestamp };
      if (status.container_status !== undefined) out.container_status = status.container_status;
      if (status.healthy !== undefined) out.healthy = status.healthy;
      return out;
    }),
  };
  if (task.labels !== undefined) json.labels = task.labels;
  if (task.discovery !== undefined) json.discovery = task.discovery;
  if (task.health_check !== undefined) json.health_check = task.health_check;
  if (task.command !== undefined) json.command = task.command;
  return json;
}

export interface MetricsInput {
  summary: AgentSummary;
  nowMs: number;
  metrics: AgentMetrics;
  tasks: readonly TaskRecord[];
  used: Resources;
  frameworksActive: number;
  pendingUpdates: number;
}

/** /metrics/snapshot: Mesos agent metric names, numbers only. */
export function agentMetricsSnapshot(input: MetricsInput): Record<string, number> {
  const { summary, metrics } = input;
  const byState = (state: string) => input.tasks.filter((task) => task.state === state && task.phase !== "terminated").length;
  const snapshot: Record<string, number> = {
    "slave/registered": summary.registered ? 1 : 0,
    "slave/uptime_secs": (input.nowMs - summary.startTimeMs) / 1000,
    "slave/frameworks_active": input.frameworksActive,
    "slave/tasks_staging": byState("TASK_STAGING"),
    "slave/tasks_starting": byState("TASK_STARTING"),
    "slave/tasks_running": byState("TASK_RUNNING"),
    "slave/tasks_killing": byState("TASK_KILLING"),
    "slave/tasks_finished": metrics.tasksFinished,
    "slave/tasks_failed": metrics.tasksFailed,
    "slave/tasks_killed": metrics.tasksKilled,
    "slave/tasks_lost": metrics.tasksLost,
    "slave/tasks_dropped": metrics.tasksDropped,
    "slave/tasks_error": metrics.tasksError,
    "slave/executors_running": input.tasks.filter((task) => task.phase === "running" || task.phase === "killing").length,
    "slave/valid_status_updates": metrics.validStatusUpdates,
    "slave/invalid_status_updates": metrics.invalidStatusUpdates,
    "slave/status_updates_pending": input.pendingUpdates,
    "slave/recovery_errors": metrics.recoveryErrors,
    "slave/container_launch_errors": metrics.containerLaunchErrors,
    "slave/commands_refused": metrics.commandsRefused,
    "slave/master_epoch": summary.epoch,
  };
  for (const name of ["cpus", "mem", "disk", "gpus"]) {
    const total = summary.resources.scalar(name);
    const used = input.used.scalar(name);
    snapshot[`slave/${name}_total`] = total;
    snapshot[`slave/${name}_used`] = used;
    snapshot[`slave/${name}_percent`] = total === 0 ? 0 : used / total;
  }
  return snapshot;
}

// The rules a TaskInfo must meet before the master launches it, after Mesos's master/validation.cpp
// (task::validate, task::group::validate, executor::validate) and common/validation.cpp. A breach
// is not a bad request: Mesos answers the ACCEPT with 202 and sends the framework a TASK_ERROR
// update (REASON_TASK_INVALID / REASON_TASK_GROUP_INVALID) whose message is what these functions
// return. Checks that need master state (duplicate task ids, the offered resources, the executor
// already running on the agent) stay in the master.
//
// Every message starts with the path of the field, e.g.
// "task_infos[0].task_id.value: must not contain '/'".

import { parseResourcesJSON, ResourcesParseError, type Resources } from "../resources/index.ts";
import { assertNever } from "../runtime/index.ts";
import { fieldPath } from "./json-read.ts";
import type { CommandInfo, ExecutorInfo, HealthCheck, TaskInfo } from "./mesos.ts";
import { idProblem, parseExecutorInfo, parseTaskInfo } from "./mesos-parse.ts";
import type { OperationResourceJSON } from "./scheduler.ts";
import { WireError } from "./wire-error.ts";

/** Least cpus and mem a LAUNCH_GROUP executor must bring (Mesos MIN_CPUS, MIN_MEM). */
export const groupExecutorCpusMin = 0.01;
export const groupExecutorMemMegabytesMin = 32;

export interface TaskValidationContext {
  /** Where the task sits in the call, e.g. `accept.operations[0].launch.task_infos[2]`. */
  path: string;
  /**
   * LAUNCH: exactly one of command and executor. LAUNCH_GROUP: a command, and an executor only if
   * it is the group's (the master puts the group's executor on each task).
   */
  operation: "LAUNCH" | "LAUNCH_GROUP";
  /** For LAUNCH_GROUP: the group's executor. */
  groupExecutor?: ExecutorInfo;
  /** The agent of the offers being accepted; the task must name it. */
  agentId?: string;
  /** The launching framework; an executor naming another framework is refused. */
  frameworkId?: string;
}

type Problem = string | undefined;

/** The first rule the task breaks, as `<path>: <problem>`, or undefined when it may launch. */
export function validateTaskInfo(task: unknown, context: TaskValidationContext): Problem {
  let parsed: TaskInfo;
  try {
    parsed = parseTaskInfo(task, context.path);
  } catch (error) {
    if (error instanceof WireError) return error.message;
    throw error;
  }
  const at = (field: string): string => fieldPath(context.path, field);
  return (
    idRule(parsed.task_id.value, at("task_id.value")) ??
    agentRule(parsed, context, at("agent_id.value")) ??
    nonNegative(parsed.kill_policy?.grace_period?.nanoseconds, at("kill_policy.grace_period.nanoseconds")) ??
    nonNegative(parsed.max_completion_time?.nanoseconds, at("max_completion_time.nanoseconds")) ??
    healthCheckRule(parsed.health_check, at("health_check")) ??
    taskResourcesRule(parsed.resources as unknown as OperationResourceJSON[], at("resources")) ??
    commandRule(parsed.command, at("command")) ??
    limitsRule(parsed, at("limits")) ??
    executorRule(parsed, context)
  );
}

function idRule(id: string, path: string): Problem {
  const problem = idProblem(id);
  return problem === undefined ? undefined : `${path}: ${problem}`;
}

function agentRule(task: TaskInfo, context: TaskValidationContext, path: string): Problem {
  const problem = idRule(task.agent_id.value, path);
  if (problem !== undefined) return problem;
  if (context.agentId !== undefined && task.agent_id.value !== context.agentId) {
    return `${path}: the task names agent '${task.agent_id.value}' but the offers are for agent '${context.agentId}'`;
  }
  return undefined;
}

function nonNegative(value: number | undefined, path: string): Problem {
  return value !== undefined && value < 0 ? `${path}: must not be negative` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Resources

/**
 * Resources as the resources parser takes them. Frameworks echo what offers carry: the
 * `allocation_info` the master added (checked here to name one role) and reservations, which the
 * parser knows only as static roles; both are reduced to a role for the check.
 */
function resourcesProblem(resources: readonly OperationResourceJSON[], path: string): Problem {
  const allocationRoles = new Set<string>();
  for (const resource of resources) {
    if (resource.allocation_info?.role !== undefined) allocationRoles.add(resource.allocation_info.role);
  }
  if (allocationRoles.size > 1) {
    return `${path}: resources are allocated to more than one role (${[...allocationRoles].sort().join(", ")})`;
  }
  const parsed = parseResourcesOrProblem(stripForParse(resources));
  return typeof parsed === "string" ? `${path}: ${parsed}` : undefined;
}

function stripForParse(resources: readonly OperationResourceJSON[]): object[] {
  return resources.map(({ allocation_info: _allocation, reservations, ...rest }) => {
    const reserved = reservations?.at(-1)?.role;
    return reserved === undefined ? rest : { ...rest, role: reserved };
  });
}

function parseResourcesOrProblem(resources: readonly object[]): Resources | string {
  try {
    return parseResourcesJSON(JSON.stringify(resources));
  } catch (error) {
    if (error instanceof ResourcesParseError) return error.message;
    throw error;
  }
}

function taskResourcesRule(resources: readonly OperationResourceJSON[], path: string): Problem {
  if (resources.length === 0) return `${path}: the task uses no resources`;
  return resourcesProblem(resources, path);
}

/**
 * TaskInfo.limits (Mesos validateResourceLimits): only cpus and mem, each at least what the task
 * asks for in `resources`, which must then name it. Infinity means no limit.
 */
function limitsRule(task: TaskInfo, path: string): Problem {
  const limits = (task as { limits?: Record<string, { value: number }> }).limits;
  if (limits === undefined || Object.keys(limits).length === 0) return undefined;
  const requested = parseResourcesOrProblem(stripForParse(task.resources as unknown as OperationResourceJSON[]));
  if (typeof requested === "string") return undefined;
  for (const [name, limit] of Object.entries(limits)) {
    if (name !== "cpus" && name !== "mem") return `${fieldPath(path, name)}: only cpus and mem may have a limit`;
    const request = requested.scalar(name);
    if (!requested.names().includes(name)) return `${fieldPath(path, name)}: a ${name} limit needs a ${name} request in resources`;
    if (limit.value < request) return `${fieldPath(path, `${name}.value`)}: the limit ${limit.value} is below the request ${request}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Commands and health checks

function environmentRule(command: CommandInfo, path: string): Problem {
  const variables = command.environment?.variables ?? [];
  for (const [index, variable] of variables.entries()) {
    const variablePath = `${fieldPath(path, "environment.variables")}[${index}]`;
    const type = variable.type ?? "VALUE";
    switch (type) {
      case "VALUE":
        if (variable.value === undefined) return `${variablePath}.value: is required for a VALUE variable`;
        break;
      case "SECRET":
        return `${variablePath}.type: SECRET variables are not supported`;
      case "UNKNOWN":
        return `${variablePath}.type: UNKNOWN is not allowed`;
      default:
        return `${variablePath}.type: unknown type '${String(type)}'`;
    }
  }
  return undefined;
}

/** A command the agent can run: a shell line, or with shell=false an executable and arguments. */
function commandRule(command: CommandInfo | undefined, path: string): Problem {
  if (command === undefined) return undefined;
  if ((command.value ?? "").length === 0) {
    const what = command.shell === false ? "the executable to run" : "the shell command to run";
    return `${fieldPath(path, "value")}: is required (${what})`;
  }
  return environmentRule(command, path);
}

/** Mesos's HealthCheck rules (common/validation.cpp validateHealthCheck). */
export function healthCheckRule(check: HealthCheck | undefined, path: string): Problem {
  if (check === undefined) return undefined;
  for (const seconds of ["delay_seconds", "interval_seconds", "timeout_seconds", "grace_period_seconds"] as const) {
    const problem = nonNegative(check[seconds], fieldPath(path, seconds));
    if (problem !== undefined) return problem;
  }
  const type = check.type;
  switch (type) {
    case undefined:
      return `${fieldPath(path, "type")}: is required`;
    case "UNKNOWN":
      return `${fieldPath(path, "type")}: UNKNOWN is not a health check type`;
    case "COMMAND":
      if (check.command === undefined) return `${fieldPath(path, "command")}: is required for a COMMAND health check`;
      return commandRule(check.command, fieldPath(path, "command"));
    case "HTTP": {
      if (check.http === undefined) return `${fieldPath(path, "http")}: is required for an HTTP health check`;
      const { scheme, path: urlPath } = check.http;
      if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
        return `${fieldPath(path, "http.scheme")}: must be http or https, not '${scheme}'`;
      }
      if (urlPath !== undefined && !urlPath.startsWith("/")) return `${fieldPath(path, "http.path")}: must start with '/'`;
      return undefined;
    }
    case "TCP":
      return check.tcp === undefined ? `${fieldPath(path, "tcp")}: is required for a TCP health check` : undefined;
    default:
      return `${fieldPath(path, "type")}: unknown type '${String(type)}'`;
  }
}

// ---------------------------------------------------------------------------------------------
// Executors

function executorRule(task: TaskInfo, context: TaskValidationContext): Problem {
  const executorPath = fieldPath(context.path, "executor");
  switch (context.operation) {
    case "LAUNCH":
      if ((task.executor === undefined) === (task.command === undefined)) {
        return `${context.path}: a task needs exactly one of 'command' and 'executor'`;
      }
      if (task.executor === undefined) return undefined;
      if (task.executor.type !== undefined && task.executor.type !== "CUSTOM") {
        return `${fieldPath(executorPath, "type")}: must be CUSTOM for a task's own executor`;
      }
      if (task.executor.command === undefined) return `${fieldPath(executorPath, "command")}: is required`;
      return commonExecutorRule(task.executor, executorPath, context.frameworkId);
    case "LAUNCH_GROUP":
      if (task.command === undefined) return `${fieldPath(context.path, "command")}: is required for a task in a group`;
      if (task.executor !== undefined && task.executor.executor_id.value !== context.groupExecutor?.executor_id.value) {
        return `${fieldPath(executorPath, "executor_id.value")}: differs from the group's executor`;
      }
      return undefined;
    default:
      return assertNever(context.operation);
  }
}

/** The rules every executor meets (Mesos executor::internal::validate). */
function commonExecutorRule(executor: ExecutorInfo, path: string, frameworkId: string | undefined): Problem {
  const idIssue = idRule(executor.executor_id.value, fieldPath(path, "executor_id.value"));
  if (idIssue !== undefined) return idIssue;
  if (frameworkId !== undefined && executor.framework_id !== undefined && executor.framework_id.value !== frameworkId) {
    return `${fieldPath(path, "framework_id.value")}: names framework '${executor.framework_id.value}', not '${frameworkId}'`;
  }
  const grace = (executor as { shutdown_grace_period?: { nanoseconds: number } }).shutdown_grace_period;
  const graceIssue = nonNegative(grace?.nanoseconds, fieldPath(path, "shutdown_grace_period.nanoseconds"));
  if (graceIssue !== undefined) return graceIssue;
  const resources = (executor.resources ?? []) as OperationResourceJSON[];
  if (resources.length > 0) {
    const problem = resourcesProblem(resources, fieldPath(path, "resources"));
    if (problem !== undefined) return problem;
  }
  return executor.command === undefined ? undefined : environmentRule(executor.command, fieldPath(path, "command"));
}

/**
 * The executor of a LAUNCH_GROUP (Mesos task::group validateExecutor): a known type, at least
 * 0.01 cpus and 32 MB of mem, some disk, and the common executor rules.
 */
export function validateGroupExecutor(executor: unknown, path: string, frameworkId?: string): Problem {
  let parsed: ExecutorInfo;
  try {
    parsed = parseExecutorInfo(executor, path);
  } catch (error) {
    if (error instanceof WireError) return error.message;
    throw error;
  }
  if (parsed.type === undefined) return `${fieldPath(path, "type")}: is required (DEFAULT or CUSTOM)`;
  if (parsed.type === "UNKNOWN") return `${fieldPath(path, "type")}: UNKNOWN is not an executor type`;
  if (parsed.type === "CUSTOM" && parsed.command === undefined) return `${fieldPath(path, "command")}: is required`;
  const common = commonExecutorRule(parsed, path, frameworkId);
  if (common !== undefined) return common;
  const resources = parseResourcesOrProblem(stripForParse((parsed.resources ?? []) as OperationResourceJSON[]));
  if (typeof resources === "string") return `${fieldPath(path, "resources")}: ${resources}`;
  const cpus = resources.scalar("cpus");
  const mem = resources.scalar("mem");
  if (cpus < groupExecutorCpusMin) {
    return `${fieldPath(path, "resources")}: the executor uses ${cpus} cpus, less than the minimum ${groupExecutorCpusMin}`;
  }
  if (mem < groupExecutorMemMegabytesMin) {
    return `${fieldPath(path, "resources")}: the executor uses ${mem} MB of mem, less than the minimum ${groupExecutorMemMegabytesMin}`;
  }
  if (!resources.names().includes("disk")) {
    return `${fieldPath(path, "resources")}: the executor uses no disk`;
  }
  return undefined;
}

/**
 * A whole LAUNCH_GROUP: the executor, then each task (`<path>.task_group.tasks[i]`), then that the
 * group is not empty and its task ids are distinct. Returns the first problem.
 */
export function validateLaunchGroup(
  group: { executor: unknown; task_group: { tasks: readonly unknown[] } },
  context: { path: string; agentId?: string; frameworkId?: string },
): Problem {
  const executorPath = fieldPath(context.path, "executor");
  const executorProblem = validateGroupExecutor(group.executor, executorPath, context.frameworkId);
  if (executorProblem !== undefined) return executorProblem;
  const executor = parseExecutorInfo(group.executor, executorPath);
  const tasksPath = fieldPath(context.path, "task_group.tasks");
  if (group.task_group.tasks.length === 0) return `${tasksPath}: a task group needs at least one task`;
  const seen = new Set<string>();
  for (const [index, task] of group.task_group.tasks.entries()) {
    const path = `${tasksPath}[${index}]`;
    const problem = validateTaskInfo(task, { ...context, path, operation: "LAUNCH_GROUP", groupExecutor: executor });
    if (problem !== undefined) return problem;
    const id = (task as TaskInfo).task_id.value;
    if (seen.has(id)) return `${path}.task_id.value: '${id}' is used twice in the group`;
    seen.add(id);
  }
  return undefined;
}

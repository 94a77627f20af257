// Structural parsers for the mesos.proto messages that calls carry (FrameworkInfo, TaskInfo,
// ExecutorInfo, CommandInfo, HealthCheck, Resource, MachineID, ...). They check what Mesos checks
// when it turns JSON into protobuf: JSON types, and the fields proto2 marks `required`. Rules about
// values (task ids without '/', one of command or executor, ...) are validate-task.ts and
// validateFrameworkInfo below, because Mesos reports those differently (TASK_ERROR, an ERROR event)
// from a body it cannot read (400).

import { roleProblem } from "../resources/index.ts";
import {
  arrayField,
  expectInteger,
  expectObject,
  fail,
  fieldPath,
  fieldValue,
  optionalArrayField,
  optionalBoolean,
  optionalBytes,
  optionalEnum,
  optionalId,
  optionalInteger,
  optionalNumber,
  optionalObject,
  optionalString,
  passThrough,
  requiredId,
  requiredInteger,
  requiredNumber,
  requiredObject,
  requiredString,
  setDefined,
  stringItem,
  type JsonObject,
} from "./json-read.ts";
import type {
  CommandInfo,
  EnvironmentVariable,
  ExecutorInfo,
  FrameworkInfo,
  HealthCheck,
  KillPolicy,
  Labels,
  MachineID,
  TaskInfo,
  Unavailability,
} from "./mesos.ts";
import type { OperationResourceJSON } from "./scheduler.ts";

// ---------------------------------------------------------------------------------------------
// Small messages

export function parseLabels(value: unknown, path: string): Labels {
  const object = expectObject(value, path);
  const labels = arrayField(object, path, "labels", (item, itemPath) => {
    const label = expectObject(item, itemPath);
    const parsed: { key: string; value?: string } = { key: requiredString(label, itemPath, "key") };
    const labelValue = optionalString(label, itemPath, "value");
    if (labelValue !== undefined) parsed.value = labelValue;
    return parsed;
  });
  return { labels };
}

/** DurationInfo / TimeInfo: `{"nanoseconds": <int64>}`. */
export function parseNanoseconds(value: unknown, path: string): { nanoseconds: number } {
  const object = expectObject(value, path);
  return { nanoseconds: requiredInteger(object, path, "nanoseconds") };
}

export function parseKillPolicy(value: unknown, path: string): KillPolicy {
  const object = expectObject(value, path);
  const policy: KillPolicy = {};
  const grace = fieldValue(object, "grace_period");
  if (grace !== undefined) policy.grace_period = parseNanoseconds(grace, fieldPath(path, "grace_period"));
  return policy;
}

/** Value.Scalar: `{"value": <double>}`. */
export function parseScalarValue(value: unknown, path: string): { value: number } {
  const object = expectObject(value, path);
  return { value: requiredNumber(object, path, "value") };
}

/** A `map<string, Value.Scalar>` such as TaskInfo.limits: `{"cpus": {"value": 2}}`. */
export function parseScalarMap(object: JsonObject, path: string): Record<string, { value: number }> {
  const map: Record<string, { value: number }> = {};
  for (const [name, value] of Object.entries(object)) {
    if (value !== null) map[name] = parseScalarValue(value, fieldPath(path, name));
  }
  return map;
}

/**
 * A Resource as frameworks and operators send it. Only `name` and `type` (required in proto) and
 * the JSON types of the value fields are checked here; the resources parser decides the rest.
 */
export function parseResourceJSON(value: unknown, path: string): OperationResourceJSON {
  const object = expectObject(value, path);
  const resource = passThrough(object) as OperationResourceJSON;
  resource.name = requiredString(object, path, "name");
  const type = optionalEnum(object, path, "type", ["SCALAR", "RANGES", "SET", "TEXT"] as const);
  if (type === undefined) return fail(fieldPath(path, "type"), "is required");
  if (type === "TEXT") return fail(fieldPath(path, "type"), "TEXT is not a resource type");
  resource.type = type;
  setDefined(resource, "role", optionalString(object, path, "role"));
  const scalar = fieldValue(object, "scalar");
  if (scalar !== undefined) resource.scalar = parseScalarValue(scalar, fieldPath(path, "scalar"));
  optionalObject(object, path, "ranges");
  optionalObject(object, path, "set");
  const allocation = optionalObject(object, path, "allocation_info");
  if (allocation !== undefined) {
    const allocationPath = fieldPath(path, "allocation_info");
    resource.allocation_info = { role: optionalString(allocation, allocationPath, "role") };
  }
  const reservations = optionalArrayField(object, path, "reservations", (item, itemPath) => {
    const reservation = expectObject(item, itemPath);
    optionalEnum(reservation, itemPath, "type", ["UNKNOWN", "STATIC", "DYNAMIC"] as const);
    optionalString(reservation, itemPath, "role");
    optionalString(reservation, itemPath, "principal");
    return passThrough(reservation);
  });
  setDefined(resource, "reservations", reservations);
  return resource;
}

export function parseResourcesArray(object: JsonObject, path: string, name: string): OperationResourceJSON[] {
  return arrayField(object, path, name, parseResourceJSON);
}

// ---------------------------------------------------------------------------------------------
// Commands, executors, tasks

function parseEnvironmentVariable(value: unknown, path: string): EnvironmentVariable {
  const object = expectObject(value, path);
  const variable = passThrough(object) as unknown as EnvironmentVariable;
  variable.name = requiredString(object, path, "name");
  setDefined(variable as unknown as JsonObject, "type", optionalEnum(object, path, "type", ["UNKNOWN", "VALUE", "SECRET"] as const));
  setDefined(variable as unknown as JsonObject, "value", optionalString(object, path, "value"));
  optionalObject(object, path, "secret");
  return variable;
}

export function parseCommandInfo(value: unknown, path: string): CommandInfo {
  const object = expectObject(value, path);
  const command = passThrough(object) as CommandInfo & JsonObject;
  setDefined(command, "shell", optionalBoolean(object, path, "shell"));
  setDefined(command, "value", optionalString(object, path, "value"));
  setDefined(command, "user", optionalString(object, path, "user"));
  setDefined(command, "arguments", optionalArrayField(object, path, "arguments", stringItem));
  const uris = optionalArrayField(object, path, "uris", (item, itemPath) => {
    const uri = expectObject(item, itemPath);
    const parsed = passThrough(uri) as NonNullable<CommandInfo["uris"]>[number] & JsonObject;
    parsed.value = requiredString(uri, itemPath, "value");
    for (const flag of ["executable", "extract", "cache"]) setDefined(parsed, flag, optionalBoolean(uri, itemPath, flag));
    setDefined(parsed, "output_file", optionalString(uri, itemPath, "output_file"));
    return parsed;
  });
  setDefined(command, "uris", uris);
  const environment = optionalObject(object, path, "environment");
  if (environment !== undefined) {
    const environmentPath = fieldPath(path, "environment");
    command.environment = { variables: arrayField(environment, environmentPath, "variables", parseEnvironmentVariable) };
  }
  return command;
}

export const healthCheckTypes = ["UNKNOWN", "COMMAND", "HTTP", "TCP"] as const;

export function parseHealthCheck(value: unknown, path: string): HealthCheck {
  const object = expectObject(value, path);
  const check = passThrough(object) as HealthCheck & JsonObject;
  setDefined(check, "type", optionalEnum(object, path, "type", healthCheckTypes));
  for (const seconds of ["delay_seconds", "interval_seconds", "timeout_seconds", "grace_period_seconds"]) {
    setDefined(check, seconds, optionalNumber(object, path, seconds));
  }
  setDefined(check, "consecutive_failures", optionalInteger(object, path, "consecutive_failures", true));
  const command = fieldValue(object, "command");
  if (command !== undefined) check.command = parseCommandInfo(command, fieldPath(path, "command"));
  const http = optionalObject(object, path, "http");
  if (http !== undefined) {
    const httpPath = fieldPath(path, "http");
    const parsed = passThrough(http) as NonNullable<HealthCheck["http"]> & JsonObject;
    parsed.port = requiredInteger(http, httpPath, "port", true);
    setDefined(parsed, "scheme", optionalString(http, httpPath, "scheme"));
    setDefined(parsed, "path", optionalString(http, httpPath, "path"));
    setDefined(parsed, "statuses", optionalArrayField(http, httpPath, "statuses", (item, itemPath) => expectInteger(item, itemPath, true)));
    check.http = parsed;
  }
  const tcp = optionalObject(object, path, "tcp");
  if (tcp !== undefined) check.tcp = { ...passThrough(tcp), port: requiredInteger(tcp, fieldPath(path, "tcp"), "port", true) };
  return check;
}

export const executorTypes = ["UNKNOWN", "DEFAULT", "CUSTOM"] as const;

export function parseExecutorInfo(value: unknown, path: string): ExecutorInfo {
  const object = expectObject(value, path);
  const executor = passThrough(object) as ExecutorInfo & JsonObject;
  executor.executor_id = requiredId(object, path, "executor_id");
  setDefined(executor, "type", optionalEnum(object, path, "type", executorTypes));
  setDefined(executor, "framework_id", optionalId(object, path, "framework_id"));
  const command = fieldValue(object, "command");
  if (command !== undefined) executor.command = parseCommandInfo(command, fieldPath(path, "command"));
  setDefined(executor, "resources", optionalArrayField(object, path, "resources", parseResourceJSON));
  setDefined(executor, "name", optionalString(object, path, "name"));
  setDefined(executor, "source", optionalString(object, path, "source"));
  setDefined(executor, "data", optionalBytes(object, path, "data"));
  optionalObject(object, path, "container");
  const grace = fieldValue(object, "shutdown_grace_period");
  if (grace !== undefined) executor.shutdown_grace_period = parseNanoseconds(grace, fieldPath(path, "shutdown_grace_period"));
  const labels = fieldValue(object, "labels");
  if (labels !== undefined) executor.labels = parseLabels(labels, fieldPath(path, "labels"));
  return executor;
}

/** TaskInfo: name, task_id and agent_id are required by proto; everything else keeps its JSON. */
export function parseTaskInfo(value: unknown, path = "task_info"): TaskInfo {
  const object = expectObject(value, path);
  const task = passThrough(object) as TaskInfo & JsonObject;
  task.name = requiredString(object, path, "name");
  task.task_id = requiredId(object, path, "task_id");
  task.agent_id = requiredId(object, path, "agent_id");
  task.resources = parseResourcesArray(object, path, "resources") as TaskInfo["resources"];
  const executor = fieldValue(object, "executor");
  if (executor !== undefined) task.executor = parseExecutorInfo(executor, fieldPath(path, "executor"));
  const command = fieldValue(object, "command");
  if (command !== undefined) task.command = parseCommandInfo(command, fieldPath(path, "command"));
  const health = fieldValue(object, "health_check");
  if (health !== undefined) task.health_check = parseHealthCheck(health, fieldPath(path, "health_check"));
  const kill = fieldValue(object, "kill_policy");
  if (kill !== undefined) task.kill_policy = parseKillPolicy(kill, fieldPath(path, "kill_policy"));
  const completion = fieldValue(object, "max_completion_time");
  if (completion !== undefined) task.max_completion_time = parseNanoseconds(completion, fieldPath(path, "max_completion_time"));
  const labels = fieldValue(object, "labels");
  if (labels !== undefined) task.labels = parseLabels(labels, fieldPath(path, "labels"));
  setDefined(task, "data", optionalBytes(object, path, "data"));
  for (const passed of ["container", "discovery", "check"]) optionalObject(object, path, passed);
  const limits = optionalObject(object, path, "limits");
  if (limits !== undefined) task["limits"] = parseScalarMap(limits, fieldPath(path, "limits"));
  return task;
}

// ---------------------------------------------------------------------------------------------
// Frameworks

export function parseFrameworkInfo(value: unknown, path = "framework_info"): FrameworkInfo {
  const object = expectObject(value, path);
  const info = passThrough(object) as FrameworkInfo & JsonObject;
  info.user = requiredString(object, path, "user");
  info.name = requiredString(object, path, "name");
  setDefined(info, "id", optionalId(object, path, "id"));
  setDefined(info, "failover_timeout", optionalNumber(object, path, "failover_timeout"));
  setDefined(info, "checkpoint", optionalBoolean(object, path, "checkpoint"));
  for (const text of ["role", "hostname", "principal", "webui_url"]) setDefined(info, text, optionalString(object, path, text));
  setDefined(info, "roles", optionalArrayField(object, path, "roles", stringItem));
  // Capability names are kept as strings: a newer client may name one we do not know, and Mesos
  // drops an unknown enum value rather than refusing the framework.
  const capabilities = optionalArrayField(object, path, "capabilities", (item, itemPath) => {
    const capability = expectObject(item, itemPath);
    return { type: optionalString(capability, itemPath, "type") ?? "UNKNOWN" };
  });
  setDefined(info, "capabilities", capabilities);
  const labels = fieldValue(object, "labels");
  if (labels !== undefined) info.labels = parseLabels(labels, fieldPath(path, "labels"));
  optionalObject(object, path, "offer_filters");
  return info;
}

export function hasCapability(info: FrameworkInfo, capability: string): boolean {
  return (info.capabilities ?? []).some((entry) => entry.type === capability);
}

/** The roles a framework subscribes with: `roles` when MULTI_ROLE, else `role` (default `*`). */
export function frameworkRoles(info: FrameworkInfo): string[] {
  return hasCapability(info, "MULTI_ROLE") ? [...(info.roles ?? [])] : [info.role ?? "*"];
}

/** Longest id (task, executor, agent, framework), as Mesos's NAME_MAX. */
export const idCharsMax = 255;

/** Mesos's common ID rule (ids become directory names); undefined when fine. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return "must not be empty";
  if (id.length > idCharsMax) return `must not be longer than ${idCharsMax} characters`;
  if (id === "." || id === "..") return `must not be '${id}'`;
  if (id.includes("/")) return "must not contain '/'";
  if (id.includes("\\")) return "must not contain '\\'";
  // Control characters as C's iscntrl: 0-31 and 127.
  if (/[\u0000-\u001f\u007f]/.test(id)) return "must not contain control characters";
  return undefined;
}

/** Largest failover_timeout, in seconds, that a Duration (int64 nanoseconds) can hold. */
export const failoverTimeoutSecondsMax = 9_223_372_036;

/**
 * Mesos's FrameworkInfo rules (master/validation.cpp framework::validate): role vs roles by the
 * MULTI_ROLE capability, no duplicate or invalid roles, a valid id, a representable
 * failover_timeout. Mesos reports these on the event stream as an ERROR, not as a 400.
 */
export function validateFrameworkInfo(info: FrameworkInfo, path = "framework_info"): string | undefined {
  const multiRole = hasCapability(info, "MULTI_ROLE");
  if (multiRole && info.role !== undefined) {
    return `${fieldPath(path, "role")}: must not be set when the framework is MULTI_ROLE capable`;
  }
  if (!multiRole && (info.roles ?? []).length > 0) {
    return `${fieldPath(path, "roles")}: must not be set when the framework is not MULTI_ROLE capable`;
  }
  const roles = frameworkRoles(info);
  const seen = new Set<string>();
  for (const [index, role] of roles.entries()) {
    const rolePath = multiRole ? `${fieldPath(path, "roles")}[${index}]` : fieldPath(path, "role");
    if (seen.has(role)) return `${rolePath}: duplicate role '${role}'`;
    seen.add(role);
    const problem = roleProblem(role);
    if (problem !== undefined) return `${rolePath}: invalid role: ${problem}`;
  }
  if (info.id !== undefined && info.id.value.length > 0) {
    const problem = idProblem(info.id.value);
    if (problem !== undefined) return `${fieldPath(path, "id.value")}: ${problem}`;
  }
  const failover = info.failover_timeout;
  if (failover !== undefined && !(Math.abs(failover) <= failoverTimeoutSecondsMax)) {
    return `${fieldPath(path, "failover_timeout")}: ${failover} is not a valid duration`;
  }
  return undefined;
}

/**
 * What a re-subscription or UPDATE_FRAMEWORK may not change (Mesos framework::validateUpdate): the
 * principal, the user and checkpointing.
 */
export function validateFrameworkUpdate(previous: FrameworkInfo, next: FrameworkInfo, path = "framework_info"): string | undefined {
  if ((previous.principal ?? undefined) !== (next.principal ?? undefined)) {
    return `${fieldPath(path, "principal")}: changing a framework's principal is not allowed`;
  }
  if (previous.user !== next.user) {
    return `${fieldPath(path, "user")}: cannot change from '${previous.user}' to '${next.user}'`;
  }
  if ((previous.checkpoint ?? false) !== (next.checkpoint ?? false)) {
    return `${fieldPath(path, "checkpoint")}: cannot change from ${previous.checkpoint ?? false} to ${next.checkpoint ?? false}`;
  }
  return undefined;
}

/** Suppressed roles must be roles of the framework (Mesos framework::validateSuppressedRoles). */
export function validateSuppressedRoles(info: FrameworkInfo, suppressedRoles: readonly string[], path: string): string | undefined {
  const roles = new Set(frameworkRoles(info));
  const foreign = [...new Set(suppressedRoles.filter((role) => !roles.has(role)))].sort();
  if (foreign.length === 0) return undefined;
  return `${path}: ${foreign.map((role) => `'${role}'`).join(", ")} ${foreign.length === 1 ? "is" : "are"} not among the framework's roles`;
}

// ---------------------------------------------------------------------------------------------
// Maintenance pieces

/** MachineID: hostname and/or ip; Mesos requires at least one (maintenance validation). */
export function parseMachineId(value: unknown, path: string): MachineID {
  const object = expectObject(value, path);
  const machine: MachineID = {};
  const hostname = optionalString(object, path, "hostname");
  const ip = optionalString(object, path, "ip");
  if (hostname !== undefined) machine.hostname = hostname;
  if (ip !== undefined) machine.ip = ip;
  if ((hostname ?? "").length === 0 && (ip ?? "").length === 0) {
    return fail(path, "a machine needs a hostname or an ip");
  }
  return machine;
}

export function parseUnavailability(value: unknown, path: string): Unavailability {
  const object = expectObject(value, path);
  const start = parseNanoseconds(requiredObject(object, path, "start"), fieldPath(path, "start"));
  const unavailability: Unavailability = { start };
  const duration = fieldValue(object, "duration");
  if (duration !== undefined) unavailability.duration = parseNanoseconds(duration, fieldPath(path, "duration"));
  return unavailability;
}

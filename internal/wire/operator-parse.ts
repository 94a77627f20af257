// parseOperatorCall: untrusted JSON from POST /api/v1 to an OperatorCall, and the parsers of the
// v0 endpoints' bodies that share its messages (/master/maintenance/schedule takes a Schedule,
// /master/machine/down and /master/machine/up an array of MachineIDs, PUT /weights an array of
// WeightInfos). Each refuses what Mesos answers 400 to, with a WireError naming the field; rules
// that need master state (a DOWN machine left out of a new schedule, an unknown agent) stay in the
// master.

import { roleProblem } from "../resources/index.ts";
import { assertNever } from "../runtime/index.ts";
import {
  arrayField,
  expectObject,
  fail,
  fieldPath,
  fieldValue,
  isJsonObject,
  itemPath,
  optionalBoolean,
  optionalInteger,
  optionalObject,
  requiredId,
  requiredNumber,
  requiredObject,
  requiredString,
  optionalString,
  type JsonObject,
} from "./json-read.ts";
import type { AgentID, MachineID } from "./mesos.ts";
import { parseMachineId, parseNanoseconds, parseResourceJSON, parseUnavailability } from "./mesos-parse.ts";
import {
  operatorCallTypes,
  unimplementedOperatorCallTypes,
  type MaintenanceSchedule,
  type MaintenanceWindow,
  type OperatorCall,
  type OperatorCallType,
  type ProtobufDuration,
  type QuotaConfig,
  type QuotaRequest,
  type ScalarMap,
  type UnimplementedOperatorCallType,
} from "./operator.ts";
import { parseJsonBody } from "./scheduler-parse.ts";
import { quoteValue } from "./wire-error.ts";

/** Largest mem or disk quota Mesos accepts, in megabytes (1 exabyte). */
export const quotaMegabytesMax = 1024 ** 4;
/** Largest quota of any other resource Mesos accepts (1 trillion). */
export const quotaOtherMax = 1_000_000_000_000;

export function parseOperatorCallText(text: string): OperatorCall {
  return parseOperatorCall(parseJsonBody(text));
}

export function parseOperatorCall(body: unknown): OperatorCall {
  if (!isJsonObject(body)) return fail("", `an operator call must be a JSON object, got ${describe(body)}`);
  const type = fieldValue(body, "type");
  if (type === undefined) return fail("type", "is required");
  if (typeof type !== "string") return fail("type", `expected a string, got ${describe(type)}`);
  if ((unimplementedOperatorCallTypes as readonly string[]).includes(type)) {
    return { type: type as UnimplementedOperatorCallType, unimplemented: true };
  }
  if (!(operatorCallTypes as readonly string[]).includes(type)) {
    return fail("type", `unknown call type ${quoteValue(type)}; expected one of ${operatorCallTypes.join(", ")}`);
  }
  return parseKnownCall(body, type as OperatorCallType);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value === "string" ? "a string" : `a ${typeof value}`;
}

function parseKnownCall(call: JsonObject, type: OperatorCallType): OperatorCall {
  switch (type) {
    case "GET_HEALTH":
    case "GET_FLAGS":
    case "GET_VERSION":
    case "GET_LOGGING_LEVEL":
    case "GET_STATE":
    case "GET_AGENTS":
    case "GET_FRAMEWORKS":
    case "GET_EXECUTORS":
    case "GET_TASKS":
    case "GET_ROLES":
    case "GET_WEIGHTS":
    case "GET_MASTER":
    case "GET_QUOTA":
    case "GET_MAINTENANCE_STATUS":
    case "GET_MAINTENANCE_SCHEDULE":
      return { type };
    case "GET_METRICS":
      return parseGetMetrics(call);
    case "UPDATE_WEIGHTS": {
      const update = requiredObject(call, "", "update_weights");
      return { type, update_weights: { weight_infos: arrayField(update, "update_weights", "weight_infos", parseWeightInfo) } };
    }
    case "UPDATE_QUOTA":
      return parseUpdateQuota(requiredObject(call, "", "update_quota"));
    case "SET_QUOTA": {
      const set = requiredObject(call, "", "set_quota");
      return { type, set_quota: { quota_request: parseQuotaRequest(requiredObject(set, "set_quota", "quota_request"), "set_quota.quota_request") } };
    }
    case "REMOVE_QUOTA": {
      const remove = requiredObject(call, "", "remove_quota");
      return { type, remove_quota: { role: roleAt(requiredString(remove, "remove_quota", "role"), "remove_quota.role") } };
    }
    case "UPDATE_MAINTENANCE_SCHEDULE": {
      const update = requiredObject(call, "", "update_maintenance_schedule");
      const schedule = requiredObject(update, "update_maintenance_schedule", "schedule");
      return { type, update_maintenance_schedule: { schedule: parseMaintenanceSchedule(schedule, "update_maintenance_schedule.schedule") } };
    }
    case "START_MAINTENANCE":
      return { type, start_maintenance: { machines: machinesField(requiredObject(call, "", "start_maintenance"), "start_maintenance") } };
    case "STOP_MAINTENANCE":
      return { type, stop_maintenance: { machines: machinesField(requiredObject(call, "", "stop_maintenance"), "stop_maintenance") } };
    case "DRAIN_AGENT":
      return parseDrainAgent(requiredObject(call, "", "drain_agent"));
    case "DEACTIVATE_AGENT":
      return { type, deactivate_agent: agentPayload(call, "deactivate_agent") };
    case "REACTIVATE_AGENT":
      return { type, reactivate_agent: agentPayload(call, "reactivate_agent") };
    case "MARK_AGENT_GONE":
      return { type, mark_agent_gone: agentPayload(call, "mark_agent_gone") };
    case "TEARDOWN":
      return { type, teardown: { framework_id: requiredId(requiredObject(call, "", "teardown"), "teardown", "framework_id") } };
    default:
      return assertNever(type);
  }
}

function agentPayload(call: JsonObject, name: string): { agent_id: AgentID } {
  return { agent_id: requiredId(requiredObject(call, "", name), name, "agent_id") };
}

function parseGetMetrics(call: JsonObject): OperatorCall {
  const getMetrics = optionalObject(call, "", "get_metrics");
  if (getMetrics === undefined) return { type: "GET_METRICS" };
  const timeout = fieldValue(getMetrics, "timeout");
  if (timeout === undefined) return { type: "GET_METRICS", get_metrics: {} };
  const parsed = parseNanoseconds(timeout, "get_metrics.timeout");
  if (parsed.nanoseconds < 0) return fail("get_metrics.timeout.nanoseconds", "must not be negative");
  return { type: "GET_METRICS", get_metrics: { timeout: parsed } };
}

function roleAt(role: string, path: string): string {
  const problem = roleProblem(role);
  return problem === undefined ? role : fail(path, `invalid role ${quoteValue(role)}: ${problem}`);
}

// ---------------------------------------------------------------------------------------------
// Weights

/** One WeightInfo of UPDATE_WEIGHTS or PUT /weights: a valid role (trimmed, as Mesos does) and a positive weight. */
export function parseWeightInfo(item: unknown, path: string): { role: string; weight: number } {
  const info = expectObject(item, path);
  const weight = requiredNumber(info, path, "weight");
  const role = roleAt((optionalString(info, path, "role") ?? "").trim(), fieldPath(path, "role"));
  if (!(weight > 0) || !Number.isFinite(weight)) return fail(fieldPath(path, "weight"), `must be a positive number, got ${weight}`);
  return { role, weight };
}

/** The body of PUT /weights: a JSON array of WeightInfo. */
export function parseWeightInfos(body: unknown): Array<{ role: string; weight: number }> {
  if (!Array.isArray(body)) return fail("", `weights must be a JSON array, got ${describe(body)}`);
  return body.map((item, index) => parseWeightInfo(item, itemPath("", index)));
}

// ---------------------------------------------------------------------------------------------
// Quota

function scalarMapField(object: JsonObject, path: string, name: string): ScalarMap | undefined {
  const map = optionalObject(object, path, name);
  if (map === undefined) return undefined;
  const mapPath = fieldPath(path, name);
  const parsed: ScalarMap = {};
  for (const [resource, value] of Object.entries(map)) {
    if (value === null) continue;
    const entryPath = fieldPath(mapPath, resource);
    const amount = requiredNumber(expectObject(value, entryPath), entryPath, "value");
    parsed[resource] = { value: checkQuotaAmount(resource, amount, fieldPath(entryPath, "value")) };
  }
  return parsed;
}

function checkQuotaAmount(resource: string, amount: number, path: string): number {
  if (!Number.isFinite(amount)) return fail(path, `${amount} is not a finite number`);
  if (amount < 0) return fail(path, `must not be negative, got ${amount}`);
  const max = resource === "mem" || resource === "disk" ? quotaMegabytesMax : quotaOtherMax;
  if (amount > max) return fail(path, `${amount} is more than the largest supported quota ${max}`);
  return amount;
}

/** One QuotaConfig (Mesos quota::validate): a valid role, sane amounts, guarantees within limits. */
export function parseQuotaConfig(item: unknown, path: string): QuotaConfig {
  const object = expectObject(item, path);
  const config: QuotaConfig = { role: roleAt(requiredString(object, path, "role"), fieldPath(path, "role")) };
  const guarantees = scalarMapField(object, path, "guarantees");
  const limits = scalarMapField(object, path, "limits");
  if (guarantees !== undefined) config.guarantees = guarantees;
  if (limits !== undefined) config.limits = limits;
  for (const [resource, guarantee] of Object.entries(guarantees ?? {})) {
    const limit = limits?.[resource];
    if (limit !== undefined && guarantee.value > limit.value) {
      return fail(fieldPath(path, `guarantees.${resource}.value`), `${guarantee.value} is more than the limit ${limit.value}`);
    }
  }
  return config;
}

function parseUpdateQuota(update: JsonObject): OperatorCall {
  const configs = arrayField(update, "update_quota", "quota_configs", parseQuotaConfig);
  const seen = new Set<string>();
  for (const [index, config] of configs.entries()) {
    if (seen.has(config.role)) return fail(`update_quota.quota_configs[${index}].role`, `role '${config.role}' appears twice`);
    seen.add(config.role);
  }
  const force = optionalBoolean(update, "update_quota", "force");
  return { type: "UPDATE_QUOTA", update_quota: force === undefined ? { quota_configs: configs } : { force, quota_configs: configs } };
}

/** The deprecated SET_QUOTA request (and POST /quota): a role and a non-empty scalar guarantee. */
export function parseQuotaRequest(object: JsonObject, path: string): QuotaRequest {
  const role = roleAt(requiredString(object, path, "role"), fieldPath(path, "role"));
  const guarantee = arrayField(object, path, "guarantee", parseResourceJSON);
  if (guarantee.length === 0) return fail(fieldPath(path, "guarantee"), "must not be empty");
  const names = new Set<string>();
  for (const [index, resource] of guarantee.entries()) {
    const resourcePath = itemPath(fieldPath(path, "guarantee"), index);
    if (resource.type !== "SCALAR" || resource.scalar === undefined) return fail(resourcePath, "quota takes scalar resources only");
    if (resource.reservations !== undefined || resource["reservation"] !== undefined) {
      return fail(resourcePath, "quota must not name a reservation");
    }
    if (names.has(resource.name)) return fail(fieldPath(resourcePath, "name"), `'${resource.name}' appears twice`);
    names.add(resource.name);
    checkQuotaAmount(resource.name, resource.scalar.value, fieldPath(resourcePath, "scalar.value"));
  }
  const request: QuotaRequest = { role, guarantee };
  const force = optionalBoolean(object, path, "force");
  if (force !== undefined) request.force = force;
  return request;
}

// ---------------------------------------------------------------------------------------------
// Agents

function parseDrainAgent(drain: JsonObject): OperatorCall {
  const payload: Extract<OperatorCall, { type: "DRAIN_AGENT" }>["drain_agent"] = {
    agent_id: requiredId(drain, "drain_agent", "agent_id"),
  };
  const grace = optionalObject(drain, "drain_agent", "max_grace_period");
  if (grace !== undefined) payload.max_grace_period = parseProtobufDuration(grace, "drain_agent.max_grace_period");
  const markGone = optionalBoolean(drain, "drain_agent", "mark_gone");
  if (markGone !== undefined) payload.mark_gone = markGone;
  return { type: "DRAIN_AGENT", drain_agent: payload };
}

/** google.protobuf.Duration as `{"seconds": n, "nanos": n}`, not negative. */
export function parseProtobufDuration(object: JsonObject, path: string): ProtobufDuration {
  const duration: ProtobufDuration = {};
  const seconds = optionalInteger(object, path, "seconds");
  const nanos = optionalInteger(object, path, "nanos");
  if (seconds !== undefined) duration.seconds = seconds;
  if (nanos !== undefined) duration.nanos = nanos;
  if ((seconds ?? 0) < 0 || (nanos ?? 0) < 0) return fail(path, "must not be negative");
  return duration;
}

/** Milliseconds of a google.protobuf.Duration. */
export function protobufDurationMs(duration: ProtobufDuration): number {
  return (duration.seconds ?? 0) * 1000 + (duration.nanos ?? 0) / 1e6;
}

// ---------------------------------------------------------------------------------------------
// Maintenance

/** Two MachineIDs name the same machine when their ips match and hostnames match ignoring case. */
export function machineKey(machine: MachineID): string {
  return `${(machine.hostname ?? "").toLowerCase()}/${machine.ip ?? ""}`;
}

const ipv4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/** A MachineID with a hostname or an IPv4 address (Mesos parses `ip` as IPv4). */
export function parseMachine(item: unknown, path: string): MachineID {
  const machine = parseMachineId(item, path);
  if (machine.ip !== undefined && machine.ip.length > 0 && !ipv4.test(machine.ip)) {
    return fail(fieldPath(path, "ip"), `${quoteValue(machine.ip)} is not an IPv4 address`);
  }
  return machine;
}

/** A non-empty list of distinct machines at `path`. */
export function parseMachineList(list: unknown, path: string): MachineID[] {
  if (!Array.isArray(list)) return fail(path, `expected an array of machines, got ${describe(list)}`);
  if (list.length === 0) return fail(path, "the list of machines is empty");
  const seen = new Set<string>();
  return list.map((item, index) => {
    const machinePath = itemPath(path, index);
    const machine = parseMachine(item, machinePath);
    const key = machineKey(machine);
    if (seen.has(key)) return fail(machinePath, "this machine is listed twice");
    seen.add(key);
    return machine;
  });
}

function machinesField(object: JsonObject, path: string): MachineID[] {
  return parseMachineList(fieldValue(object, "machines") ?? [], fieldPath(path, "machines"));
}

/** The body of POST /master/machine/down and /master/machine/up: a JSON array of MachineIDs. */
export function parseMachineIdsBody(body: unknown): MachineID[] {
  return parseMachineList(body, "");
}

export function parseMaintenanceWindow(item: unknown, path: string): MaintenanceWindow {
  const window = expectObject(item, path);
  const machineIds = parseMachineList(fieldValue(window, "machine_ids") ?? [], fieldPath(path, "machine_ids"));
  const unavailabilityPath = fieldPath(path, "unavailability");
  const unavailability = parseUnavailability(requiredObject(window, path, "unavailability"), unavailabilityPath);
  if ((unavailability.duration?.nanoseconds ?? 0) < 0) {
    return fail(fieldPath(unavailabilityPath, "duration.nanoseconds"), "must not be negative");
  }
  return { machine_ids: machineIds, unavailability };
}

/** A Schedule (UPDATE_MAINTENANCE_SCHEDULE, POST /master/maintenance/schedule): no machine in two windows. */
export function parseMaintenanceSchedule(value: unknown, path: string): MaintenanceSchedule {
  const schedule = expectObject(value, path);
  const windows = arrayField(schedule, path, "windows", parseMaintenanceWindow);
  const seen = new Set<string>();
  for (const [windowIndex, window] of windows.entries()) {
    for (const [machineIndex, machine] of window.machine_ids.entries()) {
      const key = machineKey(machine);
      if (seen.has(key)) {
        return fail(`${itemPath(fieldPath(path, "windows"), windowIndex)}.machine_ids[${machineIndex}]`, "this machine is in more than one window");
      }
      seen.add(key);
    }
  }
  return { windows };
}

/** The body of POST /master/maintenance/schedule. */
export function parseMaintenanceScheduleBody(body: unknown): MaintenanceSchedule {
  return parseMaintenanceSchedule(body, "");
}

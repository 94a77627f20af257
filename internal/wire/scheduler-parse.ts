// parseSchedulerCall: untrusted JSON from POST /api/v1/scheduler to a SchedulerCall, or a
// WireError naming the field. It accepts what Mesos accepts (see json-read.ts for the JSON rules)
// and refuses what Mesos answers 400 to: a body that is not a Call, a missing `type`, a missing
// payload for the type, a missing `framework_id` outside SUBSCRIBE, ids that differ between
// `framework_id` and `framework_info.id`, an acknowledgement uuid that is not 16 bytes.
// Rules whose breach Mesos reports another way are not here: task rules give TASK_ERROR updates
// (validate-task.ts), FrameworkInfo rules an ERROR event (validateFrameworkInfo), offers that are
// gone or foreign are the master's to judge.

import { assertNever } from "../runtime/index.ts";
import {
  arrayField,
  expectId,
  expectObject,
  fail,
  fieldPath,
  fieldValue,
  objectItem,
  optionalArrayField,
  optionalId,
  optionalNumber,
  optionalObject,
  optionalString,
  base64ByteLength,
  requiredBytes,
  requiredId,
  requiredObject,
  stringItem,
  type JsonObject,
} from "./json-read.ts";
import type { Filters, FrameworkID, FrameworkInfo } from "./mesos.ts";
import {
  parseExecutorInfo,
  parseFrameworkInfo,
  parseKillPolicy,
  parseResourceJSON,
  parseResourcesArray,
  parseTaskInfo,
} from "./mesos-parse.ts";
import {
  schedulerCallTypes,
  supportedOperationTypes,
  unsupportedOperationTypes,
  type FrameworkCall,
  type OfferOperation,
  type OfferOperationType,
  type SchedulerCall,
  type SchedulerCallType,
  type UnsupportedOperationType,
} from "./scheduler.ts";
import { WireError, quoteValue } from "./wire-error.ts";

/** Bytes in an acknowledgement uuid (a UUID, base64 in JSON). */
export const statusUuidBytes = 16;

/** Parses a JSON text body; a body that is not JSON is a WireError on the body itself. */
export function parseSchedulerCallText(text: string): SchedulerCall {
  return parseSchedulerCall(parseJsonBody(text));
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WireError("", `the body is not valid JSON: ${reason}`);
  }
}

export function parseSchedulerCall(body: unknown): SchedulerCall {
  if (!(typeof body === "object" && body !== null && !Array.isArray(body))) {
    return fail("", `a scheduler call must be a JSON object, got ${describe(body)}`);
  }
  const call = body as JsonObject;
  const type = callTypeOf(call);
  const frameworkId = optionalId(call, "", "framework_id");
  if (type === "SUBSCRIBE") return parseSubscribe(call, frameworkId);
  if (frameworkId === undefined) return fail("framework_id", "is required for every call but SUBSCRIBE");
  return { ...parseFrameworkCall(call, type), framework_id: frameworkId };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value === "string" ? "a string" : `a ${typeof value}`;
}

function callTypeOf(call: JsonObject): SchedulerCallType {
  const type = fieldValue(call, "type");
  if (type === undefined) return fail("type", "is required");
  if (typeof type !== "string") return fail("type", `expected a string, got ${describe(type)}`);
  if ((schedulerCallTypes as readonly string[]).includes(type)) return type as SchedulerCallType;
  return fail("type", `unknown call type ${quoteValue(type)}; expected one of ${schedulerCallTypes.join(", ")}`);
}

function sameId(left: FrameworkID | undefined, right: FrameworkID | undefined): boolean {
  return (left?.value ?? "") === (right?.value ?? "");
}

function parseSubscribe(call: JsonObject, frameworkId: FrameworkID | undefined): SchedulerCall {
  const subscribe = requiredObject(call, "", "subscribe");
  const info = parseFrameworkInfo(requiredObject(subscribe, "subscribe", "framework_info"), "subscribe.framework_info");
  if (!sameId(frameworkId, info.id)) {
    return fail("framework_id", "differs from subscribe.framework_info.id");
  }
  const parsed: SchedulerCall = { type: "SUBSCRIBE", subscribe: { framework_info: info } };
  if (frameworkId !== undefined) parsed.framework_id = frameworkId;
  const suppressed = optionalArrayField(subscribe, "subscribe", "suppressed_roles", stringItem);
  if (suppressed !== undefined) parsed.subscribe.suppressed_roles = suppressed;
  const constraints = optionalObject(subscribe, "subscribe", "offer_constraints");
  if (constraints !== undefined) parsed.subscribe.offer_constraints = constraints;
  return parsed;
}

function parseFrameworkCall(call: JsonObject, type: Exclude<SchedulerCallType, "SUBSCRIBE">): FrameworkCall {
  switch (type) {
    case "TEARDOWN":
      return { type };
    case "ACCEPT":
      return { type, accept: parseAccept(requiredObject(call, "", "accept")) };
    case "DECLINE": {
      const decline = requiredObject(call, "", "decline");
      return { type, decline: withFilters(decline, "decline", { offer_ids: arrayField(decline, "decline", "offer_ids", expectId) }) };
    }
    case "ACCEPT_INVERSE_OFFERS":
    case "DECLINE_INVERSE_OFFERS":
      return parseInverseOffersCall(call, type);
    case "REVIVE":
      return { type, ...rolesPayload(call, "revive") };
    case "SUPPRESS":
      return { type, ...rolesPayload(call, "suppress") };
    case "KILL":
      return { type, kill: parseKill(requiredObject(call, "", "kill")) };
    case "SHUTDOWN": {
      const shutdown = requiredObject(call, "", "shutdown");
      return {
        type,
        shutdown: { executor_id: requiredId(shutdown, "shutdown", "executor_id"), agent_id: requiredId(shutdown, "shutdown", "agent_id") },
      };
    }
    case "ACKNOWLEDGE":
      return { type, acknowledge: parseAcknowledge(requiredObject(call, "", "acknowledge")) };
    case "ACKNOWLEDGE_OPERATION_STATUS":
      return { type, acknowledge_operation_status: parseAcknowledgeOperation(requiredObject(call, "", "acknowledge_operation_status")) };
    case "RECONCILE":
      return { type, reconcile: { tasks: arrayField(requiredObject(call, "", "reconcile"), "reconcile", "tasks", parseReconcileTask) } };
    case "RECONCILE_OPERATIONS":
      return parseReconcileOperations(requiredObject(call, "", "reconcile_operations"));
    case "MESSAGE": {
      const message = requiredObject(call, "", "message");
      return {
        type,
        message: {
          agent_id: requiredId(message, "message", "agent_id"),
          executor_id: requiredId(message, "message", "executor_id"),
          data: requiredBytes(message, "message", "data"),
        },
      };
    }
    case "REQUEST":
      return { type, request: { requests: arrayField(requiredObject(call, "", "request"), "request", "requests", parseRequest) } };
    case "UPDATE_FRAMEWORK":
      return parseUpdateFramework(call);
    default:
      return assertNever(type);
  }
}

// ---------------------------------------------------------------------------------------------
// Payloads

function parseFilters(object: JsonObject, path: string): Filters | undefined {
  const filters = optionalObject(object, path, "filters");
  if (filters === undefined) return undefined;
  const parsed: Filters = {};
  const refuse = optionalNumber(filters, fieldPath(path, "filters"), "refuse_seconds");
  if (refuse !== undefined) parsed.refuse_seconds = refuse;
  return parsed;
}

function withFilters<T extends object>(object: JsonObject, path: string, payload: T): T & { filters?: Filters } {
  const filters = parseFilters(object, path);
  return filters === undefined ? payload : { ...payload, filters };
}

function parseAccept(accept: JsonObject): Extract<FrameworkCall, { type: "ACCEPT" }>["accept"] {
  return withFilters(accept, "accept", {
    offer_ids: arrayField(accept, "accept", "offer_ids", expectId),
    operations: arrayField(accept, "accept", "operations", parseOfferOperation),
  });
}

function parseInverseOffersCall(
  call: JsonObject,
  type: "ACCEPT_INVERSE_OFFERS" | "DECLINE_INVERSE_OFFERS",
): FrameworkCall {
  const name = type === "ACCEPT_INVERSE_OFFERS" ? "accept_inverse_offers" : "decline_inverse_offers";
  const object = requiredObject(call, "", name);
  const payload = withFilters(object, name, { inverse_offer_ids: arrayField(object, name, "inverse_offer_ids", expectId) });
  return type === "ACCEPT_INVERSE_OFFERS"
    ? { type, accept_inverse_offers: payload }
    : { type, decline_inverse_offers: payload };
}

function rolesPayload<N extends "revive" | "suppress">(call: JsonObject, name: N): { [K in N]?: { roles?: string[] } } {
  const object = optionalObject(call, "", name);
  if (object === undefined) return {};
  const roles = optionalArrayField(object, name, "roles", stringItem);
  return { [name]: roles === undefined ? {} : { roles } } as { [K in N]?: { roles?: string[] } };
}

function parseKill(kill: JsonObject): Extract<FrameworkCall, { type: "KILL" }>["kill"] {
  const parsed: Extract<FrameworkCall, { type: "KILL" }>["kill"] = { task_id: requiredId(kill, "kill", "task_id") };
  const agentId = optionalId(kill, "kill", "agent_id");
  if (agentId !== undefined) parsed.agent_id = agentId;
  const policy = fieldValue(kill, "kill_policy");
  if (policy !== undefined) parsed.kill_policy = parseKillPolicy(policy, "kill.kill_policy");
  return parsed;
}

function checkUuid(object: JsonObject, path: string): string {
  const uuid = requiredBytes(object, path, "uuid");
  const bytes = base64ByteLength(uuid);
  if (bytes !== statusUuidBytes) {
    return fail(fieldPath(path, "uuid"), `must be a ${statusUuidBytes}-byte UUID in base64, got ${bytes} bytes`);
  }
  return uuid;
}

function parseAcknowledge(acknowledge: JsonObject): Extract<FrameworkCall, { type: "ACKNOWLEDGE" }>["acknowledge"] {
  return {
    agent_id: requiredId(acknowledge, "acknowledge", "agent_id"),
    task_id: requiredId(acknowledge, "acknowledge", "task_id"),
    uuid: checkUuid(acknowledge, "acknowledge"),
  };
}

function parseAcknowledgeOperation(
  object: JsonObject,
): Extract<FrameworkCall, { type: "ACKNOWLEDGE_OPERATION_STATUS" }>["acknowledge_operation_status"] {
  const path = "acknowledge_operation_status";
  const uuid = checkUuid(object, path);
  const operationId = requiredId(object, path, "operation_id");
  // Mesos requires the agent until it supports external resource providers.
  const parsed = { agent_id: requiredId(object, path, "agent_id"), uuid, operation_id: operationId };
  const provider = optionalId(object, path, "resource_provider_id");
  return provider === undefined ? parsed : { ...parsed, resource_provider_id: provider };
}

function parseReconcileTask(item: unknown, path: string): { task_id: { value: string }; agent_id?: { value: string } } {
  const task = expectObject(item, path);
  const taskId = requiredId(task, path, "task_id");
  const agentId = optionalId(task, path, "agent_id");
  return agentId === undefined ? { task_id: taskId } : { task_id: taskId, agent_id: agentId };
}

function parseReconcileOperations(object: JsonObject): FrameworkCall {
  const operations = arrayField(object, "reconcile_operations", "operations", (item, path) => {
    const operation = objectItem(item, path);
    const parsed: { operation_id: { value: string }; agent_id?: { value: string }; resource_provider_id?: { value: string } } = {
      operation_id: requiredId(operation, path, "operation_id"),
    };
    const agentId = optionalId(operation, path, "agent_id");
    if (agentId !== undefined) parsed.agent_id = agentId;
    const provider = optionalId(operation, path, "resource_provider_id");
    if (provider !== undefined) parsed.resource_provider_id = provider;
    return parsed;
  });
  return { type: "RECONCILE_OPERATIONS", reconcile_operations: { operations } };
}

function parseRequest(item: unknown, path: string): { agent_id?: { value: string }; resources?: ReturnType<typeof parseResourceJSON>[] } {
  const request = objectItem(item, path);
  const parsed: { agent_id?: { value: string }; resources?: ReturnType<typeof parseResourceJSON>[] } = {};
  const agentId = optionalId(request, path, "agent_id");
  if (agentId !== undefined) parsed.agent_id = agentId;
  const resources = optionalArrayField(request, path, "resources", parseResourceJSON);
  if (resources !== undefined) parsed.resources = resources;
  return parsed;
}

function parseUpdateFramework(call: JsonObject): FrameworkCall {
  const object = requiredObject(call, "", "update_framework");
  const info: FrameworkInfo = parseFrameworkInfo(
    requiredObject(object, "update_framework", "framework_info"),
    "update_framework.framework_info",
  );
  if (!sameId(optionalId(call, "", "framework_id"), info.id)) {
    return fail("framework_id", "differs from update_framework.framework_info.id");
  }
  const payload: Extract<FrameworkCall, { type: "UPDATE_FRAMEWORK" }>["update_framework"] = { framework_info: info };
  const suppressed = optionalArrayField(object, "update_framework", "suppressed_roles", stringItem);
  if (suppressed !== undefined) payload.suppressed_roles = suppressed;
  const constraints = optionalObject(object, "update_framework", "offer_constraints");
  if (constraints !== undefined) payload.offer_constraints = constraints;
  return { type: "UPDATE_FRAMEWORK", update_framework: payload };
}

// ---------------------------------------------------------------------------------------------
// Offer operations

const operationTypes: readonly string[] = [...supportedOperationTypes, ...unsupportedOperationTypes];

/** The JSON field that holds each operation type's payload. */
const payloadFields: Record<UnsupportedOperationType, string> = {
  CREATE: "create",
  DESTROY: "destroy",
  GROW_VOLUME: "grow_volume",
  SHRINK_VOLUME: "shrink_volume",
  CREATE_DISK: "create_disk",
  DESTROY_DISK: "destroy_disk",
};

export function parseOfferOperation(item: unknown, path: string): OfferOperation {
  const operation = expectObject(item, path);
  const type = optionalString(operation, path, "type");
  if (type === undefined) return fail(fieldPath(path, "type"), "is required");
  if (!operationTypes.includes(type)) {
    return fail(fieldPath(path, "type"), `unknown operation type ${quoteValue(type)}; expected one of ${operationTypes.join(", ")}`);
  }
  const id = optionalId(operation, path, "id");
  const parsed = parseOperationPayload(operation, path, type as OfferOperationType);
  return id === undefined ? parsed : { ...parsed, id };
}

function parseOperationPayload(operation: JsonObject, path: string, type: OfferOperationType): OfferOperation {
  switch (type) {
    case "LAUNCH": {
      const launch = requiredObject(operation, path, "launch");
      return { type, launch: { task_infos: arrayField(launch, fieldPath(path, "launch"), "task_infos", parseTaskInfo) } };
    }
    case "LAUNCH_GROUP": {
      const groupPath = fieldPath(path, "launch_group");
      const group = requiredObject(operation, path, "launch_group");
      const executor = parseExecutorInfo(requiredObject(group, groupPath, "executor"), fieldPath(groupPath, "executor"));
      const taskGroup = requiredObject(group, groupPath, "task_group");
      const tasks = arrayField(taskGroup, fieldPath(groupPath, "task_group"), "tasks", parseTaskInfo);
      return { type, launch_group: { executor, task_group: { tasks } } };
    }
    case "RESERVE": {
      const reservePath = fieldPath(path, "reserve");
      const reserve = requiredObject(operation, path, "reserve");
      const resources = parseResourcesArray(reserve, reservePath, "resources");
      const source = optionalArrayField(reserve, reservePath, "source", parseResourceJSON);
      return { type, reserve: source === undefined ? { resources } : { resources, source } };
    }
    case "UNRESERVE": {
      const unreserve = requiredObject(operation, path, "unreserve");
      return { type, unreserve: { resources: parseResourcesArray(unreserve, fieldPath(path, "unreserve"), "resources") } };
    }
    case "CREATE":
    case "DESTROY":
    case "GROW_VOLUME":
    case "SHRINK_VOLUME":
    case "CREATE_DISK":
    case "DESTROY_DISK":
      return { type, payload: optionalObject(operation, path, payloadFields[type]) ?? {} };
    default:
      return assertNever(type);
  }
}

// ---------------------------------------------------------------------------------------------
// Filters as the allocator applies them

/** Filters.refuse_seconds when a call gives none (mesos.proto default). */
export const defaultRefuseSeconds = 5;
/** Longest refusal Mesos's allocator honours; longer ones are cut to it. */
export const refuseSecondsMax = 365 * 24 * 60 * 60;

/**
 * The refusal a DECLINE or ACCEPT asks for, as Mesos's allocator reads it: absent or negative means
 * the default 5 s (Mesos logs a warning and does not refuse the call), more than a year means a year.
 */
export function effectiveRefuseSeconds(filters: Filters | undefined): number {
  const asked = filters?.refuse_seconds;
  if (asked === undefined || Number.isNaN(asked) || asked < 0) return defaultRefuseSeconds;
  return Math.min(asked, refuseSecondsMax);
}

// The scheduler HTTP API v1 (include/mesos/v1/scheduler/scheduler.proto) in its JSON form: the
// calls a framework POSTs to /api/v1/scheduler and the events the master streams back in RecordIO.
// Each call and event is a discriminated union on `type`; the payload sits under the snake_case
// field that proto names for it (`accept`, `subscribed`, ...), so a value serialises to exactly the
// JSON Mesos sends and receives. parseSchedulerCall (scheduler-parse.ts) turns untrusted JSON into
// a SchedulerCall; events are built by the master and read by the client without re-validation.

import type { ResourceJSON } from "../resources/index.ts";
import type {
  AgentID,
  ExecutorID,
  ExecutorInfo,
  Filters,
  FrameworkID,
  FrameworkInfo,
  KillPolicy,
  Labels,
  MasterInfo,
  Offer,
  OfferID,
  TaskGroupInfo,
  TaskID,
  TaskInfo,
  TaskStatus,
  Unavailability,
  URL,
} from "./mesos.ts";

export const schedulerApiPath = "/api/v1/scheduler";
/** Header naming the subscription stream; every call but SUBSCRIBE must carry it. */
export const streamIdHeader = "Mesos-Stream-Id";

export interface OperationID {
  value: string;
}
export interface ResourceProviderID {
  value: string;
}

/**
 * A resource as frameworks send it back inside operations: what the offer carried, possibly with
 * `allocation_info` and dynamic reservations. Kept loose here; the master checks it against the
 * offer, and validateTaskInfo checks task resources with the resources parser.
 */
export interface OperationResourceJSON extends Omit<ResourceJSON, "role" | "reservations"> {
  role?: string;
  reservations?: Array<{ type?: "STATIC" | "DYNAMIC"; role?: string; principal?: string; labels?: Labels }>;
  allocation_info?: { role?: string };
  [field: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Offer operations (mesos.proto Offer.Operation)

export const supportedOperationTypes = ["LAUNCH", "LAUNCH_GROUP", "RESERVE", "UNRESERVE"] as const;
/** Operation types that parse but that this master refuses (persistent volumes, CSI disks). */
export const unsupportedOperationTypes = [
  "CREATE",
  "DESTROY",
  "GROW_VOLUME",
  "SHRINK_VOLUME",
  "CREATE_DISK",
  "DESTROY_DISK",
] as const;
export type SupportedOperationType = (typeof supportedOperationTypes)[number];
export type UnsupportedOperationType = (typeof unsupportedOperationTypes)[number];
export type OfferOperationType = SupportedOperationType | UnsupportedOperationType;

interface OperationBase {
  /** EXPERIMENTAL in Mesos: asks for operation status updates. */
  id?: OperationID;
}

export type OfferOperation =
  | (OperationBase & { type: "LAUNCH"; launch: { task_infos: TaskInfo[] } })
  | (OperationBase & {
      type: "LAUNCH_GROUP";
      launch_group: { executor: ExecutorInfo; task_group: TaskGroupInfo };
    })
  | (OperationBase & {
      type: "RESERVE";
      reserve: { resources: OperationResourceJSON[]; source?: OperationResourceJSON[] };
    })
  | (OperationBase & { type: "UNRESERVE"; unreserve: { resources: OperationResourceJSON[] } })
  | (OperationBase & {
      type: UnsupportedOperationType;
      /** The operation's payload object (`create`, `destroy`, ...) as it came, for the error message. */
      payload: Record<string, unknown>;
    });

// ---------------------------------------------------------------------------------------------
// Calls

export const schedulerCallTypes = [
  "SUBSCRIBE",
  "TEARDOWN",
  "ACCEPT",
  "DECLINE",
  "ACCEPT_INVERSE_OFFERS",
  "DECLINE_INVERSE_OFFERS",
  "REVIVE",
  "KILL",
  "SHUTDOWN",
  "ACKNOWLEDGE",
  "ACKNOWLEDGE_OPERATION_STATUS",
  "RECONCILE",
  "RECONCILE_OPERATIONS",
  "MESSAGE",
  "REQUEST",
  "SUPPRESS",
  "UPDATE_FRAMEWORK",
] as const;
export type SchedulerCallType = (typeof schedulerCallTypes)[number];

/** scheduler.proto OfferConstraints; carried through, not interpreted. */
export type OfferConstraints = Record<string, unknown>;

export interface SubscribeCall {
  type: "SUBSCRIBE";
  /** Present on re-subscription (failover); must equal framework_info.id. */
  framework_id?: FrameworkID;
  subscribe: {
    framework_info: FrameworkInfo;
    suppressed_roles?: string[];
    offer_constraints?: OfferConstraints;
  };
}

export interface ResourceRequest {
  agent_id?: AgentID;
  resources?: OperationResourceJSON[];
}

export interface ReconcileTask {
  task_id: TaskID;
  agent_id?: AgentID;
}

export interface ReconcileOperation {
  operation_id: OperationID;
  agent_id?: AgentID;
  resource_provider_id?: ResourceProviderID;
}

/** Every call but SUBSCRIBE names the framework it comes from. */
export type FrameworkCall =
  | { type: "TEARDOWN" }
  | { type: "ACCEPT"; accept: { offer_ids: OfferID[]; operations: OfferOperation[]; filters?: Filters } }
  | { type: "DECLINE"; decline: { offer_ids: OfferID[]; filters?: Filters } }
  | { type: "ACCEPT_INVERSE_OFFERS"; accept_inverse_offers: { inverse_offer_ids: OfferID[]; filters?: Filters } }
  | { type: "DECLINE_INVERSE_OFFERS"; decline_inverse_offers: { inverse_offer_ids: OfferID[]; filters?: Filters } }
  /** No `revive` or empty roles: revive every role of the framework. */
  | { type: "REVIVE"; revive?: { roles?: string[] } }
  /** No `suppress` or empty roles: suppress every role of the framework. */
  | { type: "SUPPRESS"; suppress?: { roles?: string[] } }
  | { type: "KILL"; kill: { task_id: TaskID; agent_id?: AgentID; kill_policy?: KillPolicy } }
  | { type: "SHUTDOWN"; shutdown: { executor_id: ExecutorID; agent_id: AgentID } }
  /** `uuid` is the base64 text of TaskStatus.uuid, echoed back unchanged. */
  | { type: "ACKNOWLEDGE"; acknowledge: { agent_id: AgentID; task_id: TaskID; uuid: string } }
  | {
      type: "ACKNOWLEDGE_OPERATION_STATUS";
      acknowledge_operation_status: {
        agent_id?: AgentID;
        resource_provider_id?: ResourceProviderID;
        uuid: string;
        operation_id: OperationID;
      };
    }
  /** Empty `tasks`: implicit reconciliation (the master sends the latest state of every task). */
  | { type: "RECONCILE"; reconcile: { tasks: ReconcileTask[] } }
  | { type: "RECONCILE_OPERATIONS"; reconcile_operations: { operations: ReconcileOperation[] } }
  /** `data` is base64 text, as protobuf JSON writes bytes. */
  | { type: "MESSAGE"; message: { agent_id: AgentID; executor_id: ExecutorID; data: string } }
  | { type: "REQUEST"; request: { requests: ResourceRequest[] } }
  | {
      type: "UPDATE_FRAMEWORK";
      update_framework: {
        framework_info: FrameworkInfo;
        suppressed_roles?: string[];
        offer_constraints?: OfferConstraints;
      };
    };

export type SchedulerCall = SubscribeCall | (FrameworkCall & { framework_id: FrameworkID });

/** The call of a given type, e.g. `SchedulerCallOf<"ACCEPT">`. */
export type SchedulerCallOf<T extends SchedulerCallType> = Extract<SchedulerCall, { type: T }>;

// ---------------------------------------------------------------------------------------------
// Events

export type OperationState =
  | "OPERATION_UNSUPPORTED"
  | "OPERATION_PENDING"
  | "OPERATION_FINISHED"
  | "OPERATION_FAILED"
  | "OPERATION_ERROR"
  | "OPERATION_DROPPED"
  | "OPERATION_UNREACHABLE"
  | "OPERATION_GONE_BY_OPERATOR"
  | "OPERATION_RECOVERING"
  | "OPERATION_UNKNOWN";

export interface OperationStatus {
  operation_id?: OperationID;
  state: OperationState;
  message?: string;
  converted_resources?: ResourceJSON[];
  /** mesos.v1.UUID: `value` is base64 text. */
  uuid?: { value: string };
  agent_id?: AgentID;
  resource_provider_id?: ResourceProviderID;
}

export interface InverseOffer {
  id: OfferID;
  url?: URL;
  framework_id: FrameworkID;
  agent_id?: AgentID;
  unavailability: Unavailability;
  resources?: ResourceJSON[];
}

export const schedulerEventTypes = [
  "SUBSCRIBED",
  "OFFERS",
  "INVERSE_OFFERS",
  "RESCIND",
  "RESCIND_INVERSE_OFFER",
  "UPDATE",
  "UPDATE_OPERATION_STATUS",
  "MESSAGE",
  "FAILURE",
  "ERROR",
  "HEARTBEAT",
] as const;
export type SchedulerEventType = (typeof schedulerEventTypes)[number];

export type SchedulerEvent =
  | {
      type: "SUBSCRIBED";
      subscribed: { framework_id: FrameworkID; heartbeat_interval_seconds?: number; master_info?: MasterInfo };
    }
  | { type: "OFFERS"; offers: { offers: Offer[] } }
  | { type: "INVERSE_OFFERS"; inverse_offers: { inverse_offers: InverseOffer[] } }
  | { type: "RESCIND"; rescind: { offer_id: OfferID } }
  | { type: "RESCIND_INVERSE_OFFER"; rescind_inverse_offer: { inverse_offer_id: OfferID } }
  /** An update whose status has a `uuid` must be acknowledged; one without must not. */
  | { type: "UPDATE"; update: { status: TaskStatus } }
  | { type: "UPDATE_OPERATION_STATUS"; update_operation_status: { status: OperationStatus } }
  | { type: "MESSAGE"; message: { agent_id: AgentID; executor_id: ExecutorID; data: string } }
  /** An agent was lost (only agent_id) or an executor ended (executor_id, agent_id, exit status). */
  | { type: "FAILURE"; failure: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number } }
  /** The master tells the framework it is done with it (e.g. torn down); the stream then closes. */
  | { type: "ERROR"; error: { message: string } }
  | { type: "HEARTBEAT" };

export type SchedulerEventOf<T extends SchedulerEventType> = Extract<SchedulerEvent, { type: T }>;

/** Default seconds between HEARTBEAT events (Mesos master constant DEFAULT_HEARTBEAT_INTERVAL). */
export const defaultHeartbeatIntervalSeconds = 15;

// The operator HTTP API v1 of the master (POST /api/v1, include/mesos/v1/master/master.proto) and
// the maintenance messages (include/mesos/v1/maintenance/maintenance.proto) in their JSON form,
// which the v0 endpoints /master/maintenance/schedule, /master/machine/down and /master/machine/up
// carry too. Calls are parsed by parseOperatorCall (operator-parse.ts); responses are built by the
// master, so their types only need to say what it fills.

import type { ResourceJSON } from "../resources/index.ts";
import type {
  AgentID,
  AgentInfo,
  ExecutorInfo,
  FrameworkID,
  FrameworkInfo,
  HealthCheck,
  KillPolicy,
  Labels,
  MachineID,
  MasterInfo,
  Offer,
  TaskID,
  TaskState,
  TaskStatus,
  TimeInfo,
  Unavailability,
} from "./mesos.ts";
import type { InverseOffer, OfferConstraints, OperationResourceJSON } from "./scheduler.ts";

export const operatorApiPath = "/api/v1";

/** mesos.proto DurationInfo. */
export interface DurationInfo {
  nanoseconds: number;
}

/** google.protobuf.Duration as stout's JSON parser reads it (DRAIN_AGENT max_grace_period). */
export interface ProtobufDuration {
  seconds?: number;
  nanos?: number;
}

// ---------------------------------------------------------------------------------------------
// Maintenance (maintenance.proto)

export interface MaintenanceWindow {
  machine_ids: MachineID[];
  unavailability: Unavailability;
}

export interface MaintenanceSchedule {
  windows: MaintenanceWindow[];
}

export type InverseOfferStatusKind = "UNKNOWN" | "ACCEPT" | "DECLINE";

export interface InverseOfferStatus {
  status: InverseOfferStatusKind;
  framework_id: FrameworkID;
  timestamp: TimeInfo;
}

export interface MaintenanceClusterStatus {
  draining_machines?: Array<{ id: MachineID; statuses?: InverseOfferStatus[] }>;
  down_machines?: MachineID[];
}

// ---------------------------------------------------------------------------------------------
// Quota (quota.proto)

/** Value.Scalar as a map value: `{"cpus": {"value": 4}}`. */
export type ScalarMap = Record<string, { value: number }>;

export interface QuotaConfig {
  role: string;
  guarantees?: ScalarMap;
  limits?: ScalarMap;
}

export interface QuotaInfo {
  role?: string;
  principal?: string;
  guarantee?: ResourceJSON[];
}

/** The deprecated SET_QUOTA request (a guarantee that is also the limit). */
export interface QuotaRequest {
  force?: boolean;
  role: string;
  guarantee: OperationResourceJSON[];
}

export interface QuotaStatus {
  /** Deprecated by Mesos but still filled, for clients of SET_QUOTA. */
  infos?: QuotaInfo[];
  configs?: QuotaConfig[];
}

// ---------------------------------------------------------------------------------------------
// Calls

export interface WeightInfo {
  weight: number;
  role?: string;
}

/** Calls we answer. */
export const operatorCallTypes = [
  "GET_HEALTH",
  "GET_FLAGS",
  "GET_VERSION",
  "GET_METRICS",
  "GET_LOGGING_LEVEL",
  "GET_STATE",
  "GET_AGENTS",
  "GET_FRAMEWORKS",
  "GET_EXECUTORS",
  "GET_TASKS",
  "GET_ROLES",
  "GET_WEIGHTS",
  "UPDATE_WEIGHTS",
  "GET_MASTER",
  "GET_QUOTA",
  "UPDATE_QUOTA",
  "SET_QUOTA",
  "REMOVE_QUOTA",
  "GET_MAINTENANCE_STATUS",
  "GET_MAINTENANCE_SCHEDULE",
  "UPDATE_MAINTENANCE_SCHEDULE",
  "START_MAINTENANCE",
  "STOP_MAINTENANCE",
  "DRAIN_AGENT",
  "DEACTIVATE_AGENT",
  "REACTIVATE_AGENT",
  "MARK_AGENT_GONE",
  "TEARDOWN",
] as const;

/** Calls Mesos has that we recognise but do not implement; the master answers 501 naming them. */
export const unimplementedOperatorCallTypes = [
  "SET_LOGGING_LEVEL",
  "LIST_FILES",
  "READ_FILE",
  "GET_OPERATIONS",
  "SUBSCRIBE",
  "RESERVE_RESOURCES",
  "UNRESERVE_RESOURCES",
  "CREATE_VOLUMES",
  "DESTROY_VOLUMES",
  "GROW_VOLUME",
  "SHRINK_VOLUME",
] as const;

export type OperatorCallType = (typeof operatorCallTypes)[number];
export type UnimplementedOperatorCallType = (typeof unimplementedOperatorCallTypes)[number];

export type OperatorCall =
  | { type: "GET_HEALTH" }
  | { type: "GET_FLAGS" }
  | { type: "GET_VERSION" }
  | { type: "GET_METRICS"; get_metrics?: { timeout?: DurationInfo } }
  | { type: "GET_LOGGING_LEVEL" }
  | { type: "GET_STATE" }
  | { type: "GET_AGENTS" }
  | { type: "GET_FRAMEWORKS" }
  | { type: "GET_EXECUTORS" }
  | { type: "GET_TASKS" }
  | { type: "GET_ROLES" }
  | { type: "GET_WEIGHTS" }
  | { type: "UPDATE_WEIGHTS"; update_weights: { weight_infos: Array<{ role: string; weight: number }> } }
  | { type: "GET_MASTER" }
  | { type: "GET_QUOTA" }
  | { type: "UPDATE_QUOTA"; update_quota: { force?: boolean; quota_configs: QuotaConfig[] } }
  | { type: "SET_QUOTA"; set_quota: { quota_request: QuotaRequest } }
  | { type: "REMOVE_QUOTA"; remove_quota: { role: string } }
  | { type: "GET_MAINTENANCE_STATUS" }
  | { type: "GET_MAINTENANCE_SCHEDULE" }
  | { type: "UPDATE_MAINTENANCE_SCHEDULE"; update_maintenance_schedule: { schedule: MaintenanceSchedule } }
  | { type: "START_MAINTENANCE"; start_maintenance: { machines: MachineID[] } }
  | { type: "STOP_MAINTENANCE"; stop_maintenance: { machines: MachineID[] } }
  | {
      type: "DRAIN_AGENT";
      drain_agent: { agent_id: AgentID; max_grace_period?: ProtobufDuration; mark_gone?: boolean };
    }
  | { type: "DEACTIVATE_AGENT"; deactivate_agent: { agent_id: AgentID } }
  | { type: "REACTIVATE_AGENT"; reactivate_agent: { agent_id: AgentID } }
  | { type: "MARK_AGENT_GONE"; mark_agent_gone: { agent_id: AgentID } }
  | { type: "TEARDOWN"; teardown: { framework_id: FrameworkID } }
  /** Known to Mesos, not implemented here; parsed so the master can say so by name. */
  | { type: UnimplementedOperatorCallType; unimplemented: true };

export type OperatorCallOf<T extends OperatorCall["type"]> = Extract<OperatorCall, { type: T }>;

// ---------------------------------------------------------------------------------------------
// Responses (filled by the master)

export interface Flag {
  name: string;
  value?: string;
}

export interface Metric {
  name: string;
  value?: number;
}

export interface VersionInfo {
  version: string;
  build_date?: string;
  build_time?: number;
  build_user?: string;
  git_sha?: string;
  git_branch?: string;
  git_tag?: string;
}

export type DrainState = "UNKNOWN" | "DRAINING" | "DRAINED";

export interface DrainInfo {
  state: DrainState;
  config: { max_grace_period?: DurationInfo; mark_gone?: boolean };
}

/** mesos.proto Task: what the master knows of a launched task. */
export interface Task {
  name: string;
  task_id: TaskID;
  framework_id: FrameworkID;
  executor_id?: { value: string };
  agent_id: AgentID;
  state: TaskState;
  resources: ResourceJSON[];
  statuses: TaskStatus[];
  status_update_state?: TaskState;
  status_update_uuid?: string;
  labels?: Labels;
  discovery?: Record<string, unknown>;
  container?: Record<string, unknown>;
  health_check?: HealthCheck;
  kill_policy?: KillPolicy;
  user?: string;
}

export interface Role {
  name: string;
  weight: number;
  frameworks?: FrameworkID[];
  resources?: ResourceJSON[];
}

export interface AgentCapability {
  type: string;
}

export interface OperatorAgent {
  agent_info: AgentInfo;
  active: boolean;
  deactivated?: boolean;
  version: string;
  pid?: string;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  total_resources: ResourceJSON[];
  allocated_resources: ResourceJSON[];
  offered_resources: ResourceJSON[];
  capabilities?: AgentCapability[];
  drain_info?: DrainInfo;
  estimated_drain_start_time?: TimeInfo;
}

export interface OperatorFramework {
  framework_info: FrameworkInfo;
  active: boolean;
  connected: boolean;
  recovered: boolean;
  registered_time?: TimeInfo;
  reregistered_time?: TimeInfo;
  unregistered_time?: TimeInfo;
  offers?: Offer[];
  inverse_offers?: InverseOffer[];
  allocated_resources?: ResourceJSON[];
  offered_resources?: ResourceJSON[];
  offer_constraints?: OfferConstraints;
}

export interface OperatorExecutor {
  executor_info: ExecutorInfo;
  agent_id: AgentID;
}

export interface GetAgents {
  agents: OperatorAgent[];
  recovered_agents?: AgentInfo[];
}

export interface GetFrameworks {
  frameworks: OperatorFramework[];
  completed_frameworks: OperatorFramework[];
}

export interface GetExecutors {
  executors: OperatorExecutor[];
}

export interface GetTasks {
  tasks: Task[];
  unreachable_tasks?: Task[];
  completed_tasks?: Task[];
  /** Deprecated by Mesos; always empty here. */
  pending_tasks?: Task[];
  orphan_tasks?: Task[];
}

export interface GetState {
  get_tasks: GetTasks;
  get_executors: GetExecutors;
  get_frameworks: GetFrameworks;
  get_agents: GetAgents;
}

export type OperatorResponse =
  | { type: "GET_HEALTH"; get_health: { healthy: boolean } }
  | { type: "GET_FLAGS"; get_flags: { flags: Flag[] } }
  | { type: "GET_VERSION"; get_version: { version_info: VersionInfo } }
  | { type: "GET_METRICS"; get_metrics: { metrics: Metric[] } }
  | { type: "GET_LOGGING_LEVEL"; get_logging_level: { level: number } }
  | { type: "GET_STATE"; get_state: GetState }
  | { type: "GET_AGENTS"; get_agents: GetAgents }
  | { type: "GET_FRAMEWORKS"; get_frameworks: GetFrameworks }
  | { type: "GET_EXECUTORS"; get_executors: GetExecutors }
  | { type: "GET_TASKS"; get_tasks: GetTasks }
  | { type: "GET_ROLES"; get_roles: { roles: Role[] } }
  | { type: "GET_WEIGHTS"; get_weights: { weight_infos: WeightInfo[] } }
  | { type: "GET_MASTER"; get_master: { master_info: MasterInfo; start_time?: number; elected_time?: number } }
  | { type: "GET_MAINTENANCE_STATUS"; get_maintenance_status: { status: MaintenanceClusterStatus } }
  | { type: "GET_MAINTENANCE_SCHEDULE"; get_maintenance_schedule: { schedule: MaintenanceSchedule } }
  | { type: "GET_QUOTA"; get_quota: { status: QuotaStatus } };

export type OperatorResponseOf<T extends OperatorResponse["type"]> = Extract<OperatorResponse, { type: T }>;

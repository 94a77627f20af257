// Mesos v1 messages in their JSON form (include/mesos/v1/mesos.proto), as the scheduler and
// operator HTTP APIs carry them. Only the fields we read or write are typed; unknown fields that
// clients send are kept as they come where we pass messages through (TaskInfo, FrameworkInfo).

import type { ResourceJSON } from "../resources/index.ts";

export interface Value {
  value: string;
}
export type FrameworkID = Value;
export type AgentID = Value;
export type TaskID = Value;
export type OfferID = Value;
export type ExecutorID = Value;
export type ContainerID = Value;

export interface Label {
  key: string;
  value?: string;
}
export interface Labels {
  labels: Label[];
}

export interface Address {
  hostname?: string;
  ip?: string;
  port: number;
}

export interface URL {
  scheme: string;
  address: Address;
  path?: string;
}

export interface MasterInfo {
  id: string;
  ip: number;
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
  capabilities?: Array<{ type: string }>;
  domain?: unknown;
}

export type FrameworkCapabilityType =
  | "REVOCABLE_RESOURCES"
  | "TASK_KILLING_STATE"
  | "GPU_RESOURCES"
  | "SHARED_RESOURCES"
  | "PARTITION_AWARE"
  | "MULTI_ROLE"
  | "RESERVATION_REFINEMENT"
  | "REGION_AWARE";

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number;
  checkpoint?: boolean;
  /** Deprecated single role; `roles` with MULTI_ROLE replaces it. */
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: Array<{ type: FrameworkCapabilityType | string }>;
  labels?: Labels;
  offer_filters?: Record<string, unknown>;
}

export interface EnvironmentVariable {
  name: string;
  type?: "VALUE" | "SECRET" | "UNKNOWN";
  value?: string;
}

export interface CommandInfo {
  uris?: Array<{ value: string; executable?: boolean; extract?: boolean; cache?: boolean; output_file?: string }>;
  environment?: { variables: EnvironmentVariable[] };
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}

export interface KillPolicy {
  grace_period?: { nanoseconds: number };
}

export interface HealthCheck {
  type?: "UNKNOWN" | "COMMAND" | "HTTP" | "TCP";
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
  consecutive_failures?: number;
  grace_period_seconds?: number;
  command?: CommandInfo;
  http?: { protocol?: string; scheme?: string; port: number; path?: string; statuses?: number[] };
  tcp?: { port: number };
}

export interface ExecutorInfo {
  type?: "UNKNOWN" | "DEFAULT" | "CUSTOM";
  executor_id: ExecutorID;
  framework_id?: FrameworkID;
  command?: CommandInfo;
  resources?: ResourceJSON[];
  name?: string;
  source?: string;
}

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources: ResourceJSON[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  container?: Record<string, unknown>;
  health_check?: HealthCheck;
  kill_policy?: KillPolicy;
  data?: string;
  labels?: Labels;
  discovery?: Record<string, unknown>;
  max_completion_time?: { nanoseconds: number };
}

export interface TaskGroupInfo {
  tasks: TaskInfo[];
}

export const taskStates = [
  "TASK_STAGING",
  "TASK_STARTING",
  "TASK_RUNNING",
  "TASK_KILLING",
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_ERROR",
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_UNREACHABLE",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
  "TASK_UNKNOWN",
] as const;
export type TaskState = (typeof taskStates)[number];

const terminalStates: ReadonlySet<TaskState> = new Set([
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_ERROR",
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
]);

/** Terminal as Mesos's protobuf::isTerminalState: UNREACHABLE and UNKNOWN are not terminal. */
export function isTerminalState(state: TaskState): boolean {
  return terminalStates.has(state);
}

export type TaskStatusSource = "SOURCE_MASTER" | "SOURCE_AGENT" | "SOURCE_EXECUTOR";

/** The TaskStatus.Reason values we produce. */
export type TaskStatusReason =
  | "REASON_COMMAND_EXECUTOR_FAILED"
  | "REASON_CONTAINER_LAUNCH_FAILED"
  | "REASON_CONTAINER_LIMITATION"
  | "REASON_CONTAINER_LIMITATION_MEMORY"
  | "REASON_CONTAINER_PREEMPTED"
  | "REASON_EXECUTOR_TERMINATED"
  | "REASON_FRAMEWORK_REMOVED"
  | "REASON_GC_ERROR"
  | "REASON_INVALID_FRAMEWORKID"
  | "REASON_INVALID_OFFERS"
  | "REASON_MASTER_DISCONNECTED"
  | "REASON_RECONCILIATION"
  | "REASON_RESOURCES_UNKNOWN"
  | "REASON_AGENT_DISCONNECTED"
  | "REASON_AGENT_REMOVED"
  | "REASON_AGENT_RESTARTED"
  | "REASON_AGENT_UNKNOWN"
  | "REASON_AGENT_DRAINING"
  | "REASON_TASK_CHECK_STATUS_UPDATED"
  | "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
  | "REASON_TASK_GROUP_INVALID"
  | "REASON_TASK_GROUP_UNAUTHORIZED"
  | "REASON_TASK_INVALID"
  | "REASON_TASK_UNAUTHORIZED"
  | "REASON_TASK_UNKNOWN"
  | "REASON_TASK_KILLED_DURING_LAUNCH"
  | "REASON_EXECUTOR_UNREGISTERED"
  | "REASON_MAINTENANCE_DOWN"
  | "REASON_ROLE_WINDOW_CLOSED";

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: TaskStatusSource;
  reason?: TaskStatusReason | string;
  data?: string;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  /** Seconds since the epoch, with a fraction. */
  timestamp: number;
  /** Base64 of 16 bytes; absent on updates that need no acknowledgement (reconciliation). */
  uuid?: string;
  healthy?: boolean;
  labels?: Labels;
  container_status?: { container_id?: ContainerID; executor_pid?: number; network_infos?: unknown[] };
  unreachable_time?: { nanoseconds: number };
  limitation?: { resources?: ResourceJSON[] };
}

export interface Attribute {
  name: string;
  type: "SCALAR" | "RANGES" | "SET" | "TEXT";
  scalar?: { value: number };
  ranges?: { range: Array<{ begin: number; end: number }> };
  set?: { item: string[] };
  text?: { value: string };
}

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  url?: URL;
  resources: ResourceJSON[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
  allocation_info?: { role: string };
  unavailability?: Unavailability;
}

export interface TimeInfo {
  nanoseconds: number;
}

export interface Unavailability {
  start: TimeInfo;
  duration?: { nanoseconds: number };
}

export interface MachineID {
  hostname?: string;
  ip?: string;
}

export interface Filters {
  refuse_seconds?: number;
}

export interface AgentInfo {
  hostname: string;
  port?: number;
  resources: ResourceJSON[];
  attributes?: Attribute[];
  id?: AgentID;
}

export function seconds(ms: number): number {
  return ms / 1000;
}

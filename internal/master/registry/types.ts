// The registry: what the master must not forget across a restart (and, with several masters,
// what they replicate). Everything else (offers, connections, task states) is rebuilt from agents
// re-registering and frameworks re-subscribing, as in Mesos.

import type { ResourceJSON } from "../../resources/index.ts";
import type { Attribute, FrameworkInfo } from "../../wire/index.ts";

export interface AgentRecord {
  id: string;
  hostname: string;
  port: number;
  resources: ResourceJSON[];
  attributes: Attribute[];
  physicalCpus: number;
  registeredAtMs: number;
  /** Set while the agent is unreachable (ping timeouts); cleared when it re-registers. */
  unreachableSinceMs?: number;
  /** Operator actions (v1 operator API). */
  deactivated: boolean;
  draining: boolean;
  /** Marked gone by the operator: it may never come back. */
  gone: boolean;
  /** Dynamic reservations (RESERVE operations), role-labelled; they survive agent restarts. */
  dynamicReservations?: ResourceJSON[];
}

export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  registeredAtMs: number;
  /** Set once the framework is torn down or its failover timeout passed. */
  removedAtMs?: number;
}

export interface MaintenanceWindow {
  machineIds: Array<{ hostname?: string; ip?: string }>;
  startNs: number;
  durationNs?: number;
}

export type MachineMode = "UP" | "DRAINING" | "DOWN";

export interface RegistryState {
  /** Incremented on every leadership; travels with every command to agents. */
  epoch: number;
  agents: Record<string, AgentRecord>;
  frameworks: Record<string, FrameworkRecord>;
  weights: Record<string, number>;
  /** Per role: resource limits (Mesos quota limits) as Mesos JSON resources. */
  quotas: Record<string, ResourceJSON[]>;
  maintenance: {
    windows: MaintenanceWindow[];
    /** Keyed by machineKey(hostname, ip). */
    machines: Record<string, { hostname?: string; ip?: string; mode: MachineMode }>;
  };
  /** The role schedule document (oversubscription issue), stored as given. */
  roleSchedule?: unknown;
}

export type RegistryOp =
  | { type: "BUMP_EPOCH" }
  | { type: "ADMIT_AGENT"; agent: AgentRecord }
  | { type: "UPDATE_AGENT"; agentId: string; changes: Partial<Omit<AgentRecord, "id">> }
  | { type: "ADD_FRAMEWORK"; framework: FrameworkRecord }
  | { type: "UPDATE_FRAMEWORK"; frameworkId: string; info: FrameworkInfo }
  | { type: "REMOVE_FRAMEWORK"; frameworkId: string; removedAtMs: number }
  | { type: "SET_WEIGHTS"; weights: Record<string, number> }
  | { type: "SET_QUOTA"; role: string; limits: ResourceJSON[] | null }
  | { type: "SET_MAINTENANCE_WINDOWS"; windows: MaintenanceWindow[] }
  | { type: "SET_MACHINE_MODES"; machines: Array<{ hostname?: string; ip?: string }>; mode: MachineMode }
  | { type: "SET_ROLE_SCHEDULE"; schedule: unknown };

/** Durable registry: `apply` resolves only once the op is on disk (or, later, on a quorum). */
export interface Registry {
  state(): Readonly<RegistryState>;
  apply(op: RegistryOp): Promise<void>;
  close(): Promise<void>;
}

// The master's in-memory picture. The registry (registry/) holds what must survive a restart;
// everything here is rebuilt from agents re-registering and frameworks re-subscribing.

import type { Resources } from "../resources/index.ts";
import type { FrameworkInfo, MasterToAgent, SchedulerEvent, TaskInfo, TaskState, TaskStatus } from "../wire/index.ts";
import type { TraceRef } from "./observer.ts";
import type { AgentRecord } from "./registry/index.ts";

/** The agent's end of its WebSocket, as the master sees it. */
export interface AgentLink {
  send(message: MasterToAgent): void;
  close(reason: string): void;
}

/** A framework's SUBSCRIBE response stream. `send` returns false once the stream is gone or full. */
export interface FrameworkStream {
  readonly streamId: string;
  send(event: SchedulerEvent): boolean;
  close(): void;
}

export type AgentConnection = "connected" | "disconnected" | "unreachable";

export interface AgentEntry {
  record: AgentRecord;
  /** What the agent advertises, with dynamic reservations applied: what the allocator offers. */
  total: Resources;
  link: AgentLink | undefined;
  connection: AgentConnection;
  /** Monotonic ms of the last PONG (or registration). */
  lastPongMs: number;
  missedPings: number;
  /** Tasks on this agent by `frameworkId NUL taskId`. */
  tasks: Set<string>;
  registeredAtMs: number;
  reregisteredAtMs?: number;
  version: string;
  /** Known from the registry after a master restart but not re-registered yet. */
  recovered: boolean;
  /** Tasks killed while the agent was unreachable or disconnected; sent when it is back. */
  pendingKills: Set<string>;
}

export interface FrameworkEntry {
  id: string;
  info: FrameworkInfo;
  stream: FrameworkStream | undefined;
  /** Wall-clock ms when the framework first registered with this master. */
  registeredAtMs: number;
  reregisteredAtMs?: number;
  /** Monotonic deadline for re-subscribing; set while disconnected. */
  failoverDeadlineMs?: number;
  /** Tasks by `frameworkId NUL taskId` (active ones; completed ones move to completedTasks). */
  tasks: Set<string>;
  completedTasks: TaskEntry[];
  offerIds: Set<string>;
  connected: boolean;
  active: boolean;
}

export interface TaskEntry {
  key: string;
  frameworkId: string;
  agentId: string;
  info: TaskInfo;
  role: string;
  resources: Resources;
  state: TaskState;
  statuses: TaskStatus[];
  /** Latest status sent to the framework (what reconciliation answers with). */
  latestStatus: TaskStatus | undefined;
  executorId: string;
  /** Resources already returned to the allocator (on the terminal update). */
  released: boolean;
}

/** An outstanding offer. It leaves `Master.offers` only through Master.endOffer. */
export interface OfferEntry {
  id: string;
  frameworkId: string;
  /** For the offer's span and metrics, taken when the offer is made. */
  frameworkName: string;
  agentId: string;
  hostname: string;
  role: string;
  resources: Resources;
  createdMonoMs: number;
  /** The observer's handle of the allocation cycle that made the offer. */
  cycle: TraceRef | undefined;
}

export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

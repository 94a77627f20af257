// The driver's contracts with the application (state machine), the network (transport), time
// (timers) and telemetry (events and metrics).

import type { ConfChange, ConfState, Message, NodeId, Role } from "../types.ts";

/** The replicated application: the registry, zk-lite's data tree, or a test's map. */
export interface StateMachine {
  /** A committed entry, in log order; after a restart, again from the snapshot on. */
  apply(entry: AppliedEntry): void;
  /** The state as of the last entry applied (taken every `snapshotEntriesMax` entries). */
  snapshot(): Uint8Array;
  /** Replaces the state (at start from storage, or a snapshot from the leader). */
  restore(data: Uint8Array, index: number): void;
}

export interface AppliedEntry {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

export interface Transport {
  /** Best effort and non-blocking: a message may be dropped, delayed or reordered. */
  send(message: Message): void;
  /** Registers the one handler for messages addressed to this node. */
  onMessage(handler: (message: Message) => void): void;
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const realTimers: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export type RaftEvent =
  | { readonly type: "leaderChanged"; readonly leader: NodeId | null; readonly term: number; readonly electionDurationMs: number | null }
  | { readonly type: "roleChanged"; readonly role: Role; readonly term: number }
  | { readonly type: "membershipApplied"; readonly change: ConfChange; readonly index: number; readonly conf: ConfState }
  /** This node's removal is committed and applied: it will take no further part. */
  | { readonly type: "removed"; readonly index: number }
  | { readonly type: "snapshotTaken"; readonly index: number; readonly bytes: number }
  | { readonly type: "snapshotInstalled"; readonly index: number; readonly bytes: number }
  /** Storage failed; the driver has stopped and the process should exit. */
  | { readonly type: "fatal"; readonly error: Error };

/** Plain numbers for telemetry; `applyLagEntries` is commit minus applied. */
export interface RaftMetrics {
  readonly term: number;
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly isLeader: boolean;
  readonly leaderChanges: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly applyLagEntries: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  /** From losing a leader to knowing the next one, as last measured; null before any election. */
  readonly lastElectionDurationMs: number | null;
  readonly proposalsPending: number;
  readonly readyCount: number;
  readonly syncCount: number;
}

// The vocabulary of the Raft core: entries, messages between peers, and the Ready batch the core
// hands its caller. Everything here is plain data, so a message can be logged, encoded as JSON and
// replayed, and a test can compare Readys by value.

/** A member's id. With `--masters=h1:5050,h2:5050` the id is the `host:port` itself. */
export type NodeId = string;

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** A change of membership that moves at most one voter (Raft thesis §4.1). */
export type ConfChange =
  /** First entry of a new cluster: the founding voters, written identically by each founder. */
  | { type: "bootstrap"; voters: NodeId[] }
  /** A non-voting member that receives the log; the first step of adding a server. */
  | { type: "addLearner"; node: NodeId }
  /** Learner to voter, once it has caught up. */
  | { type: "promote"; node: NodeId }
  /** Straight in as a voter (no catch-up phase; fine for an empty log). */
  | { type: "addVoter"; node: NodeId }
  /** A voter or learner leaves; a leader that removes itself steps down once this commits. */
  | { type: "remove"; node: NodeId };

export interface ConfState {
  /** Sorted, no duplicates, disjoint from learners. */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

interface EntryBase {
  readonly term: number;
  readonly index: number;
}

/** An application entry; an empty `data` is the no-op a new leader appends. */
export interface NormalEntry extends EntryBase {
  readonly kind: "normal";
  readonly data: Uint8Array;
}

/** A membership change; it takes effect on each server as soon as it is in that server's log. */
export interface ConfEntry extends EntryBase {
  readonly kind: "conf";
  readonly change: ConfChange;
}

export type Entry = NormalEntry | ConfEntry;

/** What must survive a crash besides the log (Raft Figure 2's persistent state, plus commit). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

export interface SoftState {
  readonly leader: NodeId | null;
  readonly role: Role;
  readonly term: number;
}

/** The application's state as of `index`, with the membership in force there. */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
  readonly data: Uint8Array;
}

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** RequestVote. A pre-vote carries the term the candidate would take, without taking it. */
export interface VoteRequest extends MessageBase {
  readonly type: "preVote" | "vote";
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set when the campaign follows a leader's TimeoutNow: voters skip their lease check. */
  readonly transfer: boolean;
}

export interface VoteResponse extends MessageBase {
  readonly type: "preVoteResp" | "voteResp";
  readonly reject: boolean;
}

export interface AppendRequest extends MessageBase {
  readonly type: "append";
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Accepted: `index` is the follower's last index matching the leader. Rejected: `index` is the
 * rejected prevIndex and the hint is the follower's guess at where the logs agree (§5.3's
 * optimisation): its largest index at or below `index` whose term is at most the prevTerm.
 */
export interface AppendResponse extends MessageBase {
  readonly type: "appendResp";
  readonly index: number;
  readonly reject: boolean;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/** Carries `commit` clipped to what the follower is known to hold. */
export interface Heartbeat extends MessageBase {
  readonly type: "heartbeat";
  readonly commit: number;
}

export interface HeartbeatResponse extends MessageBase {
  readonly type: "heartbeatResp";
}

export interface InstallSnapshot extends MessageBase {
  readonly type: "snapshot";
  readonly snapshot: Snapshot;
}

/** Leadership transfer: the target campaigns at once, skipping pre-vote. */
export interface TimeoutNow extends MessageBase {
  readonly type: "timeoutNow";
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | TimeoutNow;

export type MessageType = Message["type"];

/**
 * One batch of work for the caller. The contract, in this order:
 *   1. persist `snapshot`, `entries` and `hardState` (fsync when `mustSync`),
 *   2. send `messages`,
 *   3. apply `committedEntries` (after restoring `snapshot`, if any),
 *   4. call `advance(ready)`.
 * No step/tick/propose may happen between `ready()` and `advance()`.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  /** A snapshot from the leader to install; the log before it is gone. */
  readonly snapshot: Snapshot | null;
  /** To append; an entry at index i replaces any stored entry at i and everything after it. */
  readonly entries: readonly Entry[];
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  /** False when only the commit index moved, which may be lost in a crash without harm. */
  readonly mustSync: boolean;
}

/** What a core starts from after a restart (or empty, for a node that joins an existing cluster). */
export interface StoredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous. */
  readonly entries: readonly Entry[];
}

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: ProposeRejection; readonly leader: NodeId | null };

export type ProposeRejection =
  | "notLeader"
  | "transferring"
  | "uncommittedLimit"
  | "entryTooLarge"
  | "confChangePending"
  | "confChangeInvalid";

/** The leader's view of one peer's replication, for catch-up decisions and status pages. */
export interface PeerProgress {
  readonly match: number;
  readonly next: number;
  readonly state: "probe" | "replicate" | "snapshot";
  readonly recentActive: boolean;
  readonly learner: boolean;
}

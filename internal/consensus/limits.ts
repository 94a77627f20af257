// Named limits of the Raft core. Going past a proposal limit is an operating condition (the
// proposal is refused with a reason the caller can report); breaking a relation between settings
// is a programming error caught by `assertConfig` at construction.

/** Entries in one AppendEntries message; at least one entry is always sent. */
export const appendEntriesPerMessageMax = 256;

/** Payload bytes in one AppendEntries message (counted over entry data; one entry may exceed it). */
export const appendBytesPerMessageMax = 1024 * 1024;

/** AppendEntries messages a leader keeps in flight to one follower before waiting for acks. */
export const inflightAppendsPerPeerMax = 64;

/** Entries a leader holds beyond its commit index before refusing new proposals. */
export const uncommittedEntriesMax = 8192;

/** Size of one proposed payload. */
export const entryBytesMax = 4 * 1024 * 1024;

/** Committed entries handed out in one Ready, so one Ready never holds the whole log. */
export const committedEntriesPerReadyMax = 1024;

/** Members in one configuration (voters plus learners). */
export const membersMax = 15;

/** Election timeouts a snapshot may stay unacknowledged before the leader probes again. */
export const snapshotRetryElectionsMax = 2;

export interface RaftConfig {
  readonly id: string;
  /** Ticks without hearing from a leader before campaigning; randomized in [e, 2e). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Campaign with a pre-vote round first (thesis §9.6). */
  readonly preVote: boolean;
  /** Leaders step down without a majority's contact for an election timeout; voters honour leases. */
  readonly checkQuorum: boolean;
  /** Overrides `appendEntriesPerMessageMax` (scripts use 1 to split replication into steps). */
  readonly entriesPerAppendMax?: number;
}

export const raftConfigDefaults = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
} as const;

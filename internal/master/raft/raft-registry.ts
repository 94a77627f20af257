// The registry replicated among the masters: Raft's state machine. A write is proposed to the
// log and acknowledged only once a quorum holds it and it is applied here; every master applies
// the same entries in the same order (applyRegistryOp is pure), so a follower's state() is the
// leader's as of its applied index.
//
// Besides registry ops the log carries one announcement per leadership: the new leader's address
// and master id, proposed as its first entry. Once it is applied, everything committed before is
// applied too (so the new leader's Master starts from the whole registry), and every follower
// learns whom to redirect to under the same name the leader gives itself.

import type { Logger } from "pino";
import {
  NotLeaderError,
  RaftDriver,
  type AppliedEntry,
  type Committed,
  type RaftEvent,
  type RaftStorage,
  type StateMachine,
  type Timers,
  type Transport,
} from "../../consensus/index.ts";
import { assert, type Clock, type Random } from "../../runtime/index.ts";
import { applyRegistryOp, emptyRegistryState, type Registry, type RegistryOp, type RegistryState } from "../registry/index.ts";

/** A leader as announced in the log: enough for followers to redirect and name it. */
export interface AnnouncedLeader {
  /** Raft id (its --masters entry). */
  readonly node: string;
  readonly term: number;
  readonly masterId: string;
  readonly hostname: string;
  readonly ip: string;
  readonly port: number;
}

/** What one log entry holds. */
type Envelope = { readonly op: RegistryOp } | { readonly leader: AnnouncedLeader };

/** The snapshot: the registry state JSON, with the latest announcement beside it. */
interface SnapshotJson {
  readonly registry: RegistryState;
  readonly leader: AnnouncedLeader | null;
}

export type RaftRegistryEvent = RaftEvent | { readonly type: "leaderAnnounced"; readonly leader: AnnouncedLeader };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Applies committed entries; the driver calls it in log order, and again after a restart. */
export class RegistryStateMachine implements StateMachine {
  state: RegistryState = emptyRegistryState();
  leader: AnnouncedLeader | null = null;
  appliedIndex = 0;

  constructor(private readonly onAnnounced: (leader: AnnouncedLeader) => void = () => {}) {}

  apply(entry: AppliedEntry): void {
    // A committed entry is what a leader encoded: one that does not parse is a bug or a damaged
    // log, and going on would let this replica differ from the others.
    const envelope = JSON.parse(decoder.decode(entry.data)) as Envelope;
    this.appliedIndex = entry.index;
    if ("op" in envelope) {
      applyRegistryOp(this.state, envelope.op);
      return;
    }
    assert(typeof envelope.leader?.node === "string", `registry entry ${entry.index} is neither an op nor a leader`);
    this.leader = envelope.leader;
    this.onAnnounced(envelope.leader);
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ registry: this.state, leader: this.leader } satisfies SnapshotJson));
  }

  restore(data: Uint8Array, index: number): void {
    const parsed = JSON.parse(decoder.decode(data)) as Partial<SnapshotJson>;
    assert(typeof parsed.registry === "object" && parsed.registry !== null, `registry snapshot at ${index} holds no registry`);
    this.state = { ...emptyRegistryState(), ...parsed.registry };
    this.leader = parsed.leader ?? null;
    this.appliedIndex = index;
    if (this.leader !== null) this.onAnnounced(this.leader);
  }
}

export function encodeOp(op: RegistryOp): Uint8Array {
  return encoder.encode(JSON.stringify({ op } satisfies Envelope));
}

export interface RaftRegistryOptions {
  readonly id: string;
  readonly storage: RaftStorage;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly tickIntervalMs: number;
  readonly electionTicks: number;
  /** Default 1: a heartbeat every tick. */
  readonly heartbeatTicks?: number;
  /** Founding voters (used only while storage is empty); absent for a master joining later. */
  readonly bootstrapVoters?: readonly string[];
  readonly proposalTimeoutMs?: number;
  readonly snapshotEntriesMax?: number;
  readonly timers?: Timers;
  /** Runs once on close(), after the driver stops (the transport's owner closes it). */
  readonly onClose?: () => void;
}

export class RaftRegistry implements Registry {
  readonly driver: RaftDriver;
  readonly id: string;
  private readonly machine: RegistryStateMachine;
  private readonly listeners = new Set<(event: RaftRegistryEvent) => void>();
  private readonly logger: Logger;
  private readonly onClose: () => void;
  private started = false;
  private closed = false;

  constructor(options: RaftRegistryOptions) {
    this.id = options.id;
    this.logger = options.logger;
    this.onClose = options.onClose ?? (() => {});
    this.machine = new RegistryStateMachine((leader) => this.emit({ type: "leaderAnnounced", leader }));
    this.driver = new RaftDriver({
      id: options.id,
      storage: options.storage,
      transport: options.transport,
      stateMachine: this.machine,
      clock: options.clock,
      random: options.random,
      tickIntervalMs: options.tickIntervalMs,
      electionTicks: options.electionTicks,
      heartbeatTicks: options.heartbeatTicks ?? 1,
      preVote: true,
      checkQuorum: true,
      ...(options.bootstrapVoters === undefined ? {} : { bootstrapVoters: options.bootstrapVoters }),
      ...(options.proposalTimeoutMs === undefined ? {} : { proposalTimeoutMs: options.proposalTimeoutMs }),
      ...(options.snapshotEntriesMax === undefined ? {} : { snapshotEntriesMax: options.snapshotEntriesMax }),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      onEvent: (event) => this.emit(event),
    });
  }

  /** Starts ticking. A cluster of one campaigns at once rather than after an election timeout. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.driver.start();
    const voters = this.driver.conf().voters;
    if (voters.length === 1 && voters[0] === this.id) this.driver.campaign();
  }

  state(): Readonly<RegistryState> {
    return this.machine.state;
  }

  /** The latest leader announcement applied here (null before the first). */
  announcedLeader(): AnnouncedLeader | null {
    return this.machine.leader;
  }

  appliedIndex(): number {
    return this.machine.appliedIndex;
  }

  /**
   * Resolves once a quorum holds the op and it is applied here. A rejection says whether the op
   * may still apply (see consensus/driver/errors.ts); it is logged here too, because several
   * callers fire and forget (`void registry.apply(...)`) and a rejection nobody handles would
   * end the process.
   */
  apply(op: RegistryOp): Promise<void> {
    const written = this.driver.propose(encodeOp(op)).then(() => undefined);
    written.catch((error: unknown) => {
      this.logger.warn({ err: error, op: op.type, leader: this.driver.leader() }, "registry write not committed");
    });
    return written;
  }

  /** Proposes this leader's announcement; resolves once it (and all before it) is applied here. */
  announce(leader: AnnouncedLeader): Promise<Committed> {
    if (!this.driver.isLeader()) return Promise.reject(new NotLeaderError(this.driver.leader()));
    return this.driver.propose(encoder.encode(JSON.stringify({ leader } satisfies Envelope)));
  }

  onEvent(listener: (event: RaftRegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.driver.stop();
    this.onClose();
  }

  private emit(event: RaftRegistryEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, event: event.type }, "raft registry listener threw");
      }
    }
  }
}

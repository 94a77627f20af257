// The shell around the pure core: it owns the timer, the storage, the transport and the
// application's state machine, and runs the Ready contract (persist → send → apply → advance).
//
// Every input (a tick, a message, a proposal) is queued and handled in one `process()` turn,
// never inside another: the core forbids stepping while a Ready is outstanding, and an apply
// callback that proposes, or a transport that delivers synchronously, would otherwise re-enter.

import { assert, type Clock, type Random } from "../../runtime/index.ts";
import { raftConfigDefaults, uncommittedEntriesMax, type RaftConfig } from "../limits.ts";
import { isMember } from "../membership.ts";
import { bootstrapStoredState, RaftNode } from "../raft-node.ts";
import type { RaftStorage } from "../storage/types.ts";
import type { ConfChange, ConfState, Entry, Message, NodeId, ProposeResult, Ready, SoftState, StoredState } from "../types.ts";
import {
  CatchUpTimeoutError,
  DriverStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  ProposalOutcomeUnknownError,
  ProposalRefusedError,
} from "./errors.ts";
import { realTimers, type RaftEvent, type RaftMetrics, type StateMachine, type Timers, type Transport } from "./types.ts";

export const tickIntervalMsDefault = 50;
/** Mesos's `--registry_store_timeout` default: how long a write may take to commit. */
export const proposalTimeoutMsDefault = 5000;
export const snapshotEntriesMaxDefault = 10_000;
/** Messages waiting for the next turn; past it they are dropped (Raft tolerates loss). */
export const inboxMessagesMax = 4096;
/** Readys handled in one turn before yielding to the event loop. */
export const readysPerTurnMax = 64;
/** A learner within this many entries of the leader's log counts as caught up. */
export const catchUpLagEntriesMax = 16;
export const catchUpTimeoutMsDefault = 30_000;

export interface RaftDriverOptions {
  readonly id: NodeId;
  readonly storage: RaftStorage;
  readonly transport: Transport;
  readonly stateMachine: StateMachine;
  readonly clock: Clock;
  readonly random: Random;
  readonly tickIntervalMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** Entries per AppendEntries message (default `appendEntriesPerMessageMax`). */
  readonly entriesPerAppendMax?: number;
  /** Founding voters, used only when storage is empty; absent for a member joining later. */
  readonly bootstrapVoters?: readonly NodeId[];
  readonly snapshotEntriesMax?: number;
  readonly proposalTimeoutMs?: number;
  readonly timers?: Timers;
  /** Runs the next turn; queueMicrotask by default (the simulator runs turns itself). */
  readonly schedule?: (fn: () => void) => void;
  readonly onLeaderChange?: (leader: NodeId | null, term: number) => void;
  readonly onEvent?: (event: RaftEvent) => void;
}

export interface Committed {
  readonly index: number;
  readonly term: number;
}

interface Waiter {
  readonly resolve: (c: Committed) => void;
  readonly reject: (error: Error) => void;
}

interface Pending extends Waiter {
  readonly term: number;
  readonly deadlineMs: number;
}

type Queued = Waiter & ({ readonly kind: "normal"; readonly data: Uint8Array } | { readonly kind: "conf"; readonly change: ConfChange });

type Done = (error: Error | null) => void;

function promised(run: (done: Done) => void): Promise<void> {
  return new Promise((resolve, reject) => run((error) => (error === null ? resolve() : reject(error))));
}

interface CatchUp {
  readonly node: NodeId;
  readonly deadlineMs: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class RaftDriver {
  readonly id: NodeId;
  private readonly node: RaftNode;
  private readonly options: RaftDriverOptions;
  private readonly schedule: (fn: () => void) => void;
  private readonly timers: Timers;
  private timer: unknown = undefined;

  private inbox: Message[] = [];
  private proposals: Queued[] = [];
  private pendingTicks = 0;
  private campaignRequested = false;
  private readonly pending = new Map<number, Pending>();
  private catchUps: CatchUp[] = [];
  private scheduled = false;
  private processing = false;
  private stopped = false;

  private soft: SoftState;
  private leaderChanges = 0;
  private leaderLostAtMs: number | null = null;
  private lastElectionDurationMs: number | null = null;
  private readyCount = 0;
  private syncCount = 0;

  constructor(options: RaftDriverOptions) {
    this.options = options;
    this.id = options.id;
    this.schedule = options.schedule ?? queueMicrotask;
    this.timers = options.timers ?? realTimers;
    const stored = loadOrBootstrap(options.storage, options.bootstrapVoters);
    if (stored.snapshot !== null) options.stateMachine.restore(stored.snapshot.data, stored.snapshot.index);
    this.node = new RaftNode({ config: this.raftConfig(), random: options.random, stored });
    this.soft = this.node.softState();
    this.leaderLostAtMs = options.clock.monotonicMs();
    options.transport.onMessage((m) => this.deliver(m));
  }

  private raftConfig(): RaftConfig {
    const o = this.options;
    return {
      id: o.id,
      electionTicks: o.electionTicks ?? raftConfigDefaults.electionTicks,
      heartbeatTicks: o.heartbeatTicks ?? raftConfigDefaults.heartbeatTicks,
      preVote: o.preVote ?? raftConfigDefaults.preVote,
      checkQuorum: o.checkQuorum ?? raftConfigDefaults.checkQuorum,
      ...(o.entriesPerAppendMax !== undefined ? { entriesPerAppendMax: o.entriesPerAppendMax } : {}),
    };
  }

  /** Starts the tick timer. The simulator does not call this; it calls `tick()` itself. */
  start(): void {
    assert(this.timer === undefined, "raft driver started twice");
    const intervalMs = this.options.tickIntervalMs ?? tickIntervalMsDefault;
    assert(intervalMs > 0, "tickIntervalMs must be positive");
    this.timer = this.timers.setInterval(() => this.tick(), intervalMs);
    this.kick();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearInterval(this.timer);
    this.failAll(new DriverStoppedError());
    this.options.storage.close();
  }

  // ---- inputs -------------------------------------------------------------------------------

  tick(): void {
    if (this.stopped) return;
    this.pendingTicks += 1;
    this.kick();
  }

  /** The transport's handler. */
  deliver(message: Message): void {
    if (this.stopped || message.to !== this.id) return;
    if (this.inbox.length >= inboxMessagesMax) return;
    this.inbox.push(message);
    this.kick();
  }

  /** Resolves once the entry is committed and applied here; rejects with the errors.ts types. */
  propose(data: Uint8Array): Promise<Committed> {
    return new Promise((resolve, reject) => this.enqueue({ kind: "normal", data, resolve, reject }));
  }

  /** One membership change; resolves once it is committed and applied here. */
  changeMembership(change: ConfChange): Promise<Committed> {
    return new Promise((resolve, reject) => this.enqueue({ kind: "conf", change, resolve, reject }));
  }

  /** Callback form of `propose`, for the simulator's synchronous world. */
  proposeWith(data: Uint8Array, resolve: (c: Committed) => void, reject: (error: Error) => void): void {
    this.enqueue({ kind: "normal", data, resolve, reject });
  }

  changeMembershipWith(change: ConfChange, resolve: (c: Committed) => void, reject: (error: Error) => void): void {
    this.enqueue({ kind: "conf", change, resolve, reject });
  }

  private enqueue(item: Queued): void {
    if (this.stopped) {
      item.reject(new DriverStoppedError());
      return;
    }
    if (this.proposals.length + this.pending.size >= uncommittedEntriesMax) {
      item.reject(new ProposalRefusedError("uncommittedLimit", this.soft.leader));
      return;
    }
    this.proposals.push(item);
    this.kick();
  }

  /**
   * Adds a server the safe way: as a learner first, promoted once it has caught up, so the
   * quorum never has to wait for an empty log. Run on the leader; a leader change midway rejects
   * with NotLeaderError and the caller retries on the new leader (each step checks the state).
   */
  addServer(node: NodeId, catchUpTimeoutMs = catchUpTimeoutMsDefault): Promise<void> {
    return promised((done) => this.addServerWith(node, catchUpTimeoutMs, done));
  }

  removeServer(node: NodeId): Promise<void> {
    return promised((done) => this.removeServerWith(node, done));
  }

  /** Adds the new server first, then removes the old: the cluster never runs a member short. */
  replaceServer(oldNode: NodeId, newNode: NodeId, catchUpTimeoutMs = catchUpTimeoutMsDefault): Promise<void> {
    return promised((done) => this.replaceServerWith(oldNode, newNode, catchUpTimeoutMs, done));
  }

  /** Resolves when `node` (a member) is within `catchUpLagEntriesMax` of the leader's log. */
  waitCaughtUp(node: NodeId, timeoutMs = catchUpTimeoutMsDefault): Promise<void> {
    return promised((done) => this.waitCaughtUpWith(node, timeoutMs, done));
  }

  // Callback forms of the procedures above, for the simulator's synchronous world.

  addServerWith(node: NodeId, catchUpTimeoutMs: number, done: Done): void {
    const fail = (error: Error): void => done(error);
    const promote = (): void => this.changeMembershipWith({ type: "promote", node }, () => done(null), fail);
    const catchUp = (): void =>
      this.waitCaughtUpWith(node, catchUpTimeoutMs, (error) => (error === null ? promote() : done(error)));
    const conf = this.node.status().conf;
    if (conf.voters.includes(node)) done(null);
    else if (conf.learners.includes(node)) catchUp();
    else this.changeMembershipWith({ type: "addLearner", node }, catchUp, fail);
  }

  removeServerWith(node: NodeId, done: Done): void {
    if (!isMember(this.node.status().conf, node)) done(null);
    else this.changeMembershipWith({ type: "remove", node }, () => done(null), (error) => done(error));
  }

  replaceServerWith(oldNode: NodeId, newNode: NodeId, catchUpTimeoutMs: number, done: Done): void {
    this.addServerWith(newNode, catchUpTimeoutMs, (error) => (error === null ? this.removeServerWith(oldNode, done) : done(error)));
  }

  waitCaughtUpWith(node: NodeId, timeoutMs: number, done: Done): void {
    if (this.stopped) {
      done(new DriverStoppedError());
      return;
    }
    const deadlineMs = this.options.clock.monotonicMs() + timeoutMs;
    this.catchUps.push({ node, deadlineMs, resolve: () => done(null), reject: (error) => done(error) });
    this.kick();
  }

  /**
   * Campaigns on the next turn instead of waiting out an election timeout: a cluster of one at
   * start-up, or an operator who knows the leader is gone. Ignored by a leader or a non-voter.
   */
  campaign(): void {
    if (this.stopped) return;
    this.campaignRequested = true;
    this.kick();
  }

  transferLeadership(to: NodeId): boolean {
    if (this.stopped || this.processing) return false;
    const started = this.node.transferLeadership(to);
    this.kick();
    return started;
  }

  // ---- state --------------------------------------------------------------------------------

  isLeader(): boolean {
    return this.soft.role === "leader";
  }

  leader(): NodeId | null {
    return this.soft.leader;
  }

  term(): number {
    return this.soft.term;
  }

  conf(): ConfState {
    return this.node.status().conf;
  }

  status(): ReturnType<RaftNode["status"]> {
    return this.node.status();
  }

  /** The core itself, for status pages and the simulator's invariant checks. Do not step it. */
  core(): RaftNode {
    return this.node;
  }

  metrics(): RaftMetrics {
    const s = this.node.status();
    return {
      term: s.term,
      role: s.role,
      leader: s.leader,
      isLeader: s.role === "leader",
      leaderChanges: this.leaderChanges,
      commitIndex: s.commit,
      appliedIndex: s.applied,
      applyLagEntries: s.commit - s.applied,
      lastIndex: s.lastIndex,
      snapshotIndex: s.snapshotIndex,
      lastElectionDurationMs: this.lastElectionDurationMs,
      proposalsPending: this.pending.size + this.proposals.length,
      readyCount: this.readyCount,
      syncCount: this.syncCount,
    };
  }

  // ---- the turn -----------------------------------------------------------------------------

  private kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    if (this.processing) return; // the running turn loops once more
    this.schedule(() => this.process());
  }

  /** One turn: feed every queued input to the core, then drain its Readys. */
  process(): void {
    if (this.processing || this.stopped) return;
    this.processing = true;
    try {
      for (let rounds = 0; this.scheduled && rounds < readysPerTurnMax; rounds++) {
        this.scheduled = false;
        this.feedInputs();
        this.drainReadys();
      }
    } catch (error) {
      this.fail(error as Error);
      return;
    } finally {
      this.processing = false;
    }
    // Still busy after the cap: continue on a later turn so timers and I/O get their share.
    if (this.scheduled) {
      this.scheduled = false;
      this.kick();
    }
  }

  private feedInputs(): void {
    const ticks = this.pendingTicks;
    this.pendingTicks = 0;
    for (let i = 0; i < ticks; i++) this.node.tick();
    if (ticks > 0) this.checkDeadlines();
    if (this.campaignRequested) {
      this.campaignRequested = false;
      this.node.campaign();
    }
    const inbox = this.inbox;
    this.inbox = [];
    for (const m of inbox) this.node.step(m);
    const proposals = this.proposals;
    this.proposals = [];
    for (const item of proposals) this.proposeNow(item);
  }

  private proposeNow(item: Queued): void {
    const result: ProposeResult & { problem?: string } =
      item.kind === "normal" ? this.node.propose(item.data) : this.node.proposeConfChange(item.change);
    if (!result.ok) {
      if (result.reason === "notLeader") item.reject(new NotLeaderError(result.leader));
      else item.reject(new ProposalRefusedError(result.problem ?? result.reason, result.leader));
      return;
    }
    const deadlineMs = this.options.clock.monotonicMs() + (this.options.proposalTimeoutMs ?? proposalTimeoutMsDefault);
    // An earlier proposal at this index (from a past leadership of ours) was truncated away.
    const overwritten = this.pending.get(result.index);
    if (overwritten !== undefined) {
      this.pending.delete(result.index);
      overwritten.reject(new ProposalDroppedError(result.index));
    }
    this.pending.set(result.index, { term: result.term, deadlineMs, resolve: item.resolve, reject: item.reject });
  }

  private drainReadys(): void {
    while (this.node.hasReady()) {
      const rd = this.node.ready();
      this.readyCount += 1;
      this.options.storage.save(rd);
      if (rd.mustSync) this.syncCount += 1;
      for (const m of rd.messages) this.options.transport.send(m);
      if (rd.snapshot !== null) this.installSnapshot(rd.snapshot.data, rd.snapshot.index);
      for (const entry of rd.committedEntries) this.applyEntry(entry);
      this.node.advance(rd);
      if (rd.softState !== null) this.noteSoftState(rd.softState);
      this.maybeSnapshot();
    }
  }

  private installSnapshot(data: Uint8Array, index: number): void {
    this.options.stateMachine.restore(data, index);
    // Whatever we proposed at or below the snapshot may or may not be in it.
    for (const [i, p] of this.pending) {
      if (i > index) break;
      this.pending.delete(i);
      p.reject(new ProposalOutcomeUnknownError(i, "replaced by a snapshot"));
    }
    this.emit({ type: "snapshotInstalled", index, bytes: data.length });
  }

  private applyEntry(entry: Entry): void {
    if (entry.kind === "normal") {
      if (entry.data.length > 0) this.options.stateMachine.apply({ index: entry.index, term: entry.term, data: entry.data });
    } else {
      const conf = this.node.log.confAt(entry.index);
      this.emit({ type: "membershipApplied", change: entry.change, index: entry.index, conf });
      if (entry.change.type === "remove" && entry.change.node === this.id) this.emit({ type: "removed", index: entry.index });
    }
    const p = this.pending.get(entry.index);
    if (p === undefined) return;
    this.pending.delete(entry.index);
    if (p.term === entry.term) p.resolve({ index: entry.index, term: entry.term });
    else p.reject(new ProposalDroppedError(entry.index));
  }

  private noteSoftState(soft: SoftState): void {
    const previous = this.soft;
    this.soft = soft;
    if (soft.role !== previous.role) this.emit({ type: "roleChanged", role: soft.role, term: soft.term });
    if (soft.leader === previous.leader) return;
    let electionDurationMs: number | null = null;
    const nowMs = this.options.clock.monotonicMs();
    if (soft.leader === null) {
      this.leaderLostAtMs = nowMs;
    } else {
      this.leaderChanges += 1;
      if (this.leaderLostAtMs !== null) {
        electionDurationMs = nowMs - this.leaderLostAtMs;
        this.lastElectionDurationMs = electionDurationMs;
        this.leaderLostAtMs = null;
      }
    }
    this.emit({ type: "leaderChanged", leader: soft.leader, term: soft.term, electionDurationMs });
    this.options.onLeaderChange?.(soft.leader, soft.term);
  }

  private maybeSnapshot(): void {
    const log = this.node.log;
    const entriesMax = this.options.snapshotEntriesMax ?? snapshotEntriesMaxDefault;
    if (log.applied - log.snapshot().index < entriesMax) return;
    const data = this.options.stateMachine.snapshot();
    const snapshot = this.node.compact(log.applied, data);
    this.options.storage.saveSnapshot(snapshot);
    this.emit({ type: "snapshotTaken", index: snapshot.index, bytes: data.length });
  }

  /** Proposal timeouts and learner catch-up, checked once per tick. */
  private checkDeadlines(): void {
    const nowMs = this.options.clock.monotonicMs();
    for (const [index, p] of this.pending) {
      // Insertion order is index order is deadline order: stop at the first one still running.
      if (p.deadlineMs > nowMs) break;
      this.pending.delete(index);
      p.reject(new ProposalOutcomeUnknownError(index, "timed out"));
    }
    if (this.catchUps.length > 0) this.checkCatchUps(nowMs);
  }

  private checkCatchUps(nowMs: number): void {
    const s = this.node.status();
    const waiting: CatchUp[] = [];
    for (const c of this.catchUps) {
      const pr = s.progress?.get(c.node);
      if (s.progress === null) c.reject(new NotLeaderError(s.leader));
      else if (pr !== undefined && pr.match + catchUpLagEntriesMax >= s.lastIndex) c.resolve();
      else if (nowMs >= c.deadlineMs) c.reject(new CatchUpTimeoutError(c.node, pr?.match ?? 0, s.lastIndex));
      else waiting.push(c);
    }
    this.catchUps = waiting;
  }

  private fail(error: Error): void {
    this.emit({ type: "fatal", error });
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearInterval(this.timer);
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const item of this.proposals) item.reject(error);
    this.proposals = [];
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const c of this.catchUps) c.reject(error);
    this.catchUps = [];
  }

  private emit(event: RaftEvent): void {
    this.options.onEvent?.(event);
  }
}

function isEmpty(stored: StoredState): boolean {
  return stored.snapshot === null && stored.entries.length === 0 && stored.hardState.term === 0;
}

/** A new founding member writes the bootstrap entry before anything else happens. */
function loadOrBootstrap(storage: RaftStorage, voters: readonly NodeId[] | undefined): StoredState {
  const stored = storage.load();
  if (!isEmpty(stored) || voters === undefined) return stored;
  const initial = bootstrapStoredState(voters);
  const ready: Ready = {
    softState: null,
    hardState: initial.hardState,
    snapshot: null,
    entries: initial.entries,
    committedEntries: [],
    messages: [],
    mustSync: true,
  };
  storage.save(ready);
  return initial;
}

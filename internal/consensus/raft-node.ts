// The Raft core: a pure state machine over messages and ticks. It never touches a clock, a disk or
// a socket; the caller feeds it `step(message)`, `tick()` and proposals, and drains `ready()`:
// what to persist, what to send, what to apply. See README.md for the contract.
//
// Roles swap handlers (`stepRole`, `tickRole`) rather than switching on the role everywhere. The
// protocol follows the Raft paper and Ongaro's thesis: pre-vote (§9.6), check-quorum and leases
// (§6.2/§9.6), single-server membership changes (§4.1), leadership transfer (§3.10), snapshots
// (§5) and fast log backtracking (§5.3).

import { assert, type Random } from "../runtime/index.ts";
import {
  appendBytesPerMessageMax,
  appendEntriesPerMessageMax,
  committedEntriesPerReadyMax,
  entryBytesMax,
  snapshotRetryElectionsMax,
  uncommittedEntriesMax,
  type RaftConfig,
} from "./limits.ts";
import { confChangeProblem, isMember, isVoter, members, quorumSize } from "./membership.ts";
import { Progress } from "./progress.ts";
import { RaftLog } from "./raft-log.ts";
import type {
  AppendRequest,
  AppendResponse,
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Heartbeat,
  HeartbeatResponse,
  InstallSnapshot,
  Message,
  NodeId,
  PeerProgress,
  ProposeResult,
  Ready,
  Role,
  Snapshot,
  SoftState,
  StoredState,
  VoteRequest,
  VoteResponse,
} from "./types.ts";

export interface RaftNodeOptions {
  readonly config: RaftConfig;
  readonly random: Random;
  /** What storage holds; `emptyStoredState` for a brand-new member. */
  readonly stored: StoredState;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly conf: ConfState;
  /** Leader only: each other member's replication. */
  readonly progress: ReadonlyMap<NodeId, PeerProgress> | null;
  readonly leadTransferee: NodeId | null;
}

type CampaignKind = "preVote" | "vote" | "transfer";

export const emptyStoredState: StoredState = Object.freeze({
  hardState: { term: 0, vote: null, commit: 0 },
  snapshot: null,
  entries: [],
});

/**
 * The stored state every founding member of a new cluster starts from: one committed conf entry
 * naming the voters, identical on each founder (so nobody has to be told who the others are).
 */
export function bootstrapStoredState(voters: readonly NodeId[]): StoredState {
  return {
    hardState: { term: 1, vote: null, commit: 1 },
    snapshot: null,
    entries: [{ term: 1, index: 1, kind: "conf", change: { type: "bootstrap", voters: [...voters].sort() } }],
  };
}

export function assertConfig(config: RaftConfig): void {
  assert(config.id !== "", "raft: empty node id");
  assert(Number.isInteger(config.heartbeatTicks) && config.heartbeatTicks >= 1, "raft: heartbeatTicks must be a positive integer");
  assert(Number.isInteger(config.electionTicks), "raft: electionTicks must be an integer");
  // A follower must hear a few heartbeats per election timeout, or it campaigns against a live leader.
  assert(config.electionTicks > 2 * config.heartbeatTicks, "raft: electionTicks must exceed 2 × heartbeatTicks");
  const perAppend = config.entriesPerAppendMax;
  assert(perAppend === undefined || (Number.isInteger(perAppend) && perAppend >= 1), "raft: entriesPerAppendMax must be ≥ 1");
}

export class RaftNode {
  readonly id: NodeId;
  private readonly config: RaftConfig;
  private readonly random: Random;
  private readonly entriesPerAppendMax: number;
  readonly log: RaftLog;

  private term: number;
  private vote: NodeId | null;
  private leader: NodeId | null = null;
  private role: Role = "follower";
  private conf: ConfState;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTicks = 0;
  private readonly votes = new Map<NodeId, boolean>();
  private readonly progress = new Map<NodeId, Progress>();
  private leadTransferee: NodeId | null = null;
  /** No conf change may be proposed until the commit index reaches this. */
  private pendingConfIndex = 0;

  private outbox: Message[] = [];
  /**
   * New entries or a new commit index wait for `ready()` to go out, so that everything proposed or
   * acknowledged between two Readys travels in one append per follower.
   */
  private appendsPending = false;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private readyOutstanding = false;

  private stepRole: (m: Message) => void = (m) => this.stepFollower(m);
  private tickRole: () => void = () => this.tickElection();

  constructor(options: RaftNodeOptions) {
    assertConfig(options.config);
    this.config = options.config;
    this.id = options.config.id;
    this.random = options.random;
    this.entriesPerAppendMax = options.config.entriesPerAppendMax ?? appendEntriesPerMessageMax;
    this.log = new RaftLog(options.stored);
    this.term = options.stored.hardState.term;
    this.vote = options.stored.hardState.vote;
    this.conf = this.log.currentConf();
    this.prevHard = this.hardState();
    this.prevSoft = this.softState();
    this.becomeFollower(this.term, null);
  }

  // ---- the API ------------------------------------------------------------------------------

  step(m: Message): void {
    assert(!this.readyOutstanding, "raft: step between ready() and advance()");
    assert(m.to === this.id, `raft: message for ${m.to} delivered to ${this.id}`);
    if (m.term > this.term) {
      if (!this.handleHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.handleLowerTerm(m);
      return;
    }
    if (m.type === "preVote" || m.type === "vote") {
      this.handleVoteRequest(m);
      return;
    }
    this.stepRole(m);
  }

  tick(): void {
    assert(!this.readyOutstanding, "raft: tick between ready() and advance()");
    this.tickRole();
  }

  propose(data: Uint8Array): ProposeResult {
    assert(!this.readyOutstanding, "raft: propose between ready() and advance()");
    const refused = this.proposalRefusal();
    if (refused !== undefined) return refused;
    if (data.length > entryBytesMax) return this.refuse("entryTooLarge");
    const index = this.appendEntry({ kind: "normal", data });
    return { ok: true, index, term: this.term };
  }

  /** Proposes one membership change; refused while another is uncommitted. */
  proposeConfChange(change: ConfChange): ProposeResult & { problem?: string } {
    assert(!this.readyOutstanding, "raft: propose between ready() and advance()");
    const refused = this.proposalRefusal();
    if (refused !== undefined) return refused;
    if (this.log.committed < this.pendingConfIndex) return this.refuse("confChangePending");
    const problem = change.type === "bootstrap" ? "bootstrap is not a proposal" : confChangeProblem(this.conf, change);
    if (problem !== undefined) return { ...this.refuse("confChangeInvalid"), problem };
    const index = this.appendEntry({ kind: "conf", change });
    this.pendingConfIndex = index;
    return { ok: true, index, term: this.term };
  }

  /** Campaigns now, as an elapsed election timeout would (etcd's MsgHup); tests and operators. */
  campaign(): void {
    assert(!this.readyOutstanding, "raft: campaign between ready() and advance()");
    if (this.role === "leader" || !this.promotable()) return;
    this.electionElapsed = 0;
    this.startCampaign(this.config.preVote ? "preVote" : "vote");
  }

  /** Hands leadership to `to` (a voter); proposals are refused until it completes or times out. */
  transferLeadership(to: NodeId): boolean {
    assert(!this.readyOutstanding, "raft: transfer between ready() and advance()");
    if (this.role !== "leader" || to === this.id || !isVoter(this.conf, to)) return false;
    const pr = this.progress.get(to);
    assert(pr !== undefined, `raft: no progress for voter ${to}`);
    this.leadTransferee = to;
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to, true);
    return true;
  }

  /** The application's snapshot at `index` (≤ applied); the log before it is dropped. */
  compact(index: number, data: Uint8Array): Snapshot {
    assert(!this.readyOutstanding, "raft: compact between ready() and advance()");
    return this.log.compact(index, data);
  }

  hasReady(): boolean {
    return (
      this.appendsPending ||
      this.outbox.length > 0 ||
      this.log.pendingSnapshot !== null ||
      this.log.stableIndex < this.log.lastIndex() ||
      this.log.hasCommittedToApply() ||
      !sameHard(this.hardState(), this.prevHard) ||
      !sameSoft(this.softState(), this.prevSoft)
    );
  }

  ready(): Ready {
    assert(!this.readyOutstanding, "raft: ready() twice without advance()");
    if (this.appendsPending) this.flushAppends();
    const hard = this.hardState();
    const soft = this.softState();
    const hardChanged = !sameHard(hard, this.prevHard);
    const entries = this.log.unstableEntries();
    const rd: Ready = {
      softState: sameSoft(soft, this.prevSoft) ? null : soft,
      hardState: hardChanged ? hard : null,
      snapshot: this.log.pendingSnapshot,
      entries,
      committedEntries: this.log.committedEntries(committedEntriesPerReadyMax),
      messages: this.outbox,
      mustSync:
        entries.length > 0 ||
        this.log.pendingSnapshot !== null ||
        hard.term !== this.prevHard.term ||
        hard.vote !== this.prevHard.vote,
    };
    this.outbox = [];
    this.prevHard = hard;
    this.prevSoft = soft;
    this.readyOutstanding = true;
    return rd;
  }

  advance(rd: Ready): void {
    assert(this.readyOutstanding, "raft: advance() without ready()");
    this.readyOutstanding = false;
    if (rd.snapshot !== null) {
      assert(this.log.pendingSnapshot === rd.snapshot, "raft: advance with a different snapshot");
      this.log.pendingSnapshot = null;
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) this.log.stableTo(lastEntry.index);
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) this.log.appliedTo(lastApplied.index);
  }

  status(): RaftStatus {
    let progress: Map<NodeId, PeerProgress> | null = null;
    if (this.role === "leader") {
      progress = new Map();
      for (const [id, pr] of this.progress) {
        const learner = !isVoter(this.conf, id);
        progress.set(id, { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive, learner });
      }
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshot().index,
      conf: this.conf,
      progress,
      leadTransferee: this.leadTransferee,
    };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leader: this.leader, role: this.role, term: this.term };
  }

  // ---- terms and votes (every role) ---------------------------------------------------------

  /** False when the message is to be ignored. */
  private handleHigherTerm(m: Message): boolean {
    if ((m.type === "preVote" || m.type === "vote") && this.inLease(m)) {
      // Refused without taking the term: a healthy leader stays in place.
      this.sendVoteResponse(m, true);
      return false;
    }
    // A pre-vote (and a granted answer to ours) speaks of a term nobody has taken yet.
    if (m.type === "preVote") return true;
    if (m.type === "preVoteResp" && !m.reject) return true;
    const fromLeader = m.type === "append" || m.type === "heartbeat" || m.type === "snapshot";
    const elapsed = this.electionElapsed;
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    // Figure 2: the timer restarts on hearing from a leader or granting a vote, not on merely
    // adopting a candidate's term. Otherwise candidates that cannot win (logs behind, or removed
    // members) could keep resetting the one member that could, and nobody would ever lead.
    if (m.type === "vote") this.electionElapsed = elapsed;
    return true;
  }

  /**
   * Whether we heard from a leader within the election timeout and so refuse to help depose it.
   * Pre-votes are always held to the lease (thesis §9.6); real votes only with check-quorum, since
   * without it a leader cut off from a majority never steps down and the lease would never end.
   */
  private inLease(m: VoteRequest): boolean {
    if (m.transfer || this.leader === null || this.electionElapsed >= this.config.electionTicks) return false;
    return m.type === "preVote" ? this.config.preVote : this.config.checkQuorum;
  }

  private handleLowerTerm(m: Message): void {
    if ((this.config.checkQuorum || this.config.preVote) && (m.type === "append" || m.type === "heartbeat")) {
      // A stale leader (perhaps one that could not see us while we moved on) learns our term from
      // this and steps down; without it, a node whose term ran ahead could never rejoin.
      this.send<HeartbeatResponse>({ type: "heartbeatResp", from: this.id, to: m.from, term: this.term });
    } else if (m.type === "preVote" || m.type === "vote") {
      // The refusal carries our term, so a candidate stuck in an old term catches up (Figure 2).
      // Ignoring it (as etcd does for votes) can leave the one candidate whose log could win
      // chasing, one election at a time, a term others keep raising.
      this.sendVoteResponse(m, true);
    }
  }

  private handleVoteRequest(m: VoteRequest): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.leader === null) ||
      (m.type === "preVote" && m.term > this.term);
    if (!canVote || !this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      this.sendVoteResponse(m, true);
      return;
    }
    this.sendVoteResponse(m, false);
    if (m.type === "vote") {
      this.electionElapsed = 0;
      this.vote = m.from;
    }
  }

  private sendVoteResponse(m: VoteRequest, reject: boolean): void {
    const type = m.type === "preVote" ? "preVoteResp" : "voteResp";
    // A granted pre-vote answers in the candidate's future term; anything else in ours.
    const term = reject ? this.term : m.term;
    this.send<VoteResponse>({ type, from: this.id, to: m.from, term, reject });
  }

  // ---- becoming -----------------------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTicks = this.config.electionTicks + this.random.nextInt(this.config.electionTicks);
    this.votes.clear();
    this.progress.clear();
    this.leadTransferee = null;
  }

  private becomeFollower(term: number, leader: NodeId | null): void {
    this.reset(term);
    this.leader = leader;
    this.role = "follower";
    this.stepRole = (m) => this.stepFollower(m);
    this.tickRole = () => this.tickElection();
  }

  private becomePreCandidate(): void {
    assert(this.role !== "leader", "raft: leader cannot become pre-candidate");
    // Term and vote stay: a pre-vote round changes nothing durable.
    this.reset(this.term);
    this.role = "preCandidate";
    this.stepRole = (m) => this.stepCandidate(m);
    this.tickRole = () => this.tickElection();
  }

  private becomeCandidate(): void {
    assert(this.role !== "leader", "raft: leader cannot become candidate");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
    this.stepRole = (m) => this.stepCandidate(m);
    this.tickRole = () => this.tickElection();
  }

  private becomeLeader(): void {
    assert(this.role === "candidate", `raft: ${this.role} cannot become leader`);
    this.reset(this.term);
    this.leader = this.id;
    this.role = "leader";
    this.stepRole = (m) => this.stepLeader(m);
    this.tickRole = () => this.tickHeartbeat();
    for (const id of members(this.conf)) this.addProgress(id);
    // The no-op commits everything before it (§5.4.2 forbids counting replicas of older terms),
    // and until it commits no conf change may start (single-server change safety).
    this.pendingConfIndex = this.log.lastIndex() + 1;
    this.appendEntry({ kind: "normal", data: new Uint8Array(0) });
  }

  private addProgress(id: NodeId): void {
    if (id === this.id || this.progress.has(id)) return;
    const pr = new Progress(this.log.lastIndex() + 1);
    // A new peer gets the benefit of the doubt for the current check-quorum round.
    pr.recentActive = true;
    this.progress.set(id, pr);
  }

  // ---- elections ----------------------------------------------------------------------------

  private promotable(): boolean {
    return isVoter(this.conf, this.id);
  }

  private tickElection(): void {
    this.electionElapsed += 1;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTicks) {
      this.electionElapsed = 0;
      this.startCampaign(this.config.preVote ? "preVote" : "vote");
    }
  }

  private startCampaign(kind: CampaignKind): void {
    if (kind === "preVote") this.becomePreCandidate();
    else this.becomeCandidate();
    this.votes.set(this.id, true);
    if (this.maybeWinElection()) return;
    const type = kind === "preVote" ? "preVote" : "vote";
    const term = kind === "preVote" ? this.term + 1 : this.term;
    for (const to of this.conf.voters) {
      if (to === this.id) continue;
      this.send<VoteRequest>({
        type,
        from: this.id,
        to,
        term,
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
        transfer: kind === "transfer",
      });
    }
  }

  /** Tallies the votes; moves on when the outcome is decided. True once the round is over. */
  private maybeWinElection(): boolean {
    let granted = 0;
    let rejected = 0;
    for (const id of this.conf.voters) {
      const v = this.votes.get(id);
      if (v === true) granted += 1;
      else if (v === false) rejected += 1;
    }
    const quorum = quorumSize(this.conf);
    if (granted >= quorum) {
      if (this.role === "preCandidate") this.startCampaign("vote");
      else this.becomeLeader();
      return true;
    }
    if (rejected > this.conf.voters.length - quorum) {
      this.becomeFollower(this.term, null);
      return true;
    }
    return false;
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case "append":
      case "heartbeat":
      case "snapshot":
        // Someone won this term (a pre-candidate's term has a leader too): follow it.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case "preVoteResp":
      case "voteResp": {
        const expected = this.role === "preCandidate" ? "preVoteResp" : "voteResp";
        if (m.type !== expected) return;
        if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
        this.maybeWinElection();
        return;
      }
      default:
        return;
    }
  }

  // ---- follower -----------------------------------------------------------------------------

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "append":
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case "snapshot":
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        return;
      case "timeoutNow":
        if (this.promotable()) this.startCampaign("transfer");
        return;
      default:
        return;
    }
  }

  private heardFromLeader(from: NodeId): void {
    this.electionElapsed = 0;
    this.leader = from;
  }

  private handleAppend(m: AppendRequest): void {
    if (m.prevIndex < this.log.committed) {
      this.sendAppendResponse(m.from, this.log.committed, false, 0, 0);
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.entries);
    if (lastNew === undefined) {
      const hint = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
      this.sendAppendResponse(m.from, m.prevIndex, true, hint.index, hint.term);
      return;
    }
    this.log.commitTo(Math.min(m.commit, lastNew));
    this.noteConfChange();
    this.sendAppendResponse(m.from, lastNew, false, 0, 0);
  }

  private handleHeartbeat(m: Heartbeat): void {
    // The leader clips the commit to what it knows we hold; clip again to what we hold, since a
    // member wiped and re-added under the same id would otherwise crash here.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send<HeartbeatResponse>({ type: "heartbeatResp", from: this.id, to: m.from, term: this.term });
  }

  private handleSnapshot(m: InstallSnapshot): void {
    const s = m.snapshot;
    if (s.index <= this.log.committed) {
      this.sendAppendResponse(m.from, this.log.committed, false, 0, 0);
      return;
    }
    if (this.log.matchTerm(s.index, s.term)) {
      // We already hold that prefix: the snapshot only tells us it is committed.
      this.log.commitTo(s.index);
      this.sendAppendResponse(m.from, this.log.committed, false, 0, 0);
      return;
    }
    this.log.restore(s);
    this.noteConfChange();
    this.sendAppendResponse(m.from, this.log.lastIndex(), false, 0, 0);
  }

  private sendAppendResponse(to: NodeId, index: number, reject: boolean, hintIndex: number, hintTerm: number): void {
    this.send<AppendResponse>({ type: "appendResp", from: this.id, to, term: this.term, index, reject, hintIndex, hintTerm });
  }

  // ---- leader -------------------------------------------------------------------------------

  private tickHeartbeat(): void {
    this.heartbeatElapsed += 1;
    this.electionElapsed += 1;
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
      for (const pr of this.progress.values()) pr.recentActive = false;
      this.leadTransferee = null; // a transfer that took an election timeout has failed
    }
    this.maybeRetrySnapshots();
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /** A lost snapshot would leave its follower waiting forever; probe again after a while. */
  private maybeRetrySnapshots(): void {
    const retryTicks = snapshotRetryElectionsMax * this.config.electionTicks;
    for (const [id, pr] of this.progress) {
      if (pr.state !== "snapshot") continue;
      pr.snapshotElapsedTicks += 1;
      if (pr.snapshotElapsedTicks < retryTicks) continue;
      pr.becomeProbe();
      this.sendAppend(id, true);
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.conf.voters) {
      if (id === this.id || this.progress.get(id)?.recentActive === true) active += 1;
    }
    return active >= quorumSize(this.conf);
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case "appendResp":
        this.handleAppendResponse(m);
        return;
      case "heartbeatResp":
        this.handleHeartbeatResponse(m);
        return;
      case "append":
      case "heartbeat":
      case "snapshot":
        assert(false, `raft: two leaders in term ${this.term}: ${this.id} and ${m.from}`);
        return;
      default:
        return;
    }
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (m.reject) {
      let probeHint = m.hintIndex;
      if (m.hintTerm > 0) probeHint = this.log.findConflictByTerm(m.hintIndex, m.hintTerm).index;
      if (pr.maybeDecrTo(m.index, probeHint)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from, true);
      }
      return;
    }
    // An ack of exactly `match` still ends a probe: the follower holds what we thought.
    const updated = pr.maybeUpdate(m.index);
    if (!updated && !(pr.state === "probe" && pr.match === m.index)) return;
    if (pr.state === "probe") pr.becomeReplicate();
    else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
    else if (pr.state === "replicate") pr.freeInflightsTo(m.index);
    this.maybeCommit();
    if (this.role !== "leader") return;
    this.appendsPending = true;
    if (this.leadTransferee === m.from && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // The follower answers but a full window never drains: the appends were lost. Start over.
    if (pr.state === "replicate" && pr.isPaused()) pr.becomeProbe();
    // An empty append at next-1 finds out whether the last appends arrived (they may be lost).
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, true);
  }

  private proposalRefusal(): ProposeResult | undefined {
    if (this.role !== "leader") return this.refuse("notLeader");
    if (this.leadTransferee !== null) return this.refuse("transferring");
    if (this.log.lastIndex() - this.log.committed >= uncommittedEntriesMax) return this.refuse("uncommittedLimit");
    return undefined;
  }

  private refuse(reason: Exclude<ProposeResult, { ok: true }>["reason"]): Exclude<ProposeResult, { ok: true }> {
    return { ok: false, reason, leader: this.leader };
  }

  /** Appends one entry of ours at the end of the log and starts replicating it. */
  private appendEntry(entry: { kind: "normal"; data: Uint8Array } | { kind: "conf"; change: ConfChange }): number {
    assert(this.role === "leader", "raft: only a leader appends");
    const index = this.log.lastIndex() + 1;
    this.log.append([{ ...entry, term: this.term, index } as Entry]);
    this.noteConfChange();
    // A single voter commits on its own; with others this waits for their acks.
    this.maybeCommit();
    this.appendsPending = true;
    return index;
  }

  /** Commits the highest index a majority of voters holds, if it is from our term (§5.4.2). */
  private maybeCommit(): boolean {
    const matches: number[] = [];
    for (const id of this.conf.voters) {
      matches.push(id === this.id ? this.log.lastIndex() : (this.progress.get(id)?.match ?? 0));
    }
    if (matches.length === 0) return false;
    matches.sort((a, b) => b - a);
    const candidate = matches[quorumSize(this.conf) - 1]!;
    if (candidate <= this.log.committed || this.log.term(candidate) !== this.term) return false;
    this.log.commitTo(candidate);
    this.maybeStepDownAfterRemoval();
    return true;
  }

  /**
   * A leader that is not a voter in the configuration it is running (it removed itself) leads
   * until that configuration commits, then hands over to the most up-to-date voter and steps
   * down (thesis §4.2.2).
   */
  private maybeStepDownAfterRemoval(): void {
    if (this.role !== "leader" || this.promotable() || this.log.committed < this.log.lastConfIndex()) return;
    this.flushAppends();
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of this.conf.voters) {
      const match = this.progress.get(id)?.match ?? 0;
      if (match > bestMatch) {
        best = id;
        bestMatch = match;
      }
    }
    if (best !== null && bestMatch === this.log.lastIndex()) this.sendTimeoutNow(best);
    this.becomeFollower(this.term, null);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: "timeoutNow", from: this.id, to, term: this.term });
  }

  /** Sends each peer what it lacks, or at least the commit index it has not been told. */
  private flushAppends(): void {
    this.appendsPending = false;
    if (this.role !== "leader") return;
    for (const [id, pr] of this.progress) {
      let sent = false;
      while (this.sendAppend(id, false)) sent = true;
      if (!sent && pr.sentCommit < this.log.committed) this.sendAppend(id, true);
    }
  }

  private broadcastHeartbeat(): void {
    for (const [id, pr] of this.progress) {
      const commit = Math.min(pr.match, this.log.committed);
      pr.sentCommit = Math.max(pr.sentCommit, commit);
      this.send<Heartbeat>({ type: "heartbeat", from: this.id, to: id, term: this.term, commit });
    }
  }

  /** Sends what `to` lacks (a snapshot if it is compacted away); false when nothing was sent. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      assert(prevIndex < this.log.firstIndex(), `raft: next ${pr.next} beyond the log of ${this.id}`);
      return this.sendSnapshot(to, pr);
    }
    const last = this.log.lastIndex();
    const entries =
      pr.next <= last ? this.log.slice(pr.next, last + 1, appendBytesPerMessageMax, this.entriesPerAppendMax) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send<AppendRequest>({
      type: "append",
      from: this.id,
      to,
      term: this.term,
      prevIndex,
      prevTerm,
      entries,
      commit: this.log.committed,
    });
    pr.sentEntries(prevIndex + entries.length, entries.length);
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.log.committed, prevIndex + entries.length));
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    const snapshot = this.log.snapshot();
    assert(snapshot.index > 0, "raft: compacted log without a snapshot");
    this.send<InstallSnapshot>({ type: "snapshot", from: this.id, to, term: this.term, snapshot });
    pr.becomeSnapshot(snapshot.index);
    return true;
  }

  // ---- membership ---------------------------------------------------------------------------

  /** After the log changed: adopt the configuration it now ends with, if that changed. */
  private noteConfChange(): void {
    const conf = this.log.currentConf();
    if (conf === this.conf) return;
    this.conf = conf;
    if (this.role !== "leader") return;
    for (const id of members(conf)) this.addProgress(id);
    for (const id of [...this.progress.keys()]) {
      if (isMember(conf, id)) continue;
      this.progress.delete(id);
      if (this.leadTransferee === id) this.leadTransferee = null;
    }
  }

  private send<M extends Message>(m: M): void {
    this.outbox.push(m);
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role && a.term === b.term;
}

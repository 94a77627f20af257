// One member of a zk-lite ensemble: the Raft driver over the replicated tree, its log in
// <dataDir>/zk-lite-raft-v1, and an HTTP server on the member's peer port carrying
//
//   POST /api/internal/raft          Raft messages (consensus's HttpTransport)
//   POST /api/internal/zk/forward    a follower's batch of client requests, for the leader to propose
//   POST /api/internal/zk/touch      a follower's sessions that had activity, for the leader's tracker
//   GET  /api/internal/zk/commit     the leader's term and commit index: a follower catches up to it before serving
//   GET  /api/internal/zk/alive      a stream the leader keeps open while it leads: followers campaign when it breaks
//
// The server around it (server.ts) hands it requests with `submit` and learns outcomes through
// the hooks as entries apply. A member serves clients only while it knows a leader, has applied
// that leader's announcement (so it holds everything committed before the term) and, on a
// follower, has applied what the leader had committed when the follower asked; when that stops
// being true, `servingChanged(false)` tells the server to drop its clients, as a ZooKeeper server
// drops them when it loses its leader.

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  entryBytesMax,
  FileStorage,
  HttpTransport,
  mountRaftRoutes,
  RaftDriver,
  type Message,
  type RaftEvent,
} from "../../consensus/index.ts";
import type { Clock, Random } from "../../runtime/index.ts";
import { OpCode } from "../constants.ts";
import { JuteDecodeError, JuteReader, JuteWriter } from "../jute.ts";
import type { ZkLogger } from "../types.ts";
import { decodeRequests, encodeEntry, encodeRequests, requestsEntry, requestsPerEntryMax, type EnsembleRequest } from "./entry.ts";
import { AliveStreams, alivePath, campaignDelayMs, LeaderWatch } from "./liveness.ts";
import type { Peer } from "./peers.ts";
import { ReplicatedTree, type AppliedRequest } from "./replicated-tree.ts";

export const forwardPath = "/api/internal/zk/forward";
export const touchPath = "/api/internal/zk/touch";
export const commitPath = "/api/internal/zk/commit";

/** The Raft log and snapshots, beside (never mixed with) a standalone server's zk-lite-v1. */
export const RAFT_SUBDIR = "zk-lite-raft-v1";
/** Raft ticks per heartbeat (as the masters use): finer election timeouts, fewer split votes. */
export const ticksPerHeartbeat = 4;
/** Bytes of requests in one entry; one larger request still goes alone. */
export const entryRequestBytesMax = entryBytesMax - 1024;
/** Session ids in one touch message. */
export const touchSessionsMax = 100_000;
/** How long a forward (or touch) may take before the follower gives up on it. */
export const forwardTimeoutMs = 5_000;
/** Failed sends to one peer are logged once per this interval (a dead peer fails every tick). */
const sendErrorLogIntervalMs = 10_000;

export interface EnsembleOptions {
  readonly peers: readonly Peer[];
  readonly self: Peer;
  /** The zk-lite data dir; the Raft log goes in its RAFT_SUBDIR. */
  readonly dataDir: string;
  /** Address the peer port listens on (--ip). */
  readonly listenHost: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** Raft entries between snapshots of the tree. */
  readonly snapshotEntriesMax: number;
  /** How often a follower sends its touched sessions to the leader (ZooKeeper: every half tick). */
  readonly touchIntervalMs: number;
  readonly faultInjection: boolean;
}

export interface EnsembleDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: ZkLogger;
}

export interface EnsembleHooks {
  /** A request applied here, in log order. */
  applied(a: AppliedRequest): void;
  /** The tree was replaced by a snapshot: watches and connections no longer match it. */
  restored(): void;
  /** false: stop serving and drop every client; true: serve (this member is synced with a leader). */
  servingChanged(serving: boolean): void;
  /** On the leader: sessions a follower's clients used. */
  touched(sessionIds: readonly bigint[]): void;
  /** The Raft log failed; nothing more can be acknowledged. */
  fatal(error: Error): void;
}

export type EnsembleState = "leader" | "follower" | "looking";

interface Submitted {
  readonly request: EnsembleRequest;
  /** The request will never be answered here (refused, or its fate unknown): drop its client. */
  readonly lost: () => void;
}

export interface EnsembleStats {
  readonly state: EnsembleState;
  readonly term: number;
  readonly leader: Peer | null;
  /** Other members heard from within an election timeout (leader only, else 0). */
  readonly followers: number;
  /** Of those, the ones the leader streams entries to (caught up). */
  readonly syncedFollowers: number;
  readonly pendingSyncs: number;
  /** Since this member became leader (0 elsewhere). */
  readonly leaderUptimeMs: number;
  readonly proposalBytes: { readonly last: number; readonly min: number; readonly max: number };
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly snapshotIndex: number;
  /** fsyncs of the Raft log. */
  readonly syncCount: number;
  /** Snapshots of the tree taken here (not counting ones installed from the leader). */
  readonly snapshotCount: number;
  readonly raftDir: string;
}

export class Ensemble {
  readonly machine: ReplicatedTree;
  readonly raftDir: string;
  private readonly driver: RaftDriver;
  private readonly transport: HttpTransport;
  private readonly byNodeId: ReadonlyMap<string, Peer>;
  private http: ReturnType<typeof Bun.serve> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private outbox: Submitted[] = [];
  private flushQueued = false;
  private forwarding = false;
  private touchedSessions = new Set<bigint>();
  private touching = false;
  private servingTerm: number | null = null;
  /** A follower's catch-up before serving: the leader's commit index in `term` (null while asking). */
  private catchUp: { readonly term: number; readonly index: number | null } | null = null;
  private announcingTerm = 0;
  private pendingSyncs = 0;
  private readonly proposalBytes = { last: -1, min: -1, max: -1 };
  private readonly heardMs = new Map<string, number>();
  private readonly lastSendErrorMs = new Map<string, number>();
  private snapshotCount = 0;
  /** A follower's hold on the leader's liveness stream (liveness.ts). */
  private readonly leaderWatch: LeaderWatch;
  /** Liveness streams this member serves while it leads. */
  private readonly aliveStreams = new AliveStreams();
  private started = false;
  private leaderSinceMs: number | null = null;
  private closed = false;

  constructor(
    private readonly options: EnsembleOptions,
    private readonly deps: EnsembleDeps,
    private readonly hooks: EnsembleHooks,
  ) {
    this.byNodeId = new Map(options.peers.map((p) => [p.nodeId, p]));
    this.leaderWatch = new LeaderWatch(
      this.byNodeId,
      (leader) => this.leaderGone(leader),
      (leader, error) => this.logSendError(leader, error),
    );
    this.raftDir = path.join(options.dataDir, RAFT_SUBDIR);
    this.machine = new ReplicatedTree({
      applied: (a) => hooks.applied(a),
      announced: () => this.refresh(),
      restored: () => {
        hooks.restored();
        this.refresh();
      },
    });
    this.transport = new HttpTransport({
      id: options.self.nodeId,
      random: deps.random,
      onSendError: (peer, error) => this.logSendError(peer, error),
    });
    const tickIntervalMs = options.heartbeatIntervalMs / ticksPerHeartbeat;
    fs.mkdirSync(this.raftDir, { recursive: true });
    this.driver = new RaftDriver({
      id: options.self.nodeId,
      storage: FileStorage.open(this.raftDir),
      transport: { send: (m) => this.transport.send(m), onMessage: (handler) => this.transport.onMessage((m) => this.heard(m, handler)) },
      stateMachine: this.machine,
      clock: deps.clock,
      random: deps.random,
      tickIntervalMs,
      heartbeatTicks: ticksPerHeartbeat,
      electionTicks: Math.round(options.electionTimeoutMs / tickIntervalMs),
      preVote: true,
      checkQuorum: true,
      bootstrapVoters: options.peers.map((p) => p.nodeId),
      snapshotEntriesMax: options.snapshotEntriesMax,
      onEvent: (event) => this.onRaftEvent(event),
    });
  }

  /** Binds the peer port and starts the Raft timer. */
  start(): void {
    const app = new Hono();
    mountRaftRoutes(app, this.transport, { faultInjection: this.options.faultInjection });
    const limit = bodyLimit({ maxSize: entryBytesMax + 64 * 1024, onError: (c) => c.json({ error: "body too large" }, 413) });
    app.post(forwardPath, limit, async (c) => this.handleForward(new Uint8Array(await c.req.arrayBuffer())));
    app.post(touchPath, limit, async (c) => this.handleTouch(new Uint8Array(await c.req.arrayBuffer())));
    app.get(commitPath, () => this.handleCommitQuery());
    app.get(alivePath, () => (this.driver.isLeader() ? this.aliveStreams.open() : Response.json({ error: "not the leader", leader: this.driver.leader() }, { status: 503 })));
    this.http = Bun.serve({ hostname: this.options.listenHost, port: this.options.self.peerPort, fetch: app.fetch });
    this.started = true;
    this.driver.start();
    if (this.options.peers.length === 1) this.driver.campaign();
    // Serving is re-derived every heartbeat as well as on events: a term can change between two
    // Readys without the leader's id changing (the same member re-elected).
    let beats = 0;
    const touchEveryBeats = Math.max(1, Math.round(this.options.touchIntervalMs / this.options.heartbeatIntervalMs));
    this.timer = setInterval(() => {
      this.refresh();
      if (++beats % touchEveryBeats === 0) this.sendTouches();
    }, this.options.heartbeatIntervalMs);
  }

  tree(): ReplicatedTree["tree"] {
    return this.machine.tree;
  }

  serving(): boolean {
    return this.servingTerm !== null;
  }

  isLeader(): boolean {
    return this.driver.isLeader();
  }

  peers(): readonly Peer[] {
    return this.options.peers;
  }

  self(): Peer {
    return this.options.self;
  }

  /**
   * Sends a request through the leader. It is answered through `hooks.applied` once committed and
   * applied here; `lost` runs instead when it cannot be (no leader, refused, outcome unknown).
   */
  submit(request: EnsembleRequest, lost: () => void): void {
    this.outbox.push({ request, lost });
    if (this.flushQueued) return;
    this.flushQueued = true;
    // One entry per turn of the event loop: requests read from every socket in this turn share it.
    setImmediate(() => this.flush());
  }

  /** A follower's client used its session: the leader hears of it within a touch interval. */
  touch(sessionId: bigint): void {
    if (!this.driver.isLeader() && this.touchedSessions.size < touchSessionsMax) this.touchedSessions.add(sessionId);
  }

  stats(): EnsembleStats {
    const status = this.driver.status();
    const leader = status.leader === null ? null : (this.byNodeId.get(status.leader) ?? null);
    let followers = 0;
    let syncedFollowers = 0;
    if (status.progress !== null) {
      const nowMs = this.deps.clock.monotonicMs();
      for (const [id, pr] of status.progress) {
        if (id === this.options.self.nodeId) continue;
        if (nowMs - (this.heardMs.get(id) ?? -Infinity) > this.options.electionTimeoutMs) continue;
        followers++;
        if (pr.state === "replicate") syncedFollowers++;
      }
    }
    return {
      state: this.state(),
      term: status.term,
      leader,
      followers,
      syncedFollowers,
      pendingSyncs: this.pendingSyncs,
      leaderUptimeMs: this.leaderSinceMs === null || status.role !== "leader" ? 0 : Math.round(this.deps.clock.monotonicMs() - this.leaderSinceMs),
      proposalBytes: { ...this.proposalBytes },
      commitIndex: status.commit,
      appliedIndex: status.applied,
      snapshotIndex: status.snapshotIndex,
      syncCount: this.driver.metrics().syncCount,
      snapshotCount: this.snapshotCount,
      raftDir: this.raftDir,
    };
  }

  state(): EnsembleState {
    if (!this.serving()) return "looking";
    return this.driver.isLeader() ? "leader" : "follower";
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.leaderWatch.stop();
    this.aliveStreams.endAll();
    this.driver.stop();
    this.transport.close();
    await this.http?.stop(true);
    for (const s of this.outbox.splice(0)) s.lost();
  }

  // ------------------------------------------------------------ serving

  /** Derives whether this member serves, and tells the server when that changes. */
  private refresh(): void {
    // The driver restores a snapshot from disk while it is being built, before start().
    if (this.closed || !this.started) return;
    const status = this.driver.status();
    this.leaderWatch.follow(status.role === "follower" ? status.leader : null);
    if (status.role !== "leader" && this.aliveStreams.size > 0) this.aliveStreams.endAll();
    if (status.role === "leader" && this.machine.announcedTerm !== status.term) this.maybeAnnounce(status.term);
    const next = this.syncedTerm(status);
    if (next === this.servingTerm) return;
    const was = this.servingTerm;
    this.servingTerm = next;
    this.deps.logger.info({ term: status.term, leader: status.leader, role: status.role, serving: next !== null }, next !== null ? "zk-lite: serving in the ensemble" : "zk-lite: not serving (no leader, or not synced with it yet)");
    // A new term always drops the clients first: requests they had in flight went to the old leader.
    if (was !== null) this.hooks.servingChanged(false);
    if (next !== null) this.hooks.servingChanged(true);
    else for (const s of this.outbox.splice(0)) s.lost();
  }

  /**
   * The term this member may serve clients in, if any: it knows the leader and has applied its
   * announcement, and (on a follower) everything the leader had committed when it first asked,
   * as a ZooKeeper follower serves only once synced with its leader. A restarted member thus
   * catches up before its clients can read from it.
   */
  private syncedTerm(status: ReturnType<RaftDriver["status"]>): number | null {
    if (status.leader === null || this.machine.announcedTerm !== status.term) return null;
    if (status.role === "leader" || this.servingTerm === status.term) return status.term;
    const target = this.catchUp;
    if (target === null || target.term !== status.term) {
      this.askLeaderCommit(status.term);
      return null;
    }
    return target.index !== null && status.applied >= target.index ? status.term : null;
  }

  /** Asks the leader for its commit index; the answer becomes the catch-up target of `term`. */
  private askLeaderCommit(term: number): void {
    const leader = this.leaderPeer();
    if (leader === null) return;
    this.catchUp = { term, index: null };
    void (async () => {
      let index: number | null = null;
      try {
        const res = await fetch(`http://${leader.host}:${leader.peerPort}${commitPath}`, { signal: AbortSignal.timeout(forwardTimeoutMs) });
        const body = (await res.json()) as { term?: unknown; commit?: unknown };
        if (res.ok && body.term === term && typeof body.commit === "number") index = body.commit;
      } catch (error) {
        this.logSendError(leader.nodeId, error as Error);
      }
      if (this.catchUp?.term !== term) return;
      // No usable answer: ask again on the next refresh.
      this.catchUp = index === null ? null : { term, index };
      this.refresh();
    })();
  }

  private handleCommitQuery(): Response {
    const status = this.driver.status();
    if (status.role !== "leader") return Response.json({ error: "not the leader", leader: status.leader }, { status: 503 });
    return Response.json({ term: status.term, commit: status.commit });
  }

  /** The leader's liveness stream ended: campaign (in turn) unless someone else already leads. */
  private leaderGone(leader: string): void {
    if (this.closed || this.driver.leader() !== leader || this.driver.isLeader()) return;
    const delayMs = campaignDelayMs(this.options.peers, this.options.self, leader, this.options.heartbeatIntervalMs);
    this.deps.logger.info({ leader, delay_ms: delayMs }, "zk-lite: the leader's connection closed; campaigning without waiting out the election timeout");
    setTimeout(() => {
      if (!this.closed && this.driver.leader() === leader && !this.driver.isLeader()) this.driver.campaign();
    }, delayMs);
  }

  /** A new leader's first entry: once a member applies it, it holds everything committed before. */
  private maybeAnnounce(term: number): void {
    if (this.announcingTerm === term) return;
    this.announcingTerm = term;
    this.driver.propose(encodeEntry({ kind: "leader", term, serverId: this.options.self.serverId })).then(
      () => this.refresh(),
      (error: unknown) => {
        if (this.announcingTerm === term) this.announcingTerm = 0; // try again on the next refresh
        this.deps.logger.warn({ term, err: String(error) }, "zk-lite: leader announcement not committed");
      },
    );
  }

  private onRaftEvent(event: RaftEvent): void {
    switch (event.type) {
      case "leaderChanged":
        this.deps.logger.info({ leader: event.leader, term: event.term, election_ms: event.electionDurationMs }, "zk-lite: ensemble leader changed");
        this.refresh();
        return;
      case "roleChanged":
        this.leaderSinceMs = event.role === "leader" ? this.deps.clock.monotonicMs() : null;
        this.refresh();
        return;
      case "snapshotTaken":
      case "snapshotInstalled":
        if (event.type === "snapshotTaken") this.snapshotCount++;
        this.deps.logger.info({ index: event.index, bytes: event.bytes }, event.type === "snapshotTaken" ? "zk-lite: snapshot taken" : "zk-lite: snapshot installed from the leader");
        return;
      case "fatal":
        this.deps.logger.error({ err: event.error.message }, "zk-lite: Raft log failed");
        this.hooks.fatal(event.error);
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------ requests

  /** Sends what was submitted this turn: proposed here on the leader, forwarded from a follower. */
  private flush(): void {
    this.flushQueued = false;
    if (this.outbox.length === 0) return;
    if (!this.serving()) {
      for (const s of this.outbox.splice(0)) s.lost();
      return;
    }
    if (this.driver.isLeader()) {
      while (this.outbox.length > 0) this.proposeBatch(this.takeBatch());
      return;
    }
    if (!this.forwarding) void this.forward();
  }

  /** The next batch: up to requestsPerEntryMax requests and entryRequestBytesMax bytes (at least one). */
  private takeBatch(): Submitted[] {
    let bytes = 0;
    let n = 0;
    while (n < this.outbox.length && n < requestsPerEntryMax) {
      const r = this.outbox[n]!.request;
      const size = r.kind === "client" ? r.body.length + 64 : 64;
      if (n > 0 && bytes + size > entryRequestBytesMax) break;
      bytes += size;
      n++;
    }
    return this.outbox.splice(0, n);
  }

  private proposeBatch(batch: Submitted[]): void {
    const entry = requestsEntry(this.deps.clock.nowMs(), encodeRequests(batch.map((s) => s.request)));
    this.propose(entry, countSyncs(batch.map((s) => s.request))).catch(() => {
      for (const s of batch) s.lost();
    });
  }

  /** Proposes an entry, keeping proposal sizes and syncs in flight for mntr and srvr. */
  private propose(entry: Uint8Array, syncs: number): Promise<unknown> {
    const bytes = entry.length;
    const s = this.proposalBytes;
    s.last = bytes;
    if (s.min < 0 || bytes < s.min) s.min = bytes;
    if (bytes > s.max) s.max = bytes;
    this.pendingSyncs += syncs;
    const p = this.driver.propose(entry);
    const done = (): void => {
      this.pendingSyncs -= syncs;
    };
    p.then(done, done);
    return p;
  }

  /**
   * Sends batches to the leader one at a time, so they enter its log in the order the clients
   * sent them. The leader answers once the batch is in its log (not committed): the answer to
   * each request comes with the entry, as it applies here.
   */
  private async forward(): Promise<void> {
    this.forwarding = true;
    try {
      while (this.outbox.length > 0 && !this.closed) {
        const leader = this.leaderPeer();
        const batch = this.takeBatch();
        const ok = leader !== null && this.serving() && (await this.post(leader, forwardPath, encodeRequests(batch.map((s) => s.request))));
        if (!ok) for (const s of batch) s.lost();
      }
    } finally {
      this.forwarding = false;
    }
  }

  private leaderPeer(): Peer | null {
    const id = this.driver.leader();
    return id === null ? null : (this.byNodeId.get(id) ?? null);
  }

  private async post(to: Peer, route: string, body: Uint8Array): Promise<boolean> {
    try {
      const res = await fetch(`http://${to.host}:${to.peerPort}${route}`, {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body,
        signal: AbortSignal.timeout(forwardTimeoutMs),
      });
      const text = await res.text();
      if (res.status === 204) return true;
      this.deps.logger.warn({ peer: to.nodeId, route, status: res.status, body: text.slice(0, 200) }, "zk-lite: leader refused forwarded requests");
      return false;
    } catch (error) {
      this.logSendError(to.nodeId, error as Error);
      return false;
    }
  }

  /** On the leader: checks a follower's batch decodes, stamps it with our time and proposes it. */
  private async handleForward(bytes: Uint8Array): Promise<Response> {
    if (!this.driver.isLeader() || !this.serving()) return Response.json({ error: "not the serving leader", leader: this.driver.leader() }, { status: 503 });
    let requests: EnsembleRequest[];
    try {
      requests = decodeRequests(bytes);
    } catch (e) {
      if (e instanceof JuteDecodeError) return Response.json({ error: `requests do not decode: ${e.message}` }, { status: 400 });
      throw e;
    }
    if (requests.length === 0) return new Response(null, { status: 204 });
    const proposed = this.propose(requestsEntry(this.deps.clock.nowMs(), bytes), countSyncs(requests));
    // The driver takes proposals on its next microtask turn and refuses at once (not leader,
    // too many uncommitted): by the next macrotask the entry is in our log or refused.
    const refused = await Promise.race([
      proposed.then(() => null, (e: unknown) => e),
      new Promise<null>((resolve) => setImmediate(() => resolve(null))),
    ]);
    if (refused !== null) return Response.json({ error: String(refused) }, { status: 503 });
    return new Response(null, { status: 204 });
  }

  // ------------------------------------------------------------ session touches

  private sendTouches(): void {
    if (this.touching || this.touchedSessions.size === 0 || !this.serving() || this.driver.isLeader()) return;
    const leader = this.leaderPeer();
    if (leader === null) return;
    const ids = this.touchedSessions;
    this.touchedSessions = new Set();
    const w = new JuteWriter(4 + 8 * ids.size);
    w.int(ids.size);
    for (const id of ids) w.long(id);
    this.touching = true;
    void this.post(leader, touchPath, w.toBytes()).finally(() => {
      this.touching = false;
    });
  }

  private handleTouch(bytes: Uint8Array): Response {
    if (!this.driver.isLeader()) return Response.json({ error: "not the leader", leader: this.driver.leader() }, { status: 503 });
    const ids: bigint[] = [];
    try {
      const r = new JuteReader(bytes);
      const n = r.int();
      if (n < 0 || n > touchSessionsMax) throw new JuteDecodeError(`bad session count ${n}`);
      for (let i = 0; i < n; i++) ids.push(r.long());
    } catch (e) {
      if (e instanceof JuteDecodeError) return Response.json({ error: `touch does not decode: ${e.message}` }, { status: 400 });
      throw e;
    }
    this.hooks.touched(ids);
    return new Response(null, { status: 204 });
  }

  // ------------------------------------------------------------ transport

  private heard(m: Message, handler: (m: Message) => void): void {
    this.heardMs.set(m.from, this.deps.clock.monotonicMs());
    handler(m);
  }

  private logSendError(peer: string, error: Error): void {
    const nowMs = this.deps.clock.monotonicMs();
    if (nowMs - (this.lastSendErrorMs.get(peer) ?? -Infinity) < sendErrorLogIntervalMs) return;
    this.lastSendErrorMs.set(peer, nowMs);
    this.deps.logger.warn({ peer, err: error.message }, "zk-lite: messages to an ensemble member failed");
  }
}

function countSyncs(requests: readonly EnsembleRequest[]): number {
  let n = 0;
  for (const r of requests) if (r.kind === "client" && r.opCode === OpCode.sync) n++;
  return n;
}

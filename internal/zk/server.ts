// zk-lite's shell: sockets, framing, sessions, watches and durability around the pure data tree.
// (In an ensemble, --peers, writes go through Raft instead of the txn log: see "ensemble" below
// and ensemble/.)
//
// All requests run to completion on the event loop in arrival order. A write is validated,
// applied to the tree and appended to the txn log at once; its reply (and every packet produced
// after it, on any connection, including watch notifications) waits in one FIFO until the log
// is fsynced up to the zxid that packet may reflect. So nobody sees a write before it is
// durable, replies keep request order per connection, and one fsync covers a whole batch.

import type { Socket, TCPSocketListener } from "bun";
import type { Hono } from "hono";
import * as fs from "node:fs";
import * as path from "node:path";
import { assert } from "../runtime/index.ts";
import { aclAllows, authUserName, digestId, normalizeRemoteAddress, redactDigests } from "./acl.ts";
import { zkAdminRoutes } from "./admin-routes.ts";
import { makeCommandProvider, type ServerInternals } from "./command-provider.ts";
import { Connection, type ConnectionData, type ConnectionState, type PipelineItem } from "./connection.ts";
import { Ensemble, type AppliedRequest, type EnsembleRequest, type Origin } from "./ensemble/index.ts";
import { AddWatchMode, ErrorCode, EventType, KeeperState, LAST_OP_NAMES, OpCode, Perms, WatcherType, Xid } from "./constants.ts";
import type { DataTree, RequestContext, TxnResult, WatchTrigger } from "./data-tree.ts";
import {
  enabledWords,
  fourLetterWordOf,
  notWhitelistedReply,
  runFourLetterWord,
  type FourLetterProvider,
  type FourLetterWord,
} from "./four-letter.ts";
import { JuteDecodeError, JuteReader, JuteWriter } from "./jute.ts";
import { LatencyStats } from "./latency-stats.ts";
import {
  readConnectRequest,
  readMultiRead,
  readPathWatch,
  readSetWatches,
  writeAclList,
  writeConnectResponse,
  writeMultiHeader,
  writeReplyHeader,
  writeStat,
  writeWatcherEvent,
  type SetWatchesRequest,
} from "./records.ts";
import { noopZkObserver, type ZkObserver } from "./observer.ts";
import { SessionTracker } from "./session-tracker.ts";
import { writeResult } from "./replies.ts";
import { Storage, STORAGE_SUBDIR } from "./storage.ts";
import type { TxnBody } from "./txn.ts";
import { resolveOptions, type ZkEnsembleOptions, type ZkLiteDeps, type ZkLiteOptions, type ZkLiteOptionsInput } from "./types.ts";
import { WatchManager, WatchMode, type Notification } from "./watch-manager.ts";
import { isTxnOp, MULTI_OPS_MAX, prepareWrite } from "./write-request.ts";

/** Watches one connection may hold; further registrations are dropped with a warning. */
export const WATCHES_PER_CONNECTION_MAX = 1_000_000;
/**
 * Requests received but not yet answered, server-wide (ZooKeeper's globalOutstandingLimit). Past
 * it, connections that send more stop being read until the log catches up.
 */
export const OUTSTANDING_REQUESTS_MAX = 10_000;
/** Bytes of session password ZooKeeper hands out. */
const SESSION_PASSWORD_BYTES = 16;

export interface ZkLiteStats {
  readonly znodeCount: number;
  readonly approximateDataSizeBytes: number;
  readonly ephemeralsCount: number;
  readonly watchCount: number;
  readonly sessions: number;
  readonly connections: number;
  readonly lastZxid: number;
  readonly durableZxid: number;
  readonly packetsReceived: number;
  readonly packetsSent: number;
  readonly outstandingRequests: number;
  readonly minLatencyMs: number;
  readonly avgLatencyMs: number;
  readonly maxLatencyMs: number;
  readonly fsyncCount: number;
  readonly snapshotCount: number;
  readonly expiredSessions: number;
  readonly rejectedConnections: number;
  readonly uptimeMs: number;
}

export interface ZkLiteServer {
  /** The bound client port. */
  readonly port: number;
  /** The bound admin port, or null when the server was told not to bind one. */
  readonly adminPort: number | null;
  /** Stops accepting, closes connections, flushes the txn log. Sessions survive a restart. */
  close(): Promise<void>;
  stats(): ZkLiteStats;
  /** The admin commands (/commands, /commands/<name>) as a Hono app, to mount elsewhere. */
  adminRoutes(): Hono;
  /** The state behind the four-letter words and admin commands. */
  commandProvider(): FourLetterProvider;
}

/** A packet waiting for the log to be durable up to `requiredZxid`. */
interface Outgoing {
  readonly conn: Connection;
  readonly bytes: Uint8Array | null;
  readonly requiredZxid: number;
  readonly closeAfter: boolean;
  /** Set for replies to requests: updates latency and connection stats when sent. */
  readonly reply: { readonly opCode: number; readonly xid: number; readonly zxid: number; readonly startMs: number } | null;
}

export async function startZkLite(input: ZkLiteOptionsInput, deps: ZkLiteDeps): Promise<ZkLiteServer> {
  const options = resolveOptions(input);
  const server = new ZkLiteServerImpl(options, deps);
  try {
    await server.start();
  } catch (e) {
    // A port in use or an unreadable data dir: release what was opened before failing.
    await server.close().catch((closeErr: unknown) => deps.logger.error({ err: String(closeErr) }, "zk-lite: cleanup after failed start"));
    throw e;
  }
  return server;
}

/** A request an ensemble member sent through the leader, waiting to apply here. */
interface InFlight {
  readonly conn: Connection;
  readonly item: PipelineItem;
  readonly opCode: number;
  readonly xid: number;
  readonly startMs: number;
  /** sync's reply carries the path it was given. */
  readonly syncPath: string | null;
  /** A new session waiting to commit before its connect response. */
  readonly session: { readonly timeoutMs: number; readonly password: Uint8Array; readonly readOnly: boolean | null } | null;
}

class ZkLiteServerImpl implements ZkLiteServer {
  private tree!: DataTree;
  /** The standalone txn log; null in an ensemble, where the Raft log is the txn log. */
  private storage: Storage | null = null;
  /** Set with --peers: requests go through Raft (ensemble/). */
  private ensemble: Ensemble | null = null;
  /** Ensemble: requests of this server's clients in flight, by their origin seq. */
  private readonly inFlight = new Map<number, InFlight>();
  private nextSeq = 1;
  /** Ensemble: told apart from answers meant for an earlier run of this server. */
  private readonly incarnation: number;
  private tracker!: SessionTracker;
  private readonly watches = new WatchManager();
  private readonly conns = new Map<number, Connection>();
  private readonly connsByIp = new Map<string, number>();
  private readonly sessionConn = new Map<bigint, Connection>();
  private readonly outQueue: Outgoing[] = [];
  private outHead = 0;
  private readonly dirty = new Set<Connection>();
  private readonly throttled = new Set<Connection>();
  private flushQueued = false;
  private readonly out = new JuteWriter(64 * 1024);
  private readonly words: ReadonlySet<string>;
  private listener: TCPSocketListener<ConnectionData> | null = null;
  private admin: ReturnType<typeof Bun.serve> | null = null;
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private containerTimer: ReturnType<typeof setInterval> | null = null;
  private nextConnId = 1;
  private txnsSinceSnapshot = 0;
  private closed = false;
  private failed = false;
  private readonly startedMs: number;
  private traceMaskValue = 306n;
  // server-wide counters
  private packetsReceived = 0;
  private packetsSent = 0;
  private outstanding = 0;
  private readonly latency = new LatencyStats();
  private readonly observer: ZkObserver;
  private expiredSessions = 0;
  private rejectedConnections = 0;
  private authFailed = 0;
  private lastClientResponseBytes = -1;
  private minClientResponseBytes = -1;
  private maxClientResponseBytes = -1;
  port = 0;
  adminPort: number | null = null;

  constructor(
    private readonly options: ZkLiteOptions,
    private readonly deps: ZkLiteDeps,
  ) {
    this.words = enabledWords(options.fourLetterWordWhitelist);
    this.startedMs = deps.clock.monotonicMs();
    this.observer = deps.observer ?? noopZkObserver;
    this.incarnation = 1 + deps.random.nextInt(0x7ffffffe);
  }

  async start(): Promise<void> {
    const { options, deps } = this;
    if (options.ensemble !== null) this.openEnsemble(options.ensemble);
    else this.openStorage();
    this.listener = Bun.listen<ConnectionData>({
      hostname: options.host,
      port: options.port,
      data: { conn: null },
      socket: {
        binaryType: "uint8array",
        open: (socket) => this.onOpen(socket),
        data: (socket, chunk) => {
          const conn = socket.data.conn;
          if (conn !== null) this.onData(conn, chunk);
        },
        drain: (socket) => socket.data.conn?.onDrain(),
        close: (socket) => {
          const conn = socket.data.conn;
          if (conn !== null) this.onClose(conn);
        },
        error: (socket, err) => {
          deps.logger.debug({ err: err.message, conn_id: socket.data.conn?.id }, "zk-lite: socket error");
        },
      },
    });
    this.port = this.listener.port;
    if (options.adminPort !== null) {
      const app = this.adminRoutes();
      this.admin = Bun.serve({ hostname: options.adminHost, port: options.adminPort, fetch: app.fetch });
      this.adminPort = this.admin.port ?? null;
    }
    this.ensemble?.start();
    this.scheduleExpiry();
    this.containerTimer = setInterval(() => this.sweepContainers(), options.containerCheckIntervalMs);
    this.observer.bind(() => this.stats());
    if (this.ensemble === null) deps.logger.info({ port: this.port, admin_port: this.adminPort, last_zxid: this.tree.lastZxid, sessions: this.tree.sessions.size }, "zk-lite: serving");
    else deps.logger.info({ port: this.port, admin_port: this.adminPort, peer_port: options.ensemble?.peers[options.ensemble.serverId - 1]?.peerPort }, "zk-lite: listening; clients are served once the ensemble has a leader");
  }

  private openStorage(): void {
    const { options, deps } = this;
    const opened = Storage.open(options.dataDir, options.snapshotsRetained, deps.logger, () => deps.clock.monotonicMs());
    this.tree = opened.tree;
    this.storage = opened.storage;
    this.storage.onDurable = (zxid) => this.release(zxid);
    this.storage.onFatal = (err) => this.fail(err);
    deps.logger.info({ ...opened.report, data_dir: options.dataDir }, "zk-lite: recovered data tree");
    const now = deps.clock.nowMs();
    this.tracker = new SessionTracker(options.tickTimeMs, now);
    // Sessions outlive a restart; their clocks start again now, as in ZooKeeper.
    for (const [id, s] of this.tree.sessions) this.tracker.add(id, s.timeoutMs, now);
  }

  /** The Raft log replaces the txn log; the tree is the Raft state machine's. */
  private openEnsemble(e: ZkEnsembleOptions): void {
    const { options, deps } = this;
    this.tracker = new SessionTracker(options.tickTimeMs, deps.clock.nowMs(), e.serverId);
    const self = e.peers[e.serverId - 1]!;
    this.ensemble = new Ensemble(
      {
        peers: e.peers,
        self,
        dataDir: options.dataDir,
        listenHost: options.host,
        heartbeatIntervalMs: e.heartbeatIntervalMs,
        electionTimeoutMs: e.electionTimeoutMs,
        snapshotEntriesMax: options.snapshotEveryTxns,
        touchIntervalMs: options.tickTimeMs / 2,
        faultInjection: e.faultInjection,
      },
      deps,
      {
        applied: (a) => this.onEnsembleApplied(a),
        restored: () => this.onEnsembleRestored(),
        servingChanged: (serving) => this.onServingChanged(serving),
        touched: (ids) => {
          const nowMs = deps.clock.nowMs();
          for (const id of ids) this.tracker.touch(id, nowMs);
        },
        fatal: (err) => this.fail(err),
      },
    );
    this.tree = this.ensemble.tree();
    this.resetSessionDeadlines();
    if (fs.existsSync(path.join(options.dataDir, STORAGE_SUBDIR))) {
      deps.logger.warn({ data_dir: options.dataDir }, "zk-lite: this data dir holds a standalone server's data, which an ensemble member does not use");
    }
    deps.logger.info({ server_id: e.serverId, peers: e.peers.map((p) => `${p.host}:${p.clientPort}:${p.peerPort}`), raft_dir: this.ensemble.raftDir }, "zk-lite: ensemble member");
  }

  adminRoutes(): Hono {
    return zkAdminRoutes(this);
  }

  commandProvider(): FourLetterProvider {
    return this.provider;
  }

  // ------------------------------------------------------------ sockets

  private onOpen(socket: Socket<ConnectionData>): void {
    const ip = normalizeRemoteAddress(socket.remoteAddress);
    const fromIp = this.connsByIp.get(ip) ?? 0;
    const { maxClientCnxns, connectionsMax } = this.options;
    if (this.closed || this.failed || this.conns.size >= connectionsMax || (maxClientCnxns > 0 && fromIp >= maxClientCnxns)) {
      this.rejectedConnections++;
      this.deps.logger.warn({ remote: ip, from_ip: fromIp, max_per_ip: maxClientCnxns, total: this.conns.size }, "zk-lite: too many connections, closing");
      socket.data = { conn: null };
      socket.end();
      return;
    }
    const conn = new Connection(this.nextConnId++, socket, ip, socket.remotePort, (c) => this.markDirty(c));
    socket.data = { conn };
    socket.setNoDelay(true);
    this.conns.set(conn.id, conn);
    this.connsByIp.set(ip, fromIp + 1);
  }

  private onClose(conn: Connection): void {
    if (!this.conns.delete(conn.id)) return;
    conn.state = "closed";
    const left = (this.connsByIp.get(conn.remoteAddress) ?? 1) - 1;
    if (left <= 0) this.connsByIp.delete(conn.remoteAddress);
    else this.connsByIp.set(conn.remoteAddress, left);
    this.watches.removeWatcher(conn.id);
    if (conn.sessionId !== 0n && this.sessionConn.get(conn.sessionId) === conn) this.sessionConn.delete(conn.sessionId);
    this.dirty.delete(conn);
    this.throttled.delete(conn);
    this.releasePipeline(conn);
  }

  private onData(conn: Connection, chunk: Uint8Array): void {
    if (!readable(conn)) return;
    const buf = conn.takeInput(chunk);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    while (buf.length - at >= 4 && readable(conn)) {
      if (conn.state === "new") {
        const word = fourLetterWordOf(buf, at);
        if (word !== null) {
          if (word === "stmk" && buf.length - at < 12) break; // its 8-byte mask has not arrived yet
          this.handleFourLetterWord(conn, word, word === "stmk" ? view.getBigInt64(at + 4) : undefined);
          at = buf.length;
          break;
        }
      }
      const len = view.getInt32(at);
      if (len < 0 || len > this.options.juteMaxBufferBytes) {
        this.deps.logger.warn({ conn_id: conn.id, remote: conn.remoteLabel, len, max: this.options.juteMaxBufferBytes }, "zk-lite: packet length out of range, closing");
        conn.close();
        return;
      }
      if (buf.length - at - 4 < len) break;
      const start = at + 4;
      at = start + len;
      this.handleFrame(conn, buf, start, at);
    }
    conn.keepInput(buf.subarray(at));
    if (this.outstanding > OUTSTANDING_REQUESTS_MAX && !this.throttled.has(conn)) {
      this.throttled.add(conn);
      conn.socket.pause();
    }
    this.flushDirty();
  }

  private markDirty(conn: Connection): void {
    this.dirty.add(conn);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flushDirty());
    }
  }

  private flushDirty(): void {
    this.flushQueued = false;
    if (this.dirty.size === 0) return;
    for (const c of this.dirty) c.flushOutput();
    this.dirty.clear();
  }

  // ------------------------------------------------------------ output gate

  /** Encodes one frame: a length prefix, then whatever `body` writes. */
  private frame(body: (w: JuteWriter) => void): Uint8Array {
    const w = this.out;
    w.reset();
    w.int(0);
    body(w);
    w.patchInt(0, w.offset - 4);
    return w.toBytes();
  }

  private send(o: Outgoing): void {
    // In an ensemble whatever applied is committed, so on disk on a quorum: nothing waits.
    if (this.outHead < this.outQueue.length || (this.storage !== null && o.requiredZxid > this.storage.durableZxid)) {
      this.outQueue.push(o);
      return;
    }
    this.deliver(o);
  }

  /** The log is durable through `zxid`: send everything that was waiting on it, in order. */
  private release(zxid: number): void {
    const q = this.outQueue;
    while (this.outHead < q.length && q[this.outHead]!.requiredZxid <= zxid) {
      this.deliver(q[this.outHead]!);
      this.outHead++;
    }
    if (this.outHead === q.length) {
      q.length = 0;
      this.outHead = 0;
    } else if (this.outHead > 4096) {
      q.splice(0, this.outHead);
      this.outHead = 0;
    }
    this.maybeResumeReading();
    this.flushDirty();
  }

  /** Connections paused for too many outstanding requests read again once half are answered. */
  private maybeResumeReading(): void {
    if (this.throttled.size > 0 && this.outstanding <= OUTSTANDING_REQUESTS_MAX / 2) {
      for (const c of this.throttled) if (c.state !== "closed" && !c.paused) c.socket.resume();
      this.throttled.clear();
    }
  }

  private deliver(o: Outgoing): void {
    const conn = o.conn;
    if (o.reply !== null) {
      this.outstanding--;
      conn.outstanding--;
    }
    if (conn.state === "closed") return;
    if (o.bytes !== null) {
      conn.queue(o.bytes);
      this.packetsSent++;
    }
    if (o.reply !== null) this.recordReply(conn, o.reply, o.bytes?.length ?? 0);
    if (o.closeAfter) conn.endAfterOutput();
    this.markDirty(conn);
  }

  private recordReply(conn: Connection, r: NonNullable<Outgoing["reply"]>, bytes: number): void {
    const elapsedMs = Math.max(0, this.deps.clock.monotonicMs() - r.startMs);
    this.observer.requestCompleted(r.opCode, elapsedMs, conn.sessionId);
    const latencyMs = Math.round(elapsedMs);
    this.latency.add(latencyMs);
    conn.latency.add(latencyMs);
    conn.lastLatencyMs = latencyMs;
    conn.lastResponseMs = this.deps.clock.nowMs();
    conn.lastOp = LAST_OP_NAMES[r.opCode] ?? "NA";
    conn.lastCxid = r.xid;
    conn.lastZxid = r.zxid;
    this.lastClientResponseBytes = bytes;
    if (this.minClientResponseBytes < 0 || bytes < this.minClientResponseBytes) this.minClientResponseBytes = bytes;
    if (bytes > this.maxClientResponseBytes) this.maxClientResponseBytes = bytes;
  }

  private reply(conn: Connection, opCode: number, xid: number, zxid: number, err: number, startMs: number, body?: (w: JuteWriter) => void, closeAfter = false): void {
    const bytes = this.frame((w) => {
      writeReplyHeader(w, xid, zxid, err);
      if (body !== undefined && err === ErrorCode.OK) body(w);
    });
    this.send({ conn, bytes, requiredZxid: this.tree.lastZxid, closeAfter, reply: { opCode, xid, zxid, startMs } });
  }

  private notify(list: readonly Notification[]): void {
    for (const n of list) {
      const conn = this.conns.get(n.watcher);
      if (conn === undefined) continue;
      const bytes = this.frame((w) => {
        writeReplyHeader(w, Xid.NOTIFICATION, -1, 0);
        writeWatcherEvent(w, n.type, KeeperState.SyncConnected, n.path);
      });
      this.send({ conn, bytes, requiredZxid: this.tree.lastZxid, closeAfter: false, reply: null });
    }
  }

  private fireTriggers(triggers: readonly WatchTrigger[]): void {
    if (triggers.length === 0) return;
    const list: Notification[] = [];
    for (const t of triggers) this.watches.trigger(t.type, t.path, list);
    this.notify(list);
  }

  // ------------------------------------------------------------ frames

  private handleFrame(conn: Connection, buf: Uint8Array, start: number, end: number): void {
    conn.packetsReceived++;
    this.packetsReceived++;
    if (conn.state === "connecting") {
      // The session is being created through the leader: what the client sends meanwhile waits.
      const copy = buf.slice(start, end);
      conn.inOrder(() => this.dispatchFrame(conn, copy, 0, copy.length));
      return;
    }
    this.dispatchFrame(conn, buf, start, end);
  }

  private dispatchFrame(conn: Connection, buf: Uint8Array, start: number, end: number): void {
    const r = new JuteReader(buf, start, end);
    if (conn.state === "new") {
      try {
        this.handleConnect(conn, r);
      } catch (e) {
        if (!(e instanceof CommitError)) throw e;
      }
      return;
    }
    let xid: number;
    let type: number;
    try {
      xid = r.int();
      type = r.int();
    } catch (e) {
      if (!(e instanceof JuteDecodeError)) throw e;
      this.deps.logger.warn({ conn_id: conn.id, err: e.message }, "zk-lite: short request header, closing");
      conn.close();
      return;
    }
    const startMs = this.deps.clock.monotonicMs();
    this.tracker.touch(conn.sessionId, this.deps.clock.nowMs());
    this.ensemble?.touch(conn.sessionId);
    this.outstanding++;
    conn.outstanding++;
    if (this.ensemble !== null) this.handleEnsembleRequest(conn, xid, type, r, startMs);
    else this.guarded(conn, xid, type, startMs, () => this.handleRequest(conn, xid, type, r, startMs));
  }

  /** Runs a request's handling; a request that does not decode gets MARSHALLINGERROR, a bug costs its connection. */
  private guarded(conn: Connection, xid: number, type: number, startMs: number, handle: () => void): void {
    try {
      handle();
    } catch (e) {
      if (e instanceof JuteDecodeError) {
        this.reply(conn, type, xid, this.tree.lastZxid, ErrorCode.MARSHALLINGERROR, startMs);
        return;
      }
      if (e instanceof CommitError) return; // the server has failed and closed every connection
      // A bug answering one request costs that connection, not the server.
      this.deps.logger.error({ conn_id: conn.id, op: type, err: e instanceof Error ? (e.stack ?? e.message) : String(e) }, "zk-lite: internal error handling a request, closing the connection");
      conn.close();
    }
  }

  private handleConnect(conn: Connection, r: JuteReader): void {
    const { options, deps } = this;
    let req;
    try {
      req = readConnectRequest(r);
    } catch (e) {
      if (!(e instanceof JuteDecodeError)) throw e;
      deps.logger.warn({ conn_id: conn.id, remote: conn.remoteLabel, err: e.message }, "zk-lite: malformed connect request, closing");
      conn.close();
      return;
    }
    conn.oldClient = req.readOnly === null;
    if (this.ensemble !== null && !this.ensemble.serving()) {
      // As a ZooKeeper server that has no leader: the client tries the next server.
      deps.logger.debug({ conn_id: conn.id, remote: conn.remoteLabel }, "zk-lite: not serving (no ensemble leader), closing the new connection");
      conn.close();
      return;
    }
    if (req.lastZxidSeen > BigInt(this.tree.lastZxid)) {
      deps.logger.info({ conn_id: conn.id, client_zxid: req.lastZxidSeen.toString(16), last_zxid: this.tree.lastZxid.toString(16) }, "zk-lite: refusing session: client has seen a newer zxid");
      conn.close();
      return;
    }
    const timeoutMs = Math.min(Math.max(req.timeoutMs, options.minSessionTimeoutMs), options.maxSessionTimeoutMs);
    const readOnly = req.readOnly === null ? null : false;
    const startMs = deps.clock.monotonicMs();
    if (req.sessionId === 0n) {
      const sessionId = this.tracker.allocateId();
      const password = new Uint8Array(SESSION_PASSWORD_BYTES);
      for (let i = 0; i < password.length; i++) password[i] = deps.random.nextInt(256);
      if (this.ensemble !== null) {
        this.submitCreateSession(conn, sessionId, { timeoutMs, password, readOnly }, startMs);
        return;
      }
      this.tracker.add(sessionId, timeoutMs, deps.clock.nowMs());
      this.commit({ type: "createSession", sessionId, timeoutMs, password });
      this.attachSession(conn, sessionId, timeoutMs);
      deps.logger.debug({ session_id: sessionId.toString(16), timeout_ms: timeoutMs, remote: conn.remoteLabel }, "zk-lite: session established");
      this.sendConnectResponse(conn, { timeoutMs, sessionId, password, readOnly }, startMs, false);
      return;
    }
    const record = this.tree.sessions.get(req.sessionId);
    const valid = record !== undefined && this.tracker.isActive(req.sessionId) && bytesEqual(record.password, req.password);
    if (!valid) {
      deps.logger.info({ session_id: req.sessionId.toString(16), remote: conn.remoteLabel, known: record !== undefined }, "zk-lite: invalid session on reconnect, probably expired");
      conn.state = "closing";
      this.sendConnectResponse(conn, { timeoutMs: 0, sessionId: 0n, password: new Uint8Array(SESSION_PASSWORD_BYTES), readOnly }, startMs, true);
      return;
    }
    const previous = this.sessionConn.get(req.sessionId);
    if (previous !== undefined && previous !== conn) previous.close();
    this.tracker.touch(req.sessionId, deps.clock.nowMs(), timeoutMs);
    this.ensemble?.touch(req.sessionId);
    this.attachSession(conn, req.sessionId, timeoutMs);
    deps.logger.debug({ session_id: req.sessionId.toString(16), timeout_ms: timeoutMs, remote: conn.remoteLabel }, "zk-lite: session resumed");
    this.sendConnectResponse(conn, { timeoutMs, sessionId: req.sessionId, password: record.password, readOnly }, startMs, false);
  }

  private attachSession(conn: Connection, sessionId: bigint, timeoutMs: number): void {
    conn.sessionId = sessionId;
    conn.sessionTimeoutMs = timeoutMs;
    conn.state = "established";
    conn.establishedMs = this.deps.clock.nowMs();
    this.sessionConn.set(sessionId, conn);
  }

  private sendConnectResponse(conn: Connection, c: Parameters<typeof writeConnectResponse>[1], startMs: number, closeAfter: boolean): void {
    const bytes = this.frame((w) => writeConnectResponse(w, c));
    this.outstanding++;
    conn.outstanding++;
    this.send({ conn, bytes, requiredZxid: this.tree.lastZxid, closeAfter, reply: { opCode: OpCode.createSession, xid: 0, zxid: this.tree.lastZxid, startMs } });
  }

  // ------------------------------------------------------------ writes

  /** Applies a txn body as the next zxid and appends it to the log; returns what it did. */
  private commit(body: TxnBody): { zxid: number; result: TxnResult } {
    if (this.failed) throw new CommitError(new Error("zk-lite has failed; no more writes"));
    const txn = { zxid: this.tree.lastZxid + 1, timeMs: this.deps.clock.nowMs(), body };
    let outcome;
    const storage = this.storage;
    assert(storage !== null, "commit() is the standalone write path; an ensemble writes through Raft");
    try {
      outcome = this.tree.apply(txn);
      storage.append(txn);
    } catch (e) {
      // The tree refused a txn it had validated, or the log refused it: memory and disk may
      // disagree from here on, so the server stops taking requests.
      this.fail(e instanceof Error ? e : new Error(String(e)));
      throw new CommitError(e);
    }
    this.fireTriggers(outcome.triggers);
    if (++this.txnsSinceSnapshot >= this.options.snapshotEveryTxns) {
      this.txnsSinceSnapshot = 0;
      storage.snapshot(this.tree, this.deps.clock.nowMs());
    }
    return { zxid: txn.zxid, result: outcome.result };
  }

  /** commit() for timers: false when the server has just failed. */
  private tryCommit(body: TxnBody): boolean {
    try {
      this.commit(body);
      return true;
    } catch (e) {
      if (e instanceof CommitError) return false;
      throw e;
    }
  }

  private handleWrite(conn: Connection, opCode: number, xid: number, body: TxnBody, startMs: number): void {
    const { zxid, result } = this.commit(body);
    const err = result.type === "error" ? result.err : ErrorCode.OK;
    this.reply(conn, opCode, xid, zxid, err, startMs, (w) => writeResult(w, result));
  }

  private ctx(conn: Connection): RequestContext {
    return { sessionId: conn.sessionId, authIds: conn.authIds };
  }

  private handleRequest(conn: Connection, xid: number, type: number, r: JuteReader, startMs: number): void {
    const tree = this.tree;
    switch (type) {
      case OpCode.ping:
        this.reply(conn, type, Xid.PING, tree.lastZxid, ErrorCode.OK, startMs);
        return;
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
      case OpCode.delete:
      case OpCode.setData:
      case OpCode.setACL:
      case OpCode.check:
      case OpCode.multi:
      case OpCode.reconfig:
        this.handleWrite(conn, type, xid, prepareWrite(tree, type, r, this.ctx(conn)), startMs);
        return;
      case OpCode.closeSession:
        this.handleCloseSession(conn, xid, startMs);
        return;
      case OpCode.auth:
        this.handleAuth(conn, xid, r, startMs);
        return;
      case OpCode.setWatches:
      case OpCode.setWatches2:
        this.handleSetWatches(conn, readSetWatches(r, type === OpCode.setWatches2));
        this.reply(conn, type, xid, tree.lastZxid, ErrorCode.OK, startMs);
        return;
      default:
        this.handleRead(conn, xid, type, r, startMs);
    }
  }

  private handleCloseSession(conn: Connection, xid: number, startMs: number): void {
    const sessionId = conn.sessionId;
    this.tracker.setClosing(sessionId);
    const { zxid } = this.commit({ type: "closeSession", sessionId });
    this.tracker.remove(sessionId);
    this.sessionConn.delete(sessionId);
    this.reply(conn, OpCode.closeSession, xid, zxid, ErrorCode.OK, startMs, undefined, true);
    conn.state = "closing";
  }

  private handleAuth(conn: Connection, xid: number, r: JuteReader, startMs: number): void {
    r.int(); // type, unused
    const scheme = r.stringOrNull() ?? "";
    const auth = r.bufferOrNull() ?? new Uint8Array(0);
    // The ids change at once, so writes sent after this carry them; the reply keeps its turn
    // behind writes of this connection still waiting for an ensemble's log.
    if (scheme !== "digest") {
      this.authFailed++;
      this.deps.logger.warn({ conn_id: conn.id, scheme }, "zk-lite: no authentication provider for scheme");
      conn.inOrder(() => {
        this.reply(conn, OpCode.auth, xid, 0, ErrorCode.AUTHFAILED, startMs, undefined, true);
        conn.state = "closing";
      });
      return;
    }
    const id = digestId(new TextDecoder().decode(auth));
    if (this.options.superDigest !== null && id === this.options.superDigest) conn.authIds.push({ scheme: "super", id: "" });
    if (!conn.authIds.some((a) => a.scheme === "digest" && a.id === id)) conn.authIds.push({ scheme: "digest", id });
    conn.inOrder(() => this.reply(conn, OpCode.auth, xid, 0, ErrorCode.OK, startMs));
  }

  // ------------------------------------------------------------ ensemble

  /**
   * An ensemble member's request: writes, closeSession and sync go through the leader and are
   * answered when they apply here; everything else is answered from the local tree, after the
   * connection's earlier writes (so a client reads its own writes).
   */
  private handleEnsembleRequest(conn: Connection, xid: number, type: number, r: JuteReader, startMs: number): void {
    if (isTxnOp(type) || type === OpCode.closeSession || type === OpCode.sync) {
      this.guarded(conn, xid, type, startMs, () => this.submitClientRequest(conn, xid, type, r, startMs));
      return;
    }
    if (type === OpCode.auth) {
      this.guarded(conn, xid, type, startMs, () => this.handleAuth(conn, xid, r, startMs));
      return;
    }
    if (conn.pipeline.length === 0) {
      this.guarded(conn, xid, type, startMs, () => this.handleRequest(conn, xid, type, r, startMs));
      return;
    }
    const copy = new JuteReader(r.bytes.slice(r.offset, r.end));
    conn.inOrder(() => this.guarded(conn, xid, type, startMs, () => this.handleRequest(conn, xid, type, copy, startMs)));
  }

  private origin(seq: number): Origin {
    return { serverId: this.options.ensemble!.serverId, incarnation: this.incarnation, seq };
  }

  private submitClientRequest(conn: Connection, xid: number, type: number, r: JuteReader, startMs: number): void {
    const body = r.bytes.slice(r.offset, r.end);
    const syncPath = type === OpCode.sync ? new JuteReader(body).stringOrNull() : null;
    const seq = this.nextSeq++;
    const item = conn.wait(seq);
    this.inFlight.set(seq, { conn, item, opCode: type, xid, startMs, syncPath, session: null });
    const request: EnsembleRequest = { kind: "client", origin: this.origin(seq), sessionId: conn.sessionId, authIds: conn.authIds.slice(), opCode: type, body };
    this.ensemble!.submit(request, () => this.lostRequest(seq));
  }

  /** A new session is a txn too: the connect response waits until it applies here. */
  private submitCreateSession(conn: Connection, sessionId: bigint, session: NonNullable<InFlight["session"]>, startMs: number): void {
    const seq = this.nextSeq++;
    const item = conn.wait(seq);
    conn.state = "connecting";
    this.inFlight.set(seq, { conn, item, opCode: OpCode.createSession, xid: 0, startMs, syncPath: null, session });
    const request: EnsembleRequest = { kind: "createSession", origin: this.origin(seq), sessionId, timeoutMs: session.timeoutMs, password: session.password };
    this.ensemble!.submit(request, () => this.lostRequest(seq));
  }

  /** A request applied here (this server's client's, or anyone's): watches fire, sessions come and go. */
  private onEnsembleApplied(a: AppliedRequest): void {
    if (a.bug !== null) this.deps.logger.error({ err: a.bug.stack ?? a.bug.message }, "zk-lite: internal error validating a replicated request; it failed with SYSTEMERROR on every member");
    if (a.outcome !== null) this.fireTriggers(a.outcome.triggers);
    const body = a.body;
    if (body?.type === "createSession") this.tracker.add(body.sessionId, body.timeoutMs, this.deps.clock.nowMs());
    const origin = a.request.kind === "client" || a.request.kind === "createSession" ? a.request.origin : null;
    if (origin !== null && origin.serverId === this.options.ensemble!.serverId && origin.incarnation === this.incarnation) this.answer(origin.seq, a);
    if (body?.type === "closeSession") this.sessionClosed(body.sessionId);
    this.maybeResumeReading();
  }

  private answer(seq: number, a: AppliedRequest): void {
    const f = this.inFlight.get(seq);
    if (f === undefined) return; // its client went away meanwhile
    this.inFlight.delete(seq);
    const conn = f.conn;
    if (f.session !== null) {
      const session = f.session;
      if (a.zxid === null || a.request.kind !== "createSession") {
        this.dropConnection(conn);
        return;
      }
      const sessionId = a.request.sessionId;
      f.item.run = () => {
        this.attachSession(conn, sessionId, session.timeoutMs);
        this.deps.logger.debug({ session_id: sessionId.toString(16), timeout_ms: session.timeoutMs, remote: conn.remoteLabel }, "zk-lite: session established");
        this.sendConnectResponse(conn, { timeoutMs: session.timeoutMs, sessionId, password: session.password, readOnly: session.readOnly }, f.startMs, false);
      };
    } else {
      f.item.run = () => this.replyApplied(f, a);
    }
    f.item.ready = true;
    conn.drain();
  }

  private replyApplied(f: InFlight, a: AppliedRequest): void {
    const { conn, opCode, xid, startMs } = f;
    if (opCode === OpCode.sync) {
      this.reply(conn, opCode, xid, this.tree.lastZxid, ErrorCode.OK, startMs, (w) => w.string(f.syncPath));
      return;
    }
    const result = a.outcome?.result ?? { type: "error", err: ErrorCode.SYSTEMERROR };
    const zxid = a.zxid ?? this.tree.lastZxid;
    const err = result.type === "error" ? result.err : ErrorCode.OK;
    if (opCode === OpCode.closeSession) {
      if (this.sessionConn.get(conn.sessionId) === conn) this.sessionConn.delete(conn.sessionId);
      this.reply(conn, opCode, xid, zxid, err, startMs, undefined, true);
      conn.state = "closing";
      return;
    }
    this.reply(conn, opCode, xid, zxid, err, startMs, (w) => writeResult(w, result));
  }

  /** A session closed or expired: its connection here (if any, and not the one that closed it) goes. */
  private sessionClosed(sessionId: bigint): void {
    this.tracker.remove(sessionId);
    const conn = this.sessionConn.get(sessionId);
    if (conn === undefined) return;
    this.sessionConn.delete(sessionId);
    if (conn.state !== "established" && conn.state !== "connecting") return;
    conn.state = "closing";
    this.releasePipeline(conn);
    this.send({ conn, bytes: null, requiredZxid: this.tree.lastZxid, closeAfter: true, reply: null });
  }

  /** The request cannot be answered (no leader, refused, fate unknown): its client reconnects, as from a failed server. */
  private lostRequest(seq: number): void {
    const f = this.inFlight.get(seq);
    if (f === undefined) return;
    this.deps.logger.info({ conn_id: f.conn.id, session_id: f.conn.sessionId.toString(16), op: f.opCode }, "zk-lite: request could not go through the ensemble leader; closing the connection");
    this.dropConnection(f.conn);
  }

  private dropConnection(conn: Connection): void {
    this.releasePipeline(conn);
    conn.close();
  }

  /** Forgets what the connection still waits for; its unanswered requests no longer count as outstanding. */
  private releasePipeline(conn: Connection): void {
    if (this.ensemble === null) return;
    for (const item of conn.pipeline) if (item.seq !== 0) this.inFlight.delete(item.seq);
    conn.pipeline.length = 0;
    // Replies go out as soon as they are made in an ensemble, so what is counted is unanswered.
    this.outstanding -= conn.outstanding;
    conn.outstanding = 0;
  }

  /** Lost the leader (or a new term began): every client goes, as from a ZooKeeper server that stops following. */
  private onServingChanged(serving: boolean): void {
    if (serving) {
      this.resetSessionDeadlines();
      return;
    }
    let dropped = 0;
    for (const conn of Array.from(this.conns.values())) {
      if (conn.state === "closing" || conn.state === "closed") continue; // four-letter words finishing
      this.dropConnection(conn);
      dropped++;
    }
    if (dropped > 0) this.deps.logger.info({ connections: dropped }, "zk-lite: closed client connections (no ensemble leader, or a new one)");
  }

  /** The leader sent a snapshot: watches and sessions here were set against the old tree. */
  private onEnsembleRestored(): void {
    if (this.ensemble === null) return; // the first restore, from disk, before anything else exists
    this.tree = this.ensemble.tree();
    this.resetSessionDeadlines();
    this.onServingChanged(false);
  }

  /** Every session's clock starts again now (a new leader does this, as ZooKeeper's does). */
  private resetSessionDeadlines(): void {
    const nowMs = this.deps.clock.nowMs();
    for (const s of Array.from(this.tracker.all())) if (!this.tree.sessions.has(s.sessionId)) this.tracker.remove(s.sessionId);
    for (const [id, s] of this.tree.sessions) this.tracker.add(id, s.timeoutMs, nowMs);
  }

  // ------------------------------------------------------------ reads

  private addWatch(table: "data" | "child", path: string, conn: Connection): void {
    if (this.watches.watchCountOf(conn.id) >= WATCHES_PER_CONNECTION_MAX) {
      this.deps.logger.warn({ conn_id: conn.id, max: WATCHES_PER_CONNECTION_MAX }, "zk-lite: watch limit reached, watch not set");
      return;
    }
    this.watches[table].add(path, conn.id, WatchMode.STANDARD);
  }

  private handleRead(conn: Connection, xid: number, type: number, r: JuteReader, startMs: number): void {
    const tree = this.tree;
    const ctx = this.ctx(conn);
    const z = tree.lastZxid;
    const fail = (err: number): void => this.reply(conn, type, xid, z, err, startMs);
    switch (type) {
      case OpCode.exists: {
        const { path, watch } = readPathWatch(r);
        if (path.includes("\u0000")) return fail(ErrorCode.BADARGUMENTS);
        if (watch) this.addWatch("data", path, conn);
        const node = tree.getNode(path);
        if (node === undefined) return fail(ErrorCode.NONODE);
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => writeStat(w, tree.statOf(node)));
      }
      case OpCode.getData: {
        const { path, watch } = readPathWatch(r);
        const node = tree.getNode(path);
        if (node === undefined) return fail(ErrorCode.NONODE);
        if (!tree.canRead(node, Perms.READ, ctx)) return fail(ErrorCode.NOAUTH);
        if (watch) this.addWatch("data", path, conn);
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => {
          w.buffer(node.data);
          writeStat(w, tree.statOf(node));
        });
      }
      case OpCode.getChildren:
      case OpCode.getChildren2: {
        const { path, watch } = readPathWatch(r);
        const node = tree.getNode(path);
        if (node === undefined) return fail(ErrorCode.NONODE);
        if (!tree.canRead(node, Perms.READ, ctx)) return fail(ErrorCode.NOAUTH);
        if (watch) this.addWatch("child", path, conn);
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => {
          w.stringVector(tree.childrenOf(node));
          if (type === OpCode.getChildren2) writeStat(w, tree.statOf(node));
        });
      }
      case OpCode.getACL: {
        const path = r.string();
        const node = tree.getNode(path);
        if (node === undefined) return fail(ErrorCode.NONODE);
        if (!aclAllows(node.acl, Perms.READ | Perms.ADMIN, ctx.authIds)) return fail(ErrorCode.NOAUTH);
        const acl = aclAllows(node.acl, Perms.ADMIN, ctx.authIds) ? node.acl : redactDigests(node.acl);
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => {
          writeAclList(w, acl);
          writeStat(w, tree.statOf(node));
        });
      }
      case OpCode.getAllChildrenNumber: {
        const path = r.string();
        const node = tree.getNode(path);
        if (node === undefined) return fail(ErrorCode.NONODE);
        if (!tree.canRead(node, Perms.READ, ctx)) return fail(ErrorCode.NOAUTH);
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => w.int(tree.descendantCount(path)));
      }
      case OpCode.getEphemerals: {
        const prefix = (r.stringOrNull() ?? "").trim();
        const all = tree.ephemeralsOf(conn.sessionId);
        const list = prefix === "" || prefix === "/" ? all : all.filter((p) => p.startsWith(prefix));
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => w.stringVector(list));
      }
      case OpCode.whoAmI: {
        // ZooKeeper lists the ids a client added before the connection's own ip id.
        const ids = [...conn.authIds.filter((a) => a.scheme !== "ip"), ...conn.authIds.filter((a) => a.scheme === "ip")];
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => {
          w.int(ids.length);
          for (const id of ids) w.string(id.scheme).string(authUserName(id));
        });
      }
      case OpCode.sync: {
        const path = r.stringOrNull();
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => w.string(path));
      }
      case OpCode.addWatch: {
        const path = r.string();
        const mode = r.int();
        if (mode !== AddWatchMode.PERSISTENT && mode !== AddWatchMode.PERSISTENT_RECURSIVE) return fail(ErrorCode.MARSHALLINGERROR);
        if (this.watches.watchCountOf(conn.id) < WATCHES_PER_CONNECTION_MAX) this.watches.addPersistent(path, conn.id, mode === AddWatchMode.PERSISTENT_RECURSIVE);
        return this.reply(conn, type, xid, z, ErrorCode.OK, startMs, (w) => w.int(0));
      }
      case OpCode.checkWatches:
      case OpCode.removeWatches: {
        const path = r.string();
        const watcherType = r.int();
        const found = type === OpCode.checkWatches ? this.hasWatch(conn, path, watcherType) : this.removeWatch(conn, path, watcherType);
        if (found === null) return fail(ErrorCode.MARSHALLINGERROR);
        return fail(found ? ErrorCode.OK : ErrorCode.NOWATCHER);
      }
      case OpCode.multiRead:
        return this.handleMultiRead(conn, xid, r, startMs);
      default:
        this.deps.logger.warn({ conn_id: conn.id, op: type }, "zk-lite: unknown request type, closing");
        this.reply(conn, type, xid, -1, ErrorCode.UNIMPLEMENTED, startMs, undefined, true);
        conn.state = "closing";
    }
  }

  private tablesFor(watcherType: number): ("data" | "child")[] | null {
    if (watcherType === WatcherType.Children) return ["child"];
    if (watcherType === WatcherType.Data) return ["data"];
    if (watcherType === WatcherType.Any) return ["child", "data"];
    return null;
  }

  private hasWatch(conn: Connection, path: string, watcherType: number): boolean | null {
    const tables = this.tablesFor(watcherType);
    return tables === null ? null : tables.some((t) => this.watches[t].has(path, conn.id));
  }

  private removeWatch(conn: Connection, path: string, watcherType: number): boolean | null {
    const tables = this.tablesFor(watcherType);
    if (tables === null) return null;
    let removed = false;
    for (const t of tables) if (this.watches[t].remove(path, conn.id)) removed = true;
    return removed;
  }

  private handleMultiRead(conn: Connection, xid: number, r: JuteReader, startMs: number): void {
    const ops = readMultiRead(r, MULTI_OPS_MAX);
    const tree = this.tree;
    if (!Array.isArray(ops)) return this.reply(conn, OpCode.multiRead, xid, tree.lastZxid, ErrorCode.MARSHALLINGERROR, startMs);
    const ctx = this.ctx(conn);
    this.reply(conn, OpCode.multiRead, xid, tree.lastZxid, ErrorCode.OK, startMs, (w) => {
      for (const op of ops) {
        const node = tree.getNode(op.path);
        const err = node === undefined ? ErrorCode.NONODE : !tree.canRead(node, Perms.READ, ctx) ? ErrorCode.NOAUTH : ErrorCode.OK;
        if (node === undefined || err !== ErrorCode.OK) {
          writeMultiHeader(w, OpCode.error, false, err);
          w.int(err);
        } else if (op.kind === "getData") {
          writeMultiHeader(w, OpCode.getData, false, 0);
          w.buffer(node.data);
          writeStat(w, tree.statOf(node));
        } else {
          writeMultiHeader(w, OpCode.getChildren, false, 0);
          w.stringVector(tree.childrenOf(node));
        }
      }
      writeMultiHeader(w, -1, true, -1);
    });
  }

  /** Re-registers a reconnecting client's watches, firing at once for what changed meanwhile. */
  private handleSetWatches(conn: Connection, s: SetWatchesRequest): void {
    const tree = this.tree;
    const events: Notification[] = [];
    const fire = (type: (typeof EventType)[keyof typeof EventType], path: string): void => {
      events.push({ watcher: conn.id, type, path });
    };
    for (const path of s.dataWatches) {
      const node = tree.getNode(path);
      if (node === undefined) fire(EventType.NodeDeleted, path);
      else if (node.mzxid > s.relativeZxid) fire(EventType.NodeDataChanged, path);
      else this.addWatch("data", path, conn);
    }
    for (const path of s.existWatches) {
      if (tree.getNode(path) !== undefined) fire(EventType.NodeCreated, path);
      else this.addWatch("data", path, conn);
    }
    for (const path of s.childWatches) {
      const node = tree.getNode(path);
      if (node === undefined) fire(EventType.NodeDeleted, path);
      else if (node.pzxid > s.relativeZxid) fire(EventType.NodeChildrenChanged, path);
      else this.addWatch("child", path, conn);
    }
    for (const path of s.persistentWatches) this.watches.addPersistent(path, conn.id, false);
    for (const path of s.persistentRecursiveWatches) this.watches.addPersistent(path, conn.id, true);
    this.notify(events);
  }

  // ------------------------------------------------------------ four-letter words

  private handleFourLetterWord(conn: Connection, word: FourLetterWord, stmkMask: bigint | undefined): void {
    conn.state = "closing";
    this.packetsReceived++;
    let text: string;
    if (!this.words.has(word)) text = notWhitelistedReply(word);
    else {
      this.deps.logger.debug({ command: word, remote: conn.remoteLabel }, "zk-lite: four-letter word");
      this.provider.viewerId = conn.id;
      text = runFourLetterWord(word, this.provider, stmkMask);
    }
    // Diagnostics are not gated on durability: they describe the server, not acknowledged writes.
    conn.queue(new TextEncoder().encode(text));
    conn.endAfterOutput();
    this.markDirty(conn);
  }

  private readonly provider = makeCommandProvider(() => this.internals());

  /** What the command provider reads; kept in one place so the provider stays a thin mapping. */
  internals(): ServerInternals {
    return {
      options: this.options,
      tree: this.tree,
      storage: this.storage,
      ensemble: this.ensemble,
      tracker: this.tracker,
      watches: this.watches,
      conns: this.conns,
      latency: this.latency,
      packetsReceived: this.packetsReceived,
      packetsSent: this.packetsSent,
      outstanding: this.outstanding,
      authFailed: this.authFailed,
      startedMs: this.startedMs,
      clock: this.deps.clock,
      responseBytes: { last: this.lastClientResponseBytes, min: this.minClientResponseBytes, max: this.maxClientResponseBytes },
      port: this.port,
      resetServerStats: () => {
        this.latency.reset();
        this.packetsReceived = 0;
        this.packetsSent = 0;
        this.lastClientResponseBytes = -1;
        this.minClientResponseBytes = -1;
        this.maxClientResponseBytes = -1;
      },
      traceMask: () => this.traceMaskValue,
      setTraceMask: (m: bigint) => {
        this.traceMaskValue = m;
      },
    };
  }

  // ------------------------------------------------------------ timers

  private scheduleExpiry(): void {
    if (this.closed) return;
    const now = this.deps.clock.nowMs();
    const next = this.tracker.roundToNextTick(now);
    this.expiryTimer = setTimeout(() => {
      this.expireSessions();
      this.scheduleExpiry();
    }, Math.max(1, next - now));
  }

  private expireSessions(): void {
    if (this.failed || this.closed) return;
    if (this.ensemble !== null) {
      this.expireEnsembleSessions(this.ensemble);
      return;
    }
    const expired = this.tracker.takeExpired(this.deps.clock.nowMs());
    for (const sessionId of expired) {
      this.expiredSessions++;
      this.deps.logger.info({ session_id: sessionId.toString(16) }, "zk-lite: session expired");
      if (!this.tryCommit({ type: "closeSession", sessionId })) return;
      this.tracker.remove(sessionId);
      const conn = this.sessionConn.get(sessionId);
      this.sessionConn.delete(sessionId);
      if (conn !== undefined) {
        conn.state = "closing";
        this.send({ conn, bytes: null, requiredZxid: this.tree.lastZxid, closeAfter: true, reply: null });
      }
    }
    if (expired.length > 0) this.flushDirty();
  }

  /** Only the leader decides expiry; followers send it their clients' activity. */
  private expireEnsembleSessions(ensemble: Ensemble): void {
    if (!ensemble.isLeader() || !ensemble.serving()) return;
    const nowMs = this.deps.clock.nowMs();
    for (const sessionId of this.tracker.takeExpired(nowMs)) {
      this.expiredSessions++;
      this.deps.logger.info({ session_id: sessionId.toString(16) }, "zk-lite: session expired");
      ensemble.submit({ kind: "expireSession", sessionId }, () => {
        // Not committed: expire it again on the next tick, unless the session is gone.
        const record = this.tree.sessions.get(sessionId);
        if (record !== undefined) this.tracker.add(sessionId, record.timeoutMs, this.deps.clock.nowMs() - record.timeoutMs);
      });
    }
  }

  private sweepContainers(): void {
    if (this.failed || this.closed) return;
    if (this.ensemble !== null) {
      if (!this.ensemble.isLeader() || !this.ensemble.serving()) return;
      for (const path of this.tree.expiryCandidates(this.deps.clock.nowMs())) this.ensemble.submit({ kind: "deleteContainer", path }, () => {});
      return;
    }
    for (const path of this.tree.expiryCandidates(this.deps.clock.nowMs())) {
      const body = this.tree.prepareDeleteContainer(path);
      if (body.type === "error") continue;
      this.deps.logger.info({ path }, "zk-lite: deleting empty container or expired TTL node");
      if (!this.tryCommit(body)) return;
    }
    this.flushDirty();
  }

  // ------------------------------------------------------------ lifecycle

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.deps.logger.error({ err: err.stack ?? err.message }, "zk-lite: cannot go on safely (txn log or tree failure); closing all connections, no further writes are acknowledged");
    for (const c of this.conns.values()) c.close();
  }

  stats(): ZkLiteStats {
    return {
      znodeCount: this.tree.nodeCount,
      approximateDataSizeBytes: this.tree.approximateDataSizeBytes,
      ephemeralsCount: this.tree.ephemeralsCount,
      watchCount: this.watches.watchCount,
      sessions: this.tracker.size,
      connections: this.conns.size,
      lastZxid: this.tree.lastZxid,
      durableZxid: this.storage?.durableZxid ?? this.tree.lastZxid,
      packetsReceived: this.packetsReceived,
      packetsSent: this.packetsSent,
      outstandingRequests: this.outstanding,
      minLatencyMs: this.latency.min,
      avgLatencyMs: this.latency.avg,
      maxLatencyMs: this.latency.maxMs,
      fsyncCount: this.storage?.fsyncCount ?? this.ensemble?.stats().syncCount ?? 0,
      snapshotCount: this.storage?.snapshotCount ?? this.ensemble?.stats().snapshotCount ?? 0,
      expiredSessions: this.expiredSessions,
      rejectedConnections: this.rejectedConnections,
      uptimeMs: this.deps.clock.monotonicMs() - this.startedMs,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    if (this.containerTimer !== null) clearInterval(this.containerTimer);
    this.listener?.stop(true);
    void this.admin?.stop(true);
    if (this.ensemble !== null) await this.ensemble.close();
    else if (this.storage !== null) {
      await this.storage.close();
      this.release(this.storage.durableZxid);
    } else return; // a start that failed before anything was opened
    for (const c of Array.from(this.conns.values())) {
      c.flushOutput();
      c.close();
    }
    this.deps.logger.info({ last_zxid: this.tree.lastZxid }, "zk-lite: closed");
  }
}

/** A write that could not be applied or logged: fatal for the server, not just the request. */
class CommitError extends Error {
  override name = "CommitError";
  constructor(override readonly cause: unknown) {
    super(`commit failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** States in which a connection's input is still read. */
function readable(conn: Connection): boolean {
  const state: ConnectionState = conn.state;
  return state === "new" || state === "connecting" || state === "established";
}

// ZkClient: one ZooKeeper session over a connection to one server of the ensemble at a time.
// Hosts are tried in an order shuffled by the injected Random; a lost connection moves on to the
// next host and resumes the session (id + password) there, re-sending digest credentials and the
// client's watches (setWatches). Pings go out every third of the negotiated timeout; silence for
// two thirds of it counts as a lost connection. A session the servers refuse, or one the client
// could not resume within the negotiated timeout, is EXPIRED; the client then starts a new one.
// Written here rather than taken from npm: the packages there (node-zookeeper-client, zookeeper)
// are a 3.4-era client without containers, and a binding to the C library, neither of which gives
// us injected time/randomness, typed codes and explicit SUSPENDED/EXPIRED states.

import { ErrorCode, OpCode, Xid } from "../constants.ts";
import { JuteDecodeError, JuteReader, type JuteWriter } from "../jute.ts";
import { isValidPath, parentPath } from "../paths.ts";
import { readStat } from "../records.ts";
import { errorCodeName, isZkError, ZkError } from "./errors.ts";
import {
  zkCloseSessionWaitMs,
  zkConnectAttemptMinMs,
  zkReconnectDelayMaxDefaultMs,
  zkReplyBytesMax,
  zkRequestsInFlightMax,
  zkRequestsQueuedMax,
  zkSessionTimeoutDefaultMs,
  zkSetWatchesBatchBytesMax,
} from "./limits.ts";
import {
  createOpCode,
  decodeChildren,
  decodeConnectResponse,
  decodeCreate2,
  decodeGetData,
  decodeMulti,
  decodeReplyHeader,
  decodeWatcherEvent,
  encodeConnectRequest,
  encodeRequest,
  encodeSetWatches,
  PASSWORD_BYTES,
  writeCreate,
  writeMulti,
  writePathWatch,
  type ReplyHeader,
} from "./protocol.ts";
import { bunTransport, type ZkSocket, type ZkTransport } from "./transport.ts";
import {
  OPEN_ACL_UNSAFE,
  type Acl,
  type CreateOptions,
  type GetDataResult,
  type MultiOp,
  type MultiResult,
  type Stat,
  type Watcher,
  type ZkClientDeps,
  type ZkClientOptions,
  type ZkState,
  type ZkStateChange,
} from "./types.ts";
import { WatchRegistry, type WatchKind } from "./watch-registry.ts";
import { shuffled } from "../../runtime/index.ts";

type Data = Uint8Array | string;

interface Request {
  readonly opCode: number;
  readonly opName: string;
  readonly path: string | undefined;
  readonly body: ((w: JuteWriter) => void) | undefined;
  readonly decode: (r: JuteReader) => unknown;
  /** exists registers a data watch when the node is there and an exist watch when it is not. */
  readonly watch: { readonly kind: WatchKind | "exists"; readonly watcher: Watcher } | undefined;
  /** multi answers with per-op results even when it failed. */
  readonly bodyOnError: boolean;
  xid: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One TCP connection and what rides on it. */
class Connection {
  socket: ZkSocket | undefined;
  established = false;
  private pendingBytes: Uint8Array = new Uint8Array(0);
  readonly inFlight: Request[] = [];
  attemptTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly server: string) {}

  /** Complete frames in arrival order; throws on a length out of bounds. */
  frames(chunk: Uint8Array): Uint8Array[] {
    let buf = chunk;
    if (this.pendingBytes.length > 0) {
      buf = new Uint8Array(this.pendingBytes.length + chunk.length);
      buf.set(this.pendingBytes);
      buf.set(chunk, this.pendingBytes.length);
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const out: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const length = view.getInt32(at);
      if (length < 0 || length > zkReplyBytesMax) throw new JuteDecodeError(`frame length ${length} outside 0..${zkReplyBytesMax}`);
      if (buf.length - at - 4 < length) break;
      out.push(buf.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    this.pendingBytes = buf.slice(at);
    return out;
  }
}

function framed(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

const textEncoder = new TextEncoder();
const emptyBytes = new Uint8Array(0);

function bytesOf(data: Data | undefined): Uint8Array {
  if (data === undefined) return emptyBytes;
  return typeof data === "string" ? textEncoder.encode(data) : data;
}

export class ZkClient {
  private stateValue: ZkState = "CONNECTING";
  private started = false;
  private closing = false;
  private readonly servers: { host: string; port: number }[];
  private serverIndex = 0;
  private readonly requestedTimeoutMs: number;
  private readonly reconnectDelayMaxMs: number;
  private readonly credentials: string | undefined;
  private readonly transport: ZkTransport;
  private session: { id: bigint; password: Uint8Array; timeoutMs: number } = { id: 0n, password: new Uint8Array(PASSWORD_BYTES), timeoutMs: 0 };
  private lastZxid = 0n;
  private conn: Connection | undefined;
  private readonly queued: Request[] = [];
  private readonly watches = new WatchRegistry();
  private readonly listeners = new Set<(change: ZkStateChange) => void>();
  private lastHeardMs = 0;
  private nextXid = 1;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private watchdogTimer: ReturnType<typeof setTimeout> | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    options: ZkClientOptions,
    private readonly deps: ZkClientDeps,
  ) {
    if (options.servers.length === 0) throw new Error("ZkClient: no servers given");
    this.servers = shuffled(options.servers, deps.random);
    this.requestedTimeoutMs = options.sessionTimeoutMs ?? zkSessionTimeoutDefaultMs;
    if (!(this.requestedTimeoutMs > 0)) throw new Error(`ZkClient: session timeout ${this.requestedTimeoutMs} ms must be positive`);
    this.reconnectDelayMaxMs = options.reconnectDelayMaxMs ?? zkReconnectDelayMaxDefaultMs;
    this.transport = deps.transport ?? bunTransport;
    this.credentials = options.digestCredentials;
  }

  // ---- state ----

  get state(): ZkState {
    return this.stateValue;
  }

  /** The current session's id; 0n while there is none. */
  get sessionId(): bigint {
    return this.session.id;
  }

  /** The session timeout the server granted (0 before the first session). */
  get negotiatedTimeoutMs(): number {
    return this.session.timeoutMs;
  }

  /** When the client last received anything from a server (Clock.monotonicMs). */
  get lastHeardMonotonicMs(): number {
    return this.lastHeardMs;
  }

  /** host:port of the server the client is connected to. */
  get connectedServer(): string | undefined {
    return this.conn?.established === true ? this.conn.server : undefined;
  }

  watchedPathCount(): number {
    return this.watches.pathCount();
  }

  /** Calls `listener` on every state change; returns a function that stops it. */
  onStateChange(listener: (change: ZkStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts connecting; the state goes CONNECTING -> CONNECTED. */
  start(): void {
    if (this.started) throw new Error("ZkClient.start called twice");
    this.started = true;
    this.scheduleConnect(0);
  }

  /** Resolves once CONNECTED; rejects after `timeoutMs` or when the client closes. */
  whenConnected(timeoutMs: number): Promise<void> {
    if (this.stateValue === "CONNECTED") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = this.onStateChange((change) => {
        if (change.state === "CONNECTED") done(undefined);
        else if (change.state === "CLOSED") done(new Error(`ZooKeeper client closed (${change.reason ?? "closed"})`));
      });
      const timer = setTimeout(() => done(new Error(`not connected to ZooKeeper within ${timeoutMs} ms`)), timeoutMs);
      function done(error: Error | undefined): void {
        clearTimeout(timer);
        stop();
        if (error === undefined) resolve();
        else reject(error);
      }
    });
  }

  private setState(state: ZkState, reason?: string): void {
    const previous = this.stateValue;
    if (previous === state) return;
    this.stateValue = state;
    this.deps.logger.info({ state, previous, session_id: this.session.id.toString(16), reason }, "zk client state");
    const change: ZkStateChange = reason === undefined ? { state, previous, sessionId: this.session.id } : { state, previous, sessionId: this.session.id, reason };
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.deps.logger.error({ err: error, state }, "zk client state listener threw");
      }
    }
  }

  // ---- connecting ----

  private scheduleConnect(delayMs: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.attemptConnect(), delayMs);
  }

  private async attemptConnect(): Promise<void> {
    if (this.closing || this.stateValue === "CLOSED") return;
    const server = this.servers[this.serverIndex % this.servers.length]!;
    this.serverIndex++;
    const conn = new Connection(`${server.host}:${server.port}`);
    this.conn = conn;
    // As the Java client: each host gets its share of the session timeout to answer.
    const attemptMs = Math.max(zkConnectAttemptMinMs, Math.floor(this.requestedTimeoutMs / this.servers.length));
    conn.attemptTimer = setTimeout(() => this.dropConnection(conn, `no session from ${conn.server} within ${attemptMs} ms`), attemptMs);
    let socket: ZkSocket;
    try {
      socket = await this.transport.connect(server.host, server.port, {
        onData: (chunk) => this.handleData(conn, chunk),
        onClose: (reason) => this.dropConnection(conn, reason),
      });
    } catch (error) {
      this.dropConnection(conn, `cannot connect: ${(error as Error).message}`);
      return;
    }
    if (this.conn !== conn) {
      socket.close();
      return;
    }
    conn.socket = socket;
    const { id, password } = this.session;
    socket.write(framed(encodeConnectRequest({ lastZxidSeen: this.lastZxid, timeoutMs: this.requestedTimeoutMs, sessionId: id, password })));
  }

  private handleData(conn: Connection, chunk: Uint8Array): void {
    if (this.conn !== conn) return;
    let frames: Uint8Array[];
    try {
      frames = conn.frames(chunk);
    } catch (error) {
      this.dropConnection(conn, (error as Error).message);
      return;
    }
    for (const frame of frames) {
      if (this.conn !== conn) return;
      try {
        if (conn.established) this.handleFrame(conn, frame);
        else this.handleConnectResponse(conn, frame);
      } catch (error) {
        this.dropConnection(conn, `bad packet from ${conn.server}: ${(error as Error).message}`);
        return;
      }
    }
  }

  private handleConnectResponse(conn: Connection, frame: Uint8Array): void {
    clearTimeout(conn.attemptTimer);
    const response = decodeConnectResponse(frame);
    if (response.timeoutMs <= 0) {
      // The server knows nothing of the session we asked to resume: it is gone.
      this.abandonConnection(conn);
      this.expire("server");
      return;
    }
    const resumed = this.session.id !== 0n && response.sessionId === this.session.id;
    if (!resumed) this.watches.clear();
    this.session = { id: response.sessionId, password: response.password, timeoutMs: response.timeoutMs };
    conn.established = true;
    this.lastHeardMs = this.deps.clock.monotonicMs();
    clearTimeout(this.expiryTimer);
    if (this.credentials !== undefined) {
      conn.socket!.write(framed(encodeRequest(Xid.AUTH, OpCode.auth, (w) => w.int(0).string("digest").buffer(textEncoder.encode(this.credentials!)))));
    }
    if (resumed) {
      for (const packet of encodeSetWatches(this.lastZxid, this.watches.paths(), zkSetWatchesBatchBytesMax, Xid.SET_WATCHES)) conn.socket!.write(framed(packet));
    }
    this.startHeartbeat(conn);
    this.deps.logger.info(
      { server: conn.server, session_id: response.sessionId.toString(16), timeout_ms: response.timeoutMs, resumed },
      resumed ? "zk session resumed" : "zk session established",
    );
    this.pump(conn);
    this.setState("CONNECTED");
  }

  /** Pings every third of the timeout; two thirds without a packet means the connection is dead. */
  private startHeartbeat(conn: Connection): void {
    const pingEveryMs = Math.max(1, Math.floor(this.session.timeoutMs / 3));
    const silenceMaxMs = Math.max(1, Math.floor((this.session.timeoutMs * 2) / 3));
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (this.conn === conn) conn.socket?.write(framed(encodeRequest(Xid.PING, OpCode.ping)));
    }, pingEveryMs);
    const check = (): void => {
      if (this.conn !== conn) return;
      const silentMs = this.deps.clock.monotonicMs() - this.lastHeardMs;
      if (silentMs >= silenceMaxMs) this.dropConnection(conn, `nothing from ${conn.server} for ${Math.round(silentMs)} ms`);
      else this.watchdogTimer = setTimeout(check, silenceMaxMs - silentMs + 1);
    };
    clearTimeout(this.watchdogTimer);
    this.watchdogTimer = setTimeout(check, silenceMaxMs);
  }

  private stopHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.watchdogTimer);
    this.pingTimer = undefined;
    this.watchdogTimer = undefined;
  }

  /** Forgets a connection without the consequences of losing it (the caller decides those). */
  private abandonConnection(conn: Connection): void {
    if (this.conn === conn) this.conn = undefined;
    clearTimeout(conn.attemptTimer);
    conn.socket?.close();
    this.stopHeartbeat();
    for (const request of conn.inFlight.splice(0)) request.reject(new ZkError(ErrorCode.CONNECTIONLOSS, request.opName, request.path));
  }

  /** A connection failed or ended: the session may live on, so try the next server. */
  private dropConnection(conn: Connection, reason: string): void {
    if (this.conn !== conn) return;
    const wasEstablished = conn.established;
    this.abandonConnection(conn);
    if (this.closing || this.stateValue === "CLOSED") return;
    this.deps.logger.warn({ server: conn.server, reason, session_id: this.session.id.toString(16) }, wasEstablished ? "zk connection lost" : "zk connection attempt failed");
    if (wasEstablished) {
      this.setState("SUSPENDED");
      this.armLocalExpiry();
      this.scheduleConnect(0);
      return;
    }
    // A full round over the hosts failed: wait a random while before the next one.
    const roundDone = this.serverIndex % this.servers.length === 0;
    this.scheduleConnect(roundDone ? this.deps.random.nextInt(this.reconnectDelayMaxMs + 1) : 0);
  }

  /**
   * ZooKeeper tells a client of its session's expiry only when it reconnects; a client cut off
   * from every server would never learn it. As Mesos does, count the session as expired once it
   * has heard nothing for the whole negotiated timeout: by then the servers have expired it.
   */
  private armLocalExpiry(): void {
    if (this.session.id === 0n) return;
    clearTimeout(this.expiryTimer);
    const remainingMs = this.lastHeardMs + this.session.timeoutMs - this.deps.clock.monotonicMs();
    this.expiryTimer = setTimeout(() => {
      if (this.stateValue !== "SUSPENDED") return;
      if (this.conn !== undefined) this.abandonConnection(this.conn);
      this.expire("local-timeout");
    }, Math.max(0, remainingMs));
  }

  /** The session is gone: drop it, its watches and its queued calls, and start a new one. */
  private expire(reason: string): void {
    clearTimeout(this.expiryTimer);
    this.deps.logger.warn({ session_id: this.session.id.toString(16), reason }, "zk session expired");
    this.watches.clear();
    for (const request of this.queued.splice(0)) request.reject(new ZkError(ErrorCode.SESSIONEXPIRED, request.opName, request.path));
    this.setState("EXPIRED", reason);
    this.session = { id: 0n, password: new Uint8Array(PASSWORD_BYTES), timeoutMs: this.session.timeoutMs };
    if (this.closing || this.stateValue === "CLOSED") return;
    this.setState("CONNECTING");
    this.scheduleConnect(0);
  }

  // ---- packets ----

  private handleFrame(conn: Connection, frame: Uint8Array): void {
    const r = new JuteReader(frame);
    const header = decodeReplyHeader(r);
    this.lastHeardMs = this.deps.clock.monotonicMs();
    if (header.zxid > this.lastZxid) this.lastZxid = header.zxid;
    switch (header.xid) {
      case Xid.NOTIFICATION:
        this.dispatchEvent(r);
        return;
      case Xid.PING:
        return;
      case Xid.AUTH:
        if (header.err !== ErrorCode.OK) this.failAuthentication(header.err);
        return;
      case Xid.SET_WATCHES:
        if (header.err !== ErrorCode.OK) this.deps.logger.warn({ err_code: errorCodeName(header.err) }, "zk setWatches refused");
        return;
    }
    const request = conn.inFlight.shift();
    if (request === undefined || request.xid !== header.xid) {
      this.dropConnection(conn, `reply xid ${header.xid} but expected ${request?.xid ?? "none"}`);
      return;
    }
    this.complete(request, header, r);
    this.pump(conn);
  }

  private dispatchEvent(r: JuteReader): void {
    const event = decodeWatcherEvent(r);
    if (event === undefined) return;
    for (const watcher of this.watches.take(event)) {
      try {
        watcher(event);
      } catch (error) {
        this.deps.logger.error({ err: error, path: event.path, type: event.type }, "zk watcher threw");
      }
    }
  }

  private complete(request: Request, header: ReplyHeader, r: JuteReader): void {
    const { watch } = request;
    if (header.err !== ErrorCode.OK && !(request.bodyOnError && r.remaining() > 0)) {
      if (request.opCode === OpCode.exists && header.err === ErrorCode.NONODE) {
        if (watch !== undefined) this.watches.add("exist", request.path!, watch.watcher);
        request.resolve(null);
        return;
      }
      request.reject(new ZkError(header.err, request.opName, request.path));
      return;
    }
    let value: unknown;
    try {
      value = request.decode(r);
    } catch (error) {
      request.reject(isZkError(error) ? error : new ZkError(ErrorCode.MARSHALLINGERROR, request.opName, request.path, (error as Error).message));
      return;
    }
    if (watch !== undefined) this.watches.add(watch.kind === "exists" ? "data" : watch.kind, request.path!, watch.watcher);
    request.resolve(value);
  }

  private failAuthentication(code: number): void {
    this.deps.logger.error({ err_code: errorCodeName(code) }, "zk authentication failed; the client stops");
    this.shutDown(new ZkError(ErrorCode.AUTHFAILED, "auth", undefined), "auth-failed");
  }

  /** Queues a request; `checkedPath` is what must be a valid path (a sequential create's prefix plus a digit). */
  private submit<T>(spec: Omit<Request, "xid" | "resolve" | "reject">, checkedPath = spec.path): Promise<T> {
    if (this.closing || this.stateValue === "CLOSED") return Promise.reject(new ZkError(ErrorCode.CONNECTIONLOSS, spec.opName, spec.path, "client closed"));
    if (checkedPath !== undefined && !isValidPath(checkedPath)) return Promise.reject(new ZkError(ErrorCode.BADARGUMENTS, spec.opName, spec.path, "invalid path"));
    if (spec.watch !== undefined && !this.watches.hasRoomFor(spec.watch.kind === "child" ? "child" : "data", spec.path!)) {
      return Promise.reject(new ZkError(ErrorCode.BADARGUMENTS, spec.opName, spec.path, "too many watched paths"));
    }
    if (this.queued.length >= zkRequestsQueuedMax) {
      return Promise.reject(new ZkError(ErrorCode.CONNECTIONLOSS, spec.opName, spec.path, `${zkRequestsQueuedMax} requests already wait for a connection`));
    }
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ ...spec, xid: 0, resolve: resolve as (v: unknown) => void, reject });
      const conn = this.conn;
      if (conn !== undefined && conn.established && this.stateValue === "CONNECTED") this.pump(conn);
    });
  }

  /** Sends queued requests while the connection has room for them. */
  private pump(conn: Connection): void {
    while (this.queued.length > 0 && conn.inFlight.length < zkRequestsInFlightMax && conn.socket !== undefined) {
      const request = this.queued.shift()!;
      request.xid = this.nextXid;
      this.nextXid = this.nextXid >= 0x7fffffff ? 1 : this.nextXid + 1;
      conn.inFlight.push(request);
      conn.socket.write(framed(encodeRequest(request.xid, request.opCode, request.body)));
    }
  }

  // ---- operations ----

  /** Creates a znode; returns its path (with the sequence suffix for sequential modes). */
  create(path: string, data?: Data, options: CreateOptions = {}): Promise<string> {
    const mode = options.mode ?? "persistent";
    const acl = options.acl ?? OPEN_ACL_UNSAFE;
    const bytes = bytesOf(data);
    return this.submit<string>(
      {
        opCode: createOpCode(mode),
        opName: "create",
        path,
        body: (w) => writeCreate(w, path, bytes, acl, mode),
        decode: (r) => decodeCreate2(r).path,
        watch: undefined,
        bodyOnError: false,
      },
      mode.endsWith("sequential") ? `${path}1` : path,
    );
  }

  /** Creates `path` and its missing ancestors as persistent znodes; existing ones are fine. */
  async ensurePath(path: string, acl: readonly Acl[] = OPEN_ACL_UNSAFE): Promise<void> {
    if (!isValidPath(path)) throw new ZkError(ErrorCode.BADARGUMENTS, "ensurePath", path, "invalid path");
    if (path === "/" || (await this.exists(path)) !== null) return;
    const parent = parentPath(path);
    if (parent !== "/") await this.ensurePath(parent, acl);
    try {
      await this.create(path, emptyBytes, { mode: "persistent", acl });
    } catch (error) {
      if (!isZkError(error, ErrorCode.NODEEXISTS)) throw error;
    }
  }

  delete(path: string, version = -1): Promise<void> {
    return this.submit<void>({
      opCode: OpCode.delete,
      opName: "delete",
      path,
      body: (w) => w.string(path).int(version),
      decode: () => undefined,
      watch: undefined,
      bodyOnError: false,
    });
  }

  /** The znode's stat, or null when it does not exist; `watcher` fires on its creation, change or deletion. */
  exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    return this.submit<Stat | null>({
      opCode: OpCode.exists,
      opName: "exists",
      path,
      body: (w) => writePathWatch(w, path, watcher !== undefined),
      decode: (r) => readStat(r),
      watch: watcher === undefined ? undefined : { kind: "exists", watcher },
      bodyOnError: false,
    });
  }

  /** Data and stat; `watcher` fires on a change or deletion. NONODE when it does not exist. */
  getData(path: string, watcher?: Watcher): Promise<GetDataResult> {
    return this.submit<GetDataResult>({
      opCode: OpCode.getData,
      opName: "getData",
      path,
      body: (w) => writePathWatch(w, path, watcher !== undefined),
      decode: decodeGetData,
      watch: watcher === undefined ? undefined : { kind: "data", watcher },
      bodyOnError: false,
    });
  }

  /** Child names (unsorted, as the server sends them); `watcher` fires when children come or go, or the node is deleted. */
  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.submit<string[]>({
      opCode: OpCode.getChildren,
      opName: "getChildren",
      path,
      body: (w) => writePathWatch(w, path, watcher !== undefined),
      decode: decodeChildren,
      watch: watcher === undefined ? undefined : { kind: "child", watcher },
      bodyOnError: false,
    });
  }

  setData(path: string, data: Data, version = -1): Promise<Stat> {
    const bytes = bytesOf(data);
    return this.submit<Stat>({
      opCode: OpCode.setData,
      opName: "setData",
      path,
      body: (w) => w.string(path).buffer(bytes).int(version),
      decode: (r) => readStat(r),
      watch: undefined,
      bodyOnError: false,
    });
  }

  /** Applies all ops or none; a failure is a ZkMultiError naming the op. */
  multi(ops: readonly MultiOp[]): Promise<MultiResult[]> {
    for (const op of ops) {
      const checkPath = op.kind === "create" && (op.mode ?? "persistent").endsWith("sequential") ? `${op.path}1` : op.path;
      if (!isValidPath(checkPath)) return Promise.reject(new ZkError(ErrorCode.BADARGUMENTS, "multi", op.path, "invalid path"));
    }
    return this.submit<MultiResult[]>({
      opCode: OpCode.multi,
      opName: "multi",
      path: undefined,
      body: (w) => writeMulti(w, ops, OPEN_ACL_UNSAFE),
      decode: decodeMulti,
      watch: undefined,
      bodyOnError: true,
    });
  }

  /** Waits until the connected server has caught up with the leader (for a fresh read after it). */
  sync(path: string): Promise<void> {
    return this.submit<void>({
      opCode: OpCode.sync,
      opName: "sync",
      path,
      body: (w) => w.string(path),
      decode: () => undefined,
      watch: undefined,
      bodyOnError: false,
    });
  }

  // ---- closing ----

  /** Closes the session (its ephemeral znodes go at once) and stops. Later calls fail. */
  async close(): Promise<void> {
    if (this.closing || this.stateValue === "CLOSED") return;
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    const conn = this.conn;
    if (conn !== undefined && conn.established && this.stateValue === "CONNECTED") {
      const answered = new Promise<void>((resolve) => {
        this.queued.push({
          opCode: OpCode.closeSession,
          opName: "closeSession",
          path: undefined,
          body: undefined,
          decode: () => undefined,
          watch: undefined,
          bodyOnError: false,
          xid: 0,
          resolve: () => resolve(),
          reject: () => resolve(),
        });
      });
      this.pump(conn);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([answered, new Promise<void>((resolve) => (timer = setTimeout(resolve, zkCloseSessionWaitMs)))]);
      clearTimeout(timer);
    }
    this.shutDown(new ZkError(ErrorCode.CONNECTIONLOSS, "request", undefined, "client closed"), "closed");
  }

  private shutDown(error: ZkError, reason: string): void {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.expiryTimer);
    if (this.conn !== undefined) this.abandonConnection(this.conn);
    for (const request of this.queued.splice(0)) request.reject(new ZkError(error.code, request.opName, request.path, error.message));
    this.watches.clear();
    this.setState("CLOSED", reason);
  }
}

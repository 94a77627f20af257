// A small ZooKeeper wire client for tests and the benchmark: it speaks the protocol byte for byte,
// exposes reply headers, error codes and raw bodies, and never hides a server's quirks. It drives
// zk-lite and Apache ZooKeeper alike.

import type { Socket } from "bun";
import { OpCode } from "../../internal/zk/constants.ts";
import { JuteReader, JuteWriter } from "../../internal/zk/jute.ts";
import { readAclList, readStat, type Acl, type Stat } from "../../internal/zk/records.ts";

export const OPEN_ACL: Acl[] = [{ perms: 31, scheme: "world", id: "anyone" }];

export interface Reply {
  readonly xid: number;
  readonly zxid: number;
  readonly err: number;
  readonly body: JuteReader;
}

export interface WatchEvent {
  readonly type: number;
  readonly state: number;
  readonly path: string;
  /** From the notification's reply header: ZooKeeper sends zxid -1 and err 0. */
  readonly zxid: number;
  readonly err: number;
}

export interface ConnectOptions {
  timeoutMs?: number;
  sessionId?: bigint;
  password?: Uint8Array;
  /** Send the trailing readOnly byte (3.5+ clients do). Default true. */
  readOnlyByte?: boolean;
  lastZxidSeen?: bigint;
  host?: string;
}

export interface MultiOpSpec {
  readonly type: number;
  write(w: JuteWriter): void;
}

export interface MultiResult {
  readonly type: number;
  readonly err: number;
  readonly path?: string;
  readonly stat?: Stat;
}

interface Pending {
  readonly xid: number;
  resolve(r: Reply): void;
  reject(e: Error): void;
}

export class RawZkClient {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly pending: Pending[] = [];
  private connectWaiter: ((bytes: Uint8Array) => void) | null = null;
  private nextXid = 1;
  readonly events: WatchEvent[] = [];
  private eventWaiters: { pred: (e: WatchEvent) => boolean; resolve: (e: WatchEvent) => void }[] = [];
  sessionId = 0n;
  password: Uint8Array = new Uint8Array(16);
  negotiatedTimeoutMs = 0;
  /** Bytes of the ConnectResponse after the length prefix. */
  connectResponse: Uint8Array = new Uint8Array(0);
  closed = false;
  private closeWaiters: (() => void)[] = [];

  private constructor(private socket: Socket<undefined>) {}

  static async open(port: number, host = "127.0.0.1"): Promise<RawZkClient> {
    let client: RawZkClient | null = null;
    const socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        binaryType: "uint8array",
        data: (_s, chunk) => client?.onData(chunk),
        close: () => client?.onClose(),
        error: () => client?.onClose(),
      },
    });
    socket.setNoDelay(true);
    client = new RawZkClient(socket);
    return client;
  }

  static async connect(port: number, opts: ConnectOptions = {}): Promise<RawZkClient> {
    const c = await RawZkClient.open(port, opts.host);
    await c.handshake(opts);
    return c;
  }

  /** Sends a ConnectRequest and waits for the ConnectResponse (throws if the server closes instead). */
  async handshake(opts: ConnectOptions = {}): Promise<void> {
    const w = new JuteWriter();
    w.int(0)
      .long(opts.lastZxidSeen ?? 0n)
      .int(opts.timeoutMs ?? 30000)
      .long(opts.sessionId ?? 0n)
      .buffer(opts.password ?? new Uint8Array(16));
    if (opts.readOnlyByte ?? true) w.bool(false);
    const got = new Promise<Uint8Array>((resolve, reject) => {
      this.connectWaiter = resolve;
      this.closeWaiters.push(() => reject(new Error("connection closed during handshake")));
    });
    this.sendFrame(w.toBytes());
    const bytes = await got;
    this.connectResponse = bytes;
    const r = new JuteReader(bytes);
    r.int();
    this.negotiatedTimeoutMs = r.int();
    this.sessionId = r.long();
    this.password = r.bufferCopy();
  }

  sendFrame(body: Uint8Array): void {
    const framed = new Uint8Array(body.length + 4);
    new DataView(framed.buffer).setInt32(0, body.length);
    framed.set(body, 4);
    this.writeRaw(framed);
  }

  writeRaw(bytes: Uint8Array): void {
    if (this.closed) return;
    let at = 0;
    while (at < bytes.length) {
      const n = this.socket.write(bytes.subarray(at));
      if (n <= 0) break;
      at += n;
    }
  }

  private onData(chunk: Uint8Array): void {
    if (this.buf.length === 0) this.buf = chunk.slice();
    else {
      const joined = new Uint8Array(this.buf.length + chunk.length);
      joined.set(this.buf);
      joined.set(chunk, this.buf.length);
      this.buf = joined;
    }
    let at = 0;
    const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    while (this.buf.length - at >= 4) {
      const len = view.getInt32(at);
      if (this.buf.length - at - 4 < len) break;
      const frame = this.buf.slice(at + 4, at + 4 + len);
      at += 4 + len;
      this.onFrame(frame);
    }
    this.buf = this.buf.slice(at);
  }

  private onFrame(frame: Uint8Array): void {
    if (this.connectWaiter !== null) {
      const w = this.connectWaiter;
      this.connectWaiter = null;
      this.closeWaiters = [];
      w(frame);
      return;
    }
    const r = new JuteReader(frame);
    const xid = r.int();
    const zxid = r.longNumber();
    const err = r.int();
    if (xid === -1) {
      const ev = { type: r.int(), state: r.int(), path: r.string(), zxid, err };
      this.events.push(ev);
      const waiters = this.eventWaiters;
      this.eventWaiters = [];
      for (const wt of waiters) {
        if (wt.pred(ev)) wt.resolve(ev);
        else this.eventWaiters.push(wt);
      }
      return;
    }
    const p = this.pending.shift();
    if (p === undefined) throw new Error(`unexpected reply xid ${xid}`);
    if (p.xid !== xid) p.reject(new Error(`reply xid ${xid} but expected ${p.xid}`));
    else p.resolve({ xid, zxid, err, body: r });
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.splice(0)) p.reject(new Error("connection closed"));
    for (const w of this.closeWaiters.splice(0)) w();
  }

  /** Resolves when the server closes the connection. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("connection not closed in time")), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Sends a request with the next xid (or a fixed one) and waits for its reply. */
  request(type: number, body?: (w: JuteWriter) => void, fixedXid?: number): Promise<Reply> {
    const xid = fixedXid ?? this.nextXid++;
    const w = new JuteWriter();
    w.int(xid).int(type);
    body?.(w);
    const p = new Promise<Reply>((resolve, reject) => this.pending.push({ xid, resolve, reject }));
    if (this.closed) return Promise.reject(new Error("connection closed"));
    this.sendFrame(w.toBytes());
    return p;
  }

  waitEvent(pred: (e: WatchEvent) => boolean = () => true, timeoutMs = 5000): Promise<WatchEvent> {
    const seen = this.events.find(pred);
    if (seen !== undefined) {
      this.events.splice(this.events.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no matching watch event in time")), timeoutMs);
      this.eventWaiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(t);
          this.events.splice(this.events.indexOf(e), 1);
          resolve(e);
        },
      });
    });
  }

  close(): void {
    if (!this.closed) this.socket.end();
    this.onClose();
  }

  // ---- typed helpers ----

  create(path: string, data = "", flags = 0, acl: Acl[] = OPEN_ACL, opCode: number = OpCode.create, ttlMs?: number): Promise<Reply> {
    return this.request(opCode, (w) => {
      w.string(path).buffer(new TextEncoder().encode(data));
      writeAcl(w, acl);
      w.int(flags);
      if (opCode === OpCode.createTTL) w.longNumber(ttlMs ?? -1);
    });
  }

  delete(path: string, version = -1): Promise<Reply> {
    return this.request(OpCode.delete, (w) => w.string(path).int(version));
  }

  exists(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.exists, (w) => w.string(path).bool(watch));
  }

  getData(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.getData, (w) => w.string(path).bool(watch));
  }

  setData(path: string, data: string, version = -1): Promise<Reply> {
    return this.request(OpCode.setData, (w) => w.string(path).buffer(new TextEncoder().encode(data)).int(version));
  }

  getChildren(path: string, watch = false, v2 = false): Promise<Reply> {
    return this.request(v2 ? OpCode.getChildren2 : OpCode.getChildren, (w) => w.string(path).bool(watch));
  }

  getACL(path: string): Promise<Reply> {
    return this.request(OpCode.getACL, (w) => w.string(path));
  }

  setACL(path: string, acl: Acl[], version = -1): Promise<Reply> {
    return this.request(OpCode.setACL, (w) => {
      w.string(path);
      writeAcl(w, acl);
      w.int(version);
    });
  }

  addAuth(scheme: string, auth: string): Promise<Reply> {
    return this.request(OpCode.auth, (w) => w.int(0).string(scheme).buffer(new TextEncoder().encode(auth)), -4);
  }

  sync(path: string): Promise<Reply> {
    return this.request(OpCode.sync, (w) => w.string(path));
  }

  ping(): Promise<Reply> {
    return this.request(OpCode.ping, undefined, -2);
  }

  addWatch(path: string, mode: number): Promise<Reply> {
    return this.request(OpCode.addWatch, (w) => w.string(path).int(mode));
  }

  removeWatches(path: string, type: number): Promise<Reply> {
    return this.request(OpCode.removeWatches, (w) => w.string(path).int(type));
  }

  checkWatches(path: string, type: number): Promise<Reply> {
    return this.request(OpCode.checkWatches, (w) => w.string(path).int(type));
  }

  getEphemerals(prefix: string): Promise<Reply> {
    return this.request(OpCode.getEphemerals, (w) => w.string(prefix));
  }

  getAllChildrenNumber(path: string): Promise<Reply> {
    return this.request(OpCode.getAllChildrenNumber, (w) => w.string(path));
  }

  whoAmI(): Promise<Reply> {
    return this.request(OpCode.whoAmI);
  }

  closeSession(): Promise<Reply> {
    return this.request(OpCode.closeSession);
  }

  setWatches(relativeZxid: number, data: string[], exist: string[], child: string[], persistent?: string[], recursive?: string[]): Promise<Reply> {
    const v2 = persistent !== undefined;
    return this.request(
      v2 ? OpCode.setWatches2 : OpCode.setWatches,
      (w) => {
        w.longNumber(relativeZxid).stringVector(data).stringVector(exist).stringVector(child);
        if (v2) w.stringVector(persistent).stringVector(recursive ?? []);
      },
      -8,
    );
  }

  multi(ops: MultiOpSpec[]): Promise<Reply> {
    return this.request(OpCode.multi, (w) => {
      for (const op of ops) {
        w.int(op.type).bool(false).int(-1);
        op.write(w);
      }
      w.int(-1).bool(true).int(-1);
    });
  }
}

export function writeAcl(w: JuteWriter, acl: Acl[]): void {
  w.int(acl.length);
  for (const a of acl) w.int(a.perms).string(a.scheme).string(a.id);
}

export const op = {
  create: (path: string, data = "", flags = 0, acl: Acl[] = OPEN_ACL): MultiOpSpec => ({
    type: OpCode.create,
    write: (w) => {
      w.string(path).buffer(new TextEncoder().encode(data));
      writeAcl(w, acl);
      w.int(flags);
    },
  }),
  create2: (path: string, data = "", flags = 0): MultiOpSpec => ({
    type: OpCode.create2,
    write: (w) => {
      w.string(path).buffer(new TextEncoder().encode(data));
      writeAcl(w, OPEN_ACL);
      w.int(flags);
    },
  }),
  delete: (path: string, version = -1): MultiOpSpec => ({ type: OpCode.delete, write: (w) => w.string(path).int(version) }),
  setData: (path: string, data: string, version = -1): MultiOpSpec => ({
    type: OpCode.setData,
    write: (w) => w.string(path).buffer(new TextEncoder().encode(data)).int(version),
  }),
  check: (path: string, version: number): MultiOpSpec => ({ type: OpCode.check, write: (w) => w.string(path).int(version) }),
};

// ---- body decoders ----

export function decodeStat(r: Reply): Stat {
  return readStat(r.body);
}

export function decodeData(r: Reply): { data: string; stat: Stat } {
  const data = r.body.bufferOrNull();
  return { data: data === null ? "" : new TextDecoder().decode(data), stat: readStat(r.body) };
}

export function decodeChildren(r: Reply, withStat = false): { children: string[]; stat?: Stat } {
  const children = r.body.stringVector().sort();
  return withStat ? { children, stat: readStat(r.body) } : { children };
}

export function decodeCreate(r: Reply, withStat = false): { path: string; stat?: Stat } {
  const path = r.body.string();
  return withStat ? { path, stat: readStat(r.body) } : { path };
}

export function decodeAcl(r: Reply): { acl: Acl[]; stat: Stat } {
  const acl = readAclList(r.body) ?? [];
  return { acl, stat: readStat(r.body) };
}

export function decodeMulti(r: Reply): MultiResult[] {
  const out: MultiResult[] = [];
  for (;;) {
    const type = r.body.int();
    const done = r.body.bool();
    const err = r.body.int();
    if (done) return out;
    switch (type) {
      case OpCode.create:
        out.push({ type, err, path: r.body.string() });
        break;
      case OpCode.create2:
        out.push({ type, err, path: r.body.string(), stat: readStat(r.body) });
        break;
      case OpCode.setData:
        out.push({ type, err, stat: readStat(r.body) });
        break;
      case OpCode.error:
        out.push({ type, err: r.body.int() });
        break;
      default:
        out.push({ type, err });
    }
  }
}

export function decodeWhoAmI(r: Reply): { scheme: string; user: string }[] {
  const n = r.body.int();
  const out: { scheme: string; user: string }[] = [];
  for (let i = 0; i < n; i++) out.push({ scheme: r.body.string(), user: r.body.stringOrNull() ?? "" });
  return out;
}

/** Sends a four-letter word on a fresh connection and returns everything the server writes back. */
export async function fourLetterWord(port: number, word: string | Uint8Array, host = "127.0.0.1"): Promise<string> {
  const chunks: Uint8Array[] = [];
  const done = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      binaryType: "uint8array",
      data: (_s, c) => {
        chunks.push(c.slice());
      },
      close: () => done.resolve(),
      error: () => done.resolve(),
    },
  });
  socket.write(typeof word === "string" ? new TextEncoder().encode(word) : word);
  const timer = setTimeout(() => socket.end(), 5000);
  await done.promise;
  clearTimeout(timer);
  return new TextDecoder().decode(Buffer.concat(chunks));
}

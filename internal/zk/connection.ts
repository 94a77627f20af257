// One client connection: frame reassembly on the way in, a write backlog with backpressure on the
// way out, and the per-connection counters that `cons` and `stat` print.

import type { Socket } from "bun";
import type { AuthId } from "./acl.ts";
import { LatencyStats } from "./latency-stats.ts";

/** Output waiting on a slow reader beyond this pauses reading from it. */
export const CONNECTION_BACKLOG_PAUSE_BYTES = 1 * 1024 * 1024;
/** A reassembly buffer larger than this is released once its frame is parsed. */
const INPUT_BUFFER_KEEP_BYTES = 64 * 1024;
/** Output waiting beyond this closes the connection: the client is not reading its replies. */
export const CONNECTION_BACKLOG_BYTES_MAX = 64 * 1024 * 1024;

/** "connecting": an ensemble member waits for the new session to commit; requests wait behind it. */
export type ConnectionState = "new" | "connecting" | "established" | "closing" | "closed";

/**
 * A request of this connection still to be answered, in an ensemble member, where a write waits
 * for the log while later requests arrive: replies must still leave in request order.
 */
export interface PipelineItem {
  /** False while a write (or the session's creation) waits to apply. */
  ready: boolean;
  /** Answers it; a deferred read runs here, against the tree as of the writes before it. */
  run: () => void;
  /** The request's number in the member's table of requests in flight (0 for deferred ones). */
  readonly seq: number;
}

export interface ConnectionData {
  conn: Connection | null;
}

export class Connection {
  state: ConnectionState = "new";
  sessionId = 0n;
  sessionTimeoutMs = 0;
  authIds: AuthId[];
  /** True when the ConnectRequest lacked the readOnly byte (3.4-era clients). */
  oldClient = false;
  paused = false;

  // input reassembly
  private pending: Uint8Array | null = null;
  private pendingBytes = 0;

  // output
  private outChunks: Uint8Array[] = [];
  private outBytes = 0;
  private backlog: Uint8Array | null = null;
  private endAfterFlush = false;

  /** Ensemble members only: requests not yet answered, oldest first. */
  readonly pipeline: PipelineItem[] = [];
  private draining = false;

  // counters for cons/stat
  packetsReceived = 0;
  packetsSent = 0;
  outstanding = 0;
  lastOp = "NA";
  lastCxid = -1;
  lastZxid = -1;
  lastResponseMs = 0;
  lastLatencyMs = 0;
  establishedMs = 0;
  readonly latency = new LatencyStats();

  constructor(
    readonly id: number,
    readonly socket: Socket<ConnectionData>,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly onWritable: (c: Connection) => void,
  ) {
    this.authIds = [{ scheme: "ip", id: remoteAddress }];
  }

  /** Appends incoming bytes and returns the buffer to parse from (leftovers first). */
  takeInput(chunk: Uint8Array): Uint8Array {
    if (this.pendingBytes === 0) return chunk;
    const needed = this.pendingBytes + chunk.length;
    if (this.pending === null || this.pending.length < needed) {
      // Grow by doubling, so a large frame arriving in many small pieces costs linear copying.
      const next = new Uint8Array(Math.max(needed, 2 * (this.pending?.length ?? 0)));
      if (this.pending !== null) next.set(this.pending.subarray(0, this.pendingBytes));
      this.pending = next;
    }
    this.pending.set(chunk, this.pendingBytes);
    const out = this.pending.subarray(0, needed);
    this.pendingBytes = 0;
    return out;
  }

  /** Keeps the unparsed tail (copied to the front of the reassembly buffer: the socket may reuse its own). */
  keepInput(rest: Uint8Array): void {
    if (rest.length === 0) {
      this.pendingBytes = 0;
      // Drop a large buffer once it has served its frame.
      if (this.pending !== null && this.pending.length > INPUT_BUFFER_KEEP_BYTES) this.pending = null;
      return;
    }
    if (this.pending !== null && rest.buffer === this.pending.buffer) {
      this.pending.copyWithin(0, rest.byteOffset - this.pending.byteOffset, rest.byteOffset - this.pending.byteOffset + rest.length);
    } else {
      if (this.pending === null || this.pending.length < rest.length) this.pending = new Uint8Array(Math.max(rest.length, 4096));
      this.pending.set(rest);
    }
    this.pendingBytes = rest.length;
  }

  get pendingInputBytes(): number {
    return this.pendingBytes;
  }

  /** Queues bytes; they go out on the next `flushOutput`. */
  queue(bytes: Uint8Array): void {
    if (this.state === "closed") return;
    this.outChunks.push(bytes);
    this.outBytes += bytes.length;
    this.packetsSent++;
  }

  /** Ends the connection once everything queued before this call is written. */
  endAfterOutput(): void {
    this.endAfterFlush = true;
    this.state = this.state === "closed" ? "closed" : "closing";
  }

  hasQueuedOutput(): boolean {
    return this.outChunks.length > 0 || this.endAfterFlush;
  }

  /** Writes queued output in one syscall where the socket takes it; the rest waits for drain. */
  flushOutput(): void {
    if (this.state === "closed") return;
    if (this.outChunks.length > 0) {
      let bytes: Uint8Array;
      if (this.outChunks.length === 1 && this.backlog === null) bytes = this.outChunks[0]!;
      else {
        const total = this.outBytes + (this.backlog?.length ?? 0);
        bytes = new Uint8Array(total);
        let at = 0;
        if (this.backlog !== null) {
          bytes.set(this.backlog);
          at = this.backlog.length;
          this.backlog = null;
        }
        for (const c of this.outChunks) {
          bytes.set(c, at);
          at += c.length;
        }
      }
      this.outChunks = [];
      this.outBytes = 0;
      this.writeNow(bytes);
    }
    if (this.endAfterFlush && this.backlog === null) this.close();
  }

  private writeNow(bytes: Uint8Array): void {
    const written = this.socket.write(bytes);
    if (written < 0) {
      this.close();
      return;
    }
    if (written < bytes.length) {
      this.backlog = bytes.subarray(written);
      if (this.backlog.length > CONNECTION_BACKLOG_BYTES_MAX) {
        this.close();
        return;
      }
      if (!this.paused && this.backlog.length > CONNECTION_BACKLOG_PAUSE_BYTES) {
        this.paused = true;
        this.socket.pause();
      }
    }
  }

  /** Socket drained: write what is left, resume reading when caught up. */
  onDrain(): void {
    if (this.backlog !== null) {
      const b = this.backlog;
      this.backlog = null;
      this.writeNow(b);
    }
    if (this.backlog === null) {
      if (this.paused && this.state !== "closed") {
        this.paused = false;
        this.socket.resume();
      }
      if (this.outChunks.length > 0 || this.endAfterFlush) this.onWritable(this);
    }
  }

  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.outChunks = [];
    this.backlog = null;
    this.socket.end();
  }

  /** Runs `fn` now when nothing of this connection waits (or it is its turn), else after what waits. */
  inOrder(fn: () => void): void {
    if (this.pipeline.length === 0 || this.draining) fn();
    else this.pipeline.push({ ready: true, run: fn, seq: 0 });
  }

  /** A request that will be answered later, behind (or, while draining, right after) what waits. */
  wait(seq: number): PipelineItem {
    const item: PipelineItem = { ready: false, run: () => {}, seq };
    // While draining, the item being run was already taken off: the new one goes before the rest.
    if (this.draining) this.pipeline.unshift(item);
    else this.pipeline.push(item);
    return item;
  }

  /** Answers everything ready at the front, stopping at the first request still waiting. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pipeline.length > 0 && this.pipeline[0]!.ready && (this.state === "established" || this.state === "connecting")) {
        this.pipeline.shift()!.run();
      }
    } finally {
      this.draining = false;
    }
  }

  /** Java's InetSocketAddress.toString form: "/127.0.0.1:40770". */
  get remoteLabel(): string {
    return `/${this.remoteAddress}:${this.remotePort}`;
  }

  resetStats(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.latency.reset();
    this.lastOp = "NA";
    this.lastCxid = -1;
    this.lastZxid = -1;
    this.lastResponseMs = 0;
    this.lastLatencyMs = 0;
  }
}

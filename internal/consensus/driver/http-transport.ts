// Raft messages between masters over HTTP: each peer gets a queue and at most one POST in flight
// to `POST /api/internal/raft`, carrying every message queued meanwhile (batching at our own
// pace). A message too large for one body (a big snapshot) travels in fragments that the receiver
// joins, so every body stays under the server's `--max_request_body_size`. Delivery is best
// effort: a failed POST drops its messages and Raft sends again.
//
// Peers are trusted (the masters' internal network); the codec still refuses malformed bodies
// with a 400 naming the field, so a stray client cannot reach the core.
//
// Fault injection (tests only, off unless `faultInjection`): `POST /api/internal/raft/faults` with
// `{"blocked":["m2"],"dropRate":0.1}` drops messages to and from the blocked peers (and a share of
// all others), so multi-process tests can cut a minority off by calling each side.

import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Random } from "../../runtime/index.ts";
import { MessageDecodeError, messageFromJson, messageToJson, nodeIdBytesMax } from "../codec.ts";
import type { Message, NodeId } from "../types.ts";
import type { Transport } from "./types.ts";

export const raftPath = "/api/internal/raft";
export const raftFaultsPath = "/api/internal/raft/faults";
/** One POST body; fragments of larger messages are this size at most. */
export const raftBodyBytesMax = 1024 * 1024;
/** Messages queued for one peer; past it the oldest are dropped. */
export const peerQueueMessagesMax = 1024;
/** A fragmented message being joined, per sending peer. */
export const fragmentedMessageBytesMax = 256 * 1024 * 1024;
export const sendTimeoutMsDefault = 2000;

interface Body {
  from: NodeId;
  messages?: unknown[];
  fragment?: { id: number; index: number; count: number; data: string };
}

export interface HttpTransportOptions {
  readonly id: NodeId;
  /** A peer's base URL; by default the id is its `host:port`. */
  readonly peerUrl?: (id: NodeId) => string | undefined;
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
  readonly sendTimeoutMs?: number;
  /** Drawn from for `dropRate` faults. */
  readonly random?: Random;
  /** Told about failed sends (rate is the caller's business); none by default. */
  readonly onSendError?: (peer: NodeId, error: Error) => void;
}

export interface TransportFaults {
  /** Peers whose messages are dropped in both directions. */
  readonly blocked: readonly NodeId[];
  /** Share of all other messages dropped. */
  readonly dropRate: number;
}

interface Peer {
  queue: string[];
  inFlight: boolean;
}

interface Joining {
  id: number;
  parts: string[];
  received: number;
  bytes: number;
}

export class HttpTransport implements Transport {
  private handler: (m: Message) => void = () => {};
  private readonly peers = new Map<NodeId, Peer>();
  private readonly joining = new Map<NodeId, Joining>();
  private fragmentSeq = 0;
  private blocked = new Set<NodeId>();
  private dropRate = 0;
  private closed = false;
  sent = 0;
  failed = 0;

  constructor(private readonly options: HttpTransportOptions) {}

  onMessage(handler: (m: Message) => void): void {
    this.handler = handler;
  }

  send(m: Message): void {
    if (this.closed || this.dropped(m.to)) return;
    let peer = this.peers.get(m.to);
    if (peer === undefined) {
      peer = { queue: [], inFlight: false };
      this.peers.set(m.to, peer);
    }
    peer.queue.push(JSON.stringify(messageToJson(m)));
    if (peer.queue.length > peerQueueMessagesMax) peer.queue.shift();
    if (!peer.inFlight) void this.pump(m.to, peer);
  }

  setFaults(faults: TransportFaults): void {
    this.blocked = new Set(faults.blocked);
    this.dropRate = faults.dropRate;
  }

  faults(): TransportFaults {
    return { blocked: [...this.blocked], dropRate: this.dropRate };
  }

  close(): void {
    this.closed = true;
  }

  private dropped(peer: NodeId): boolean {
    if (this.blocked.has(peer)) return true;
    return this.dropRate > 0 && (this.options.random?.next() ?? Math.random()) < this.dropRate;
  }

  /** Sends the queue one body at a time until it is empty. */
  private async pump(to: NodeId, peer: Peer): Promise<void> {
    peer.inFlight = true;
    try {
      while (peer.queue.length > 0 && !this.closed) {
        const bodies = this.nextBodies(peer);
        for (const body of bodies) {
          if (!(await this.post(to, body))) {
            peer.queue = []; // the peer is unreachable: what is queued is stale by the time it is back
            break;
          }
        }
      }
    } finally {
      peer.inFlight = false;
    }
  }

  /** The next batch as one body, or one large message as fragments. */
  private nextBodies(peer: Peer): string[] {
    const from = JSON.stringify(this.options.id);
    const first = peer.queue[0]!;
    if (first.length > raftBodyBytesMax - 256) {
      peer.queue.shift();
      const id = ++this.fragmentSeq;
      const count = Math.ceil(first.length / (raftBodyBytesMax - 256));
      const size = Math.ceil(first.length / count);
      return Array.from({ length: count }, (_, index) => {
        const fragment = { id, index, count, data: first.slice(index * size, (index + 1) * size) };
        return `{"from":${from},"fragment":${JSON.stringify(fragment)}}`;
      });
    }
    const taken: string[] = [];
    let bytes = 64;
    while (peer.queue.length > 0 && bytes + peer.queue[0]!.length + 1 <= raftBodyBytesMax - 256) {
      const next = peer.queue.shift()!;
      bytes += next.length + 1;
      taken.push(next);
    }
    return [`{"from":${from},"messages":[${taken.join(",")}]}`];
  }

  private async post(to: NodeId, body: string): Promise<boolean> {
    const base = this.options.peerUrl?.(to) ?? `http://${to}`;
    const doFetch = this.options.fetch ?? fetch;
    try {
      const response = await doFetch(`${base}${raftPath}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
        signal: AbortSignal.timeout(this.options.sendTimeoutMs ?? sendTimeoutMsDefault),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.sent += 1;
      return true;
    } catch (error) {
      this.failed += 1;
      this.options.onSendError?.(to, error as Error);
      return false;
    }
  }

  /** Handles one POST body; returns an error text for a 400, or undefined. */
  receive(text: string): string | undefined {
    let body: Body;
    try {
      body = JSON.parse(text) as Body;
    } catch (error) {
      return `body is not JSON: ${(error as Error).message}`;
    }
    if (typeof body !== "object" || body === null) return "body must be an object";
    if (typeof body.from !== "string" || body.from === "" || body.from.length > nodeIdBytesMax) return "from: must be a node id";
    if (this.dropped(body.from)) return undefined;
    if (body.fragment !== undefined) return this.receiveFragment(body.from, body.fragment);
    if (!Array.isArray(body.messages)) return "messages: must be a list";
    return this.receiveMessages(body.from, body.messages);
  }

  private receiveMessages(from: NodeId, raw: unknown[]): string | undefined {
    const messages: Message[] = [];
    try {
      raw.forEach((value, i) => messages.push(messageFromJson(value, `messages[${i}]`)));
    } catch (error) {
      if (error instanceof MessageDecodeError) return error.message;
      throw error;
    }
    for (const m of messages) {
      if (m.from !== from) return `messages: a message from ${m.from} in a body from ${from}`;
    }
    for (const m of messages) if (m.to === this.options.id) this.handler(m);
    return undefined;
  }

  private receiveFragment(from: NodeId, f: Body["fragment"] & object): string | undefined {
    const valid =
      Number.isSafeInteger(f.id) && Number.isSafeInteger(f.count) && Number.isSafeInteger(f.index) &&
      f.count >= 1 && f.index >= 0 && f.index < f.count && typeof f.data === "string";
    if (!valid) return "fragment: must be {id, index < count, count, data}";
    let joining = this.joining.get(from);
    if (joining === undefined || joining.id !== f.id || joining.parts.length !== f.count) {
      joining = { id: f.id, parts: new Array<string>(f.count), received: 0, bytes: 0 };
      this.joining.set(from, joining);
    }
    if (joining.parts[f.index] === undefined) {
      joining.parts[f.index] = f.data;
      joining.received += 1;
      joining.bytes += f.data.length;
    }
    if (joining.bytes > fragmentedMessageBytesMax) {
      this.joining.delete(from);
      return `fragment: message larger than ${fragmentedMessageBytesMax} bytes`;
    }
    if (joining.received < f.count) return undefined;
    this.joining.delete(from);
    let value: unknown;
    try {
      value = JSON.parse(joining.parts.join(""));
    } catch (error) {
      return `fragment: joined message is not JSON: ${(error as Error).message}`;
    }
    return this.receiveMessages(from, [value]);
  }
}

/** Mounts the raft endpoint (and, when asked, the fault hook) on a process's HTTP app. */
export function mountRaftRoutes(app: Hono, transport: HttpTransport, options: { faultInjection?: boolean } = {}): void {
  app.post(
    raftPath,
    bodyLimit({ maxSize: raftBodyBytesMax + 64 * 1024, onError: (c) => c.json({ error: "raft body too large" }, 413) }),
    async (c) => {
      const problem = transport.receive(await c.req.text());
      return problem === undefined ? c.body(null, 204) : c.json({ error: problem }, 400);
    },
  );
  if (options.faultInjection !== true) return;
  app.get(raftFaultsPath, (c) => c.json(transport.faults()));
  app.post(raftFaultsPath, async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as Partial<TransportFaults> | undefined;
    const blocked = body?.blocked ?? [];
    const dropRate = body?.dropRate ?? 0;
    const ok = Array.isArray(blocked) && blocked.every((id) => typeof id === "string") && typeof dropRate === "number" && dropRate >= 0 && dropRate <= 1;
    if (!ok) return c.json({ error: "expected {blocked: string[], dropRate: 0..1}" }, 400);
    transport.setFaults({ blocked, dropRate });
    return c.json(transport.faults());
  });
}

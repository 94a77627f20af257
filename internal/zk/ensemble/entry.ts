// What an ensemble's Raft log holds: batches of requests (not txns: each member derives the txn
// from the request on its own copy of the tree, see replicated-tree.ts) stamped with the leader's
// clock, and one announcement per leadership. Jute-encoded, like the rest of zk-lite's formats.
//
//   entry     := u8 kind
//                kind 1 (requests): long timeMs, requests
//                kind 2 (leader):   long term, int serverId
//   requests  := int count, request*
//   request   := int tag
//                tag 1 (client write, closeSession, sync): origin, long sessionId, authIds, int opCode, buffer body
//                tag 2 (createSession): origin, long sessionId, int timeoutMs, buffer password
//                tag 3 (expireSession, from the leader's tracker): long sessionId
//                tag 4 (deleteContainer, from the leader's sweeper): string path
//   origin    := int serverId (0: none), int incarnation, long seq
//   authIds   := int count, (string scheme, string id)*
//
// A follower encodes `requests` and forwards the bytes; the leader checks they decode, prepends
// the kind and its time, and proposes them unchanged.

import type { AuthId } from "../acl.ts";
import { JuteDecodeError, JuteReader, JuteWriter } from "../jute.ts";

/** Requests in one entry (and one forwarded batch). */
export const requestsPerEntryMax = 4096;
/** Auth ids one connection may carry into a request. */
export const authIdsPerRequestMax = 64;

/** Where a request came from, so the server holding the client's connection can answer it. */
export interface Origin {
  /** The server's position in --peers (0 for requests no client waits on). */
  readonly serverId: number;
  /** Random per process start: answers are only for requests made by this run of the server. */
  readonly incarnation: number;
  readonly seq: number;
}

export type EnsembleRequest =
  | {
      readonly kind: "client";
      readonly origin: Origin;
      readonly sessionId: bigint;
      readonly authIds: readonly AuthId[];
      /** A txn op (create, delete, setData, ...), closeSession or sync. */
      readonly opCode: number;
      /** The request after its header, as the client sent it. */
      readonly body: Uint8Array;
    }
  | { readonly kind: "createSession"; readonly origin: Origin; readonly sessionId: bigint; readonly timeoutMs: number; readonly password: Uint8Array }
  | { readonly kind: "expireSession"; readonly sessionId: bigint }
  | { readonly kind: "deleteContainer"; readonly path: string };

export type EnsembleEntry =
  | { readonly kind: "requests"; readonly timeMs: number; readonly requests: readonly EnsembleRequest[] }
  | { readonly kind: "leader"; readonly term: number; readonly serverId: number };

const KIND = { requests: 1, leader: 2 } as const;
const TAG = { client: 1, createSession: 2, expireSession: 3, deleteContainer: 4 } as const;

/** No origin: nobody waits for the answer. */
export const NO_ORIGIN: Origin = { serverId: 0, incarnation: 0, seq: 0 };

export function writeRequests(w: JuteWriter, requests: readonly EnsembleRequest[]): void {
  w.int(requests.length);
  for (const r of requests) writeRequest(w, r);
}

function writeOrigin(w: JuteWriter, o: Origin): void {
  w.int(o.serverId).int(o.incarnation).longNumber(o.seq);
}

function writeRequest(w: JuteWriter, r: EnsembleRequest): void {
  switch (r.kind) {
    case "client":
      w.int(TAG.client);
      writeOrigin(w, r.origin);
      w.long(r.sessionId).int(r.authIds.length);
      for (const a of r.authIds) w.string(a.scheme).string(a.id);
      w.int(r.opCode).buffer(r.body);
      return;
    case "createSession":
      w.int(TAG.createSession);
      writeOrigin(w, r.origin);
      w.long(r.sessionId).int(r.timeoutMs).buffer(r.password);
      return;
    case "expireSession":
      w.int(TAG.expireSession).long(r.sessionId);
      return;
    case "deleteContainer":
      w.int(TAG.deleteContainer).string(r.path);
      return;
  }
}

/** The `requests` part alone: what a follower forwards. */
export function encodeRequests(requests: readonly EnsembleRequest[]): Uint8Array {
  const w = new JuteWriter(256);
  writeRequests(w, requests);
  return w.toBytes();
}

/** A requests entry from an encoded `requests` part (the leader's stamp in front of a follower's bytes). */
export function requestsEntry(timeMs: number, encodedRequests: Uint8Array): Uint8Array {
  const w = new JuteWriter(9 + encodedRequests.length);
  w.raw(new Uint8Array([KIND.requests])).longNumber(timeMs).raw(encodedRequests);
  return w.toBytes();
}

export function encodeEntry(e: EnsembleEntry): Uint8Array {
  if (e.kind === "requests") return requestsEntry(e.timeMs, encodeRequests(e.requests));
  const w = new JuteWriter(16);
  w.raw(new Uint8Array([KIND.leader])).longNumber(e.term).int(e.serverId);
  return w.toBytes();
}

function readOrigin(r: JuteReader): Origin {
  return { serverId: r.int(), incarnation: r.int(), seq: r.longNumber() };
}

function readRequest(r: JuteReader): EnsembleRequest {
  const tag = r.int();
  switch (tag) {
    case TAG.client: {
      const origin = readOrigin(r);
      const sessionId = r.long();
      const count = r.int();
      if (count < 0 || count > authIdsPerRequestMax) throw new JuteDecodeError(`bad auth id count ${count}`);
      const authIds: AuthId[] = [];
      for (let i = 0; i < count; i++) authIds.push({ scheme: r.string(), id: r.string() });
      return { kind: "client", origin, sessionId, authIds, opCode: r.int(), body: r.bufferCopy() };
    }
    case TAG.createSession:
      return { kind: "createSession", origin: readOrigin(r), sessionId: r.long(), timeoutMs: r.int(), password: r.bufferCopy() };
    case TAG.expireSession:
      return { kind: "expireSession", sessionId: r.long() };
    case TAG.deleteContainer:
      return { kind: "deleteContainer", path: r.string() };
    default:
      throw new JuteDecodeError(`unknown request tag ${tag}`);
  }
}

/** Decodes a `requests` part; throws JuteDecodeError on anything but exactly one well-formed list. */
export function decodeRequests(bytes: Uint8Array, start = 0): EnsembleRequest[] {
  const r = new JuteReader(bytes, start);
  const count = r.int();
  if (count < 0 || count > requestsPerEntryMax) throw new JuteDecodeError(`bad request count ${count}`);
  const out: EnsembleRequest[] = [];
  for (let i = 0; i < count; i++) out.push(readRequest(r));
  if (r.remaining() !== 0) throw new JuteDecodeError(`${r.remaining()} bytes after the requests`);
  return out;
}

export function decodeEntry(bytes: Uint8Array): EnsembleEntry {
  if (bytes.length < 1) throw new JuteDecodeError("empty entry");
  const kind = bytes[0];
  const r = new JuteReader(bytes, 1);
  if (kind === KIND.requests) {
    const timeMs = r.longNumber();
    return { kind: "requests", timeMs, requests: decodeRequests(bytes, r.offset) };
  }
  if (kind === KIND.leader) {
    const e: EnsembleEntry = { kind: "leader", term: r.longNumber(), serverId: r.int() };
    if (r.remaining() !== 0) throw new JuteDecodeError(`${r.remaining()} bytes after the leader entry`);
    return e;
  }
  throw new JuteDecodeError(`unknown entry kind ${kind}`);
}

// Messages as JSON for transports: payloads as base64, everything else as is. Decoding checks
// every field of what arrives from the network and names the first bad one, so a malformed or
// hostile request is refused with a 400 instead of reaching the core (whose assertions would stop
// the process).

import { assertNever } from "../runtime/index.ts";
import { membersMax } from "./limits.ts";
import type { ConfChange, ConfState, Entry, Message, MessageType, Snapshot } from "./types.ts";

/** Longest node id accepted from the network. */
export const nodeIdBytesMax = 256;
/** Entries in one decoded AppendEntries message. */
export const decodedEntriesMax = 10_000;

export class MessageDecodeError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "MessageDecodeError";
  }
}

const messageTypes: ReadonlySet<MessageType> = new Set<MessageType>([
  "preVote",
  "vote",
  "preVoteResp",
  "voteResp",
  "append",
  "appendResp",
  "heartbeat",
  "heartbeatResp",
  "snapshot",
  "timeoutNow",
]);

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function toBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

function entryToJson(e: Entry): unknown {
  return e.kind === "normal"
    ? { term: e.term, index: e.index, kind: "normal", data: toBase64(e.data) }
    : { term: e.term, index: e.index, kind: "conf", change: e.change };
}

function snapshotToJson(s: Snapshot): unknown {
  return { index: s.index, term: s.term, conf: s.conf, data: toBase64(s.data) };
}

export function messageToJson(m: Message): unknown {
  if (m.type === "append") return { ...m, entries: m.entries.map(entryToJson) };
  if (m.type === "snapshot") return { ...m, snapshot: snapshotToJson(m.snapshot) };
  return m;
}

type Obj = Record<string, unknown>;

function object(value: unknown, field: string): Obj {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new MessageDecodeError(field, "must be an object");
  return value as Obj;
}

function count(o: Obj, key: string, field: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new MessageDecodeError(`${field}.${key}`, "must be a non-negative integer");
  }
  return v;
}

function flag(o: Obj, key: string, field: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new MessageDecodeError(`${field}.${key}`, "must be true or false");
  return v;
}

function nodeId(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "" || value.length > nodeIdBytesMax) {
    throw new MessageDecodeError(field, `must be a node id of 1 to ${nodeIdBytesMax} characters`);
  }
  return value;
}

function nodeIds(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > membersMax) throw new MessageDecodeError(field, `must be a list of at most ${membersMax} ids`);
  return value.map((v, i) => nodeId(v, `${field}[${i}]`));
}

function bytes(value: unknown, field: string): Uint8Array {
  if (typeof value !== "string" || value.length % 4 !== 0 || !base64Pattern.test(value)) {
    throw new MessageDecodeError(field, "must be base64");
  }
  return new Uint8Array(Buffer.from(value, "base64"));
}

function confChange(value: unknown, field: string): ConfChange {
  const o = object(value, field);
  switch (o.type) {
    case "bootstrap":
      return { type: "bootstrap", voters: nodeIds(o.voters, `${field}.voters`) };
    case "addLearner":
    case "promote":
    case "addVoter":
    case "remove":
      return { type: o.type, node: nodeId(o.node, `${field}.node`) };
    default:
      throw new MessageDecodeError(`${field}.type`, "unknown conf change");
  }
}

function entry(value: unknown, field: string): Entry {
  const o = object(value, field);
  const term = count(o, "term", field);
  const index = count(o, "index", field);
  if (o.kind === "normal") return { term, index, kind: "normal", data: bytes(o.data, `${field}.data`) };
  if (o.kind === "conf") return { term, index, kind: "conf", change: confChange(o.change, `${field}.change`) };
  throw new MessageDecodeError(`${field}.kind`, "must be normal or conf");
}

function conf(value: unknown, field: string): ConfState {
  const o = object(value, field);
  return { voters: nodeIds(o.voters, `${field}.voters`), learners: nodeIds(o.learners, `${field}.learners`) };
}

function snapshot(value: unknown, field: string): Snapshot {
  const o = object(value, field);
  return { index: count(o, "index", field), term: count(o, "term", field), conf: conf(o.conf, `${field}.conf`), data: bytes(o.data, `${field}.data`) };
}

function entries(value: unknown, field: string, prevIndex: number): Entry[] {
  if (!Array.isArray(value) || value.length > decodedEntriesMax) {
    throw new MessageDecodeError(field, `must be a list of at most ${decodedEntriesMax} entries`);
  }
  return value.map((v, i) => {
    const e = entry(v, `${field}[${i}]`);
    if (e.index !== prevIndex + 1 + i) throw new MessageDecodeError(`${field}[${i}].index`, "entries must follow prevIndex contiguously");
    return e;
  });
}

/** The message in `value`, or a MessageDecodeError naming the first bad field. */
export function messageFromJson(value: unknown, field = "message"): Message {
  const o = object(value, field);
  const type = o.type;
  if (typeof type !== "string" || !messageTypes.has(type as MessageType)) throw new MessageDecodeError(`${field}.type`, "unknown message type");
  const base = { from: nodeId(o.from, `${field}.from`), to: nodeId(o.to, `${field}.to`), term: count(o, "term", field) };
  const t = type as MessageType;
  switch (t) {
    case "preVote":
    case "vote":
      return { ...base, type: t, lastIndex: count(o, "lastIndex", field), lastTerm: count(o, "lastTerm", field), transfer: flag(o, "transfer", field) };
    case "preVoteResp":
    case "voteResp":
      return { ...base, type: t, reject: flag(o, "reject", field) };
    case "append": {
      const prevIndex = count(o, "prevIndex", field);
      const list = entries(o.entries, `${field}.entries`, prevIndex);
      return { ...base, type: t, prevIndex, prevTerm: count(o, "prevTerm", field), entries: list, commit: count(o, "commit", field) };
    }
    case "appendResp":
      return {
        ...base,
        type: t,
        index: count(o, "index", field),
        reject: flag(o, "reject", field),
        hintIndex: count(o, "hintIndex", field),
        hintTerm: count(o, "hintTerm", field),
      };
    case "heartbeat":
      return { ...base, type: t, commit: count(o, "commit", field) };
    case "heartbeatResp":
    case "timeoutNow":
      return { ...base, type: t };
    case "snapshot":
      return { ...base, type: t, snapshot: snapshot(o.snapshot, `${field}.snapshot`) };
    default:
      return assertNever(t);
  }
}

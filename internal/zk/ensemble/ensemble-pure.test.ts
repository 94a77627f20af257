import { describe, expect, test } from "bun:test";
import { CreateFlag, ErrorCode, OpCode } from "../constants.ts";
import { JuteWriter } from "../jute.ts";
import { writeAclList } from "../records.ts";
import { OPEN_ACL_UNSAFE } from "../acl.ts";
import { decodeEntry, decodeRequests, encodeEntry, encodeRequests, requestsEntry, type EnsembleRequest, type Origin } from "./entry.ts";
import { campaignDelayMs } from "./liveness.ts";
import { findSelf, parsePeers, peersProblem } from "./peers.ts";
import { ReplicatedTree, type AppliedRequest } from "./replicated-tree.ts";
import { counterOf, epochOf, makeZxid, nextZxid, ZXID_COUNTER_MAX } from "./zxid.ts";

describe("--peers", () => {
  test("entries are host:client_port:peer_port, numbered from 1 in list order", () => {
    const peers = parsePeers("127.0.0.1:2181:2888, 127.0.0.1:2182:2889,zk3.example:2181:2888");
    expect(peers).toEqual([
      { serverId: 1, host: "127.0.0.1", clientPort: 2181, peerPort: 2888, nodeId: "127.0.0.1:2888" },
      { serverId: 2, host: "127.0.0.1", clientPort: 2182, peerPort: 2889, nodeId: "127.0.0.1:2889" },
      { serverId: 3, host: "zk3.example", clientPort: 2181, peerPort: 2888, nodeId: "zk3.example:2888" },
    ]);
  });

  test("a bad entry is named in the problem", () => {
    expect(peersProblem("127.0.0.1:2181:2888,127.0.0.1:2182")).toBe("entry 2: expected host:client_port:peer_port, got '127.0.0.1:2182'");
    expect(peersProblem("127.0.0.1:2181:0")).toBe("entry 1 '127.0.0.1:2181:0': peer port must be 1..65535, got '0'");
    expect(peersProblem("127.0.0.1:x:2888")).toBe("entry 1 '127.0.0.1:x:2888': client port must be 1..65535, got 'x'");
    expect(peersProblem("h/st:1:2")).toBe("entry 1 'h/st:1:2': bad host 'h/st'");
    expect(peersProblem("a:1:1")).toBe("entry 1 'a:1:1': client port and peer port must differ");
    expect(peersProblem("a:1:2,a:3:1")).toBe("entry 2 'a:3:1': a:1 is already used by entry 1");
    expect(peersProblem("a:1:2,b:1:2")).toBeUndefined();
  });

  test("a server finds itself by --ip (or --hostname) and --port", () => {
    const peers = parsePeers("127.0.0.1:2181:2888,127.0.0.1:2182:2889");
    const self = { ip: "127.0.0.1", hostname: "box", port: 2182, localAddresses: [] };
    expect(findSelf(peers, self).serverId).toBe(2);
    expect(findSelf(peers, { ...self, ip: "0.0.0.0", localAddresses: ["127.0.0.1"] }).serverId).toBe(2);
    expect(() => findSelf(peers, { ...self, port: 2183 })).toThrow("this server, 127.0.0.1:2183 (or box:2183), is not in the list");
  });
});

describe("after the leader's connection closes", () => {
  test("the surviving members campaign in --peers order, half a heartbeat apart", () => {
    const peers = parsePeers("h:1:11,h:2:12,h:3:13,h:4:14,h:5:15");
    const delays = (leader: number) => peers.filter((p) => p.serverId !== leader).map((p) => campaignDelayMs(peers, p, `h:${10 + leader}`, 100));
    expect(delays(1)).toEqual([0, 50, 100, 150]);
    expect(delays(3)).toEqual([0, 50, 100, 150]);
    expect(delays(5)).toEqual([0, 50, 100, 150]);
  });
});

describe("zxids", () => {
  test("epoch is the term; the counter restarts at 1 in a newer term and only grows", () => {
    expect(nextZxid(0, 1)).toBe(makeZxid(1, 1));
    expect(nextZxid(makeZxid(1, 7), 1)).toBe(makeZxid(1, 8));
    expect(nextZxid(makeZxid(1, 7), 4)).toBe(makeZxid(4, 1));
    expect(epochOf(makeZxid(4, 9))).toBe(4);
    expect(counterOf(makeZxid(4, 9))).toBe(9);
    // A standalone log's zxids (epoch 0) continue into the first term.
    expect(nextZxid(1234, 2)).toBe(makeZxid(2, 1));
  });

  test("a used-up counter moves to the next epoch, which later terms share", () => {
    const full = makeZxid(3, ZXID_COUNTER_MAX);
    expect(nextZxid(full, 3)).toBe(makeZxid(4, 1));
    expect(nextZxid(makeZxid(4, 1), 3)).toBe(makeZxid(4, 2));
    expect(nextZxid(makeZxid(4, 2), 4)).toBe(makeZxid(4, 3));
    expect(nextZxid(makeZxid(4, 3), 5)).toBe(makeZxid(5, 1));
  });
});

const origin = (seq: number): Origin => ({ serverId: 2, incarnation: 77, seq });

function createBody(path: string, data: string, flags = 0): Uint8Array {
  const w = new JuteWriter();
  w.string(path).buffer(new TextEncoder().encode(data));
  writeAclList(w, OPEN_ACL_UNSAFE);
  w.int(flags);
  return w.toBytes();
}

function setDataBody(path: string, data: string, version = -1): Uint8Array {
  return new JuteWriter().string(path).buffer(new TextEncoder().encode(data)).int(version).toBytes();
}

const session = (id: bigint): EnsembleRequest => ({ kind: "createSession", origin: origin(0), sessionId: id, timeoutMs: 4000, password: new Uint8Array(16).fill(7) });
const client = (sessionId: bigint, opCode: number, body: Uint8Array, seq = 1): EnsembleRequest => ({
  kind: "client",
  origin: origin(seq),
  sessionId,
  authIds: [{ scheme: "ip", id: "127.0.0.1" }],
  opCode,
  body,
});

describe("entries", () => {
  test("requests and announcements round-trip; a follower's bytes become the leader's entry unchanged", () => {
    const requests: EnsembleRequest[] = [
      session(0x0200000000000001n),
      client(0x0200000000000001n, OpCode.create, createBody("/a", "x")),
      { kind: "expireSession", sessionId: -5n },
      { kind: "deleteContainer", path: "/box" },
    ];
    const forwarded = encodeRequests(requests);
    expect(decodeRequests(forwarded)).toEqual(requests);
    expect(decodeEntry(requestsEntry(1_700_000_000_123, forwarded))).toEqual({ kind: "requests", timeMs: 1_700_000_000_123, requests });
    expect(decodeEntry(encodeEntry({ kind: "leader", term: 9, serverId: 3 }))).toEqual({ kind: "leader", term: 9, serverId: 3 });
  });

  test("truncated or padded bytes do not decode", () => {
    const bytes = encodeRequests([client(1n, OpCode.setData, setDataBody("/a", "y"))]);
    expect(() => decodeRequests(bytes.subarray(0, bytes.length - 1))).toThrow();
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes);
    expect(() => decodeRequests(padded)).toThrow("1 bytes after the requests");
    expect(() => decodeEntry(new Uint8Array([9]))).toThrow("unknown entry kind 9");
  });
});

/** Feeds entries to a machine the way the driver does; returns what it applied. */
function feed(machine: ReplicatedTree, entries: { term: number; data: Uint8Array }[], firstIndex = 1): void {
  entries.forEach((e, i) => machine.apply({ index: firstIndex + i, term: e.term, data: e.data }));
}

function recorder(): { applied: AppliedRequest[]; machine: ReplicatedTree } {
  const applied: AppliedRequest[] = [];
  const machine = new ReplicatedTree({ applied: (a) => applied.push(a), announced: () => {}, restored: () => {} });
  return { applied, machine };
}

describe("the replicated tree", () => {
  const sid = 0x0200000000000001n;
  const log = [
    { term: 1, data: encodeEntry({ kind: "leader", term: 1, serverId: 1 }) },
    { term: 1, data: encodeEntry({ kind: "requests", timeMs: 1000, requests: [session(sid), client(sid, OpCode.create, createBody("/a", "x"))] }) },
    { term: 1, data: encodeEntry({ kind: "requests", timeMs: 1001, requests: [client(sid, OpCode.create, createBody("/a", "again")), client(sid, OpCode.sync, new Uint8Array(0))] }) },
    { term: 3, data: encodeEntry({ kind: "leader", term: 3, serverId: 2 }) },
    { term: 3, data: encodeEntry({ kind: "requests", timeMs: 2000, requests: [client(sid, OpCode.setData, setDataBody("/a", "y")), client(sid, OpCode.create, createBody("/a/e", "", CreateFlag.EPHEMERAL))] }) },
  ];

  test("zxids are term<<32|counter; failed writes take one, sync none; stats carry the leader's time", () => {
    const { applied, machine } = recorder();
    feed(machine, log);
    expect(applied.map((a) => a.zxid)).toEqual([makeZxid(1, 1), makeZxid(1, 2), makeZxid(1, 3), null, makeZxid(3, 1), makeZxid(3, 2)]);
    expect(applied[2]!.outcome?.result).toEqual({ type: "error", err: ErrorCode.NODEEXISTS });
    const a = machine.tree.getNode("/a")!;
    expect(machine.tree.statOf(a)).toMatchObject({ czxid: makeZxid(1, 2), mzxid: makeZxid(3, 1), pzxid: makeZxid(3, 2), ctime: 1000, mtime: 2000, version: 1 });
    expect(machine.announcedTerm).toBe(3);
  });

  test("two members fed the same log hold byte-identical trees; a snapshot continues the same way", () => {
    const one = recorder();
    const two = recorder();
    feed(one.machine, log);
    feed(two.machine, log);
    expect(one.machine.snapshot()).toEqual(two.machine.snapshot());
    const three = recorder();
    three.machine.restore(one.machine.snapshot(), log.length);
    const more = [{ term: 3, data: encodeEntry({ kind: "requests", timeMs: 3000, requests: [{ kind: "expireSession", sessionId: sid }] }) }];
    feed(one.machine, more, log.length + 1);
    feed(three.machine, more, log.length + 1);
    expect(three.machine.snapshot()).toEqual(one.machine.snapshot());
    expect(three.machine.tree.getNode("/a/e")).toBeUndefined();
    expect(three.machine.announcedTerm).toBe(3);
  });

  test("a request from a session the leader has expired becomes SESSIONEXPIRED, and no ephemeral outlives it", () => {
    const { applied, machine } = recorder();
    feed(machine, [
      { term: 2, data: encodeEntry({ kind: "requests", timeMs: 1, requests: [session(sid), { kind: "expireSession", sessionId: sid }, client(sid, OpCode.create, createBody("/orphan", "", CreateFlag.EPHEMERAL))] }) },
    ]);
    expect(applied[2]!.outcome?.result).toEqual({ type: "error", err: ErrorCode.SESSIONEXPIRED });
    expect(machine.tree.getNode("/orphan")).toBeUndefined();
    // Expiring it again (a second leader's tracker) makes no txn.
    feed(machine, [{ term: 2, data: encodeEntry({ kind: "requests", timeMs: 2, requests: [{ kind: "expireSession", sessionId: sid }] }) }], 2);
    expect(applied[3]!.zxid).toBeNull();
  });
});

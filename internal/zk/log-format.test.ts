import { describe, expect, test } from "bun:test";
import { DataTree } from "./data-tree.ts";
import { JuteWriter } from "./jute.ts";
import { deserializeSnapshot, LOG_HEADER_BYTES, logHeader, scanLog, serializeSnapshot, SnapshotCorruptError, writeRecord } from "./log-format.ts";
import type { Txn } from "./txn.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function sampleTxns(): Txn[] {
  return [
    { zxid: 1, timeMs: 10, body: { type: "createSession", sessionId: 0x1234n, timeoutMs: 4000, password: new Uint8Array(16).fill(3) } },
    { zxid: 2, timeMs: 11, body: { type: "create", opCode: 1, path: "/a", data: enc("hello"), acl: [{ perms: 31, scheme: "world", id: "anyone" }], ephemeralOwner: 0n, parentCVersion: 1 } },
    { zxid: 3, timeMs: 12, body: { type: "setData", path: "/a", data: enc("x"), version: 1 } },
    { zxid: 4, timeMs: 13, body: { type: "error", err: -110 } },
    {
      zxid: 5,
      timeMs: 14,
      body: { type: "multi", ops: [{ type: "create", opCode: 15, path: "/a/b", data: enc(""), acl: [], ephemeralOwner: -0x8000000000000000n, parentCVersion: 1 }, { type: "delete", path: "/a/b" }, { type: "check", path: "/a" }] },
    },
    { zxid: 6, timeMs: 15, body: { type: "setACL", path: "/a", acl: [{ perms: 1, scheme: "ip", id: "1.2.3.4" }], version: 1 } },
    { zxid: 7, timeMs: 16, body: { type: "closeSession", sessionId: 0x1234n } },
  ];
}

function logBytes(txns: Txn[]): Uint8Array {
  const w = new JuteWriter();
  w.raw(logHeader());
  const scratch = new JuteWriter();
  for (const t of txns) writeRecord(w, t, scratch);
  return w.toBytes();
}

describe("txn log format", () => {
  test("records round-trip", () => {
    const txns = sampleTxns();
    const scan = scanLog(logBytes(txns));
    expect(scan.tornReason).toBeNull();
    expect(scan.txns).toEqual(txns);
  });

  test("a log cut at any byte keeps exactly the whole records before the cut", () => {
    const txns = sampleTxns();
    const bytes = logBytes(txns);
    const ends: number[] = [];
    {
      let at = LOG_HEADER_BYTES;
      const v = new DataView(bytes.buffer);
      while (at < bytes.length) {
        at += 8 + v.getUint32(at);
        ends.push(at);
      }
    }
    for (let cut = LOG_HEADER_BYTES; cut <= bytes.length; cut++) {
      const scan = scanLog(bytes.subarray(0, cut));
      const whole = ends.filter((e) => e <= cut).length;
      expect(scan.txns.length).toBe(whole);
      expect(scan.validEnd).toBe(whole === 0 ? LOG_HEADER_BYTES : ends[whole - 1]!);
      expect(scan.tornReason === null).toBe(cut === scan.validEnd);
    }
  });

  test("a flipped bit in a record is caught by the checksum and ends the scan there", () => {
    const txns = sampleTxns();
    const bytes = logBytes(txns);
    const corrupt = bytes.slice();
    const third = scanLog(logBytes(txns.slice(0, 2))).validEnd;
    corrupt[third + 12]! ^= 0x10;
    const scan = scanLog(corrupt);
    expect(scan.txns.length).toBe(2);
    expect(scan.validEnd).toBe(third);
    expect(scan.tornReason).toMatch(/checksum/);
  });

  test("zero fill after the last record is a clean end; anything else there is a torn tail", () => {
    const bytes = logBytes(sampleTxns());
    const withZeros = new Uint8Array(bytes.length + 100);
    withZeros.set(bytes);
    expect(scanLog(withZeros)).toMatchObject({ validEnd: bytes.length, tornReason: null });
    expect(scanLog(withZeros).txns.length).toBe(7);
    withZeros[withZeros.length - 1] = 1;
    expect(scanLog(withZeros)).toMatchObject({ validEnd: bytes.length, tornReason: expect.stringMatching(/after the zero-filled end/) });
    const withJunk = new Uint8Array(bytes.length + 5);
    withJunk.set(bytes);
    withJunk.set([0, 0, 1, 0, 9], bytes.length);
    expect(scanLog(withJunk)).toMatchObject({ validEnd: bytes.length, tornReason: expect.any(String) });
  });

  test("snapshots round-trip and refuse corruption", () => {
    const tree = new DataTree();
    for (const t of sampleTxns().slice(0, 6)) tree.apply(t);
    const snap = serializeSnapshot(tree, 99);
    const loaded = new DataTree();
    expect(deserializeSnapshot(snap, loaded)).toEqual({ zxid: 6 });
    expect(serializeSnapshot(loaded, 99)).toEqual(snap);
    for (const at of [0, 10, snap.length - 10, snap.length - 1]) {
      const bad = snap.slice();
      bad[at]! ^= 1;
      expect(() => deserializeSnapshot(bad, new DataTree())).toThrow(SnapshotCorruptError);
    }
    expect(() => deserializeSnapshot(snap.subarray(0, snap.length - 7), new DataTree())).toThrow(SnapshotCorruptError);
  });
});

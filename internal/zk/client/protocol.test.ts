import { expect, test } from "bun:test";
import { ErrorCode, OpCode } from "../constants.ts";
import { JuteReader, JuteWriter } from "../jute.ts";
import { readSetWatches } from "../records.ts";
import { ZkMultiError } from "./errors.ts";
import { decodeConnectResponse, decodeMulti, encodeConnectRequest, encodeSetWatches } from "./protocol.ts";
import { readConnectRequest } from "../records.ts";

test("ConnectRequest round-trips through zk-lite's decoder, with the readOnly byte", () => {
  const password = new Uint8Array(16).fill(7);
  const req = readConnectRequest(new JuteReader(encodeConnectRequest({ lastZxidSeen: 42n, timeoutMs: 6000, sessionId: 0x1234n, password })));
  expect(req).toEqual({ protocolVersion: 0, lastZxidSeen: 42n, timeoutMs: 6000, sessionId: 0x1234n, password, readOnly: false });
  const w = new JuteWriter().int(0).int(4000).long(99n).buffer(password).bool(false);
  expect(decodeConnectResponse(w.toBytes())).toEqual({ timeoutMs: 4000, sessionId: 99n, password });
});

test("setWatches splits into packets under the byte bound, keeping every path once", () => {
  const data = Array.from({ length: 50 }, (_, i) => `/data/${"x".repeat(20)}${i}`);
  const child = Array.from({ length: 30 }, (_, i) => `/child/${i}`);
  const frames = encodeSetWatches(7n, { data, exist: ["/e"], child }, 400, -8);
  expect(frames.length).toBeGreaterThan(3);
  const seen = { data: [] as string[], exist: [] as string[], child: [] as string[] };
  for (const frame of frames) {
    const r = new JuteReader(frame);
    expect(r.int()).toBe(-8);
    expect(r.int()).toBe(OpCode.setWatches);
    const sw = readSetWatches(r, false);
    expect(sw.relativeZxid).toBe(7);
    seen.data.push(...sw.dataWatches);
    seen.exist.push(...sw.existWatches);
    seen.child.push(...sw.childWatches);
  }
  expect(seen).toEqual({ data, exist: ["/e"], child });
  expect(encodeSetWatches(0n, { data: [], exist: [], child: [] }, 400, -8)).toEqual([]);
});

test("a failed multi names the first failing op", () => {
  const w = new JuteWriter();
  w.int(OpCode.error).bool(false).int(ErrorCode.OK).int(ErrorCode.OK);
  w.int(OpCode.error).bool(false).int(ErrorCode.NONODE).int(ErrorCode.NONODE);
  w.int(-1).bool(true).int(-1);
  try {
    decodeMulti(new JuteReader(w.toBytes()));
    throw new Error("expected a ZkMultiError");
  } catch (error) {
    expect(error).toBeInstanceOf(ZkMultiError);
    expect((error as ZkMultiError).failedIndex).toBe(1);
    expect((error as ZkMultiError).code).toBe(ErrorCode.NONODE);
  }
});

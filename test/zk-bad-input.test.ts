// Bad input against zk-lite in its own process: truncated and malformed packets, lengths past
// the limit, short headers, connection floods, and a seeded fuzz of random and mutated packets.
// The server must answer with clean errors or close the connection, never crash, and afterwards
// still answer ruok, serve a normal client, and recover the same tree after a restart.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SeededRandom } from "../internal/runtime/index.ts";
import { ErrorCode, OpCode } from "../internal/zk/constants.ts";
import { JuteWriter } from "../internal/zk/jute.ts";
import { decodeChildren, decodeStat, fourLetterWord, RawZkClient } from "./zk/raw-client.ts";
import { startZkLiteProcess, type RunningServer } from "./zk/servers.ts";

const SEED = Number(process.env["ZK_FUZZ_SEED"] ?? 7);
const FUZZ_CASES_MAX = 4000;
const FUZZ_TIME_MS = 15_000;
const JUTE_MAX = 64 * 1024;

let server: RunningServer;

beforeAll(async () => {
  server = await startZkLiteProcess({ whitelist: ["*"], maxClientCnxns: 0, juteMaxBufferBytes: JUTE_MAX, admin: false, tickTimeMs: 500 });
}, 60_000);
afterAll(async () => {
  await server.stop("SIGKILL");
});

function frame(body: Uint8Array, claimedLength = body.length): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, claimedLength);
  out.set(body, 4);
  return out;
}

function connectBody(): Uint8Array {
  return new JuteWriter().int(0).long(0n).int(10_000).long(0n).buffer(new Uint8Array(16)).bool(false).toBytes();
}

async function healthy(): Promise<void> {
  expect(server.alive()).toBe(true);
  expect(await fourLetterWord(server.port, "ruok")).toBe("imok");
  const c = await RawZkClient.connect(server.port);
  const p = `/healthy-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  expect((await c.create(p, "ok")).err).toBe(0);
  expect((await c.getData(p)).err).toBe(0);
  expect((await c.delete(p)).err).toBe(0);
  c.close();
}

async function expectClosed(bytes: Uint8Array, afterHandshake = false): Promise<void> {
  const c = afterHandshake ? await RawZkClient.connect(server.port) : await RawZkClient.open(server.port);
  c.writeRaw(bytes);
  await c.waitClosed(5000);
}

describe("zk-lite under bad input", () => {
  test("lengths below zero or past jute.maxbuffer close the connection", async () => {
    await expectClosed(frame(new Uint8Array(0), -1));
    await expectClosed(frame(new Uint8Array(0), 0x7fffffff));
    await expectClosed(frame(new Uint8Array(8), JUTE_MAX + 1), true);
    await healthy();
  });

  test("a malformed connect request or a short request header closes the connection", async () => {
    await expectClosed(frame(new Uint8Array([1, 2, 3, 4, 5])));
    await expectClosed(frame(new JuteWriter().int(0).long(0n).int(1000).long(0n).int(500).toBytes()));
    await expectClosed(frame(new Uint8Array([0, 0, 0])), true);
    await healthy();
  });

  test("a packet cut short, then the client leaving, leaves the server fine", async () => {
    const c = await RawZkClient.connect(server.port);
    const body = new JuteWriter().int(1).int(OpCode.create).string("/cut").toBytes();
    c.writeRaw(frame(body, body.length + 100));
    await Bun.sleep(50);
    c.close();
    const half = await RawZkClient.open(server.port);
    half.writeRaw(frame(connectBody()).subarray(0, 10));
    await Bun.sleep(50);
    half.close();
    await healthy();
  });

  test("bodies that do not decode get MARSHALLINGERROR and the session goes on", async () => {
    const c = await RawZkClient.connect(server.port);
    expect((await c.request(OpCode.setData, (w) => w.string("/x").int(1_000_000))).err).toBe(ErrorCode.MARSHALLINGERROR);
    expect((await c.request(OpCode.multi, (w) => w.int(OpCode.create).bool(false).int(-1))).err).toBe(ErrorCode.MARSHALLINGERROR);
    expect((await c.request(OpCode.multi, (w) => w.int(OpCode.getData).bool(false).int(-1).string("/").bool(false).int(-1).bool(true).int(-1))).err).toBe(
      ErrorCode.MARSHALLINGERROR,
    );
    expect((await c.request(OpCode.setACL, (w) => w.string("/").int(-7))).err).toBe(ErrorCode.MARSHALLINGERROR);
    expect((await c.ping()).err).toBe(0);
    c.close();
    await healthy();
  });

  test("thousands of connections at once are served, then let go", async () => {
    const clients = await Promise.all(Array.from({ length: 2000 }, () => RawZkClient.connect(server.port, { timeoutMs: 10_000 })));
    expect(new Set(clients.map((c) => c.sessionId)).size).toBe(2000);
    const srvr = await fourLetterWord(server.port, "srvr");
    expect(Number(/Connections: (\d+)/.exec(srvr)?.[1])).toBeGreaterThanOrEqual(2000);
    await Promise.all(clients.slice(0, 500).map((c) => c.closeSession()));
    for (const c of clients) c.close();
    await healthy();
  }, 60_000);

  test("past maxClientCnxns per address, new connections are closed at once", async () => {
    const limited = await startZkLiteProcess({ maxClientCnxns: 10, admin: false });
    try {
      const kept = await Promise.all(Array.from({ length: 10 }, () => RawZkClient.connect(limited.port)));
      const extra = await RawZkClient.open(limited.port);
      await extra.waitClosed(5000);
      kept[0]!.close();
      await Bun.sleep(100);
      const again = await RawZkClient.connect(limited.port);
      expect(again.sessionId).not.toBe(0n);
      for (const c of [...kept, again]) c.close();
    } finally {
      await limited.stop("SIGKILL");
    }
  }, 30_000);

  test(`seeded fuzz (seed ${SEED}): random and mutated packets, then ruok, a normal client and an identical tree after restart`, async () => {
    const random = new SeededRandom(SEED);
    const started = Date.now();
    let cases = 0;
    const setup = await RawZkClient.connect(server.port);
    await setup.create("/fz");
    setup.close();
    while (cases < FUZZ_CASES_MAX && Date.now() - started < FUZZ_TIME_MS) {
      const batch = Array.from({ length: 20 }, () => fuzzOneConnection(server.port, random));
      await Promise.all(batch);
      cases += batch.length;
      if (!server.alive()) throw new Error(`zk-lite died during fuzzing (seed=${SEED}, after ~${cases} connections)`);
    }
    console.log(`zk-fuzz: seed=${SEED} connections=${cases} in ${Date.now() - started} ms`);
    await healthy();
    const before = await dumpTree(server.port, "/fz");
    await server.stop("SIGTERM");
    server = await startZkLiteProcess({ dataDir: server.dataDir, whitelist: ["*"], maxClientCnxns: 0, juteMaxBufferBytes: JUTE_MAX, admin: false, tickTimeMs: 500 });
    const after = await dumpTree(server.port, "/fz");
    expect(after).toEqual(before);
    await healthy();
  }, 90_000);
});

// ---------------------------------------------------------------- fuzz generators

const NAMES = ["a", "b", "c", "s-", "e", "", "..", "a/b", "\u0000", "é"];

function randomPath(r: SeededRandom): string {
  const depth = r.nextInt(4);
  let p = "/fz";
  for (let i = 0; i < depth; i++) p += `/${NAMES[r.nextInt(NAMES.length)]}`;
  return r.nextInt(20) === 0 ? p.slice(1) : p;
}

function randomAcl(r: SeededRandom, w: JuteWriter): void {
  const choices = [
    () => w.int(1).int(31).string("world").string("anyone"),
    () => w.int(0),
    () => w.int(1).int(31).string("auth").string(""),
    () => w.int(1).int(r.nextInt(64)).string("digest").string("u:x"),
    () => w.int(1).int(31).string("ip").string("127.0.0.1"),
    () => w.int(-1),
  ];
  choices[r.nextInt(choices.length)]!();
}

/** A well-formed request of a random kind with random (often invalid) arguments. */
function validRequest(r: SeededRandom, xid: number): Uint8Array {
  const w = new JuteWriter();
  const ops = [
    OpCode.create,
    OpCode.create2,
    OpCode.createContainer,
    OpCode.createTTL,
    OpCode.delete,
    OpCode.exists,
    OpCode.getData,
    OpCode.setData,
    OpCode.getACL,
    OpCode.setACL,
    OpCode.getChildren,
    OpCode.getChildren2,
    OpCode.sync,
    OpCode.multi,
    OpCode.check,
    OpCode.addWatch,
    OpCode.removeWatches,
    OpCode.checkWatches,
    OpCode.getEphemerals,
    OpCode.getAllChildrenNumber,
    OpCode.whoAmI,
    OpCode.setWatches,
    OpCode.setWatches2,
    OpCode.multiRead,
    OpCode.ping,
  ];
  const type = ops[r.nextInt(ops.length)]!;
  w.int(xid).int(type);
  const writeCreate = (t: number): void => {
    w.string(randomPath(r)).buffer(new Uint8Array(r.nextInt(30)));
    randomAcl(r, w);
    w.int(r.nextInt(8));
    if (t === OpCode.createTTL) w.longNumber(r.nextInt(3) === 0 ? -1 : r.nextInt(5000));
  };
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      writeCreate(type);
      break;
    case OpCode.delete:
    case OpCode.check:
      w.string(randomPath(r)).int(r.nextInt(3) - 1);
      break;
    case OpCode.setData:
      w.string(randomPath(r)).buffer(new Uint8Array(r.nextInt(50))).int(r.nextInt(3) - 1);
      break;
    case OpCode.setACL:
      w.string(randomPath(r));
      randomAcl(r, w);
      w.int(r.nextInt(3) - 1);
      break;
    case OpCode.multi: {
      const n = r.nextInt(5);
      for (let i = 0; i < n; i++) {
        const t = [OpCode.create, OpCode.delete, OpCode.setData, OpCode.check][r.nextInt(4)]!;
        w.int(t).bool(false).int(-1);
        if (t === OpCode.create) writeCreate(t);
        else if (t === OpCode.setData) w.string(randomPath(r)).buffer(new Uint8Array(3)).int(-1);
        else w.string(randomPath(r)).int(r.nextInt(3) - 1);
      }
      w.int(-1).bool(true).int(-1);
      break;
    }
    case OpCode.multiRead: {
      const n = r.nextInt(4);
      for (let i = 0; i < n; i++) w.int(r.nextInt(2) === 0 ? OpCode.getData : OpCode.getChildren).bool(false).int(-1).string(randomPath(r)).bool(false);
      w.int(-1).bool(true).int(-1);
      break;
    }
    case OpCode.addWatch:
      w.string(randomPath(r)).int(r.nextInt(3));
      break;
    case OpCode.removeWatches:
    case OpCode.checkWatches:
      w.string(randomPath(r)).int(r.nextInt(5));
      break;
    case OpCode.setWatches:
    case OpCode.setWatches2:
      w.longNumber(r.nextInt(100)).stringVector([randomPath(r)]).stringVector([randomPath(r)]).stringVector([randomPath(r)]);
      if (type === OpCode.setWatches2) w.stringVector([randomPath(r)]).stringVector([randomPath(r)]);
      break;
    case OpCode.whoAmI:
    case OpCode.ping:
      break;
    default:
      w.string(randomPath(r)).bool(r.nextInt(2) === 0);
  }
  return w.toBytes();
}

function mutate(r: SeededRandom, body: Uint8Array): Uint8Array {
  const out = body.slice();
  switch (r.nextInt(5)) {
    case 0: // flip bytes
      for (let i = 0, n = 1 + r.nextInt(4); i < n && out.length > 0; i++) out[r.nextInt(out.length)] = r.nextInt(256);
      return out;
    case 1: // truncate
      return out.subarray(0, r.nextInt(out.length + 1));
    case 2: // extend with junk
      return new Uint8Array([...out, ...Array.from({ length: 1 + r.nextInt(16) }, () => r.nextInt(256))]);
    case 3: {
      // a huge or negative length inside the body
      if (out.length >= 12) new DataView(out.buffer).setInt32(8 + r.nextInt(out.length - 11), r.nextInt(2) === 0 ? -5 : 0x7ffffff0);
      return out;
    }
    default: // random op code
      if (out.length >= 8) new DataView(out.buffer).setInt32(4, r.nextInt(300) - 20);
      return out;
  }
}

async function fuzzOneConnection(port: number, r: SeededRandom): Promise<void> {
  const c = await RawZkClient.open(port);
  const plan = r.nextInt(10);
  try {
    if (plan === 0) {
      // Pure noise, with or without a plausible length prefix.
      const junk = new Uint8Array(1 + r.nextInt(200)).map(() => r.nextInt(256));
      c.writeRaw(r.nextInt(2) === 0 ? junk : frame(junk));
    } else if (plan === 1) {
      c.writeRaw(frame(mutate(r, connectBody())));
    } else {
      c.writeRaw(frame(connectBody()));
      const n = 1 + r.nextInt(12);
      for (let i = 0; i < n; i++) {
        const req = validRequest(r, i + 1);
        const body = r.nextInt(3) === 0 ? mutate(r, req) : req;
        const lengthLie = r.nextInt(25) === 0;
        c.writeRaw(frame(body, lengthLie ? body.length + r.nextInt(64) - 32 : body.length));
      }
      if (r.nextInt(4) === 0) c.writeRaw(frame(new JuteWriter().int(99).int(OpCode.closeSession).toBytes()));
    }
    await Bun.sleep(r.nextInt(20));
  } finally {
    c.close();
  }
}

/** Path -> stat and data of every node under root, for comparing a live tree with a recovered one. */
async function dumpTree(port: number, root: string): Promise<Record<string, string>> {
  const c = await RawZkClient.connect(port);
  const out: Record<string, string> = {};
  const walk = async (p: string): Promise<void> => {
    const d = await c.getData(p);
    if (d.err !== 0) {
      out[p] = `err ${d.err}`;
      return;
    }
    const data = d.body.bufferOrNull();
    const stat = decodeStat(d);
    // Ephemerals of sessions still open before the restart stay; owners and times are data too.
    out[p] = JSON.stringify({ data: Array.from(data ?? []), ...stat, ephemeralOwner: stat.ephemeralOwner.toString(16) });
    const kids = await c.getChildren(p);
    if (kids.err !== 0) return;
    for (const k of decodeChildren(kids).children) await walk(p === "/" ? `/${k}` : `${p}/${k}`);
  };
  await walk(root);
  c.close();
  return out;
}


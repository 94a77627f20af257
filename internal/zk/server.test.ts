import { afterEach, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { realClock, SeededRandom } from "../runtime/index.ts";
import { ErrorCode } from "./constants.ts";
import { JuteReader, JuteWriter } from "./jute.ts";
import { startZkLite, type ZkLiteServer } from "./server.ts";
import { resolveOptions } from "./types.ts";

const logs: string[] = [];
const logger = {
  info: (_o: object, m?: string) => void logs.push(`info ${m}`),
  warn: (_o: object, m?: string) => void logs.push(`warn ${m}`),
  error: (_o: object, m?: string) => void logs.push(`error ${m}`),
  debug: () => {},
};
const servers: ZkLiteServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function start(extra: Record<string, unknown> = {}): Promise<ZkLiteServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-server-test-"));
  dirs.push(dataDir);
  const s = await startZkLite({ dataDir, port: 0, adminPort: 0, tickTimeMs: 100, fourLetterWordWhitelist: ["*"], ...extra }, { clock: realClock, random: new SeededRandom(1), logger });
  servers.push(s);
  return s;
}

/** A minimal in-test client: one request at a time over node's fetch-free socket API. */
async function roundTrip(port: number, frames: Uint8Array[], expectFrames: number): Promise<JuteReader[]> {
  const out: JuteReader[] = [];
  let buf = new Uint8Array(0);
  const done = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      binaryType: "uint8array",
      data(_s, chunk) {
        const joined = new Uint8Array(buf.length + chunk.length);
        joined.set(buf);
        joined.set(chunk, buf.length);
        buf = joined;
        for (;;) {
          if (buf.length < 4) break;
          const len = new DataView(buf.buffer, buf.byteOffset).getInt32(0);
          if (buf.length < 4 + len) break;
          out.push(new JuteReader(buf.slice(4, 4 + len)));
          buf = buf.slice(4 + len);
        }
        if (out.length >= expectFrames) done.resolve();
      },
      close: () => done.resolve(),
    },
  });
  for (const f of frames) {
    const framed = new Uint8Array(f.length + 4);
    new DataView(framed.buffer).setInt32(0, f.length);
    framed.set(f, 4);
    socket.write(framed);
  }
  await done.promise;
  socket.end();
  return out;
}

const connect = (timeoutMs = 1000) => new JuteWriter().int(0).long(0n).int(timeoutMs).long(0n).buffer(new Uint8Array(16)).bool(false).toBytes();

describe("zk-lite server (in process)", () => {
  test("options: defaults and session timeout bounds follow tickTime", () => {
    const o = resolveOptions({ dataDir: "/x" });
    expect(o).toMatchObject({ host: "127.0.0.1", port: 2181, tickTimeMs: 2000, minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000, maxClientCnxns: 60, juteMaxBufferBytes: 0xfffff, adminPort: 8080 });
    expect(o.fourLetterWordWhitelist).toEqual(["srvr"]);
    expect(() => resolveOptions({ dataDir: "/x", minSessionTimeoutMs: 10, maxSessionTimeoutMs: 5 })).toThrow(/minSessionTimeoutMs/);
    expect(() => resolveOptions({ dataDir: "" })).toThrow(/dataDir/);
  });

  test("connect, create, read back; stats and admin routes reflect it", async () => {
    const s = await start();
    const create = new JuteWriter().int(1).int(1).string("/hello").buffer(new TextEncoder().encode("world")).int(1).int(31).string("world").string("anyone").int(0).toBytes();
    const get = new JuteWriter().int(2).int(4).string("/hello").bool(false).toBytes();
    const [conn, created, got] = await roundTrip(s.port, [connect(50), create, get], 3);
    conn!.int();
    expect(conn!.int()).toBe(200); // clamped up to 2 x tick
    expect([created!.int(), created!.longNumber(), created!.int(), created!.string()]).toEqual([1, 2, 0, "/hello"]);
    expect([got!.int(), got!.longNumber(), got!.int()]).toEqual([2, 2, ErrorCode.OK]);
    expect(new TextDecoder().decode(got!.bufferOrNull()!)).toBe("world");
    const st = s.stats();
    expect(st).toMatchObject({ znodeCount: 6, lastZxid: 2, durableZxid: 2, sessions: 1 });
    expect(st.fsyncCount).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${s.adminPort}/commands/srvr`);
    expect(((await res.json()) as { node_count: number }).node_count).toBe(6);
    expect(((await (await s.adminRoutes().request("/commands/ruok")).json()) as { command: string }).command).toBe("ruok");
  });

  test("a session without traffic expires and its ephemeral goes", async () => {
    const s = await start();
    const create = new JuteWriter().int(1).int(1).string("/eph").buffer(null).int(1).int(31).string("world").string("anyone").int(1).toBytes();
    await roundTrip(s.port, [connect(200), create], 2);
    expect(s.stats().ephemeralsCount).toBe(1);
    const deadline = Date.now() + 3000;
    while (s.stats().ephemeralsCount > 0 && Date.now() < deadline) await Bun.sleep(20);
    expect(s.stats().ephemeralsCount).toBe(0);
    expect(s.stats().expiredSessions).toBe(1);
  });

  test("close flushes, and a restart finds the data and the session", async () => {
    const s = await start({ adminPort: null });
    const create = new JuteWriter().int(1).int(1).string("/kept").buffer(null).int(1).int(31).string("world").string("anyone").int(0).toBytes();
    await roundTrip(s.port, [connect(60_000), create], 2);
    const dataDir = dirs.at(-1)!;
    servers.pop();
    await s.close();
    const again = await startZkLite({ dataDir, port: 0, adminPort: null, tickTimeMs: 100 }, { clock: realClock, random: new SeededRandom(2), logger });
    servers.push(again);
    expect(again.stats()).toMatchObject({ lastZxid: 2, znodeCount: 6, sessions: 1 });
    expect(again.adminPort).toBeNull();
  });
});

describe("zk-lite start failures", () => {
  test("a client port in use fails the start and releases the data dir", async () => {
    const first = await start({ adminPort: null });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-server-test-"));
    dirs.push(dataDir);
    await expect(startZkLite({ dataDir, port: first.port, adminPort: null }, { clock: realClock, random: new SeededRandom(3), logger })).rejects.toThrow();
    // The same data dir opens fine afterwards.
    const ok = await startZkLite({ dataDir, port: 0, adminPort: null }, { clock: realClock, random: new SeededRandom(4), logger });
    servers.push(ok);
    expect(ok.stats().lastZxid).toBe(0);
  });
});

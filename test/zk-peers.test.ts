// zk-lite --peers: three ./cluster --mode=zk-lite processes on 127.0.0.1 replicating through Raft,
// checked the way a ZooKeeper user checks a 3-server ensemble: clients on any server see the same
// data and stats, ephemerals go everywhere with their session, the leader can be SIGKILLed without
// losing an acknowledged write or a session, a restarted server catches up, and a server that has
// lost its quorum acknowledges nothing and disconnects its clients.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import zookeeper from "node-zookeeper-client";
import { CreateFlag, ErrorCode, EventType } from "../internal/zk/constants.ts";
import { epochOf } from "../internal/zk/ensemble/index.ts";
import { cleanupAll, runCluster } from "./helpers/cluster.ts";
import { ZkLiteEnsemble } from "./zk/ensembles.ts";
import { decodeChildren, decodeData, decodeStat, fourLetterWord, RawZkClient, type Reply } from "./zk/raw-client.ts";

const TICK_MS = 500;
/** bun test's own default is 5 s; failovers and expiries on a loaded 2-core machine need more. */
const TEST_TIMEOUT_MS = 60_000;
let ensemble: ZkLiteEnsemble;

function ok(r: Reply): Reply {
  if (r.err !== 0) throw new Error(`expected OK, got error ${r.err}`);
  return r;
}

function port(i: number): number {
  return ensemble.members[i]!.clientPort;
}

function connect(i: number, timeoutMs = 10 * TICK_MS): Promise<RawZkClient> {
  return RawZkClient.connect(port(i), { timeoutMs });
}

async function followers(): Promise<{ leader: number; followers: number[] }> {
  const leader = await ensemble.waitServing();
  return { leader, followers: ensemble.members.map((_, i) => i).filter((i) => i !== leader) };
}

async function within<T>(ms: number, what: string, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await Bun.sleep(50);
  }
}

/** Data and stat of a path as one server sees it after catching up with the leader. */
async function readOn(i: number, path: string): Promise<{ data: string; stat: ReturnType<typeof decodeStat> }> {
  const c = await connect(i);
  try {
    ok(await c.sync(path));
    return decodeData(ok(await c.getData(path)));
  } finally {
    c.close();
  }
}

function nzc(sessionTimeoutMs: number): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(ensemble.connectString(), { sessionTimeout: sessionTimeoutMs, spinDelay: 50, retries: 0 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("node-zookeeper-client did not connect")), 20_000);
    client.once("connected", () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

function nzcCreate(client: zookeeper.Client, path: string, mode = zookeeper.CreateMode.PERSISTENT): Promise<Error | null> {
  return new Promise((resolve) => client.create(path, Buffer.from("x"), zookeeper.ACL.OPEN_ACL_UNSAFE, mode, (e) => resolve(e)));
}

beforeAll(async () => {
  // --snap_count=100 (the least it takes): the leader compacts its log often, so a server that was
  // down catches up from a snapshot of the tree (InstallSnapshot) as well as from entries.
  ensemble = await ZkLiteEnsemble.start({ viaBinary: true, tickTimeMs: TICK_MS, whitelist: ["*"], heartbeatIntervalMs: 50, electionTimeoutMs: 500, maxClientCnxns: 0, snapshotEveryTxns: 100 });
}, 60_000);

afterAll(async () => {
  await ensemble?.destroy();
  cleanupAll();
});

describe("zk-lite --peers", () => {
  test("a bad --peers entry, or a server missing from the list, is one line naming it and exit 2", () => {
    const bad = runCluster(["--mode=zk-lite", "--data_dir=/tmp/unused", "--peers=127.0.0.1:2181:2888,127.0.0.1:2182"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("cluster: bad value for flag --peers: entry 2: expected host:client_port:peer_port, got '127.0.0.1:2182'");
    const missing = runCluster(["--mode=zk-lite", "--data_dir=/tmp/unused", "--port=2999", "--hostname=box", "--peers=127.0.0.1:2181:2888,127.0.0.1:2182:2889"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      "cluster: bad value for flag --peers: this server, 127.0.0.1:2999 (or box:2999), is not in the list; list every server, this one included, with --port as its client port",
    );
  }, TEST_TIMEOUT_MS);

  test("srvr, mntr and conf: one leader and two followers; the leader counts its synced followers; conf lists the peers", async () => {
    const { leader, followers: fs } = await followers();
    expect(await ensemble.modes()).toEqual(ensemble.members.map((_, i) => (i === leader ? "leader" : "follower")));
    const mntr = await within(5000, "the leader's followers synced", async () => {
      const text = await fourLetterWord(port(leader), "mntr");
      return text.includes("zk_synced_followers\t2\n") ? text : undefined;
    });
    expect(mntr).toContain("zk_server_state\tleader\n");
    expect(mntr).toContain("zk_followers\t2\n");
    expect(mntr).toContain("zk_pending_syncs\t0\n");
    expect(await fourLetterWord(port(fs[0]!), "mntr")).toContain("zk_server_state\tfollower\n");
    const conf = await fourLetterWord(port(fs[0]!), "conf");
    expect(conf).toContain(`serverId=${fs[0]! + 1}\n`);
    for (const m of ensemble.members) {
      expect(conf).toContain(`server.${m.index + 1}=127.0.0.1:${m.peerPort}:${m.peerPort}:participant;127.0.0.1:${m.clientPort}\n`);
    }
  }, TEST_TIMEOUT_MS);

  test("a write through a follower reads back with the same data and Stat on every server; zxids carry the Raft term as epoch", async () => {
    const { followers: fs } = await followers();
    const c = await connect(fs[0]!);
    const path = `/peers-stat-${Date.now()}`;
    const created = ok(await c.create(path, "one"));
    const set = decodeStat(ok(await c.setData(path, "two")));
    ok(await c.create(`${path}/kid`, "k"));
    // The writer reads its own writes from its server at once, without a sync.
    expect(decodeData(ok(await c.getData(path))).data).toBe("two");
    c.close();
    expect(epochOf(created.zxid)).toBeGreaterThan(0);
    const seen = await Promise.all(ensemble.members.map((_, i) => readOn(i, path)));
    for (const s of seen) {
      expect(s.data).toBe("two");
      expect(s.stat).toEqual(seen[0]!.stat);
    }
    expect(seen[0]!.stat).toMatchObject({ czxid: created.zxid, mzxid: set.mzxid, version: 1, numChildren: 1 });
    expect(seen[0]!.stat.pzxid).toBeGreaterThan(set.mzxid);
  }, TEST_TIMEOUT_MS);

  test("an ephemeral made through one server goes on every server when its session closes, and when it expires", async () => {
    const { leader, followers: fs } = await followers();
    const base = `/peers-eph-${Date.now()}`;
    const owner = await connect(fs[0]!);
    ok(await owner.create(base));
    ok(await owner.create(`${base}/closed`, "", CreateFlag.EPHEMERAL));
    const watchers = await Promise.all([fs[1]!, leader].map((i) => connect(i)));
    for (const w of watchers) {
      ok(await w.sync(base));
      ok(await w.exists(`${base}/closed`, true));
    }
    ok(await owner.closeSession());
    for (const w of watchers) {
      expect(await w.waitEvent((e) => e.path === `${base}/closed`)).toMatchObject({ type: EventType.NodeDeleted });
      expect((await w.exists(`${base}/closed`)).err).toBe(ErrorCode.NONODE);
    }
    // A session that goes silent expires by the leader's clock, whichever server it was on.
    const silent = await connect(fs[0]!, 2 * TICK_MS);
    ok(await silent.create(`${base}/expired`, "", CreateFlag.EPHEMERAL));
    for (const w of watchers) {
      ok(await w.sync(base));
      ok(await w.exists(`${base}/expired`, true));
    }
    silent.close(); // no closeSession: only the expiry removes it
    for (const w of watchers) {
      expect(await w.waitEvent((e) => e.path === `${base}/expired`, 15_000)).toMatchObject({ type: EventType.NodeDeleted });
      expect(decodeChildren(ok(await w.getChildren(base))).children).toEqual([]);
      w.close();
    }
  }, TEST_TIMEOUT_MS);

  test("sessions are global: one made on a follower resumes on another server with its id and password", async () => {
    const { leader, followers: fs } = await followers();
    const path = `/peers-resume-${Date.now()}`;
    const first = await connect(fs[0]!);
    const created = ok(await first.create(path, "", CreateFlag.EPHEMERAL));
    first.close();
    // As real clients do, the resuming client says which zxid it has seen; a server that has not
    // applied that far yet refuses it (as ZooKeeper does) and the client tries again.
    const resume = async (i: number): Promise<RawZkClient> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await RawZkClient.connect(port(i), { sessionId: first.sessionId, password: first.password, timeoutMs: 10 * TICK_MS, lastZxidSeen: BigInt(created.zxid) });
        } catch (error) {
          if (attempt >= 50) throw error;
          await Bun.sleep(20);
        }
      }
    };
    for (const i of [fs[1]!, leader]) {
      const again = await resume(i);
      expect(again.sessionId).toBe(first.sessionId);
      expect(decodeStat(ok(await again.exists(path))).ephemeralOwner).toBe(first.sessionId);
      again.close();
    }
    const last = await RawZkClient.connect(port(leader), { sessionId: first.sessionId, password: first.password });
    ok(await last.closeSession());
  }, TEST_TIMEOUT_MS);

  test("SIGKILL of the leader: the others elect a new one, writes go on, no acknowledged write or session is lost; the restarted server catches up", async () => {
    const { leader: old } = await followers();
    const base = `/peers-failover-${Date.now()}`;
    const client = await nzc(10_000);
    const sessionId = client.getSessionId().toString("hex");
    try {
      expect(await nzcCreate(client, base)).toBeNull();
      expect(await nzcCreate(client, `${base}-eph`, zookeeper.CreateMode.EPHEMERAL)).toBeNull();
      const acked: string[] = [];
      let killedAt = -1;
      let n = 0;
      const writer = async (w: number): Promise<void> => {
        while (killedAt < 0 || acked.length < killedAt + 400) {
          const path = `${base}/w${w}-${n++}`;
          // A CONNECTION_LOSS may or may not have applied: only acknowledged writes count.
          if ((await nzcCreate(client, path)) === null) acked.push(path);
          else await Bun.sleep(20);
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      await within(20_000, "writes before the kill", async () => (acked.length >= 400 ? true : undefined));
      await ensemble.stopMember(old, "SIGKILL");
      killedAt = acked.length;
      await Promise.all(writers);
      const newLeader = await ensemble.waitServing(ensemble.members.map((_, i) => i).filter((i) => i !== old));
      expect(newLeader).not.toBe(old);
      expect(client.getSessionId().toString("hex")).toBe(sessionId);
      expect(await new Promise((resolve) => client.exists(`${base}-eph`, undefined, (e, stat) => resolve(e ?? stat !== null)))).toBe(true);
      ensemble.startMember(old);
      await ensemble.waitServing();
      for (let i = 0; i < ensemble.members.length; i++) {
        const c = await connect(i);
        // The restarted server serves only once caught up with the leader: no sync needed there.
        if (i !== old) ok(await c.sync(base));
        const children = new Set(decodeChildren(ok(await c.getChildren(base))).children.map((name) => `${base}/${name}`));
        const missing = acked.filter((p) => !children.has(p));
        expect({ server: i, missing }).toEqual({ server: i, missing: [] });
        c.close();
      }
    } finally {
      client.close();
    }
  }, TEST_TIMEOUT_MS);

  test("with two of three servers down, the last one acknowledges no write, drops its clients and takes no new ones", async () => {
    const { leader, followers: fs } = await followers();
    const survivor = fs[0]!;
    const writer = await connect(survivor);
    const idle = await connect(survivor);
    await Promise.all([ensemble.stopMember(leader, "SIGKILL"), ensemble.stopMember(fs[1]!, "SIGKILL")]);
    const write = writer.create(`/peers-no-quorum-${Date.now()}`, "x").then(
      (r) => r.err,
      () => "connection closed",
    );
    expect(await write).not.toBe(ErrorCode.OK);
    await idle.waitClosed(10_000);
    await within(10_000, "the survivor stops serving", async () => ((await ensemble.mode(survivor)) === "not serving" ? true : undefined));
    await expect(connect(survivor)).rejects.toThrow();
  }, TEST_TIMEOUT_MS);
});

// The ZooKeeper client, leader contender, detector and master election, against zk-lite and
// against Apache ZooKeeper 3.8 from Debian's zookeeper package, each in its own process. Faults
// come from a TCP proxy in front of the server (resets and silent partitions) and from SIGKILL of
// a child process holding a session.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import * as path from "node:path";
import { realClock, SeededRandom } from "../internal/runtime/index.ts";
import {
  createZkLeaderElection,
  encodeMasterInfo,
  isZkError,
  LeaderContender,
  LeaderDetector,
  masterInfoFor,
  READ_ACL_UNSAFE_CREATOR_ALL,
  ZkMultiError,
  type DetectedLeader,
  type WatchEvent,
  type ZkClient,
  type ZkLeaderElection,
} from "../internal/zk/client/index.ts";
import { ErrorCode } from "../internal/zk/constants.ts";
import { closeAll, connectedClient, newClient, recordStates, SESSION_TIMEOUT_MS, testLogger, TICK_MS, uniquePath, waitFor, waitRecorded, waitState, watchersByPath } from "./zk-client/harness.ts";
import { TcpProxy } from "./zk-client/proxy.ts";
import { RawZkClient } from "./zk/raw-client.ts";
import { freePort, startServer, zookeeperInstalled, type RunningServer, type ServerKind } from "./zk/servers.ts";

const KINDS: ServerKind[] = ["zk-lite", "zookeeper"];
const BUN = path.resolve(import.meta.dir, "../node_modules/.bin/bun");
const CONTENDER_MAIN = path.resolve(import.meta.dir, "zk-client/contender-main.ts");
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

if (!zookeeperInstalled()) {
  console.log("zk-client: Apache ZooKeeper is not installed (apt-get install -y zookeeper java); skipping the real-ZooKeeper half");
}

function contender(client: ZkClient, groupPath: string, id: string, stepDownAfterSilenceMs?: number): LeaderContender {
  const info = masterInfoFor({ id, ip: "127.0.0.1", port: 5050 });
  return new LeaderContender(
    client,
    { path: groupPath, data: encodeMasterInfo(info), retryDelayMs: 100, ...(stepDownAfterSilenceMs === undefined ? {} : { stepDownAfterSilenceMs }) },
    { logger: testLogger, clock: realClock },
  );
}

function election(port: number, groupPath: string, id: string, masterPort: number): ZkLeaderElection {
  return createZkLeaderElection(`zk://127.0.0.1:${port}${groupPath}`, masterInfoFor({ id, ip: "127.0.0.1", port: masterPort }), {
    logger: testLogger,
    clock: realClock,
    random: new SeededRandom(masterPort),
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    reconnectDelayMaxMs: 50,
    retryDelayMs: 100,
  });
}

for (const kind of KINDS) {
  const available = kind === "zk-lite" || zookeeperInstalled();
  describe.skipIf(!available)(`zk client against ${kind}`, () => {
    let server: RunningServer;
    const clients: ZkClient[] = [];
    const proxies: TcpProxy[] = [];
    const children: Subprocess[] = [];
    const track = <T extends ZkClient>(c: T): T => {
      clients.push(c);
      return c;
    };
    const proxy = async (): Promise<TcpProxy> => {
      const p = await TcpProxy.start(server.port);
      proxies.push(p);
      return p;
    };

    beforeAll(async () => {
      server = await startServer(kind, { tickTimeMs: TICK_MS, whitelist: ["*"], maxClientCnxns: 0 });
    }, 90_000);
    afterEach(async () => {
      for (const child of children.splice(0)) child.kill("SIGKILL");
      await closeAll(clients);
      for (const p of proxies.splice(0)) await p.stop();
    });
    afterAll(async () => {
      await server?.stop("SIGTERM");
    });

    test("ops and their typed errors", async () => {
      const c = track(await connectedClient(server.port));
      const base = uniquePath("ops");
      expect(c.negotiatedTimeoutMs).toBe(SESSION_TIMEOUT_MS);
      await c.ensurePath(`${base}/a/b`);
      await c.ensurePath(`${base}/a/b`);
      expect(await c.create(`${base}/a/b/p`, "one")).toBe(`${base}/a/b/p`);
      const seq = await c.create(`${base}/a/b/s-`, "", { mode: "persistent_sequential" });
      expect(seq).toMatch(new RegExp(`^${base}/a/b/s-\\d{10}$`));
      const eph = await c.create(`${base}/a/b/e`, "", { mode: "ephemeral" });
      expect((await c.exists(eph))!.ephemeralOwner).toBe(c.sessionId);
      await c.create(`${base}/cont`, "", { mode: "container" });
      expect((await c.getChildren(`${base}/a/b`)).sort()).toEqual(["e", "p", seq.slice(seq.lastIndexOf("/") + 1)].sort());
      const got = await c.getData(`${base}/a/b/p`);
      expect(text(got.data)).toBe("one");
      expect((await c.setData(`${base}/a/b/p`, "two", got.stat.version)).version).toBe(got.stat.version + 1);
      const codes = async (p: Promise<unknown>) => p.then(() => 0, (e: unknown) => (isZkError(e) ? e.code : 999));
      expect(await codes(c.setData(`${base}/a/b/p`, "x", 0))).toBe(ErrorCode.BADVERSION);
      expect(await codes(c.getData(`${base}/nope`))).toBe(ErrorCode.NONODE);
      expect(await codes(c.create(`${base}/a/b/p`))).toBe(ErrorCode.NODEEXISTS);
      expect(await codes(c.delete(`${base}/a`))).toBe(ErrorCode.NOTEMPTY);
      expect(await codes(c.create(`${base}/a/b/e/child`))).toBe(ErrorCode.NOCHILDRENFOREPHEMERALS);
      expect(await codes(c.create("bad/path"))).toBe(ErrorCode.BADARGUMENTS);
      expect(await c.exists(`${base}/nope`)).toBeNull();
      const results = await c.multi([
        { kind: "create", path: `${base}/m`, data: new Uint8Array([1]) },
        { kind: "setData", path: `${base}/m`, data: new Uint8Array([2]) },
        { kind: "check", path: `${base}/m`, version: 1 },
      ]);
      expect(results.map((r) => r.kind)).toEqual(["create", "setData", "check"]);
      const failed = await c.multi([{ kind: "delete", path: `${base}/m` }, { kind: "delete", path: `${base}/nope` }]).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(ZkMultiError);
      expect((failed as ZkMultiError).failedIndex).toBe(1);
      expect((failed as ZkMultiError).code).toBe(ErrorCode.NONODE);
      expect(await c.exists(`${base}/m`)).not.toBeNull();
      await c.sync(base);
      await c.delete(`${base}/a/b/p`);
      expect(await c.exists(`${base}/a/b/p`)).toBeNull();
    });

    test("the server's bounds set the session timeout; pings alone keep a short session alive", async () => {
      const c = track(await connectedClient(server.port, { sessionTimeoutMs: 50 }));
      expect(c.negotiatedTimeoutMs).toBe(2 * TICK_MS);
      const eph = await c.create(uniquePath("ping"), "", { mode: "ephemeral" });
      const sessionId = c.sessionId;
      const states = recordStates(c);
      await Bun.sleep(6 * c.negotiatedTimeoutMs);
      expect(states.filter((s) => s.state === "EXPIRED")).toEqual([]);
      expect(c.sessionId).toBe(sessionId);
      expect(await c.exists(eph)).not.toBeNull();
      const long = track(await connectedClient(server.port, { sessionTimeoutMs: 600_000 }));
      expect(long.negotiatedTimeoutMs).toBe(20 * TICK_MS);
    });

    test("watches fire once, for each kind of change", async () => {
      const c = track(await connectedClient(server.port));
      const other = track(await connectedClient(server.port));
      const base = uniquePath("watch");
      await c.ensurePath(base);
      const events: WatchEvent[] = [];
      const w = (e: WatchEvent) => events.push(e);
      expect(await c.exists(`${base}/n`, w)).toBeNull();
      await c.getChildren(base, w);
      await other.create(`${base}/n`, "1");
      await waitFor(() => events.length === 2);
      expect(events.map((e) => `${e.type} ${e.path}`).sort()).toEqual([`NodeChildrenChanged ${base}`, `NodeCreated ${base}/n`]);
      await c.getData(`${base}/n`, w);
      await other.setData(`${base}/n`, "2");
      await other.setData(`${base}/n`, "3");
      await waitFor(() => events.length === 3);
      expect(events[2]).toEqual({ type: "NodeDataChanged", path: `${base}/n` });
      await c.exists(`${base}/n`, w);
      await other.delete(`${base}/n`);
      await waitFor(() => events.length === 4);
      expect(events[3]).toEqual({ type: "NodeDeleted", path: `${base}/n` });
      await Bun.sleep(200);
      expect(events.length).toBe(4);
      expect(c.watchedPathCount()).toBe(0);
    });

    test("a dropped connection resumes the session on another host, with its ephemerals and watches", async () => {
      const p = await proxy();
      const deadPort = await freePort();
      const c = track(await connectedClient([deadPort, p.port]));
      const other = track(await connectedClient(server.port));
      const states = recordStates(c);
      const base = uniquePath("resume");
      await c.ensurePath(base);
      const eph = await c.create(`${base}/mine`, "", { mode: "ephemeral" });
      await other.create(`${base}/watched`, "0");
      const events: WatchEvent[] = [];
      await c.getData(`${base}/watched`, (e) => events.push(e));
      await c.exists(`${base}/later`, (e) => events.push(e));
      const sessionId = c.sessionId;
      p.partition();
      await waitState(c, "SUSPENDED", SESSION_TIMEOUT_MS * 2);
      // Changes made while it is away reach it after the resume, through setWatches.
      await other.setData(`${base}/watched`, "1");
      await other.create(`${base}/later`);
      p.heal();
      await waitState(c, "CONNECTED", SESSION_TIMEOUT_MS * 2);
      expect(c.sessionId).toBe(sessionId);
      expect(states.map((s) => s.state)).toEqual(["SUSPENDED", "CONNECTED"]);
      await waitFor(() => events.length === 2, 5000, "watch events after the resume");
      expect(events.map((e) => e.type).sort()).toEqual(["NodeCreated", "NodeDataChanged"]);
      expect((await other.exists(eph))!.ephemeralOwner).toBe(sessionId);
      // A reset rather than silence: the same again, at once.
      const before = states.length;
      p.cut();
      await waitRecorded(states, "SUSPENDED", before);
      await waitState(c, "CONNECTED");
      expect(c.sessionId).toBe(sessionId);
      expect(await c.exists(eph)).not.toBeNull();
    }, 30_000);

    test("a session the server expired is EXPIRED, then a new one starts", async () => {
      const p = await proxy();
      const c = track(await connectedClient(p.port));
      const other = track(await connectedClient(server.port));
      const states = recordStates(c);
      const base = uniquePath("expire");
      await c.ensurePath(base);
      const eph = await c.create(`${base}/mine`, "", { mode: "ephemeral" });
      const first = c.sessionId;
      p.partition();
      await waitFor(() => states.some((s) => s.state === "SUSPENDED"), SESSION_TIMEOUT_MS * 2);
      await waitFor(() => states.some((s) => s.state === "EXPIRED"), SESSION_TIMEOUT_MS * 3, "local expiry");
      expect(states.find((s) => s.state === "EXPIRED")!.reason).toBe("local-timeout");
      // The server drops the session on its own clock; its ephemeral goes with it.
      const deadline = Date.now() + SESSION_TIMEOUT_MS * 3;
      while ((await other.exists(eph)) !== null && Date.now() < deadline) await Bun.sleep(50);
      expect(await other.exists(eph)).toBeNull();
      p.heal();
      await waitState(c, "CONNECTED", SESSION_TIMEOUT_MS * 3);
      expect(c.sessionId).not.toBe(first);
      expect(states.map((s) => s.state)).toEqual(["SUSPENDED", "EXPIRED", "CONNECTING", "CONNECTED"]);
    }, 30_000);

    test("resuming a session the server already expired reports EXPIRED from the server", async () => {
      const p = await proxy();
      const c = track(await connectedClient(p.port));
      const states = recordStates(c);
      const first = c.sessionId;
      // Close the session behind the client's back, through a second connection with its id and
      // password, while the proxy keeps the client from getting it back first.
      p.partition();
      const password = (c as unknown as { session: { password: Uint8Array } }).session.password;
      const thief = await RawZkClient.connect(server.port, { sessionId: first, password, timeoutMs: SESSION_TIMEOUT_MS });
      expect((await thief.closeSession()).err).toBe(0);
      thief.close();
      p.heal();
      await waitFor(() => states.some((s) => s.state === "EXPIRED"), SESSION_TIMEOUT_MS * 3);
      expect(states.find((s) => s.state === "EXPIRED")!.reason).toBe("server");
      await waitState(c, "CONNECTED");
      expect(c.sessionId).not.toBe(first);
    }, 20_000);

    test("digest credentials are sent on every connection; creator-only ACLs hold", async () => {
      const p = await proxy();
      const alice = track(await connectedClient(p.port, { digestCredentials: "alice:wonder" }));
      const anon = track(await connectedClient(server.port));
      const base = uniquePath("auth");
      const states = recordStates(alice);
      await alice.create(base, "x", { acl: READ_ACL_UNSAFE_CREATOR_ALL });
      const err = await anon.setData(base, "y").catch((e: unknown) => e);
      expect(isZkError(err, ErrorCode.NOAUTH)).toBe(true);
      expect(text((await anon.getData(base)).data)).toBe("x");
      p.cut();
      await waitRecorded(states, "SUSPENDED");
      await waitState(alice, "CONNECTED");
      await alice.setData(base, "z");
      const aliceAgain = track(await connectedClient(server.port, { digestCredentials: "alice:wonder" }));
      await aliceAgain.delete(base);
    }, 20_000);

    test("three contenders: the lowest leads, each other watches only its predecessor, the next takes over", async () => {
      const group = uniquePath("three");
      const cs = [track(await connectedClient(server.port)), track(await connectedClient(server.port)), track(await connectedClient(server.port))];
      const contenders: LeaderContender[] = [];
      for (const [i, c] of cs.entries()) {
        const k = contender(c, group, `m${i}`);
        k.start();
        await waitFor(() => k.znode() !== undefined);
        contenders.push(k);
      }
      const [a, b, c3] = contenders as [LeaderContender, LeaderContender, LeaderContender];
      await waitFor(() => a.isLeader() && b.watching() === a.znode() && c3.watching() === b.znode());
      expect(b.isLeader() || c3.isLeader()).toBe(false);
      expect(a.znode()).toMatch(new RegExp(`^${group}/json\\.info_\\d{10}$`));
      const hex = (c: ZkClient) => c.sessionId.toString(16);
      // The server lists a watch once it has processed the watching read; poll until it has.
      let watchers = await watchersByPath(server.port);
      for (let attempt = 0; attempt < 50 && (watchers.get(a.znode()!)?.length !== 1 || watchers.get(b.znode()!)?.length !== 1); attempt++) {
        await Bun.sleep(50);
        watchers = await watchersByPath(server.port);
      }
      expect(watchers.get(a.znode()!)).toEqual([hex(cs[1]!)]);
      expect(watchers.get(b.znode()!)).toEqual([hex(cs[2]!)]);
      expect(watchers.get(c3.znode()!)).toBeUndefined();
      // The leader's session ends: only its successor hears of it and leads.
      const cWatchingBefore = c3.watching();
      const closedAt = Date.now();
      await cs[0]!.close();
      await waitFor(() => b.isLeader(), SESSION_TIMEOUT_MS);
      expect(Date.now() - closedAt).toBeLessThan(SESSION_TIMEOUT_MS);
      expect(c3.isLeader()).toBe(false);
      expect(c3.watching()).toBe(cWatchingBefore);
      expect(a.isLeader()).toBe(false);
      const data = await cs[1]!.getData(b.znode()!);
      expect(JSON.parse(text(data.data))).toMatchObject({ id: "m1", ip: 16777343, port: 5050, pid: "master@127.0.0.1:5050", address: { ip: "127.0.0.1", port: 5050 } });
      // A middle member leaving re-points its successor to the member before it.
      await b.stop();
      await waitFor(() => c3.isLeader());
    }, 30_000);

    test("a SIGKILLed leader process is replaced within about the session timeout", async () => {
      const group = uniquePath("sigkill");
      const zkUrl = `zk://127.0.0.1:${server.port}${group}`;
      const start = (id: string) => {
        const child = spawn([BUN, CONTENDER_MAIN, JSON.stringify({ zkUrl, id, port: 5050, sessionTimeoutMs: SESSION_TIMEOUT_MS })], { stdout: "pipe", stderr: "inherit" });
        children.push(child);
        return child;
      };
      const lines = (child: Subprocess<"ignore", "pipe", "inherit">) => {
        const out: string[] = [];
        void (async () => {
          const decoder = new TextDecoder();
          let buf = "";
          for await (const chunk of child.stdout) {
            buf += decoder.decode(chunk);
            let nl: number;
            while ((nl = buf.indexOf("\n")) !== -1) {
              out.push(buf.slice(0, nl));
              buf = buf.slice(nl + 1);
            }
          }
        })();
        return out;
      };
      const first = start("first");
      const firstOut = lines(first);
      await waitFor(() => firstOut.some((l) => l.startsWith("LEADING")), 10_000, "first leads");
      const local = track(await connectedClient(server.port));
      const successor = contender(local, group, "successor");
      successor.start();
      await waitFor(() => successor.watching() !== undefined, 5000);
      expect(successor.isLeader()).toBe(false);
      const [, firstZnode, firstSession] = firstOut.find((l) => l.startsWith("LEADING"))!.split(" ") as [string, string, string];
      expect(successor.watching()).toBe(firstZnode);
      // Of the contenders only the successor watches the leader; the other watch on it is the
      // leader's own election detector (every master's detector follows the leading znode).
      expect((await watchersByPath(server.port)).get(firstZnode)!.sort()).toEqual([local.sessionId.toString(16), firstSession].sort());
      const killedAt = Date.now();
      first.kill("SIGKILL");
      await first.exited;
      await waitFor(() => successor.isLeader(), SESSION_TIMEOUT_MS * 3, "successor leads");
      const tookMs = Date.now() - killedAt;
      // The server expires the dead session after its timeout (rounded to ticks), then the watch fires.
      expect(tookMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 2 * TICK_MS);
      expect(tookMs).toBeLessThan(SESSION_TIMEOUT_MS + 4 * TICK_MS + 1000);
      await successor.stop();
    }, 30_000);

    test("a partitioned leader steps down before its session can expire; a new contender takes over; it contends again", async () => {
      const group = uniquePath("partition");
      const p = await proxy();
      const aClient = track(await connectedClient(p.port));
      const a = contender(aClient, group, "a");
      const timeline: string[] = [];
      a.onChange((leading) => timeline.push(leading ? "a leads" : "a steps down"));
      a.start();
      await waitFor(() => a.isLeader());
      const firstZnode = a.znode()!;
      const bClient = track(await connectedClient(server.port));
      const b = contender(bClient, group, "b");
      b.onChange((leading) => timeline.push(leading ? "b leads" : "b steps down"));
      b.start();
      await waitFor(() => b.watching() === firstZnode);
      const partitionedAt = Date.now();
      p.partition();
      await waitFor(() => !a.isLeader(), SESSION_TIMEOUT_MS, "a steps down");
      const steppedDownMs = Date.now() - partitionedAt;
      await waitFor(() => b.isLeader(), SESSION_TIMEOUT_MS * 3, "b leads");
      const takeoverMs = Date.now() - partitionedAt;
      expect(steppedDownMs).toBeLessThan(SESSION_TIMEOUT_MS);
      expect(steppedDownMs).toBeLessThan(takeoverMs);
      expect(timeline).toEqual(["a leads", "a steps down", "b leads"]);
      // The partition heals: a's old session is gone, it joins again behind b.
      p.heal();
      await waitFor(() => a.znode() !== undefined && a.znode() !== firstZnode && a.watching() === b.znode(), SESSION_TIMEOUT_MS * 3, "a contends again");
      expect(a.isLeader()).toBe(false);
      expect(a.sequence()!).toBeGreaterThan(b.sequence()!);
      expect(timeline).toEqual(["a leads", "a steps down", "b leads"]);
    }, 30_000);

    test("a leader whose session the server expired stops leading the moment it hears, and contends again", async () => {
      const group = uniquePath("expired-leader");
      const p = await proxy();
      const aClient = track(await connectedClient(p.port));
      const a = contender(aClient, group, "a");
      a.start();
      await waitFor(() => a.isLeader());
      const firstZnode = a.znode()!;
      const bClient = track(await connectedClient(server.port));
      const b = contender(bClient, group, "b");
      b.start();
      await waitFor(() => b.watching() === firstZnode);
      const leadingWhenExpired: boolean[] = [];
      aClient.onStateChange((change) => change.state === "EXPIRED" && leadingWhenExpired.push(a.isLeader()));
      // The session is closed behind a's back (as an operator or a lost partition would end it).
      p.partition();
      const password = (aClient as unknown as { session: { password: Uint8Array } }).session.password;
      const thief = await RawZkClient.connect(server.port, { sessionId: aClient.sessionId, password, timeoutMs: SESSION_TIMEOUT_MS });
      expect((await thief.closeSession()).err).toBe(0);
      thief.close();
      await waitFor(() => b.isLeader(), 2000, "b leads once a's znode is gone");
      p.heal();
      await waitFor(() => leadingWhenExpired.length === 1, SESSION_TIMEOUT_MS * 2, "a hears of the expiry");
      expect(leadingWhenExpired).toEqual([false]);
      await waitFor(() => a.znode() !== undefined && a.znode() !== firstZnode && a.watching() === b.znode(), SESSION_TIMEOUT_MS * 2, "a contends again");
      expect(a.isLeader()).toBe(false);
    }, 20_000);

    test("a leader that resumes its session in time keeps leading", async () => {
      const group = uniquePath("blip");
      const p = await proxy();
      const c = track(await connectedClient(p.port));
      const k = contender(c, group, "a");
      const timeline: boolean[] = [];
      k.onChange((leading) => timeline.push(leading));
      k.start();
      await waitFor(() => k.isLeader());
      const znode = k.znode();
      const states = recordStates(c);
      p.cut();
      await waitRecorded(states, "SUSPENDED");
      await waitState(c, "CONNECTED");
      await Bun.sleep(300);
      expect(k.isLeader()).toBe(true);
      expect(k.znode()).toBe(znode);
      expect(timeline).toEqual([true]);
    }, 20_000);

    test("the detector follows the leader: appears, data rewritten, replaced, gone", async () => {
      const group = uniquePath("detect");
      const dClient = track(await connectedClient(server.port));
      const detector = new LeaderDetector(dClient, { path: group, retryDelayMs: 100 }, { logger: testLogger });
      const seen: (DetectedLeader | undefined)[] = [];
      detector.onChange((l) => seen.push(l));
      detector.start();
      expect(await detector.whenObserved(5000)).toBeUndefined();
      const writer = track(await connectedClient(server.port));
      await writer.ensurePath(group);
      await writer.create(`${group}/log_replicas`);
      const m1 = await writer.create(`${group}/json.info_`, encodeMasterInfo(masterInfoFor({ id: "m1", ip: "10.0.0.1", port: 5050 })), { mode: "ephemeral_sequential" });
      await waitFor(() => detector.leader()?.address === "10.0.0.1:5050");
      expect(detector.leader()!.znode).toBe(m1);
      await writer.setData(m1, encodeMasterInfo(masterInfoFor({ id: "m1", ip: "10.0.0.9", port: 5051 })));
      await waitFor(() => detector.leader()?.address === "10.0.0.9:5051");
      const m2 = await writer.create(`${group}/json.info_`, encodeMasterInfo(masterInfoFor({ id: "m2", ip: "10.0.0.2", port: 5050 })), { mode: "ephemeral_sequential" });
      await Bun.sleep(200);
      expect(detector.leader()?.info.id).toBe("m1");
      await writer.delete(m1);
      await waitFor(() => detector.leader()?.info.id === "m2");
      expect(detector.leader()!.znode).toBe(m2);
      await writer.setData(m2, "not json");
      await waitFor(() => detector.leader() === undefined);
      await writer.delete(m2);
      await Bun.sleep(200);
      expect(detector.leader()).toBeUndefined();
      expect(seen.map((l) => l?.address ?? "none")).toEqual(["none", "10.0.0.1:5050", "10.0.0.9:5051", "10.0.0.2:5050", "none"]);
      await detector.stop();
    }, 20_000);

    test("the master election: one leads, the others know it; stopping hands over", async () => {
      const group = uniquePath("election");
      const elections = [election(server.port, group, "m1", 5051), election(server.port, group, "m2", 5052)];
      const changes: string[][] = [[], []];
      elections.forEach((e, i) => e.onChange((c) => changes[i]!.push(`${c.leading ? "leading" : "following"} ${c.leader?.id ?? "none"}`)));
      const [e1, e2] = elections as [ZkLeaderElection, ZkLeaderElection];
      e1.start();
      await waitFor(() => e1.isLeader());
      e2.start();
      await waitFor(() => e2.leader()?.id === "m1");
      expect(e2.isLeader()).toBe(false);
      expect(e1.leader()?.id).toBe("m1");
      expect(e1.leader()?.pid).toBe("master@127.0.0.1:5051");
      await e1.stop();
      await waitFor(() => e2.isLeader() && e2.leader()?.id === "m2");
      expect(e1.isLeader()).toBe(false);
      // Each may first report an empty group, before any member is there.
      expect(changes[0]!.filter((c) => c !== "following none")).toEqual(["leading m1"]);
      expect(changes[0]!.at(-1)).toBe("following none");
      expect(changes[1]).toContain("following m1");
      expect(changes[1]!.at(-1)).toBe("leading m2");
      expect(e1.leader()).toBeUndefined();
      await e2.stop();
      const check = track(await connectedClient(server.port));
      expect(await check.getChildren(group)).toEqual([]);
    }, 20_000);
  });
}

test("a client with no reachable server stays CONNECTING and fails queued calls on close", async () => {
  const port = await freePort();
  const c = newClient(port);
  const pending = c.exists("/x").catch((e: unknown) => e);
  await Bun.sleep(300);
  expect(c.state).toBe("CONNECTING");
  await c.close();
  const error = await pending;
  expect(isZkError(error, ErrorCode.CONNECTIONLOSS)).toBe(true);
  expect(c.state).toBe("CLOSED");
});

// The ZooKeeper conformance suite: one list of cases that runs unchanged against zk-lite and
// against Apache ZooKeeper 3.8, through three clients: our byte-level RawZkClient (exact codes,
// headers and stats), node-zookeeper-client from npm (a 3.4-era client: no readOnly byte) and the
// zkCli.sh shell from Debian's zookeeper package (the Java 3.8 client).

import { expect } from "bun:test";
import zookeeper from "node-zookeeper-client";
import { AddWatchMode, CreateFlag, ErrorCode, EventType, OpCode, WatcherType } from "../../internal/zk/constants.ts";
import { cClientAvailable, runCClient } from "./c-client.ts";
import { runZkCli } from "./zkcli.ts";
import {
  decodeAcl,
  decodeChildren,
  decodeCreate,
  decodeData,
  decodeMulti,
  decodeStat,
  decodeWhoAmI,
  fourLetterWord,
  op,
  OPEN_ACL,
  RawZkClient,
  type Reply,
} from "./raw-client.ts";
import { startServer, zkCliInstalled, type RunningServer, type ServerKind, type ServerOptions } from "./servers.ts";
import { nzcConnect, nzcCall } from "./nzc.ts";

/** Settings of the shared server every case gets (cases needing others start their own). */
// maxClientCnxns 0 (no per-address limit): one failing case that leaks connections must not starve the rest.
export const SUITE_SERVER_OPTIONS: ServerOptions = { tickTimeMs: 500, whitelist: ["*"], containerCheckIntervalMs: 500, maxClientCnxns: 0 };
const TICK_MS = 500;
const MAX_TIMEOUT_MS = 20 * TICK_MS;
const MIN_TIMEOUT_MS = 2 * TICK_MS;

export interface Target {
  /** "zk-lite-ensemble": a follower of a 3-server zk-lite ensemble (--peers). */
  readonly kind: ServerKind | "zk-lite-ensemble";
  readonly server: RunningServer;
  /** Starts a separate server of the same kind (the caller stops it). */
  start(o: ServerOptions): Promise<RunningServer>;
}

export interface Case {
  readonly name: string;
  readonly timeoutMs?: number;
  readonly needs?: "zkcli" | "c-client";
  /**
   * Checks a standalone server's own shape (Mode: standalone, serverId=0, its admin port) or
   * restarts it on its data dir: not run against an ensemble member (test/zk-peers.test.ts covers those).
   */
  readonly standaloneOnly?: boolean;
  run(t: Target): Promise<void>;
}

let seq = 0;
function base(name: string): string {
  return `/suite-${name}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
}

async function client(t: Target | RunningServer, opts: Parameters<typeof RawZkClient.connect>[1] = {}): Promise<RawZkClient> {
  const port = "server" in t ? t.server.port : t.port;
  return RawZkClient.connect(port, { timeoutMs: MAX_TIMEOUT_MS, ...opts });
}

function ok(r: Reply): Reply {
  if (r.err !== 0) throw new Error(`expected OK, got error ${r.err}`);
  return r;
}

function err(r: Reply, code: number): void {
  expect(r.err).toBe(code);
}

async function within<T>(ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await Bun.sleep(50);
  }
}

/** A line-oriented shape: every line matches one of the patterns, in order of the list given. */
function expectLines(text: string, patterns: RegExp[]): void {
  const lines = text.split("\n");
  expect(lines.length).toBeGreaterThanOrEqual(patterns.length);
  patterns.forEach((p, i) => {
    if (!p.test(lines[i]!)) throw new Error(`line ${i} ${JSON.stringify(lines[i])} does not match ${p}`);
  });
}

async function adminJson(t: Target, name: string): Promise<Record<string, unknown>> {
  if (t.server.adminPort === null) throw new Error("no admin port");
  const res = await fetch(`http://127.0.0.1:${t.server.adminPort}/commands/${name}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

export const CASES: Case[] = [
  // ------------------------------------------------------------------ sessions and framing
  {
    name: "connect response carries the readOnly byte only when the client sent it",
    async run(t) {
      const modern = await client(t);
      const old = await client(t, { readOnlyByte: false });
      // protocolVersion 4 + timeout 4 + sessionId 8 + password (4 + 16) [+ readOnly 1]
      expect(modern.connectResponse.length).toBe(37);
      expect(old.connectResponse.length).toBe(36);
      expect(modern.password.length).toBe(16);
      expect(modern.sessionId).not.toBe(0n);
      expect(old.sessionId).not.toBe(modern.sessionId);
      modern.close();
      old.close();
    },
  },
  {
    name: "session timeout is clamped to [2, 20] ticks",
    async run(t) {
      const low = await client(t, { timeoutMs: 1 });
      const high = await client(t, { timeoutMs: 10_000_000 });
      const mid = await client(t, { timeoutMs: 3000 });
      expect(low.negotiatedTimeoutMs).toBe(MIN_TIMEOUT_MS);
      expect(high.negotiatedTimeoutMs).toBe(MAX_TIMEOUT_MS);
      expect(mid.negotiatedTimeoutMs).toBe(3000);
      for (const c of [low, high, mid]) c.close();
    },
  },
  {
    name: "ping replies with xid -2 and the last zxid",
    async run(t) {
      const c = await client(t);
      const before = ok(await c.create(base("ping"))).zxid;
      const r = ok(await c.ping());
      expect(r.xid).toBe(-2);
      expect(r.zxid).toBe(before);
      c.close();
    },
  },
  {
    name: "replies come back in request order when requests are pipelined",
    async run(t) {
      const c = await client(t);
      const b = base("order");
      ok(await c.create(b));
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? c.create(`${b}/n${i}`) : i % 3 === 1 ? c.exists(b) : c.getData(b))),
      );
      const xids = replies.map((r) => r.xid);
      expect(xids).toEqual([...xids].sort((a, z) => a - z));
      expect(replies.every((r) => r.err === 0)).toBe(true);
      c.close();
    },
  },
  {
    name: "a session resumes with its id and password; a wrong password gets timeout 0 and a closed connection",
    async run(t) {
      const c = await client(t);
      const b = base("resume");
      ok(await c.create(b, "", CreateFlag.EPHEMERAL));
      c.close();
      const again = await client(t, { sessionId: c.sessionId, password: c.password });
      expect(again.sessionId).toBe(c.sessionId);
      expect(again.negotiatedTimeoutMs).toBe(MAX_TIMEOUT_MS);
      expect(decodeStat(ok(await again.exists(b))).ephemeralOwner).toBe(c.sessionId);
      const wrong = new Uint8Array(c.password);
      wrong[0] = (wrong[0]! + 1) & 0xff;
      const bad = await RawZkClient.open(t.server.port);
      await bad.handshake({ sessionId: c.sessionId, password: wrong, timeoutMs: MAX_TIMEOUT_MS });
      expect(bad.negotiatedTimeoutMs).toBe(0);
      expect(bad.sessionId).toBe(0n);
      await bad.waitClosed();
      again.close();
    },
  },
  {
    name: "resuming a session on a new connection closes the old connection",
    async run(t) {
      const c = await client(t);
      const again = await client(t, { sessionId: c.sessionId, password: c.password });
      await c.waitClosed();
      ok(await again.ping());
      again.close();
    },
  },
  {
    name: "a client that has seen a newer zxid is refused",
    async run(t) {
      const c = await RawZkClient.open(t.server.port);
      await expect(c.handshake({ lastZxidSeen: 0x7fffffffffn })).rejects.toThrow();
      await c.waitClosed();
    },
  },
  {
    name: "closeSession deletes the session's ephemerals at once and closes the connection",
    async run(t) {
      const b = base("close");
      const watcher = await client(t);
      ok(await watcher.create(b));
      const c = await client(t);
      ok(await c.create(`${b}/e`, "", CreateFlag.EPHEMERAL));
      ok(await watcher.exists(`${b}/e`, true));
      const r = ok(await c.closeSession());
      await c.waitClosed();
      const ev = await watcher.waitEvent();
      expect(ev).toMatchObject({ type: EventType.NodeDeleted, path: `${b}/e`, state: 3, zxid: -1, err: 0 });
      err(await watcher.exists(`${b}/e`), ErrorCode.NONODE);
      expect(r.zxid).toBeGreaterThan(0);
      const resumed = await RawZkClient.open(t.server.port);
      await resumed.handshake({ sessionId: c.sessionId, password: c.password });
      expect(resumed.negotiatedTimeoutMs).toBe(0);
      watcher.close();
    },
  },
  {
    name: "a silent session expires after its timeout; its ephemerals go and watchers hear NodeDeleted",
    timeoutMs: 20_000,
    async run(t) {
      const b = base("expire");
      const watcher = await client(t);
      ok(await watcher.create(b));
      const c = await client(t, { timeoutMs: MIN_TIMEOUT_MS });
      ok(await c.create(`${b}/e`, "x", CreateFlag.EPHEMERAL_SEQUENTIAL));
      ok(await watcher.getChildren(b, true));
      const started = Date.now();
      // The client sends nothing more; the server must close the session on its own.
      const ev = await watcher.waitEvent(() => true, 10_000);
      expect(ev).toMatchObject({ type: EventType.NodeChildrenChanged, path: b });
      expect(Date.now() - started).toBeGreaterThanOrEqual(MIN_TIMEOUT_MS - TICK_MS);
      expect(decodeChildren(ok(await watcher.getChildren(b))).children).toEqual([]);
      await c.waitClosed(5000);
      const late = await RawZkClient.open(t.server.port);
      await late.handshake({ sessionId: c.sessionId, password: c.password });
      expect(late.negotiatedTimeoutMs).toBe(0);
      watcher.close();
    },
  },
  {
    name: "pings keep a session alive past its timeout",
    timeoutMs: 20_000,
    async run(t) {
      const b = base("alive");
      const c = await client(t, { timeoutMs: MIN_TIMEOUT_MS });
      ok(await c.create(b, "", CreateFlag.EPHEMERAL));
      for (let i = 0; i < 8; i++) {
        await Bun.sleep(MIN_TIMEOUT_MS / 3);
        ok(await c.ping());
      }
      const other = await client(t);
      ok(await other.exists(b));
      c.close();
      other.close();
    },
  },
  // ------------------------------------------------------------------ znodes and stats
  {
    name: "create, getData and the stat fields",
    async run(t) {
      const c = await client(t);
      const b = base("stat");
      const created = ok(await c.create(b, "hello"));
      expect(decodeCreate(created)).toEqual({ path: b });
      expect(created.body.remaining()).toBe(0);
      const { data, stat } = decodeData(ok(await c.getData(b)));
      expect(data).toBe("hello");
      expect(stat).toMatchObject({ czxid: created.zxid, mzxid: created.zxid, pzxid: created.zxid, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 5, numChildren: 0 });
      expect(Math.abs(stat.ctime - Date.now())).toBeLessThan(10_000);
      expect(stat.mtime).toBe(stat.ctime);
      const c2 = decodeCreate(ok(await c.create(`${b}/kid`, "", 0, OPEN_ACL, OpCode.create2)), true);
      expect(c2.path).toBe(`${b}/kid`);
      expect(c2.stat?.dataLength).toBe(0);
      const parent = decodeStat(ok(await c.exists(b)));
      // cversion counts changes: one child created.
      expect(parent).toMatchObject({ numChildren: 1, cversion: 1, pzxid: c2.stat?.czxid });
      err(await c.create(b), ErrorCode.NODEEXISTS);
      err(await c.getData(`${b}/missing`), ErrorCode.NONODE);
      err(await c.create(`${b}/missing/child`), ErrorCode.NONODE);
      c.close();
    },
  },
  {
    name: "a failed write still takes a zxid, a read does not",
    async run(t) {
      const c = await client(t);
      const b = base("zxid");
      const z1 = ok(await c.create(b)).zxid;
      const failed = await c.create(b);
      err(failed, ErrorCode.NODEEXISTS);
      expect(failed.zxid).toBe(z1 + 1);
      const read = ok(await c.getData(b));
      expect(read.zxid).toBe(z1 + 1);
      expect(ok(await c.setData(b, "x")).zxid).toBe(z1 + 2);
      c.close();
    },
  },
  {
    name: "sequential names: 10 digits from the parent's cversion, counting on after deletes",
    async run(t) {
      const c = await client(t);
      const b = base("seq");
      ok(await c.create(b));
      const p1 = decodeCreate(ok(await c.create(`${b}/q-`, "", CreateFlag.PERSISTENT_SEQUENTIAL))).path;
      const p2 = decodeCreate(ok(await c.create(`${b}/q-`, "", CreateFlag.EPHEMERAL_SEQUENTIAL))).path;
      expect(p1).toBe(`${b}/q-0000000000`);
      expect(p2).toBe(`${b}/q-0000000001`);
      ok(await c.delete(p1));
      ok(await c.create(`${b}/plain`));
      const p3 = decodeCreate(ok(await c.create(`${b}/`, "", CreateFlag.PERSISTENT_SEQUENTIAL))).path;
      expect(p3).toBe(`${b}/0000000003`);
      const stat = decodeStat(ok(await c.exists(b)));
      // 4 creates and 1 delete: cversion reports 5 changes.
      expect(stat).toMatchObject({ numChildren: 3, cversion: 5 });
      c.close();
    },
  },
  {
    name: "ephemeral nodes: owner, no children, getEphemerals",
    async run(t) {
      const c = await client(t);
      const b = base("eph");
      ok(await c.create(b));
      ok(await c.create(`${b}/e1`, "", CreateFlag.EPHEMERAL));
      ok(await c.create(`${b}/e2`, "", CreateFlag.EPHEMERAL));
      expect(decodeStat(ok(await c.exists(`${b}/e1`))).ephemeralOwner).toBe(c.sessionId);
      err(await c.create(`${b}/e1/kid`), ErrorCode.NOCHILDRENFOREPHEMERALS);
      const eph = ok(await c.getEphemerals(b)).body.stringVector().sort();
      expect(eph).toEqual([`${b}/e1`, `${b}/e2`]);
      const none = ok(await c.getEphemerals(`${b}/zzz`)).body.stringVector();
      expect(none).toEqual([]);
      c.close();
    },
  },
  {
    name: "delete with versions, NOTEMPTY, NONODE, and the paths that cannot be deleted",
    async run(t) {
      const c = await client(t);
      const b = base("del");
      ok(await c.create(b));
      ok(await c.create(`${b}/k`));
      ok(await c.setData(`${b}/k`, "v1"));
      err(await c.delete(b), ErrorCode.NOTEMPTY);
      err(await c.delete(`${b}/k`, 0), ErrorCode.BADVERSION);
      ok(await c.delete(`${b}/k`, 1));
      err(await c.delete(`${b}/k`), ErrorCode.NONODE);
      err(await c.delete(`${b}/nope/deeper`), ErrorCode.NONODE);
      for (const p of ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]) err(await c.delete(p), ErrorCode.BADARGUMENTS);
      ok(await c.delete(b, 0));
      c.close();
    },
  },
  {
    name: "setData with versions bumps version and mzxid",
    async run(t) {
      const c = await client(t);
      const b = base("set");
      const created = ok(await c.create(b, "a"));
      const s1 = decodeStat(ok(await c.setData(b, "bb", 0)));
      expect(s1).toMatchObject({ version: 1, dataLength: 2, czxid: created.zxid });
      expect(s1.mzxid).toBeGreaterThan(created.zxid);
      err(await c.setData(b, "c", 0), ErrorCode.BADVERSION);
      expect(decodeStat(ok(await c.setData(b, "c", -1))).version).toBe(2);
      err(await c.setData(`${b}/none`, "c"), ErrorCode.NONODE);
      c.close();
    },
  },
  {
    name: "built-in znodes look like ZooKeeper's",
    async run(t) {
      const c = await client(t);
      const zk = decodeStat(ok(await c.exists("/zookeeper")));
      expect(zk).toMatchObject({ czxid: 0, version: 0, numChildren: 2, cversion: -2 });
      const config = decodeStat(ok(await c.exists("/zookeeper/config")));
      expect(config).toMatchObject({ aversion: -1, numChildren: 0 });
      expect(decodeChildren(ok(await c.getChildren("/zookeeper"))).children).toEqual(["config", "quota"]);
      expect(decodeAcl(ok(await c.getACL("/zookeeper/config"))).acl).toEqual([{ perms: 1, scheme: "world", id: "anyone" }]);
      err(await c.setData("/zookeeper/config", "x"), ErrorCode.NOAUTH);
      c.close();
    },
  },
  {
    name: "getChildren, getChildren2, getAllChildrenNumber, sync",
    async run(t) {
      const c = await client(t);
      const b = base("kids");
      ok(await c.create(b));
      for (const k of ["a", "b", "c"]) ok(await c.create(`${b}/${k}`));
      ok(await c.create(`${b}/a/x`));
      ok(await c.create(`${b}/a/x/y`));
      expect(decodeChildren(ok(await c.getChildren(b))).children).toEqual(["a", "b", "c"]);
      const two = decodeChildren(ok(await c.getChildren(b, false, true)), true);
      expect(two.stat).toMatchObject({ numChildren: 3 });
      expect(ok(await c.getAllChildrenNumber(b)).body.int()).toBe(5);
      expect(ok(await c.getAllChildrenNumber(`${b}/a/x/y`)).body.int()).toBe(0);
      err(await c.getAllChildrenNumber(`${b}/none`), ErrorCode.NONODE);
      expect(ok(await c.sync(b)).body.string()).toBe(b);
      c.close();
    },
  },
  {
    name: "bad paths: writes get BADARGUMENTS, reads NONODE, exists with NUL BADARGUMENTS",
    async run(t) {
      const c = await client(t);
      const b = base("paths");
      ok(await c.create(b));
      for (const p of ["noslash", `${b}/`, `${b}/.`, `${b}/..`, `${b}/a\u0001b`, `${b}/a\u0000b`, `${b}/\ud83d\ude00`]) err(await c.create(p), ErrorCode.BADARGUMENTS);
      // The parent is looked up before the full path is checked, as ZooKeeper does.
      for (const p of [`${b}//x`, `${b}/./x`, `${b}/../x`]) err(await c.create(p), ErrorCode.NONODE);
      err(await c.setData(`${b}/`, "x"), ErrorCode.BADARGUMENTS);
      err(await c.setData("rel", "x"), ErrorCode.BADARGUMENTS);
      err(await c.delete("rel"), ErrorCode.BADARGUMENTS);
      err(await c.getData("rel"), ErrorCode.NONODE);
      err(await c.getChildren(`${b}/`), ErrorCode.NONODE);
      err(await c.exists("a\u0000b"), ErrorCode.BADARGUMENTS);
      err(await c.create(`${b}/x`, "", 7), ErrorCode.BADARGUMENTS);
      err(await c.create(`${b}/x`, "", CreateFlag.PERSISTENT_WITH_TTL), ErrorCode.BADARGUMENTS);
      err(await c.create(`${b}/x`, "", CreateFlag.PERSISTENT_WITH_TTL, OPEN_ACL, OpCode.createTTL, 0), ErrorCode.BADARGUMENTS);
      c.close();
    },
  },
  {
    name: "unknown op codes get UNIMPLEMENTED and the connection is closed",
    async run(t) {
      const c = await client(t);
      const r = await c.request(999);
      expect(r.err).toBe(ErrorCode.UNIMPLEMENTED);
      expect(r.zxid).toBe(-1);
      await c.waitClosed();
      const c2 = await client(t);
      err(await c2.request(OpCode.reconfig, (w) => w.string("").string("").string("").long(-1n)), ErrorCode.RECONFIGDISABLED);
      c2.close();
    },
  },
  {
    name: "a request whose body does not decode gets MARSHALLINGERROR",
    async run(t) {
      const c = await client(t);
      err(await c.request(OpCode.getData, (w) => w.int(100)), ErrorCode.MARSHALLINGERROR);
      err(await c.request(OpCode.create, (w) => w.string("/x")), ErrorCode.MARSHALLINGERROR);
      ok(await c.ping());
      c.close();
    },
  },
  // ------------------------------------------------------------------ multi
  {
    name: "multi: all ops applied under one zxid with per-op results",
    async run(t) {
      const c = await client(t);
      const b = base("multi");
      ok(await c.create(b, "v0"));
      const r = ok(await c.multi([op.create(`${b}/m1`), op.create2(`${b}/m2`), op.setData(b, "v1", 0), op.check(b, 1), op.delete(`${b}/m1`)]));
      const results = decodeMulti(r);
      expect(results.map((x) => x.type)).toEqual([OpCode.create, OpCode.create, OpCode.setData, OpCode.check, OpCode.delete]);
      expect(results[0]?.path).toBe(`${b}/m1`);
      expect(results[2]?.stat?.mzxid).toBe(r.zxid);
      expect(decodeStat(ok(await c.exists(`${b}/m2`))).czxid).toBe(r.zxid);
      err(await c.exists(`${b}/m1`), ErrorCode.NONODE);
      c.close();
    },
  },
  {
    name: "multi: all or nothing; OK before the failure, its code, RUNTIMEINCONSISTENCY after",
    async run(t) {
      const c = await client(t);
      const b = base("multifail");
      ok(await c.create(b, "v0"));
      const r = await c.multi([op.create(`${b}/new`), op.setData(b, "x", 7), op.delete(`${b}/none`), op.create(`${b}/new2`)]);
      expect(r.err).toBe(0);
      expect(decodeMulti(r)).toEqual([
        { type: OpCode.error, err: 0 },
        { type: OpCode.error, err: ErrorCode.BADVERSION },
        { type: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
        { type: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
      ]);
      err(await c.exists(`${b}/new`), ErrorCode.NONODE);
      expect(decodeData(ok(await c.getData(b))).data).toBe("v0");
      // Later ops see earlier ones: create then delete the same node, check a version just set.
      ok(await c.multi([op.create(`${b}/t`), op.setData(`${b}/t`, "1", 0), op.check(`${b}/t`, 1), op.delete(`${b}/t`, 1)]));
      err(await c.exists(`${b}/t`), ErrorCode.NONODE);
      const dup = decodeMulti(await c.multi([op.create(`${b}/d`), op.create(`${b}/d`)]));
      expect(dup).toEqual([{ type: OpCode.error, err: 0 }, { type: OpCode.error, err: ErrorCode.NODEEXISTS }]);
      expect(decodeMulti(ok(await c.multi([])))).toEqual([]);
      c.close();
    },
  },
  // ------------------------------------------------------------------ watches
  {
    name: "one-shot data, exists and child watches with ZooKeeper's event types",
    async run(t) {
      const c = await client(t);
      const w = await client(t);
      const b = base("watch");
      err(await w.exists(b, true), ErrorCode.NONODE);
      ok(await c.create(b, "1"));
      expect(await w.waitEvent()).toMatchObject({ type: EventType.NodeCreated, path: b, zxid: -1 });
      ok(await w.getData(b, true));
      ok(await w.getChildren(b, true));
      ok(await c.setData(b, "2"));
      expect(await w.waitEvent()).toMatchObject({ type: EventType.NodeDataChanged, path: b });
      ok(await c.setData(b, "3")); // the data watch was one-shot: no event for this one
      ok(await c.create(`${b}/k`));
      expect(await w.waitEvent()).toMatchObject({ type: EventType.NodeChildrenChanged, path: b });
      ok(await w.getData(b, true));
      ok(await w.getChildren(b, true));
      ok(await w.exists(b, true));
      ok(await c.delete(`${b}/k`));
      expect(await w.waitEvent()).toMatchObject({ type: EventType.NodeChildrenChanged, path: b });
      ok(await c.delete(b));
      expect(await w.waitEvent()).toMatchObject({ type: EventType.NodeDeleted, path: b });
      await Bun.sleep(200);
      // Data, exists and child watches on one node hear of its deletion once; setData "3" was not heard.
      expect(w.events).toEqual([]);
      c.close();
      w.close();
    },
  },
  {
    name: "the writer's own watch fires before its reply",
    async run(t) {
      const c = await client(t);
      const b = base("ownwatch");
      ok(await c.create(b));
      ok(await c.getData(b, true));
      const p = c.setData(b, "x");
      const ev = await c.waitEvent();
      expect(ev.type).toBe(EventType.NodeDataChanged);
      ok(await p);
      c.close();
    },
  },
  {
    name: "checkWatches and removeWatches report NOWATCHER when there is none",
    async run(t) {
      const c = await client(t);
      const b = base("rmw");
      ok(await c.create(b));
      ok(await c.getData(b, true));
      ok(await c.checkWatches(b, WatcherType.Data));
      err(await c.checkWatches(b, WatcherType.Children), ErrorCode.NOWATCHER);
      ok(await c.getChildren(b, true));
      ok(await c.removeWatches(b, WatcherType.Any));
      err(await c.removeWatches(b, WatcherType.Any), ErrorCode.NOWATCHER);
      err(await c.checkWatches(b, WatcherType.Data), ErrorCode.NOWATCHER);
      const other = await client(t);
      ok(await other.setData(b, "x"));
      await Bun.sleep(200);
      expect(c.events).toEqual([]);
      c.close();
      other.close();
    },
  },
  {
    name: "addWatch: persistent and persistent recursive watches",
    async run(t) {
      const c = await client(t);
      const w = await client(t);
      const b = base("persist");
      ok(await c.create(b));
      const added = ok(await w.addWatch(b, AddWatchMode.PERSISTENT));
      expect(added.body.remaining()).toBe(4);
      ok(await w.addWatch(`${b}/r`, AddWatchMode.PERSISTENT_RECURSIVE));
      ok(await c.setData(b, "1"));
      ok(await c.setData(b, "2"));
      ok(await c.create(`${b}/r`));
      ok(await c.create(`${b}/r/deep`));
      ok(await c.setData(`${b}/r/deep`, "x"));
      ok(await c.delete(`${b}/r/deep`));
      await within(5000, async () => (w.events.length >= 7 ? true : undefined));
      await Bun.sleep(200);
      expect(w.events.map((e) => [e.type, e.path])).toEqual([
        [EventType.NodeDataChanged, b],
        [EventType.NodeDataChanged, b],
        [EventType.NodeCreated, `${b}/r`],
        [EventType.NodeChildrenChanged, b],
        [EventType.NodeCreated, `${b}/r/deep`],
        [EventType.NodeDataChanged, `${b}/r/deep`],
        [EventType.NodeDeleted, `${b}/r/deep`],
      ]);
      c.close();
      w.close();
    },
  },
  {
    name: "setWatches on reconnect re-arms watches and fires for what changed meanwhile",
    async run(t) {
      const c = await client(t);
      const b = base("setw");
      ok(await c.create(b, "0"));
      ok(await c.create(`${b}/same`, "0"));
      const zxid = ok(await c.create(`${b}/gone`)).zxid;
      ok(await c.setData(b, "changed"));
      ok(await c.delete(`${b}/gone`));
      ok(await c.create(`${b}/born`));
      const w = await client(t);
      ok(await w.setWatches(zxid, [b, `${b}/same`, `${b}/gone`], [`${b}/born`, `${b}/unborn`], [b]));
      const got = await within(5000, async () => (w.events.length >= 4 ? w.events.map((e) => `${e.type} ${e.path}`).sort() : undefined));
      expect(got).toEqual(
        [`${EventType.NodeDataChanged} ${b}`, `${EventType.NodeDeleted} ${b}/gone`, `${EventType.NodeCreated} ${b}/born`, `${EventType.NodeChildrenChanged} ${b}`].sort(),
      );
      w.events.length = 0;
      ok(await c.setData(`${b}/same`, "1"));
      ok(await c.create(`${b}/unborn`));
      const later = await within(5000, async () => (w.events.length >= 2 ? w.events.map((e) => `${e.type} ${e.path}`).sort() : undefined));
      expect(later).toEqual([`${EventType.NodeDataChanged} ${b}/same`, `${EventType.NodeCreated} ${b}/unborn`].sort());
      const w2 = await client(t);
      ok(await w2.setWatches(zxid, [], [], [], [`${b}/same`], [b]));
      ok(await c.setData(`${b}/same`, "2"));
      await within(5000, async () => (w2.events.length >= 1 ? true : undefined));
      await Bun.sleep(200);
      // A persistent watch and a recursive one of the same connection: one notification.
      expect(w2.events.map((e) => `${e.type} ${e.path}`)).toEqual([`${EventType.NodeDataChanged} ${b}/same`]);
      c.close();
      w.close();
      w2.close();
    },
  },
  // ------------------------------------------------------------------ ACLs and auth
  {
    name: "digest auth, auth ACL expansion, NOAUTH, getACL redaction and setACL versions",
    async run(t) {
      const owner = await client(t);
      const other = await client(t);
      const b = base("acl");
      ok(await owner.addAuth("digest", "bob:secret"));
      ok(await owner.create(b, "", 0, OPEN_ACL));
      ok(await owner.create(`${b}/priv`, "s", 0, [{ perms: 31, scheme: "auth", id: "" }]));
      const acl = decodeAcl(ok(await owner.getACL(`${b}/priv`)));
      // base64(sha1("bob:secret"))
      expect(acl.acl).toEqual([{ perms: 31, scheme: "digest", id: "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=" }]);
      err(await other.getData(`${b}/priv`), ErrorCode.NOAUTH);
      err(await other.setData(`${b}/priv`, "x"), ErrorCode.NOAUTH);
      err(await other.getChildren(`${b}/priv`), ErrorCode.NOAUTH);
      ok(await other.exists(`${b}/priv`));
      err(await other.getACL(`${b}/priv`), ErrorCode.NOAUTH);
      ok(await owner.setACL(`${b}/priv`, [{ perms: 1, scheme: "digest", id: "bob:fyVmFCwVbTJYrznoSu1koqYEYF0=" }, { perms: 1, scheme: "world", id: "anyone" }], 0));
      const redacted = decodeAcl(ok(await other.getACL(`${b}/priv`)));
      expect(redacted.acl).toEqual([{ perms: 1, scheme: "digest", id: "bob:x" }, { perms: 1, scheme: "world", id: "anyone" }]);
      expect(redacted.stat.aversion).toBe(1);
      err(await owner.setACL(`${b}/priv`, OPEN_ACL, 0), ErrorCode.NOAUTH);
      ok(await other.addAuth("digest", "bob:secret"));
      err(await other.setData(`${b}/priv`, "x"), ErrorCode.NOAUTH);
      ok(await other.create(`${b}/ro`, "", 0, [{ perms: 1 | 16, scheme: "world", id: "anyone" }]));
      err(await owner.setACL(`${b}/ro`, OPEN_ACL, 5), ErrorCode.BADVERSION);
      err(await owner.create(`${b}/ro/kid`), ErrorCode.NOAUTH);
      ok(await owner.delete(`${b}/priv`));
      const who = decodeWhoAmI(ok(await owner.whoAmI()));
      expect(who).toEqual([
        { scheme: "digest", user: "bob" },
        { scheme: "ip", user: "127.0.0.1" },
      ]);
      owner.close();
      other.close();
    },
  },
  {
    name: "invalid ACLs get INVALIDACL; ip ACLs match the client address",
    async run(t) {
      const c = await client(t);
      const b = base("badacl");
      ok(await c.create(b));
      err(await c.create(`${b}/x`, "", 0, []), ErrorCode.INVALIDACL);
      err(await c.create(`${b}/x`, "", 0, [{ perms: 31, scheme: "auth", id: "" }]), ErrorCode.INVALIDACL);
      err(await c.create(`${b}/x`, "", 0, [{ perms: 31, scheme: "digest", id: "nocolon" }]), ErrorCode.INVALIDACL);
      err(await c.create(`${b}/x`, "", 0, [{ perms: 31, scheme: "world", id: "someone" }]), ErrorCode.INVALIDACL);
      err(await c.create(`${b}/x`, "", 0, [{ perms: 31, scheme: "nosuch", id: "x" }]), ErrorCode.INVALIDACL);
      err(await c.create(`${b}/x`, "", 0, [{ perms: 31, scheme: "ip", id: "300.1.1.1" }]), ErrorCode.INVALIDACL);
      err(await c.setACL(b, []), ErrorCode.INVALIDACL);
      ok(await c.create(`${b}/ip`, "d", 0, [{ perms: 31, scheme: "ip", id: "127.0.0.1" }]));
      ok(await c.getData(`${b}/ip`));
      ok(await c.create(`${b}/net`, "d", 0, [{ perms: 31, scheme: "ip", id: "10.0.0.0/8" }]));
      err(await c.getData(`${b}/net`), ErrorCode.NOAUTH);
      c.close();
    },
  },
  {
    name: "auth with an unknown scheme fails with AUTHFAILED and closes the connection",
    async run(t) {
      const c = await client(t);
      const r = await c.addAuth("kerberos", "x");
      expect(r.err).toBe(ErrorCode.AUTHFAILED);
      await c.waitClosed();
    },
  },
  // ------------------------------------------------------------------ containers and TTL
  {
    name: "containers go once their last child is gone; TTL nodes after their TTL",
    timeoutMs: 30_000,
    async run(t) {
      const c = await client(t);
      const b = base("container");
      ok(await c.create(b));
      const cont = decodeCreate(ok(await c.create(`${b}/box`, "", CreateFlag.CONTAINER, OPEN_ACL, OpCode.createContainer)), true);
      expect(cont.stat?.ephemeralOwner).toBe(0n);
      ok(await c.create(`${b}/fresh`, "", CreateFlag.CONTAINER, OPEN_ACL, OpCode.createContainer));
      ok(await c.create(`${b}/box/item`));
      const ttl = decodeCreate(ok(await c.create(`${b}/ttl`, "", CreateFlag.PERSISTENT_WITH_TTL, OPEN_ACL, OpCode.createTTL, 300)), true);
      expect(ttl.stat?.ephemeralOwner).toBe(0n);
      const seqTtl = decodeCreate(ok(await c.create(`${b}/ttlseq-`, "", CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL, OPEN_ACL, OpCode.createTTL, 600_000))).path;
      expect(seqTtl).toMatch(/ttlseq-\d{10}$/);
      ok(await c.exists(`${b}/box`, true));
      ok(await c.delete(`${b}/box/item`));
      const ev = await c.waitEvent((e) => e.path === `${b}/box`, 15_000);
      expect(ev.type).toBe(EventType.NodeDeleted);
      await within(15_000, async () => ((await c.exists(`${b}/ttl`)).err === ErrorCode.NONODE ? true : undefined));
      // Never-used containers and unexpired TTL nodes stay.
      ok(await c.exists(`${b}/fresh`));
      ok(await c.exists(seqTtl));
      c.close();
    },
  },
  // ------------------------------------------------------------------ durability
  {
    name: "acknowledged writes survive kill -9 and restart, with zxid and sessions",
    standaloneOnly: true,
    timeoutMs: 90_000,
    async run(t) {
      const s = await t.start({ tickTimeMs: TICK_MS, admin: false });
      const c = await client(s);
      const b = base("restart");
      ok(await c.create(b, "root"));
      const acks: string[] = [];
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          ok(await c.create(`${b}/n${i}`, `v${i}`));
          acks.push(`n${i}`);
        }),
      );
      ok(await c.create(`${b}/eph`, "", CreateFlag.EPHEMERAL));
      const last = ok(await c.setData(b, "final"));
      await s.stop("SIGKILL");
      const s2 = await t.start({ tickTimeMs: TICK_MS, admin: false, dataDir: s.dataDir });
      try {
        const c2 = await client(s2, { sessionId: c.sessionId, password: c.password });
        expect(c2.sessionId).toBe(c.sessionId);
        const kids = decodeChildren(ok(await c2.getChildren(b))).children;
        for (const a of acks) expect(kids).toContain(a);
        expect(kids).toContain("eph");
        const { data, stat } = decodeData(ok(await c2.getData(b)));
        expect(data).toBe("final");
        expect(stat.mzxid).toBe(last.zxid);
        expect(ok(await c2.ping()).zxid).toBeGreaterThanOrEqual(last.zxid);
        c2.close();
      } finally {
        await s2.stop("SIGTERM");
      }
    },
  },
  // ------------------------------------------------------------------ four-letter words and admin
  {
    name: "ruok, isro, srvr, stat and cons",
    standaloneOnly: true,
    async run(t) {
      const c = await client(t);
      ok(await c.create(base("4lw")));
      const port = t.server.port;
      expect(await fourLetterWord(port, "ruok")).toBe("imok");
      expect(await fourLetterWord(port, "isro")).toBe("rw");
      const srvrLines = [
        /^Zookeeper version: 3\.8\.\d+-.*, built on .+$/,
        /^Latency min\/avg\/max: \d+\/\d+\.\d+\/\d+$/,
        /^Received: \d+$/,
        /^Sent: \d+$/,
        /^Connections: \d+$/,
        /^Outstanding: \d+$/,
        /^Zxid: 0x[0-9a-f]+$/,
        /^Mode: standalone$/,
        /^Node count: \d+$/,
        /^$/,
      ];
      const srvr = await fourLetterWord(port, "srvr");
      expectLines(srvr, srvrLines);
      expect(srvr.split("\n").length).toBe(srvrLines.length);
      const stat = await fourLetterWord(port, "stat");
      const statLines = stat.split("\n");
      expect(statLines[0]).toMatch(/^Zookeeper version: /);
      expect(statLines[1]).toBe("Clients:");
      const blank = statLines.indexOf("", 2);
      for (const line of statLines.slice(2, blank)) expect(line).toMatch(/^ \/127\.0\.0\.1:\d+\[[0-9a-f]+\]\(queued=\d+,recved=\d+,sent=\d+\)$/);
      expectLines(statLines.slice(blank + 1).join("\n"), srvrLines.slice(1));
      const cons = await fourLetterWord(port, "cons");
      const consLines = cons.split("\n");
      expect(consLines.at(-1)).toBe("");
      expect(consLines.at(-2)).toBe("");
      const withSession = consLines.filter((l) => l.includes(`sid=0x${c.sessionId.toString(16)},`));
      expect(withSession.length).toBe(1);
      expect(withSession[0]).toMatch(
        /^ \/127\.0\.0\.1:\d+\[[0-9a-f]+\]\(queued=\d+,recved=\d+,sent=\d+,sid=0x[0-9a-f]+,lop=[A-Z]+,est=\d+,to=\d+,lcxid=0x[0-9a-f]+,lzxid=0x[0-9a-f]+,lresp=\d+,llat=\d+,minlat=\d+,avglat=\d+,maxlat=\d+\)$/,
      );
      c.close();
    },
  },
  {
    name: "mntr: zk_version first, zk_server_state standalone, the usual keys, tab-separated",
    standaloneOnly: true,
    async run(t) {
      const text = await fourLetterWord(t.server.port, "mntr");
      const lines = text.split("\n");
      expect(lines.at(-1)).toBe("");
      const entries = lines.slice(0, -1).map((l) => {
        // Per-namespace metrics carry the znode name, so any key text up to the tab.
        const m = /^(zk_[^\t]+)\t(.*)$/.exec(l);
        if (m === null) throw new Error(`bad mntr line ${JSON.stringify(l)}`);
        return [m[1]!, m[2]!] as const;
      });
      expect(entries[0]?.[0]).toBe("zk_version");
      expect(entries[1]).toEqual(["zk_server_state", "standalone"]);
      const map = new Map(entries);
      const numeric = [
        "zk_avg_latency",
        "zk_min_latency",
        "zk_max_latency",
        "zk_packets_received",
        "zk_packets_sent",
        "zk_num_alive_connections",
        "zk_outstanding_requests",
        "zk_znode_count",
        "zk_watch_count",
        "zk_ephemerals_count",
        "zk_approximate_data_size",
        "zk_open_file_descriptor_count",
        "zk_max_file_descriptor_count",
        "zk_global_sessions",
        "zk_uptime",
      ];
      for (const k of numeric) expect(map.get(k) ?? "missing " + k).toMatch(/^-?\d+(\.\d+)?$/);
      expect(map.get("zk_avg_latency")).toMatch(/^\d+\.\d+$/);
      expect(Number(map.get("zk_znode_count"))).toBeGreaterThanOrEqual(5);
    },
  },
  {
    name: "mntr keys zk-lite prints are keys ZooKeeper prints",
    standaloneOnly: true,
    async run(t) {
      const keys = (await fourLetterWord(t.server.port, "mntr")).split("\n").filter((l) => l !== "").map((l) => l.split("\t")[0]!);
      expect(keys.filter((k) => !ZOOKEEPER_38_MNTR_KEYS_SAMPLE.has(k) && !/^zk_(avg|min|max|cnt|sum|p50|p95|p99|p999)_/.test(k) && !k.endsWith("_per_namespace"))).toEqual([]);
    },
  },
  {
    name: "conf, envi, wchs, wchc, wchp, dirs, crst, srst, gtmk",
    standaloneOnly: true,
    async run(t) {
      const port = t.server.port;
      const c = await client(t);
      const b = base("wch");
      ok(await c.create(b));
      ok(await c.getData(b, true));
      expectLines(await fourLetterWord(port, "conf"), [
        new RegExp(`^clientPort=${port}$`),
        /^secureClientPort=-1$/,
        /^dataDir=\/.+$/,
        /^dataDirSize=\d+$/,
        /^dataLogDir=\/.+$/,
        /^dataLogSize=\d+$/,
        /^tickTime=500$/,
        /^maxClientCnxns=0$/,
        /^minSessionTimeout=1000$/,
        /^maxSessionTimeout=10000$/,
        /^clientPortListenBacklog=-1$/,
        /^serverId=0$/,
        /^$/,
      ]);
      const envi = (await fourLetterWord(port, "envi")).split("\n");
      expect(envi[0]).toBe("Environment:");
      const keys = envi.slice(1, -1).map((l) => l.split("=")[0]);
      expect(keys).toEqual([
        "zookeeper.version",
        "host.name",
        "java.version",
        "java.vendor",
        "java.home",
        "java.class.path",
        "java.library.path",
        "java.io.tmpdir",
        "java.compiler",
        "os.name",
        "os.arch",
        "os.version",
        "user.name",
        "user.home",
        "user.dir",
        "os.memory.free",
        "os.memory.max",
        "os.memory.total",
      ]);
      expectLines(await fourLetterWord(port, "wchs"), [/^\d+ connections watching \d+ paths$/, /^Total watches:\d+$/, /^$/]);
      const wchc = await fourLetterWord(port, "wchc");
      expect(wchc).toContain(`0x${c.sessionId.toString(16)}\n\t${b}\n`);
      expect(wchc.endsWith("\n\n")).toBe(true);
      const wchp = await fourLetterWord(port, "wchp");
      expect(wchp).toContain(`${b}\n\t0x${c.sessionId.toString(16)}\n`);
      expectLines(await fourLetterWord(port, "dirs"), [/^datadir_size: \d+$/, /^logdir_size: \d+$/, /^$/]);
      expect(await fourLetterWord(port, "crst")).toBe("Connection stats reset.\n");
      expect(await fourLetterWord(port, "srst")).toBe("Server stats reset.\n");
      expect(await fourLetterWord(port, "gtmk")).toMatch(/^\d+$/);
      const dump = await fourLetterWord(port, "dump");
      expect(dump).toMatch(/^SessionTracker dump:\nSession Sets \(\d+\)\/\(\d+\):\n/);
      expect(dump).toContain("ephemeral nodes dump:\nSessions with Ephemerals (");
      c.close();
    },
  },
  {
    name: "a four-letter word off the whitelist gets the whitelist message; srvr is always on",
    standaloneOnly: true,
    timeoutMs: 60_000,
    async run(t) {
      const s = await t.start({ tickTimeMs: TICK_MS, admin: false });
      try {
        expect(await fourLetterWord(s.port, "ruok")).toBe("ruok is not executed because it is not in the whitelist.\n");
        expect(await fourLetterWord(s.port, "mntr")).toBe("mntr is not executed because it is not in the whitelist.\n");
        expect(await fourLetterWord(s.port, "srvr")).toMatch(/^Zookeeper version: /);
      } finally {
        await s.stop("SIGTERM");
      }
      const s2 = await t.start({ tickTimeMs: TICK_MS, admin: false, whitelist: ["ruok", "conf"] });
      try {
        expect(await fourLetterWord(s2.port, "ruok")).toBe("imok");
        expect(await fourLetterWord(s2.port, "stat")).toBe("stat is not executed because it is not in the whitelist.\n");
      } finally {
        await s2.stop("SIGTERM");
      }
    },
  },
  {
    name: "admin server: /commands and the JSON of ruok, srvr, mntr, conf, cons, envi, wchs, dirs, isro",
    standaloneOnly: true,
    async run(t) {
      const c = await client(t);
      ok(await c.getData("/zookeeper", true));
      expect(await adminJson(t, "ruok")).toEqual({ command: "ruok", error: null });
      const srvr = await adminJson(t, "server_stats");
      expect(Object.keys(srvr)).toEqual(["version", "read_only", "server_stats", "client_response", "node_count", "command", "error"]);
      expect(Object.keys(srvr["server_stats"] as object).sort()).toEqual(
        [
          "packets_sent",
          "packets_received",
          "fsync_threshold_exceed_count",
          "client_response_stats",
          "uptime",
          "data_dir_size",
          "log_dir_size",
          "server_state",
          "last_processed_zxid",
          "outstanding_requests",
          "avg_latency",
          "max_latency",
          "min_latency",
          "num_alive_client_connections",
          "auth_failed_count",
          "non_mtlsremote_conn_count",
          "non_mtlslocal_conn_count",
          "provider_null",
        ].sort(),
      );
      expect((await adminJson(t, "srvr"))["command"]).toBe("server_stats");
      const mntr = await adminJson(t, "monitor");
      expect(mntr["server_state"]).toBe("standalone");
      expect(typeof mntr["znode_count"]).toBe("number");
      expect(mntr["command"]).toBe("monitor");
      expect(Object.keys(await adminJson(t, "configuration"))).toEqual([
        "client_port",
        "data_dir",
        "data_log_dir",
        "tick_time",
        "max_client_cnxns",
        "min_session_timeout",
        "max_session_timeout",
        "server_id",
        "client_port_listen_backlog",
        "command",
        "error",
      ]);
      const cons = await adminJson(t, "cons");
      expect(cons["command"]).toBe("connections");
      const conns = cons["connections"] as Record<string, unknown>[];
      expect(conns.length).toBeGreaterThan(0);
      expect(Object.keys(conns[0]!)).toEqual([
        "remote_socket_address",
        "interest_ops",
        "outstanding_requests",
        "packets_received",
        "packets_sent",
        "session_id",
        "last_operation",
        "established",
        "session_timeout",
        "last_cxid",
        "last_zxid",
        "last_response_time",
        "last_latency",
        "min_latency",
        "avg_latency",
        "max_latency",
      ]);
      expect(Object.keys(await adminJson(t, "envi"))[0]).toBe("zookeeper.version");
      const wchs = await adminJson(t, "watch_summary");
      expect(Object.keys(wchs)).toEqual(["num_connections", "num_paths", "num_total_watches", "command", "error"]);
      expect(Object.keys(await adminJson(t, "dirs"))).toEqual(["datadir_size", "logdir_size", "command", "error"]);
      expect(await adminJson(t, "isro")).toEqual({ read_only: false, command: "is_read_only", error: null });
      expect(await adminJson(t, "nosuch")).toEqual({ command: "nosuch", error: "Unknown command: nosuch" });
      const listing = await (await fetch(`http://127.0.0.1:${t.server.adminPort}/commands`)).text();
      for (const n of ["ruok", "server_stats", "monitor", "configuration", "connections", "environment", "watch_summary", "dirs", "is_read_only"]) {
        expect(listing).toContain(`<a href="/commands/${n}">${n}</a>`);
      }
      c.close();
    },
  },
  // ------------------------------------------------------------------ node-zookeeper-client (3.4-style client)
  {
    name: "node-zookeeper-client: create modes, data, children, transactions, ACLs and watches",
    async run(t) {
      const zk = await nzcConnect(t.server.port);
      const other = await nzcConnect(t.server.port);
      try {
        const b = base("nzc");
        await nzcCall<string>((cb) => zk.create(b, Buffer.from("d0"), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT, cb));
        const seqPath = await nzcCall<string>((cb) => zk.create(`${b}/s-`, null, zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, cb));
        expect(seqPath).toBe(`${b}/s-0000000000`);
        const events: string[] = [];
        const [data, stat] = await nzcCall2<Buffer, zookeeper.Stat>((cb) => other.getData(b, (e) => events.push(`${e.getName()} ${e.getPath()}`), cb));
        expect(data.toString()).toBe("d0");
        expect(stat.version).toBe(0);
        await nzcCall<zookeeper.Stat>((cb) => zk.setData(b, Buffer.from("d1"), 0, cb));
        await within(5000, async () => (events.length > 0 ? true : undefined));
        expect(events).toEqual([`NODE_DATA_CHANGED ${b}`]);
        const err1 = await nzcCall<zookeeper.Stat>((cb) => zk.setData(b, Buffer.from("x"), 0, cb)).catch((e: zookeeper.Exception) => e.getCode());
        expect(err1).toBe(zookeeper.Exception.BAD_VERSION);
        const kids = await nzcCall<string[]>((cb) => zk.getChildren(b, undefined, cb));
        expect(kids).toEqual(["s-0000000000"]);
        const results = await nzcCall<{ type: number }[]>((cb) =>
          zk.transaction().create(`${b}/t1`).setData(b, Buffer.from("d2"), 1).check(b, 2).remove(`${b}/t1`).commit(cb),
        );
        expect(results.map((r) => r.type)).toEqual([OpCode.create, OpCode.setData, OpCode.check, OpCode.delete]);
        const failed = await nzcCall((cb) => zk.transaction().create(`${b}/t2`).check(b, 99).commit(cb)).catch((e: zookeeper.Exception) => e.getCode());
        expect(failed).toBe(zookeeper.Exception.BAD_VERSION);
        expect(await nzcCall<zookeeper.Stat | null>((cb) => zk.exists(`${b}/t2`, undefined, cb))).toBeNull();
        zk.addAuthInfo("digest", Buffer.from("alice:pw"));
        await nzcCall<string>((cb) =>
          zk.create(`${b}/locked`, Buffer.from("x"), [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id("auth", ""))], zookeeper.CreateMode.PERSISTENT, cb),
        );
        const denied = await nzcCall2((cb) => other.getData(`${b}/locked`, undefined, cb)).catch((e: zookeeper.Exception) => e.getCode());
        expect(denied).toBe(zookeeper.Exception.NO_AUTH);
        const [acls] = await nzcCall2<zookeeper.ACL[], zookeeper.Stat>((cb) => zk.getACL(`${b}/locked`, cb));
        expect(acls.map((a) => `${a.id.scheme}:${a.id.id}`)).toEqual(["digest:alice:V55/p2T0OpjQ+low3NVAH4aLvm0="]);
        await nzcCall((cb) => zk.mkdirp(`${b}/x/y/z`, null, zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT, cb));
        expect(await nzcCall<zookeeper.Stat | null>((cb) => other.exists(`${b}/x/y/z`, undefined, cb))).not.toBeNull();
        const gone = await nzcCall((cb) => zk.remove(`${b}/x`, -1, (e) => cb(e, undefined))).catch((e: zookeeper.Exception) => e.getCode());
        expect(gone).toBe(zookeeper.Exception.NOT_EMPTY);
      } finally {
        zk.close();
        other.close();
      }
    },
  },
  {
    name: "node-zookeeper-client: resumes a session by id and password; closing it removes the ephemerals",
    async run(t) {
      const raw = await client(t);
      const watcher = await nzcConnect(t.server.port);
      const b = base("nzceph");
      try {
        ok(await raw.create(b, "", CreateFlag.EPHEMERAL));
        // Drop the connection without closing the session, then resume it from node-zookeeper-client.
        raw.close();
        const resumed = await nzcConnect(t.server.port, { sessionId: Buffer.from(raw.sessionId.toString(16).padStart(16, "0"), "hex"), sessionPassword: Buffer.from(raw.password) });
        expect(resumed.getSessionId().toString("hex")).toBe(raw.sessionId.toString(16).padStart(16, "0"));
        const stat = await nzcCall<zookeeper.Stat | null>((cb) => resumed.exists(b, undefined, cb));
        expect(stat?.ephemeralOwner.toString("hex")).toBe(raw.sessionId.toString(16).padStart(16, "0"));
        // The watch must be set before the close: the two go over different connections.
        let fire!: (name: string) => void;
        const deleted = new Promise<string>((resolve) => (fire = resolve));
        await nzcCall((cb) => watcher.exists(b, (e) => fire(e.getName()), cb));
        resumed.close();
        expect(await deleted).toBe("NODE_DELETED");
      } finally {
        watcher.close();
      }
    },
  },
  // ------------------------------------------------------------------ the C client (libzookeeper 3.8.0)
  {
    name: "C client (zookeeper npm, libzookeeper 3.8.0): create modes, errors, watches, ACLs, close",
    needs: "c-client",
    timeoutMs: 60_000,
    async run(t) {
      const b = base("cclient");
      const r = await runCClient(t.server.port, b);
      expect(r["error"]).toBeUndefined();
      expect(r).toMatchObject({
        created: b,
        ephemeral: `${b}/e`,
        seq: [`${b}/s-0000000001`, `${b}/s-0000000002`],
        container: `${b}/box`,
        ttl: `${b}/ttl`,
        duplicate: ErrorCode.NODEEXISTS,
        noParent: ErrorCode.NONODE,
        ephemeralChild: ErrorCode.NOCHILDRENFOREPHEMERALS,
        get: { data: "root", version: 0, numChildren: 5, dataLength: 4 },
        ephemeralOwnerIsSession: true,
        children: ["box", "e", "s-0000000001", "s-0000000002", "ttl"],
        set: 1,
        badVersion: ErrorCode.BADVERSION,
        watch: { type: EventType.NodeDataChanged, state: 3, path: b },
        childWatch: { type: EventType.NodeChildrenChanged, state: 3, path: b },
        notEmpty: ErrorCode.NOTEMPTY,
        missing: ErrorCode.NONODE,
        acl: [{ perms: 31, scheme: "digest", auth: "carol:RffyCdXXV1Js0ywLAoP5/l25yKs=" }],
        noAuth: ErrorCode.NOAUTH,
        sync: "ok",
        afterClose: { type: EventType.NodeDeleted, path: `${b}/e` },
        afterCloseChildren: ["box", "ttl"],
      });
    },
  },
  // ------------------------------------------------------------------ zkCli.sh (Java 3.8 client)
  {
    name: "zkCli.sh: create modes, stat, versions, ACLs, ephemerals, counts and whoami",
    needs: "zkcli",
    timeoutMs: 120_000,
    async run(t) {
      const b = base("cli");
      const out = await runZkCli(t.server.port, [
        `create ${b} hello`,
        `get -s ${b}`,
        `create -e ${b}/e x`,
        `create -s ${b}/s- x`,
        `create -c ${b}/cont`,
        `create -t 600000 ${b}/ttl`,
        `ls ${b}`,
        `ls -s ${b}`,
        `getAllChildrenNumber ${b}`,
        `getEphemerals ${b}`,
        `set -v 0 ${b} v2`,
        `set -v 0 ${b} v3`,
        `get ${b}`,
        `delete ${b}`,
        `create ${b}/e/child`,
        `addauth digest bob:pw`,
        `setAcl ${b}/cont auth:bob:pw:cdrwa`,
        `getAcl ${b}/cont`,
        `whoami`,
        `stat ${b}/nope`,
        `deleteall ${b}`,
        `ls ${b}`,
      ]);
      expect(out).toContain(`Created ${b}\n`);
      expect(out).toMatch(/\nhello\ncZxid = 0x[0-9a-f]+\nctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d \w+ \d{4}\nmZxid = 0x[0-9a-f]+\nmtime = .+\npZxid = 0x[0-9a-f]+\ncversion = 0\ndataVersion = 0\naclVersion = 0\nephemeralOwner = 0x0\ndataLength = 5\nnumChildren = 0\n/);
      expect(out).toContain(`Created ${b}/e\n`);
      expect(out).toContain(`Created ${b}/s-0000000001\n`);
      expect(out).toContain(`Created ${b}/cont\n`);
      expect(out).toContain(`Created ${b}/ttl\n`);
      expect(out).toContain("[cont, e, s-0000000001, ttl]\n");
      expect(out).toMatch(/\[cont, e, s-0000000001, ttl\]\ncZxid = 0x[0-9a-f]+\n(.*\n){4}cversion = 4\ndataVersion = 0\naclVersion = 0\nephemeralOwner = 0x0\ndataLength = 5\nnumChildren = 4\n/);
      expect(out).toContain("\n4\n");
      expect(out).toContain(`[${b}/e]\n`);
      expect(out).toContain(`version No is not valid : ${b}\n`);
      expect(out).toContain("\nv2\n");
      expect(out).toContain(`Node not empty: ${b}\n`);
      expect(out).toContain(`Ephemerals cannot have children: ${b}/e/child\n`);
      expect(out).toContain("'digest,'bob:ikIaKsbtGweaHnb/jKn7OHqbunM=\n: cdrwa\n");
      expect(out).toContain("Auth scheme: User\ndigest: bob\nip: 127.0.0.1\n");
      expect(out).toContain(`Node does not exist: ${b}/nope\n`);
      expect(out).toContain(`Node does not exist: ${b}\n\nWATCHER::\n\nWatchedEvent state:Closed`);
    },
  },
  {
    name: "zkCli.sh: watches (get -w, ls -w, addWatch -m) print ZooKeeper's events",
    needs: "zkcli",
    timeoutMs: 120_000,
    async run(t) {
      const b = base("cliw");
      const r = base("clir");
      const out = await runZkCli(t.server.port, [
        `create ${b} x`,
        `create ${r} x`,
        `get -w ${b}`,
        `ls -w ${b}`,
        `addWatch -m PERSISTENT_RECURSIVE ${r}`,
        `set ${b} y`,
        `create ${b}/k z`,
        `create ${r}/k z`,
        `set ${r}/k zz`,
        `sync ${b}`,
        `get -w ${b}`,
        `removewatches ${b} -d`,
        `removewatches ${r} -a`,
        `deleteall ${b}`,
        `deleteall ${r}`,
      ]);
      const events = out.split("\n").filter((l) => l.startsWith("WatchedEvent")).map((l) => l.replace(b, "B").replace(r, "R"));
      expect(events).toEqual([
        "WatchedEvent state:SyncConnected type:None path:null",
        "WatchedEvent state:SyncConnected type:NodeDataChanged path:B",
        "WatchedEvent state:SyncConnected type:NodeChildrenChanged path:B",
        "WatchedEvent state:SyncConnected type:NodeCreated path:R/k",
        "WatchedEvent state:SyncConnected type:NodeDataChanged path:R/k",
        "WatchedEvent state:SyncConnected type:DataWatchRemoved path:B",
        "WatchedEvent state:SyncConnected type:PersistentWatchRemoved path:R",
        "WatchedEvent state:Closed type:None path:null",
      ]);
      expect(out).toContain(`Sync is OK\n`);
    },
  },
];

/** Keys Apache ZooKeeper 3.8.0 prints in mntr (non-summary ones), for checking zk-lite's are a subset. */
const ZOOKEEPER_38_MNTR_KEYS_SAMPLE: ReadonlySet<string> = new Set([
  "zk_version",
  "zk_server_state",
  "zk_ephemerals_count",
  "zk_num_alive_connections",
  "zk_avg_latency",
  "zk_outstanding_requests",
  "zk_znode_count",
  "zk_global_sessions",
  "zk_non_mtls_remote_conn_count",
  "zk_last_client_response_size",
  "zk_packets_sent",
  "zk_packets_received",
  "zk_max_client_response_size",
  "zk_connection_drop_probability",
  "zk_watch_count",
  "zk_auth_failed_count",
  "zk_min_latency",
  "zk_max_file_descriptor_count",
  "zk_approximate_data_size",
  "zk_open_file_descriptor_count",
  "zk_local_sessions",
  "zk_uptime",
  "zk_max_latency",
  "zk_outstanding_tls_handshake",
  "zk_min_client_response_size",
  "zk_non_mtls_local_conn_count",
  "zk_proposal_count",
  "zk_watch_bytes",
  "zk_outstanding_changes_removed",
  "zk_throttled_ops",
  "zk_stale_requests_dropped",
  "zk_large_requests_rejected",
  "zk_insecure_admin_count",
  "zk_connection_rejected",
  "zk_cnxn_closed_without_zk_server_running",
  "zk_sessionless_connections_expired",
  "zk_looking_count",
  "zk_dead_watchers_queued",
  "zk_stale_requests",
  "zk_connection_drop_count",
  "zk_learner_proposal_received_count",
  "zk_digest_mismatches_count",
  "zk_dead_watchers_cleared",
  "zk_response_packet_cache_hits",
  "zk_bytes_received_count",
  "zk_add_dead_watcher_stall_time",
  "zk_request_throttle_wait_count",
  "zk_requests_not_forwarded_to_commit_processor",
  "zk_response_packet_cache_misses",
  "zk_ensemble_auth_success",
  "zk_prep_processor_request_queued",
  "zk_learner_commit_received_count",
  "zk_stale_replies",
  "zk_connection_request_count",
  "zk_response_bytes",
  "zk_ensemble_auth_fail",
  "zk_diff_count",
  "zk_response_packet_get_children_cache_misses",
  "zk_connection_revalidate_count",
  "zk_quit_leading_due_to_disloyal_voter",
  "zk_snap_count",
  "zk_unrecoverable_error_count",
  "zk_unsuccessful_handshake",
  "zk_commit_count",
  "zk_stale_sessions_expired",
  "zk_response_packet_get_children_cache_hits",
  "zk_sync_processor_request_queued",
  "zk_outstanding_changes_queued",
  "zk_request_commit_queued",
  "zk_ensemble_auth_skip",
  "zk_skip_learner_request_to_next_processor_count",
  "zk_tls_handshake_exceeded",
  "zk_revalidate_count",
]);

function nzcCall2<A, B>(f: (cb: (e: Error | null, a: A, b: B) => void) => void): Promise<[A, B]> {
  return new Promise((resolve, reject) => f((e, a, b) => (e ? reject(e) : resolve([a, b]))));
}

export function caseEnabled(c: Case, kind: Target["kind"] = "zk-lite"): boolean {
  if (c.standaloneOnly === true && kind === "zk-lite-ensemble") return false;
  if (c.needs === "zkcli") return zkCliInstalled();
  if (c.needs === "c-client") return cClientAvailable();
  return true;
}

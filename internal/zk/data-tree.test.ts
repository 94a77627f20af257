import { describe, expect, test } from "bun:test";
import { SeededRandom } from "../runtime/index.ts";
import { digestId, OPEN_ACL_UNSAFE } from "./acl.ts";
import { CreateFlag, ErrorCode, EventType, OpCode, ttlEphemeralOwner } from "./constants.ts";
import { DataTree, type RequestContext, type TxnResult } from "./data-tree.ts";
import { deserializeSnapshot, serializeSnapshot } from "./log-format.ts";
import type { Acl, WriteOp } from "./records.ts";
import type { Txn, TxnBody } from "./txn.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const S1: RequestContext = { sessionId: 0x100n, authIds: [{ scheme: "ip", id: "127.0.0.1" }] };
const S2: RequestContext = { sessionId: 0x200n, authIds: [{ scheme: "ip", id: "127.0.0.1" }] };

function create(path: string, flags = 0, data = "", acl: Acl[] = [...OPEN_ACL_UNSAFE], opCode: number = OpCode.create, ttlMs = -1): WriteOp {
  return { kind: "create", opCode, path, data: enc(data), acl, flags, ttlMs };
}
const del = (path: string, version = -1): WriteOp => ({ kind: "delete", opCode: OpCode.delete, path, version });
const setData = (path: string, data: string, version = -1): WriteOp => ({ kind: "setData", path, data: enc(data), version });
const check = (path: string, version: number): WriteOp => ({ kind: "check", path, version });

/** A tree plus the log of txns applied to it, so tests can replay. */
class Harness {
  readonly tree = new DataTree();
  readonly log: Txn[] = [];
  timeMs = 1_000;
  commit(body: TxnBody) {
    const txn = { zxid: this.tree.lastZxid + 1, timeMs: this.timeMs++, body };
    this.log.push(txn);
    return { zxid: txn.zxid, ...this.tree.apply(txn) };
  }
  write(op: WriteOp, ctx = S1) {
    return this.commit(this.tree.prepare(op, ctx));
  }
  multi(ops: WriteOp[], ctx = S1) {
    return this.commit(this.tree.prepareMulti(ops, ctx));
  }
  ok(op: WriteOp, ctx = S1): TxnResult {
    const r = this.write(op, ctx).result;
    if (r.type === "error") throw new Error(`expected success, got ${r.err}`);
    return r;
  }
  errOf(op: WriteOp, ctx = S1): number {
    const r = this.write(op, ctx).result;
    return r.type === "error" ? r.err : 0;
  }
  stat(path: string) {
    const n = this.tree.getNode(path);
    if (n === undefined) throw new Error(`no ${path}`);
    return this.tree.statOf(n);
  }
}

describe("data tree", () => {
  test("starts with ZooKeeper's built-in nodes and counts", () => {
    const t = new DataTree();
    expect(t.nodeCount).toBe(5);
    expect(t.approximateDataSizeBytes).toBe(44);
    expect(t.statOf(t.getNode("/")!).cversion).toBe(-1);
    expect(t.statOf(t.getNode("/zookeeper")!).cversion).toBe(-2);
    expect(t.statOf(t.getNode("/zookeeper/config")!).aversion).toBe(-1);
    expect(t.getNode("")).toBe(t.getNode("/"));
  });

  test("create sets stats from the txn; the parent's cversion and pzxid move", () => {
    const h = new Harness();
    const r = h.write(create("/a", 0, "xyz"));
    expect(r.result).toMatchObject({ type: "create", path: "/a" });
    expect(h.stat("/a")).toMatchObject({ czxid: r.zxid, mzxid: r.zxid, pzxid: r.zxid, ctime: 1000, mtime: 1000, dataLength: 3, version: 0 });
    expect(h.stat("/")).toMatchObject({ numChildren: 2, pzxid: r.zxid, cversion: 0 });
    expect(r.triggers).toEqual([
      { type: EventType.NodeCreated, path: "/a" },
      { type: EventType.NodeChildrenChanged, path: "/" },
    ]);
  });

  test("validation order and error codes follow PrepRequestProcessor", () => {
    const h = new Harness();
    h.ok(create("/a"));
    expect(h.errOf(create("/a"))).toBe(ErrorCode.NODEEXISTS);
    expect(h.errOf(create("/x/y"))).toBe(ErrorCode.NONODE);
    expect(h.errOf(create("rel"))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(create("/a/"))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(create("/b/"))).toBe(ErrorCode.NONODE); // parent looked up first
    expect(h.errOf(create("/a", 9))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(create("/c", 0, "", []))).toBe(ErrorCode.INVALIDACL);
    expect(h.errOf(create("/c", CreateFlag.PERSISTENT_WITH_TTL))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(create("/c", CreateFlag.PERSISTENT_WITH_TTL, "", [...OPEN_ACL_UNSAFE], OpCode.createTTL, 0))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(create("/c", 0, "", [...OPEN_ACL_UNSAFE], OpCode.create, 5))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(del("/"))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(del("/zookeeper/config"))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(setData("/zookeeper/config", "x"))).toBe(ErrorCode.NOAUTH);
    expect(h.errOf(setData("/a/", "x"))).toBe(ErrorCode.BADARGUMENTS);
    expect(h.errOf(check("/a", 3))).toBe(ErrorCode.BADVERSION);
    // Every failed write still took a zxid.
    expect(h.tree.lastZxid).toBe(h.log.length);
  });

  test("sequential suffixes come from the stored cversion; the reported cversion counts changes", () => {
    const h = new Harness();
    h.ok(create("/p"));
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) paths.push((h.ok(create("/p/s-", CreateFlag.PERSISTENT_SEQUENTIAL)) as { path: string }).path);
    expect(paths).toEqual(["/p/s-0000000000", "/p/s-0000000001", "/p/s-0000000002"]);
    h.ok(del("/p/s-0000000001"));
    expect((h.ok(create("/p/s-", CreateFlag.PERSISTENT_SEQUENTIAL)) as { path: string }).path).toBe("/p/s-0000000003");
    expect(h.stat("/p")).toMatchObject({ numChildren: 3, cversion: 5 });
  });

  test("ephemerals: owner, no children, removed by closeSession with triggers", () => {
    const h = new Harness();
    h.commit({ type: "createSession", sessionId: S1.sessionId, timeoutMs: 4000, password: new Uint8Array(16) });
    h.ok(create("/e", CreateFlag.EPHEMERAL));
    h.ok(create("/q", CreateFlag.EPHEMERAL_SEQUENTIAL));
    expect(h.stat("/e").ephemeralOwner).toBe(S1.sessionId);
    expect(h.errOf(create("/e/c"))).toBe(ErrorCode.NOCHILDRENFOREPHEMERALS);
    expect(h.tree.ephemeralsCount).toBe(2);
    const r = h.commit({ type: "closeSession", sessionId: S1.sessionId });
    expect(r.result).toMatchObject({ type: "closeSession", deletedPaths: ["/e", "/q0000000001"] });
    expect(r.triggers.filter((x) => x.type === EventType.NodeDeleted).map((x) => x.path)).toEqual(["/e", "/q0000000001"]);
    expect(h.tree.getNode("/e")).toBeUndefined();
    expect(h.tree.sessions.size).toBe(0);
    expect(h.tree.ephemeralsCount).toBe(0);
  });

  test("versions: setData, delete, setACL and check", () => {
    const h = new Harness();
    h.ok(create("/v"));
    expect(h.errOf(setData("/v", "a", 1))).toBe(ErrorCode.BADVERSION);
    const s = h.ok(setData("/v", "a", 0));
    expect(s).toMatchObject({ type: "setData", stat: { version: 1, dataLength: 1 } });
    expect(h.errOf(del("/v", 0))).toBe(ErrorCode.BADVERSION);
    const bob = digestId("bob:pw");
    expect(h.errOf({ kind: "setACL", path: "/v", acl: [{ perms: 1, scheme: "digest", id: bob }], version: 3 })).toBe(ErrorCode.BADVERSION);
    h.ok({ kind: "setACL", path: "/v", acl: [{ perms: 1, scheme: "digest", id: bob }], version: 0 });
    expect(h.stat("/v").aversion).toBe(1);
    expect(h.errOf(setData("/v", "b"))).toBe(ErrorCode.NOAUTH);
    expect(h.errOf(setData("/v", "b"), { sessionId: 1n, authIds: [{ scheme: "super", id: "" }] })).toBe(0);
    h.ok(del("/v", 2));
  });

  test("multi is all or nothing and later ops see earlier ones", () => {
    const h = new Harness();
    h.ok(create("/m", 0, "0"));
    const before = serializeSnapshot(h.tree, 0);
    const failed = h.multi([create("/m/a"), setData("/m/a", "x", 0), del("/m/none"), create("/m/b")]);
    expect(failed.result).toEqual({
      type: "multi",
      results: [
        { type: "error", err: 0 },
        { type: "error", err: 0 },
        { type: "error", err: ErrorCode.NONODE },
        { type: "error", err: ErrorCode.RUNTIMEINCONSISTENCY },
      ],
    });
    expect(failed.triggers).toEqual([]);
    // Nothing changed but the zxid.
    const after = serializeSnapshot(h.tree, 0);
    expect(after.subarray(16, after.length - 4)).toEqual(before.subarray(16, before.length - 4));
    const okMulti = h.multi([create("/m/a"), setData("/m/a", "x", 0), check("/m/a", 1), del("/m/a", 1), create("/m/s-", CreateFlag.PERSISTENT_SEQUENTIAL), create("/m/s-", CreateFlag.PERSISTENT_SEQUENTIAL)]);
    expect(okMulti.result.type).toBe("multi");
    const results = okMulti.result.type === "multi" ? okMulti.result.results : [];
    expect(results.map((r) => r.type)).toEqual(["create", "setData", "check", "delete", "create", "create"]);
    expect(results.slice(4).map((r) => (r as { path: string }).path)).toEqual(["/m/s-0000000001", "/m/s-0000000002"]);
    expect(h.stat("/m")).toMatchObject({ mzxid: 1, pzxid: okMulti.zxid });
    // delete in a multi needs the node's children gone by earlier ops
    h.ok(create("/m/k"));
    h.ok(create("/m/k/c"));
    expect(h.multi([del("/m/k"), del("/m/k/c")]).result).toMatchObject({ results: [{ err: ErrorCode.NOTEMPTY }, { err: ErrorCode.RUNTIMEINCONSISTENCY }] });
    expect(h.multi([del("/m/k/c"), del("/m/k")]).result.type).toBe("multi");
    expect(h.tree.getNode("/m/k")).toBeUndefined();
  });

  test("containers and TTL nodes become candidates only when empty and due", () => {
    const h = new Harness();
    h.ok(create("/c", CreateFlag.CONTAINER, "", [...OPEN_ACL_UNSAFE], OpCode.createContainer));
    h.ok(create("/never", CreateFlag.CONTAINER, "", [...OPEN_ACL_UNSAFE], OpCode.createContainer));
    expect(h.stat("/c").ephemeralOwner).toBe(0n);
    expect(h.tree.expiryCandidates(10_000)).toEqual([]);
    h.ok(create("/c/x"));
    expect(h.tree.expiryCandidates(10_000)).toEqual([]);
    h.ok(del("/c/x"));
    expect(h.tree.expiryCandidates(10_000)).toEqual(["/c"]);
    h.timeMs = 5_000;
    h.ok(create("/t", CreateFlag.PERSISTENT_WITH_TTL, "", [...OPEN_ACL_UNSAFE], OpCode.createTTL, 1000));
    expect(h.tree.getNode("/t")!.ephemeralOwner).toBe(ttlEphemeralOwner(1000));
    expect(h.tree.expiryCandidates(5_500)).toEqual(["/c"]);
    expect(h.tree.expiryCandidates(6_001)).toEqual(["/c", "/t"]);
    h.ok(create("/t/kid"));
    expect(h.tree.expiryCandidates(100_000)).toEqual(["/c"]);
    expect(h.commit(h.tree.prepareDeleteContainer("/c")).result).toEqual({ type: "delete" });
    expect(h.tree.prepareDeleteContainer("/t")).toEqual({ type: "error", err: ErrorCode.NOTEMPTY });
    h.ok(create("/plain"));
    expect(h.tree.prepareDeleteContainer("/plain")).toEqual({ type: "error", err: ErrorCode.BADVERSION });
    // A container or TTL parent may have children, unlike an ephemeral one.
    expect(h.errOf(create("/never/kid"))).toBe(0);
  });

  test("replaying the log, or loading a snapshot, rebuilds the same tree", () => {
    const h = new Harness();
    h.commit({ type: "createSession", sessionId: S2.sessionId, timeoutMs: 6000, password: new Uint8Array(16).fill(7) });
    h.ok(create("/r", 0, "root"));
    for (let i = 0; i < 20; i++) h.ok(create(`/r/n-`, i % 2 === 0 ? CreateFlag.PERSISTENT_SEQUENTIAL : CreateFlag.EPHEMERAL_SEQUENTIAL, `v${i}`), S2);
    h.ok(setData("/r", "x"));
    h.ok(del("/r/n-0000000004"));
    h.multi([create("/r/m"), setData("/r/m", "y")]);
    h.ok({ kind: "setACL", path: "/r/m", acl: [{ perms: 31, scheme: "ip", id: "10.0.0.1" }], version: -1 });
    const replayed = new DataTree();
    for (const txn of h.log) replayed.apply(txn);
    expect(serializeSnapshot(replayed, 0)).toEqual(serializeSnapshot(h.tree, 0));
    const loaded = new DataTree();
    deserializeSnapshot(serializeSnapshot(h.tree, 0), loaded);
    expect(serializeSnapshot(loaded, 0)).toEqual(serializeSnapshot(h.tree, 0));
    expect(loaded.ephemeralsOf(S2.sessionId).length).toBe(10);
    expect(loaded.nodeCount).toBe(h.tree.nodeCount);
    expect(loaded.approximateDataSizeBytes).toBe(h.tree.approximateDataSizeBytes);
    expect(loaded.sessions.get(S2.sessionId)?.timeoutMs).toBe(6000);
  });

  test("apply refuses a txn that does not follow the last zxid", () => {
    const t = new DataTree();
    t.apply({ zxid: 1, timeMs: 0, body: { type: "error", err: -1 } });
    expect(() => t.apply({ zxid: 1, timeMs: 0, body: { type: "error", err: -1 } })).toThrow();
  });

  test("descendant counts and data size bookkeeping", () => {
    const h = new Harness();
    h.ok(create("/d", 0, "12345"));
    h.ok(create("/d/a", 0, "1"));
    h.ok(create("/d/a/b"));
    expect(h.tree.descendantCount("/d")).toBe(2);
    expect(h.tree.descendantCount("/")).toBe(6);
    expect(h.tree.approximateDataSizeBytes).toBe(44 + 2 + 5 + 4 + 1 + 6);
    h.ok(setData("/d", "1"));
    expect(h.tree.approximateDataSizeBytes).toBe(44 + 2 + 1 + 4 + 1 + 6);
  });
});

describe("data tree under seeded random ops", () => {
  /** Checks the tree's internal bookkeeping against a recount from scratch. */
  function checkInvariants(tree: DataTree): void {
    let dataBytes = 0;
    let ephemerals = 0;
    for (const [path, node] of tree.entries()) {
      dataBytes += path.length + node.data.length;
      const kids = node.children === null ? [] : Array.from(node.children);
      for (const k of kids) {
        const child = tree.getNode(path === "/" ? `/${k}` : `${path}/${k}`);
        expect(child).toBeDefined();
        // Creating a child sets the parent's pzxid to the child's czxid, and pzxid never goes back.
        expect(node.pzxid).toBeGreaterThanOrEqual(child!.czxid);
      }
      if (path !== "/") {
        const parentPath = path.slice(0, path.lastIndexOf("/")) || "/";
        expect(tree.getNode(parentPath)?.children?.has(path.slice(path.lastIndexOf("/") + 1))).toBe(true);
      }
      if (node.ephemeralOwner > 0n) {
        ephemerals++;
        expect(kids.length).toBe(0);
        expect(tree.ephemeralsOf(node.ephemeralOwner)).toContain(path);
      }
    }
    expect(tree.approximateDataSizeBytes).toBe(dataBytes);
    expect(tree.ephemeralsCount).toBe(ephemerals);
  }

  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: invariants hold and a replay rebuilds the same tree`, () => {
      const r = new SeededRandom(seed);
      const h = new Harness();
      const sessions = [S1, S2];
      for (const s of sessions) h.commit({ type: "createSession", sessionId: s.sessionId, timeoutMs: 4000, password: new Uint8Array(16) });
      const names = ["a", "b", "c", "d-"];
      const randomPath = (): string => {
        let p = "";
        for (let i = 0, n = 1 + r.nextInt(3); i < n; i++) p += `/${names[r.nextInt(names.length)]}`;
        return p;
      };
      const randomOp = (): WriteOp => {
        const p = randomPath();
        switch (r.nextInt(5)) {
          case 0:
          case 1:
            return create(p, r.nextInt(4), "x".repeat(r.nextInt(5)));
          case 2:
            return del(p, r.nextInt(3) - 1);
          case 3:
            return setData(p, "y".repeat(r.nextInt(7)), r.nextInt(3) - 1);
          default:
            return check(p, r.nextInt(2));
        }
      };
      for (let i = 0; i < 3000; i++) {
        const ctx = sessions[r.nextInt(2)]!;
        const roll = r.nextInt(20);
        if (roll === 0) h.multi(Array.from({ length: 1 + r.nextInt(4) }, randomOp), ctx);
        else if (roll === 1 && i % 500 === 1) h.commit({ type: "closeSession", sessionId: ctx.sessionId });
        else h.write(randomOp(), ctx);
        if (i % 250 === 0) checkInvariants(h.tree);
      }
      checkInvariants(h.tree);
      const replayed = new DataTree();
      for (const txn of h.log) replayed.apply(txn);
      expect(serializeSnapshot(replayed, 0)).toEqual(serializeSnapshot(h.tree, 0));
    });
  }
});

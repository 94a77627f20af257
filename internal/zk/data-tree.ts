// The znode tree: a pure, synchronous state machine. `prepare*` validates a write against the
// current state (paths, versions, ACLs, ephemeral rules) and turns it into a txn body, or an error
// txn, the way ZooKeeper's PrepRequestProcessor does; `apply` mutates the tree with a txn and
// returns the reply data and the watch triggers, the way DataTree.processTxn does. Reads answer
// straight from the tree. No I/O, no clock: times and zxids come in with the txn.

import { aclAllows, aclKey, fixupAcl, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, type AuthId } from "./acl.ts";
import {
  CONTAINER_EPHEMERAL_OWNER,
  CreateFlag,
  ephemeralKind,
  ErrorCode,
  EventType,
  OpCode,
  Perms,
  TTL_MAX_MS,
  ttlEphemeralOwner,
  ttlOfOwner,
  type EventTypeValue,
} from "./constants.ts";
import { invalidPathReason, parentPath } from "./paths.ts";
import type { Acl, CreateOp, Stat, WriteOp } from "./records.ts";
import { failedMultiBody, type Txn, type TxnBody } from "./txn.ts";

export class ZNode {
  children: Set<string> | null = null;
  constructor(
    public data: Uint8Array,
    public acl: readonly Acl[],
    public czxid: number,
    public mzxid: number,
    public ctime: number,
    public mtime: number,
    public version: number,
    public cversion: number,
    public aversion: number,
    public ephemeralOwner: bigint,
    public pzxid: number,
  ) {}
  get childCount(): number {
    return this.children === null ? 0 : this.children.size;
  }
}

export interface SessionRecord {
  readonly timeoutMs: number;
  readonly password: Uint8Array;
}

export interface WatchTrigger {
  readonly type: EventTypeValue;
  readonly path: string;
}

export type TxnResult =
  | { readonly type: "create"; readonly opCode: number; readonly path: string; readonly stat: Stat }
  | { readonly type: "delete" }
  | { readonly type: "setData"; readonly stat: Stat }
  | { readonly type: "setACL"; readonly stat: Stat }
  | { readonly type: "check" }
  | { readonly type: "error"; readonly err: number }
  | { readonly type: "createSession" }
  | { readonly type: "closeSession"; readonly deletedPaths: readonly string[] }
  | { readonly type: "multi"; readonly results: readonly TxnResult[] };

export interface ApplyOutcome {
  readonly result: TxnResult;
  readonly triggers: readonly WatchTrigger[];
}

/** Who is asking: the session (owner of new ephemerals) and its authenticated ids. */
export interface RequestContext {
  readonly sessionId: bigint;
  readonly authIds: readonly AuthId[];
}

/** The fields `prepare` looks at; ZNode has them, and so do the overlay records of a multi. */
interface NodeView {
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  readonly ephemeralOwner: bigint;
  readonly acl: readonly Acl[];
  readonly childCount: number;
}

/** Paths ZooKeeper refuses to delete. */
const SPECIAL_PATHS = new Set(["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]);

class PrepareError {
  constructor(readonly err: number) {}
}

function fail(err: number): never {
  throw new PrepareError(err);
}

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`data-tree: ${msg}`);
}

/** Java's String.format("%010d", n). */
function sequenceSuffix(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, "0")}` : String(n).padStart(10, "0");
}

/** Pending changes of a multi: what each touched path looks like after the ops so far. */
class Overlay {
  private readonly changes = new Map<string, NodeView | null>();
  constructor(private readonly tree: DataTree) {}
  get(path: string): NodeView | undefined {
    const c = this.changes.get(path);
    if (c === null) return undefined;
    return c ?? this.tree.getNode(path);
  }
  set(path: string, view: NodeView | null): void {
    this.changes.set(path, view);
  }
}

export class DataTree {
  private readonly nodes = new Map<string, ZNode>();
  private readonly ephemerals = new Map<bigint, Set<string>>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();
  private readonly aclCache = new Map<string, { acl: readonly Acl[]; refs: number }>();
  private readonly aclKeys = new WeakMap<readonly Acl[], string>();
  readonly sessions = new Map<bigint, SessionRecord>();
  /** zxid of the last applied txn. */
  lastZxid = 0;
  private dataSizeBytes = 0;

  constructor() {
    this.insertNode("/", new ZNode(new Uint8Array(0), this.internAcl(OPEN_ACL_UNSAFE), 0, 0, 0, 0, 0, 0, 0, 0n, 0));
    this.insertNode("/zookeeper", new ZNode(new Uint8Array(0), this.internAcl(OPEN_ACL_UNSAFE), 0, 0, 0, 0, 0, 0, 0, 0n, 0));
    this.insertNode("/zookeeper/quota", new ZNode(new Uint8Array(0), this.internAcl(OPEN_ACL_UNSAFE), 0, 0, 0, 0, 0, 0, 0, 0n, 0));
    // ZooKeeper sets the config node's ACL with version -1 at start-up, so its aversion reads -1.
    this.insertNode("/zookeeper/config", new ZNode(new Uint8Array(0), this.internAcl(READ_ACL_UNSAFE), 0, 0, 0, 0, 0, 0, -1, 0n, 0));
  }

  // ---------------------------------------------------------------- reads

  /** ZooKeeper aliases the root as ""; so does this lookup. */
  getNode(path: string): ZNode | undefined {
    return this.nodes.get(path === "" ? "/" : path);
  }

  /**
   * The stat a client sees. As in ZooKeeper, the stored cversion counts child creations and the
   * reported one counts changes (cversion * 2 - children), and container/TTL owners read as 0.
   */
  statOf(node: ZNode): Stat {
    const numChildren = node.childCount;
    return {
      czxid: node.czxid,
      mzxid: node.mzxid,
      ctime: node.ctime,
      mtime: node.mtime,
      version: node.version,
      cversion: node.cversion * 2 - numChildren,
      aversion: node.aversion,
      ephemeralOwner: ephemeralKind(node.ephemeralOwner) === "normal" ? node.ephemeralOwner : 0n,
      dataLength: node.data.length,
      numChildren,
      pzxid: node.pzxid,
    };
  }

  childrenOf(node: ZNode): string[] {
    return node.children === null ? [] : Array.from(node.children);
  }

  /** Number of znodes actually held. */
  get size(): number {
    return this.nodes.size;
  }

  /** Number of znodes as ZooKeeper counts them (its map holds the root twice, as "" and "/"). */
  get nodeCount(): number {
    return this.nodes.size + 1;
  }

  /** Sum of path lengths and data lengths, as ZooKeeper's approximate_data_size. */
  get approximateDataSizeBytes(): number {
    return this.dataSizeBytes + (this.nodes.get("/")?.data.length ?? 0);
  }

  get ephemeralsCount(): number {
    let n = 0;
    for (const set of this.ephemerals.values()) n += set.size;
    return n;
  }

  ephemeralsOf(sessionId: bigint): readonly string[] {
    const set = this.ephemerals.get(sessionId);
    return set === undefined ? [] : Array.from(set);
  }

  allEphemerals(): ReadonlyMap<bigint, ReadonlySet<string>> {
    return this.ephemerals;
  }

  /** Descendants of `path` (ZooKeeper's getAllChildrenNumber). */
  descendantCount(path: string): number {
    if (path === "/" || path === "") return this.nodes.size - 1;
    const prefix = `${path}/`;
    let n = 0;
    for (const p of this.nodes.keys()) if (p.startsWith(prefix)) n++;
    return n;
  }

  /** Nodes in an order where every parent comes before its children (insertion order guarantees it). */
  entries(): IterableIterator<[string, ZNode]> {
    return this.nodes.entries();
  }

  /**
   * Containers that had children and are empty again, and TTL nodes without children whose
   * mtime is older than their TTL: the ones ZooKeeper's ContainerManager would delete now.
   */
  expiryCandidates(nowMs: number): string[] {
    const out: string[] = [];
    for (const path of this.containers) {
      const node = this.nodes.get(path);
      if (node !== undefined && node.childCount === 0 && node.cversion > 0) out.push(path);
    }
    for (const path of this.ttls) {
      const node = this.nodes.get(path);
      if (node === undefined || node.childCount !== 0) continue;
      const ttlMs = ttlOfOwner(node.ephemeralOwner);
      if (ttlMs !== 0 && nowMs - node.mtime > ttlMs) out.push(path);
    }
    return out;
  }

  canRead(node: ZNode, perm: number, ctx: RequestContext): boolean {
    return aclAllows(node.acl, perm, ctx.authIds);
  }

  // ---------------------------------------------------------------- prepare

  /** Validates one write; returns its txn body, or an error body carrying the ZooKeeper code. */
  prepare(op: WriteOp, ctx: RequestContext): TxnBody {
    try {
      return this.prepareOp(op, ctx, null);
    } catch (e) {
      if (e instanceof PrepareError) return { type: "error", err: e.err };
      throw e;
    }
  }

  /** Validates a multi: all ops against the state the earlier ops would leave, or a failed multi. */
  prepareMulti(ops: readonly WriteOp[], ctx: RequestContext): TxnBody {
    const overlay = new Overlay(this);
    const bodies: TxnBody[] = [];
    for (let i = 0; i < ops.length; i++) {
      try {
        bodies.push(this.prepareOp(ops[i]!, ctx, overlay));
      } catch (e) {
        if (e instanceof PrepareError) return failedMultiBody(ops.length, i, e.err);
        throw e;
      }
    }
    return { type: "multi", ops: bodies };
  }

  /** A deleteContainer request as the container sweeper issues it. */
  prepareDeleteContainer(path: string): TxnBody {
    try {
      const parent = this.lookup(this.parentForDelete(path), null);
      const node = this.lookup(path, null);
      if (node.childCount > 0) fail(ErrorCode.NOTEMPTY);
      const kind = ephemeralKind(node.ephemeralOwner);
      if (kind !== "container" && kind !== "ttl") fail(ErrorCode.BADVERSION);
      assert(parent !== undefined, "parent of an existing node");
      return { type: "delete", path };
    } catch (e) {
      if (e instanceof PrepareError) return { type: "error", err: e.err };
      throw e;
    }
  }

  private lookup(path: string, overlay: Overlay | null): NodeView {
    const p = path === "" ? "/" : path;
    const node = overlay === null ? this.nodes.get(p) : overlay.get(p);
    if (node === undefined) fail(ErrorCode.NONODE);
    return node;
  }

  private exists(path: string, overlay: Overlay | null): boolean {
    return (overlay === null ? this.nodes.get(path) : overlay.get(path)) !== undefined;
  }

  private checkPath(path: string): void {
    if (invalidPathReason(path) !== null) fail(ErrorCode.BADARGUMENTS);
  }

  private checkAcl(node: NodeView, perm: number, ctx: RequestContext): void {
    if (!aclAllows(node.acl, perm, ctx.authIds)) fail(ErrorCode.NOAUTH);
  }

  private static checkVersion(current: number, expected: number): number {
    if (expected !== -1 && expected !== current) fail(ErrorCode.BADVERSION);
    return current + 1;
  }

  private parentForDelete(path: string): string {
    const slash = path.lastIndexOf("/");
    if (slash === -1 || path.includes("\u0000") || SPECIAL_PATHS.has(path)) fail(ErrorCode.BADARGUMENTS);
    return slash === 0 ? "/" : path.slice(0, slash);
  }

  private prepareOp(op: WriteOp, ctx: RequestContext, overlay: Overlay | null): TxnBody {
    switch (op.kind) {
      case "create":
        return this.prepareCreate(op, ctx, overlay);
      case "delete": {
        if (op.opCode === OpCode.deleteContainer) fail(ErrorCode.UNIMPLEMENTED);
        const parentP = this.parentForDelete(op.path);
        const parent = this.lookup(parentP, overlay);
        this.checkAcl(parent, Perms.DELETE, ctx);
        const node = this.lookup(op.path, overlay);
        DataTree.checkVersion(node.version, op.version);
        if (node.childCount > 0) fail(ErrorCode.NOTEMPTY);
        overlay?.set(parentP, { ...viewOf(parent), childCount: parent.childCount - 1 });
        overlay?.set(op.path, null);
        return { type: "delete", path: op.path };
      }
      case "setData": {
        this.checkPath(op.path);
        const node = this.lookup(op.path, overlay);
        this.checkAcl(node, Perms.WRITE, ctx);
        const version = DataTree.checkVersion(node.version, op.version);
        overlay?.set(op.path, { ...viewOf(node), version });
        return { type: "setData", path: op.path, data: op.data, version };
      }
      case "setACL": {
        this.checkPath(op.path);
        const fixed = fixupAcl(op.acl, ctx.authIds);
        if (!fixed.ok) fail(ErrorCode.INVALIDACL);
        const node = this.lookup(op.path, overlay);
        this.checkAcl(node, Perms.ADMIN, ctx);
        const version = DataTree.checkVersion(node.aversion, op.version);
        overlay?.set(op.path, { ...viewOf(node), aversion: version, acl: fixed.acl });
        return { type: "setACL", path: op.path, acl: fixed.acl, version };
      }
      case "check": {
        this.checkPath(op.path);
        const node = this.lookup(op.path, overlay);
        this.checkAcl(node, Perms.READ, ctx);
        DataTree.checkVersion(node.version, op.version);
        return { type: "check", path: op.path };
      }
    }
  }

  private prepareCreate(op: CreateOp, ctx: RequestContext, overlay: Overlay | null): TxnBody {
    const flags = op.flags;
    if (flags < CreateFlag.PERSISTENT || flags > CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL) fail(ErrorCode.BADARGUMENTS);
    const isTtlMode = flags === CreateFlag.PERSISTENT_WITH_TTL || flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const isSequential = flags === CreateFlag.PERSISTENT_SEQUENTIAL || flags === CreateFlag.EPHEMERAL_SEQUENTIAL || flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const isEphemeral = flags === CreateFlag.EPHEMERAL || flags === CreateFlag.EPHEMERAL_SEQUENTIAL;
    if (isTtlMode) {
      if (op.ttlMs <= 0 || op.ttlMs > TTL_MAX_MS) fail(ErrorCode.BADARGUMENTS);
    } else if (op.ttlMs >= 0) {
      fail(ErrorCode.BADARGUMENTS);
    }
    // A createTTL request must ask for a TTL mode; ZooKeeper would fail later applying it.
    if (op.opCode === OpCode.createTTL && !isTtlMode) fail(ErrorCode.BADARGUMENTS);
    const slash = op.path.lastIndexOf("/");
    if (slash === -1 || op.path.includes("\u0000")) fail(ErrorCode.BADARGUMENTS);
    const parentP = slash === 0 ? "/" : op.path.slice(0, slash);
    const fixed = fixupAcl(op.acl, ctx.authIds);
    if (!fixed.ok) fail(ErrorCode.INVALIDACL);
    const parent = this.lookup(parentP, overlay);
    this.checkAcl(parent, Perms.CREATE, ctx);
    const path = isSequential ? op.path + sequenceSuffix(parent.cversion) : op.path;
    this.checkPath(path);
    if (this.exists(path, overlay)) fail(ErrorCode.NODEEXISTS);
    if (ephemeralKind(parent.ephemeralOwner) === "normal") fail(ErrorCode.NOCHILDRENFOREPHEMERALS);
    const parentCVersion = parent.cversion + 1;
    let ephemeralOwner = 0n;
    if (op.opCode === OpCode.createContainer) ephemeralOwner = CONTAINER_EPHEMERAL_OWNER;
    else if (op.opCode === OpCode.createTTL) ephemeralOwner = ttlEphemeralOwner(op.ttlMs);
    else if (isEphemeral) ephemeralOwner = ctx.sessionId;
    if (overlay !== null) {
      overlay.set(parentP, { ...viewOf(parent), cversion: parentCVersion, childCount: parent.childCount + 1 });
      overlay.set(path, { version: 0, cversion: 0, aversion: 0, ephemeralOwner, acl: fixed.acl, childCount: 0 });
    }
    return { type: "create", opCode: op.opCode, path, data: op.data, acl: fixed.acl, ephemeralOwner, parentCVersion };
  }

  // ---------------------------------------------------------------- apply

  /** Applies a txn. Txns come from `prepare*` or from the log, so a failure here means corruption. */
  apply(txn: Txn): ApplyOutcome {
    assert(txn.zxid > this.lastZxid, `txn zxid ${txn.zxid} not after ${this.lastZxid}`);
    const triggers: WatchTrigger[] = [];
    const result = this.applyBody(txn.body, txn.zxid, txn.timeMs, triggers);
    this.lastZxid = txn.zxid;
    return { result, triggers };
  }

  private applyBody(b: TxnBody, zxid: number, timeMs: number, triggers: WatchTrigger[]): TxnResult {
    switch (b.type) {
      case "create": {
        const node = this.createNode(b.path, b.data, b.acl, b.ephemeralOwner, b.parentCVersion, zxid, timeMs, triggers);
        return { type: "create", opCode: b.opCode, path: b.path, stat: this.statOf(node) };
      }
      case "delete":
        this.deleteNode(b.path, zxid, triggers);
        return { type: "delete" };
      case "setData": {
        const node = this.nodes.get(b.path);
        assert(node !== undefined, `setData on missing ${b.path}`);
        this.dataSizeBytes += b.data.length - node.data.length;
        node.data = b.data;
        node.mtime = timeMs;
        node.mzxid = zxid;
        node.version = b.version;
        triggers.push({ type: EventType.NodeDataChanged, path: b.path });
        return { type: "setData", stat: this.statOf(node) };
      }
      case "setACL": {
        const node = this.nodes.get(b.path);
        assert(node !== undefined, `setACL on missing ${b.path}`);
        this.releaseAcl(node.acl);
        node.acl = this.internAcl(b.acl);
        node.aversion = b.version;
        return { type: "setACL", stat: this.statOf(node) };
      }
      case "check":
        return { type: "check" };
      case "error":
        return { type: "error", err: b.err };
      case "createSession":
        this.sessions.set(b.sessionId, { timeoutMs: b.timeoutMs, password: b.password });
        return { type: "createSession" };
      case "closeSession": {
        const paths = this.ephemeralsOf(b.sessionId);
        for (const p of paths) this.deleteNode(p, zxid, triggers);
        this.ephemerals.delete(b.sessionId);
        this.sessions.delete(b.sessionId);
        return { type: "closeSession", deletedPaths: paths };
      }
      case "multi": {
        const results: TxnResult[] = [];
        for (const op of b.ops) results.push(this.applyBody(op, zxid, timeMs, triggers));
        return { type: "multi", results };
      }
    }
  }

  private createNode(
    path: string,
    data: Uint8Array,
    acl: readonly Acl[],
    ephemeralOwner: bigint,
    parentCVersion: number,
    zxid: number,
    timeMs: number,
    triggers: WatchTrigger[],
  ): ZNode {
    const parentP = parentPath(path);
    const parent = this.nodes.get(parentP);
    assert(parent !== undefined, `create ${path} without parent`);
    assert(!this.nodes.has(path), `create ${path} twice`);
    if (parentCVersion > parent.cversion) {
      parent.cversion = parentCVersion;
      parent.pzxid = zxid;
    }
    const node = new ZNode(data, this.internAcl(acl), zxid, zxid, timeMs, timeMs, 0, 0, 0, ephemeralOwner, zxid);
    this.insertNode(path, node);
    triggers.push({ type: EventType.NodeCreated, path }, { type: EventType.NodeChildrenChanged, path: parentP });
    return node;
  }

  private insertNode(path: string, node: ZNode): void {
    this.nodes.set(path, node);
    this.dataSizeBytes += path.length + node.data.length;
    if (path !== "/") {
      const parent = this.nodes.get(parentPath(path));
      assert(parent !== undefined, `insert ${path} without parent`);
      (parent.children ??= new Set()).add(path.slice(path.lastIndexOf("/") + 1));
    }
    const kind = ephemeralKind(node.ephemeralOwner);
    if (kind === "container") this.containers.add(path);
    else if (kind === "ttl") this.ttls.add(path);
    else if (kind === "normal") {
      let set = this.ephemerals.get(node.ephemeralOwner);
      if (set === undefined) this.ephemerals.set(node.ephemeralOwner, (set = new Set()));
      set.add(path);
    }
  }

  private deleteNode(path: string, zxid: number, triggers: WatchTrigger[]): void {
    const parentP = parentPath(path);
    const parent = this.nodes.get(parentP);
    const node = this.nodes.get(path);
    assert(parent !== undefined && node !== undefined, `delete missing ${path}`);
    parent.children?.delete(path.slice(path.lastIndexOf("/") + 1));
    if (parent.children !== null && parent.children.size === 0) parent.children = null;
    if (zxid > parent.pzxid) parent.pzxid = zxid;
    this.nodes.delete(path);
    this.releaseAcl(node.acl);
    this.dataSizeBytes -= path.length + node.data.length;
    const kind = ephemeralKind(node.ephemeralOwner);
    if (kind === "container") this.containers.delete(path);
    else if (kind === "ttl") this.ttls.delete(path);
    else if (kind === "normal") this.ephemerals.get(node.ephemeralOwner)?.delete(path);
    triggers.push({ type: EventType.NodeDeleted, path }, { type: EventType.NodeChildrenChanged, path: parentP });
  }

  private internAcl(acl: readonly Acl[]): readonly Acl[] {
    // Interned lists and lists seen before are recognised by identity, without building a key.
    let key = this.aclKeys.get(acl);
    if (key === undefined) {
      key = aclKey(acl);
      this.aclKeys.set(acl, key);
    }
    const hit = this.aclCache.get(key);
    if (hit !== undefined) {
      hit.refs++;
      return hit.acl;
    }
    const frozen = Object.freeze(acl.map((a) => Object.freeze({ perms: a.perms, scheme: a.scheme, id: a.id })));
    this.aclCache.set(key, { acl: frozen, refs: 1 });
    this.aclKeys.set(frozen, key);
    return frozen;
  }

  private releaseAcl(acl: readonly Acl[]): void {
    const key = this.aclKeys.get(acl) ?? aclKey(acl);
    const hit = this.aclCache.get(key);
    if (hit !== undefined && --hit.refs <= 0) this.aclCache.delete(key);
  }

  // ---------------------------------------------------------------- snapshot restore

  /** Rebuilds a node from a snapshot; parents must come before children. */
  restoreNode(path: string, fields: RestoredNode): void {
    const existing = this.nodes.get(path);
    if (existing !== undefined) {
      // The four built-in nodes exist already; a snapshot overwrites their state.
      this.dataSizeBytes += fields.data.length - existing.data.length;
      this.releaseAcl(existing.acl);
      Object.assign(existing, { ...fields, acl: this.internAcl(fields.acl) });
      return;
    }
    const f = fields;
    this.insertNode(
      path,
      new ZNode(f.data, this.internAcl(f.acl), f.czxid, f.mzxid, f.ctime, f.mtime, f.version, f.cversion, f.aversion, f.ephemeralOwner, f.pzxid),
    );
  }
}

export interface RestoredNode {
  data: Uint8Array;
  acl: readonly Acl[];
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  pzxid: number;
}

function viewOf(n: NodeView): NodeView {
  return {
    version: n.version,
    cversion: n.cversion,
    aversion: n.aversion,
    ephemeralOwner: n.ephemeralOwner,
    acl: n.acl,
    childCount: n.childCount,
  };
}

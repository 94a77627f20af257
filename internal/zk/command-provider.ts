// The state behind the four-letter words and the admin commands, read on demand from the
// server's internals, plus mntr's key list.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Clock } from "../runtime/index.ts";
import type { Connection } from "./connection.ts";
import { ZK_LITE_FULL_VERSION } from "./constants.ts";
import type { DataTree } from "./data-tree.ts";
import type { Ensemble } from "./ensemble/index.ts";
import { javaDouble, type ConnectionView, type FourLetterProvider, type QuorumConfView, type ServerConfView } from "./four-letter.ts";
import type { LatencyStats } from "./latency-stats.ts";
import type { SessionTracker } from "./session-tracker.ts";
import { STORAGE_SUBDIR, type Storage } from "./storage.ts";
import type { ZkLiteOptions } from "./types.ts";
import type { WatchManager } from "./watch-manager.ts";

export interface ServerInternals {
  readonly options: ZkLiteOptions;
  readonly port: number;
  readonly tree: DataTree;
  /** The standalone txn log; null in an ensemble. */
  readonly storage: Storage | null;
  readonly ensemble: Ensemble | null;
  readonly tracker: SessionTracker;
  readonly watches: WatchManager;
  readonly conns: ReadonlyMap<number, Connection>;
  readonly latency: LatencyStats;
  readonly packetsReceived: number;
  readonly packetsSent: number;
  readonly outstanding: number;
  readonly authFailed: number;
  readonly startedMs: number;
  readonly clock: Clock;
  readonly responseBytes: { last: number; min: number; max: number };
  resetServerStats(): void;
  traceMask(): bigint;
  setTraceMask(mask: bigint): void;
}

function connectionViews(conns: ReadonlyMap<number, Connection>, viewerId: number): ConnectionView[] {
  const out: ConnectionView[] = [];
  for (const c of conns.values()) {
    if (c.state === "closed") continue;
    out.push({
      remoteLabel: c.remoteLabel,
      interestOps: c.id === viewerId || c.paused ? 0 : 1,
      queued: c.outstanding,
      received: c.packetsReceived,
      sent: c.packetsSent,
      sessionId: c.sessionId,
      lastOp: c.lastOp,
      establishedMs: c.establishedMs,
      sessionTimeoutMs: c.sessionTimeoutMs,
      lastCxid: c.lastCxid,
      lastZxid: c.lastZxid,
      lastResponseMs: c.lastResponseMs,
      lastLatencyMs: c.lastLatencyMs,
      minLatencyMs: c.latency.min,
      avgLatencyMs: c.latency.avg,
      maxLatencyMs: c.latency.maxMs,
    });
  }
  return out;
}

function readProcLimit(): number {
  try {
    const text = fs.readFileSync("/proc/self/limits", "utf8");
    const m = /Max open files\s+(\d+)/.exec(text);
    return m ? Number(m[1]) : -1;
  } catch (e) {
    void e; // not Linux: unknown
    return -1;
  }
}

function openFdCount(): number {
  try {
    return fs.readdirSync("/proc/self/fd").length;
  } catch (e) {
    void e;
    return -1;
  }
}

/** The view the four-letter words and admin commands read; everything computed on demand. */
export function makeCommandProvider(s: () => ServerInternals): FourLetterProvider & { viewerId: number } {
  const p = {
    viewerId: -1,
    version: () => ZK_LITE_FULL_VERSION,
    latency: () => {
      const l = s().latency;
      return { min: l.min, avg: l.avg, max: l.maxMs };
    },
    packetsReceived: () => s().packetsReceived,
    packetsSent: () => s().packetsSent,
    aliveConnections: () => s().conns.size,
    outstandingRequests: () => s().outstanding,
    lastZxid: () => s().tree.lastZxid,
    nodeCount: () => s().tree.nodeCount,
    connections: () => connectionViews(s().conns, p.viewerId),
    serving: () => s().ensemble?.serving() ?? true,
    serverState: () => serverState(s()),
    proposalSizes: () => {
      const e = s().ensemble;
      return e !== null && e.isLeader() ? e.stats().proposalBytes : null;
    },
    conf: () => confView(s()),
    environment: (): [string, string][] => {
      const mem = process.memoryUsage();
      const mb = (n: number): string => `${Math.floor(n / (1024 * 1024))}MB`;
      return [
        ["zookeeper.version", ZK_LITE_FULL_VERSION],
        ["host.name", os.hostname()],
        ["java.version", `bun ${Bun.version}`],
        ["java.vendor", "Oven (Bun runtime)"],
        ["java.home", path.dirname(process.execPath)],
        ["java.class.path", process.argv[1] ?? ""],
        ["java.library.path", ""],
        ["java.io.tmpdir", os.tmpdir()],
        ["java.compiler", "<NA>"],
        ["os.name", os.type()],
        ["os.arch", os.arch() === "x64" ? "amd64" : os.arch()],
        ["os.version", os.release()],
        ["user.name", process.env["USER"] ?? os.userInfo().username],
        ["user.home", os.homedir()],
        ["user.dir", process.cwd()],
        ["os.memory.free", mb(mem.heapTotal - mem.heapUsed)],
        ["os.memory.max", mb(os.totalmem())],
        ["os.memory.total", mb(mem.rss)],
      ];
    },
    dataWatchSummary: () => {
      const t = s().watches.data;
      return { connections: t.watcherCount, paths: t.pathCount, total: t.size };
    },
    dataWatchesBySession: () => {
      const i = s();
      const out: [bigint, string[]][] = [];
      for (const [watcher, paths] of i.watches.data.pathsByWatcher()) out.push([i.conns.get(watcher)?.sessionId ?? 0n, Array.from(paths)]);
      return out;
    },
    dataWatchesByPath: () => {
      const i = s();
      const out: [string, bigint[]][] = [];
      for (const [p2, watchers] of i.watches.data.watchersByPath()) out.push([p2, Array.from(watchers.keys(), (w) => i.conns.get(w)?.sessionId ?? 0n)]);
      return out;
    },
    monitorValues: () => monitorValues(s()),
    sessionExpiry: () => {
      const buckets = new Map<number, bigint[]>();
      for (const t of s().tracker.all()) {
        const list = buckets.get(t.expiresAtMs) ?? [];
        list.push(t.sessionId);
        buckets.set(t.expiresAtMs, list);
      }
      return Array.from(buckets.entries()).sort((a, b) => a[0] - b[0]);
    },
    ephemeralsBySession: () => Array.from(s().tree.allEphemerals(), ([id, paths]) => [id, Array.from(paths)] as const),
    resetConnectionStats: () => {
      for (const c of s().conns.values()) c.resetStats();
    },
    resetServerStats: () => s().resetServerStats(),
    traceMask: () => s().traceMask(),
    setTraceMask: (m: bigint) => s().setTraceMask(m),
    uptimeMs: () => Math.round(s().clock.monotonicMs() - s().startedMs),
    authFailedCount: () => s().authFailed,
    responseSizes: () => s().responseBytes,
    lastSnapshot: () => s().storage?.lastSnapshot ?? null,
  };
  return p;
}


function serverState(i: ServerInternals): string {
  const e = i.ensemble;
  if (e === null) return "standalone";
  return e.isLeader() ? "leader" : "follower";
}

/** Sum of the sizes of the files in a directory (not recursive). */
function dirBytes(dir: string): number {
  let total = 0;
  try {
    for (const name of fs.readdirSync(dir)) {
      const st = fs.statSync(path.join(dir, name), { throwIfNoEntry: false });
      if (st?.isFile()) total += st.size;
    }
  } catch (e) {
    void e; // gone or unreadable: report what was counted
  }
  return total;
}

function confView(i: ServerInternals): ServerConfView {
  const e = i.ensemble;
  const dir = e === null ? path.resolve(i.options.dataDir, STORAGE_SUBDIR) : path.resolve(e.raftDir);
  let total: number;
  if (i.storage !== null) {
    const sizes = i.storage.sizes();
    total = sizes.logBytes + sizes.snapshotBytes;
  } else total = dirBytes(dir);
  return {
    clientPort: i.port,
    dataDir: dir,
    dataDirSizeBytes: total,
    dataLogDir: dir,
    dataLogSizeBytes: total,
    tickTimeMs: i.options.tickTimeMs,
    maxClientCnxns: i.options.maxClientCnxns,
    minSessionTimeoutMs: i.options.minSessionTimeoutMs,
    maxSessionTimeoutMs: i.options.maxSessionTimeoutMs,
    serverId: e?.self().serverId ?? 0,
    quorum: e === null ? null : quorumConf(i, e),
  };
}

/**
 * ZooKeeper's quorum lines with our one peer port as both its quorum and election port; a
 * follower drops its clients after an election timeout without the leader, so that is the
 * syncLimit (and the initLimit) in ticks.
 */
function quorumConf(i: ServerInternals, e: Ensemble): QuorumConfView {
  const o = i.options.ensemble;
  const limitTicks = o === null ? 0 : Math.ceil(o.electionTimeoutMs / i.options.tickTimeMs);
  const self = e.self();
  return {
    initLimitTicks: limitTicks,
    syncLimitTicks: limitTicks,
    electionPort: self.peerPort,
    quorumPort: self.peerPort,
    members: e.peers().map((p) => `server.${p.serverId}=${p.host}:${p.peerPort}:${p.peerPort}:participant;${p.host}:${p.clientPort}`),
  };
}

/** mntr keys in ZooKeeper 3.8's order, with the values zk-lite can stand behind. */
function monitorValues(i: ServerInternals): [string, string | number][] {
  const l = i.latency;
  const sessions = i.tracker.size;
  const fsync = i.storage?.fsyncTime ?? { avg: 0, min: 0, maxMs: 0, count: i.ensemble?.stats().syncCount ?? 0, totalMs: 0 };
  const values: [string, string | number][] = [
    ["version", ZK_LITE_FULL_VERSION],
    ["server_state", serverState(i)],
    // A quorum member's detailed state (QuorumPeer.getDetailedPeerState): serving means broadcast.
    ...(i.ensemble === null ? [] : [["peer_state", i.ensemble.isLeader() ? "leading - broadcast" : "following - broadcast"] as [string, string]]),
    ["ephemerals_count", i.tree.ephemeralsCount],
    ["num_alive_connections", i.conns.size],
    ["avg_latency", javaDouble(l.avg)],
    ["outstanding_requests", i.outstanding],
    ["znode_count", i.tree.nodeCount],
    ["global_sessions", sessions],
    ["non_mtls_remote_conn_count", 0],
    ["last_client_response_size", i.responseBytes.last],
    ["packets_sent", i.packetsSent],
    ["packets_received", i.packetsReceived],
    ["max_client_response_size", i.responseBytes.max],
    ["connection_drop_probability", "0.0"],
    ["watch_count", i.watches.watchCount],
    ["auth_failed_count", i.authFailed],
    ["min_latency", l.min],
    ["max_file_descriptor_count", readProcLimit()],
    ["approximate_data_size", i.tree.approximateDataSizeBytes],
    ["open_file_descriptor_count", openFdCount()],
    ["local_sessions", 0],
    ["uptime", Math.round(i.clock.monotonicMs() - i.startedMs)],
    ["max_latency", l.maxMs],
    ["outstanding_tls_handshake", 0],
    ["min_client_response_size", i.responseBytes.min],
    ["non_mtls_local_conn_count", 0],
    ["proposal_count", 0],
    ["snap_count", i.storage?.snapshotCount ?? i.ensemble?.stats().snapshotCount ?? 0],
    ["avg_fsynctime", javaDouble(fsync.avg)],
    ["min_fsynctime", fsync.min],
    ["max_fsynctime", fsync.maxMs],
    ["cnt_fsynctime", fsync.count],
    ["sum_fsynctime", fsync.totalMs],
  ];
  if (i.ensemble !== null) values.push(...quorumValues(i.ensemble));
  return values;
}

/**
 * What a quorum member adds, as ZooKeeper 3.8's gauges print them (quorum_size everywhere; the
 * rest on the leader), plus zk_followers, which the admin guide lists and monitoring tools read.
 */
function quorumValues(e: Ensemble): [string, string | number][] {
  const st = e.stats();
  const out: [string, string | number][] = [["quorum_size", e.peers().length]];
  if (!e.isLeader()) return out;
  return [
    ...out,
    ["followers", st.followers],
    ["learners", st.followers],
    ["synced_followers", st.syncedFollowers],
    ["synced_non_voting_followers", 0],
    ["synced_observers", 0],
    ["pending_syncs", st.pendingSyncs],
    ["leader_uptime", st.leaderUptimeMs],
    ["last_proposal_size", st.proposalBytes.last],
    ["max_proposal_size", st.proposalBytes.max],
    ["min_proposal_size", st.proposalBytes.min],
  ];
}

// The state behind the four-letter words and the admin commands, read on demand from the
// server's internals, plus mntr's key list.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Clock } from "../runtime/index.ts";
import type { Connection } from "./connection.ts";
import { ZK_LITE_FULL_VERSION } from "./constants.ts";
import type { DataTree } from "./data-tree.ts";
import { javaDouble, type ConnectionView, type FourLetterProvider } from "./four-letter.ts";
import type { LatencyStats } from "./latency-stats.ts";
import type { SessionTracker } from "./session-tracker.ts";
import { STORAGE_SUBDIR, type Storage } from "./storage.ts";
import type { ZkLiteOptions } from "./types.ts";
import type { WatchManager } from "./watch-manager.ts";

export interface ServerInternals {
  readonly options: ZkLiteOptions;
  readonly port: number;
  readonly tree: DataTree;
  readonly storage: Storage;
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
    conf: () => {
      const i = s();
      const sizes = i.storage.sizes();
      const total = sizes.logBytes + sizes.snapshotBytes;
      const dir = path.resolve(i.options.dataDir, STORAGE_SUBDIR);
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
      };
    },
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
    lastSnapshot: () => s().storage.lastSnapshot,
  };
  return p;
}


/** mntr keys in ZooKeeper 3.8's order, with the values zk-lite can stand behind. */
function monitorValues(i: ServerInternals): [string, string | number][] {
  const l = i.latency;
  const sessions = i.tracker.size;
  const fsync = i.storage.fsyncTime;
  return [
    ["version", ZK_LITE_FULL_VERSION],
    ["server_state", "standalone"],
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
    ["snap_count", i.storage.snapshotCount],
    ["avg_fsynctime", javaDouble(fsync.avg)],
    ["min_fsynctime", fsync.min],
    ["max_fsynctime", fsync.maxMs],
    ["cnt_fsynctime", fsync.count],
    ["sum_fsynctime", fsync.totalMs],
  ];
}

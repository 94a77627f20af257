import type { Clock, Random } from "../runtime/index.ts";
import type { Peer } from "./ensemble/index.ts";
import type { ZkObserver } from "./observer.ts";

/** The pino-like logger the server writes to: one event per call, fields first. */
export interface ZkLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface ZkLiteOptions {
  /** Address to listen on. Default "127.0.0.1". */
  host: string;
  /** Client port; 0 picks a free one. Default 2181. */
  port: number;
  /** Where the txn log and snapshots live (in a zk-lite-v1/ subdirectory). */
  dataDir: string;
  /** ZooKeeper's tickTime. Default 2000. */
  tickTimeMs: number;
  /** Default 2 x tick. */
  minSessionTimeoutMs: number;
  /** Default 20 x tick. */
  maxSessionTimeoutMs: number;
  /** Connections allowed from one IP address; 0 means no limit. Default 60. */
  maxClientCnxns: number;
  /** Largest request packet accepted (jute.maxbuffer). Default 0xfffff. */
  juteMaxBufferBytes: number;
  /** Enabled four-letter words; "*" enables all. "srvr" is always enabled, as in ZooKeeper. Default ["srvr"]. */
  fourLetterWordWhitelist: readonly string[];
  /** Take a snapshot after this many txns. Default 100000 (ZooKeeper's snapCount). */
  snapshotEveryTxns: number;
  /** Snapshots kept on disk (with the logs needed after the oldest). Default 3. */
  snapshotsRetained: number;
  /** Admin HTTP port; 0 picks a free one; null does not bind one (mount zkAdminRoutes yourself). Default 8080. */
  adminPort: number | null;
  /** Host for the admin port. Default: same as host. */
  adminHost: string;
  /** How often containers and TTL nodes are checked for removal (znode.container.checkIntervalMs). Default 60000. */
  containerCheckIntervalMs: number;
  /** "super:<base64 sha1>" digest that gets the super id (zookeeper.DigestAuthenticationProvider.superDigest). */
  superDigest: string | null;
  /** Total client connections accepted; more are closed at once. Default 60000. */
  connectionsMax: number;
  /** Replicate through Raft with the other servers of an ensemble (--peers); null: standalone. */
  ensemble: ZkEnsembleOptions | null;
}

export interface ZkEnsembleOptions {
  /** Every server, this one included, in --peers order (the same list on each). */
  readonly peers: readonly Peer[];
  /** This server's number: its position in `peers`, from 1. */
  readonly serverId: number;
  /** The Raft leader's heartbeat. */
  readonly heartbeatIntervalMs: number;
  /** A member hearing nothing from the leader this long (randomized up to twice) starts an election. */
  readonly electionTimeoutMs: number;
  /** Tests only: serve the Raft transport's fault hook on the peer port. */
  readonly faultInjection: boolean;
}

/** Largest request an ensemble member takes: it must fit in one Raft entry with room to spare. */
export const ENSEMBLE_JUTE_MAX_BUFFER_BYTES = 3 * 1024 * 1024;
/** The Raft core's rule: a follower must hear more than two heartbeats per election timeout. */
export const ELECTION_TIMEOUT_HEARTBEATS_MIN = 3;

export interface ZkLiteDeps {
  clock: Clock;
  random: Random;
  logger: ZkLogger;
  /** Metrics and sampled spans (observability/observers); none when absent. */
  observer?: ZkObserver;
}

export const ZK_LITE_DEFAULTS = {
  host: "127.0.0.1",
  port: 2181,
  tickTimeMs: 2000,
  maxClientCnxns: 60,
  juteMaxBufferBytes: 0xfffff,
  fourLetterWordWhitelist: ["srvr"],
  snapshotEveryTxns: 100_000,
  snapshotsRetained: 3,
  adminPort: 8080,
  containerCheckIntervalMs: 60_000,
  superDigest: null,
  connectionsMax: 60_000,
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
} as const;

/** Options as a caller may give them: everything but dataDir is optional. */
export type ZkLiteOptionsInput = Partial<ZkLiteOptions> & { dataDir: string };

export function resolveOptions(input: ZkLiteOptionsInput): ZkLiteOptions {
  const tickTimeMs = input.tickTimeMs ?? ZK_LITE_DEFAULTS.tickTimeMs;
  const host = input.host ?? ZK_LITE_DEFAULTS.host;
  const o: ZkLiteOptions = {
    host,
    port: input.port ?? ZK_LITE_DEFAULTS.port,
    dataDir: input.dataDir,
    tickTimeMs,
    minSessionTimeoutMs: input.minSessionTimeoutMs ?? 2 * tickTimeMs,
    maxSessionTimeoutMs: input.maxSessionTimeoutMs ?? 20 * tickTimeMs,
    maxClientCnxns: input.maxClientCnxns ?? ZK_LITE_DEFAULTS.maxClientCnxns,
    juteMaxBufferBytes: input.juteMaxBufferBytes ?? ZK_LITE_DEFAULTS.juteMaxBufferBytes,
    fourLetterWordWhitelist: input.fourLetterWordWhitelist ?? ZK_LITE_DEFAULTS.fourLetterWordWhitelist,
    snapshotEveryTxns: input.snapshotEveryTxns ?? ZK_LITE_DEFAULTS.snapshotEveryTxns,
    snapshotsRetained: input.snapshotsRetained ?? ZK_LITE_DEFAULTS.snapshotsRetained,
    adminPort: input.adminPort === undefined ? ZK_LITE_DEFAULTS.adminPort : input.adminPort,
    adminHost: input.adminHost ?? host,
    containerCheckIntervalMs: input.containerCheckIntervalMs ?? ZK_LITE_DEFAULTS.containerCheckIntervalMs,
    superDigest: input.superDigest ?? ZK_LITE_DEFAULTS.superDigest,
    connectionsMax: input.connectionsMax ?? ZK_LITE_DEFAULTS.connectionsMax,
    ensemble: input.ensemble ?? null,
  };
  checkOptions(o);
  return o;
}

/** Relations between settings, checked at start-up; a violation is an operator error with a clear message. */
export function checkOptions(o: ZkLiteOptions): void {
  const bad = (msg: string): never => {
    throw new Error(`zk-lite: ${msg}`);
  };
  if (!Number.isInteger(o.tickTimeMs) || o.tickTimeMs <= 0) bad(`tickTimeMs must be a positive integer, got ${o.tickTimeMs}`);
  if (o.minSessionTimeoutMs > o.maxSessionTimeoutMs) bad(`minSessionTimeoutMs ${o.minSessionTimeoutMs} is above maxSessionTimeoutMs ${o.maxSessionTimeoutMs}`);
  if (o.minSessionTimeoutMs <= 0) bad(`minSessionTimeoutMs must be positive, got ${o.minSessionTimeoutMs}`);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) bad(`port must be 0..65535, got ${o.port}`);
  if (o.adminPort !== null && (!Number.isInteger(o.adminPort) || o.adminPort < 0 || o.adminPort > 65535)) bad(`adminPort must be 0..65535, got ${o.adminPort}`);
  if (o.juteMaxBufferBytes < 1024) bad(`juteMaxBufferBytes must be at least 1024, got ${o.juteMaxBufferBytes}`);
  if (o.snapshotEveryTxns < 1) bad(`snapshotEveryTxns must be at least 1, got ${o.snapshotEveryTxns}`);
  if (o.snapshotsRetained < 1) bad(`snapshotsRetained must be at least 1, got ${o.snapshotsRetained}`);
  if (o.maxClientCnxns < 0) bad(`maxClientCnxns must be >= 0, got ${o.maxClientCnxns}`);
  if (o.dataDir === "") bad("dataDir is required");
  if (o.ensemble !== null) checkEnsemble(o, o.ensemble, bad);
}

function checkEnsemble(o: ZkLiteOptions, e: ZkEnsembleOptions, bad: (msg: string) => never): void {
  const self = e.peers[e.serverId - 1];
  if (self === undefined || self.serverId !== e.serverId) bad(`ensemble serverId ${e.serverId} is not in the peers list`);
  if (self.clientPort !== o.port) bad(`this server's peers entry has client port ${self.clientPort}, but it listens on ${o.port}`);
  if (o.juteMaxBufferBytes > ENSEMBLE_JUTE_MAX_BUFFER_BYTES) bad(`juteMaxBufferBytes must be at most ${ENSEMBLE_JUTE_MAX_BUFFER_BYTES} in an ensemble (a request travels in one Raft entry), got ${o.juteMaxBufferBytes}`);
  if (!(e.heartbeatIntervalMs >= 4)) bad(`heartbeatIntervalMs must be at least 4, got ${e.heartbeatIntervalMs}`);
  if (e.electionTimeoutMs < ELECTION_TIMEOUT_HEARTBEATS_MIN * e.heartbeatIntervalMs) {
    bad(`electionTimeoutMs must be at least ${ELECTION_TIMEOUT_HEARTBEATS_MIN} x heartbeatIntervalMs (${e.heartbeatIntervalMs}), got ${e.electionTimeoutMs}`);
  }
}

/** Parses "--4lw_whitelist=srvr,ruok" style values: comma separated, "*" for all. */
export function parseFourLetterWhitelist(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

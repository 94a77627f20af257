// `--mode=zk-lite`: the ZooKeeper-compatible server on --port, and its admin routes on the mode's
// HTTP server (--admin_port) beside /health, /metrics, /flags and /version. With --peers it is
// one member of a replicated ensemble.

import { networkInterfaces } from "node:os";
import { FlagError, type Flags } from "../flags/index.ts";
import { findSelf, parsePeers, PeersError } from "./ensemble/index.ts";
import { ELECTION_TIMEOUT_HEARTBEATS_MIN, ENSEMBLE_JUTE_MAX_BUFFER_BYTES, parseFourLetterWhitelist, type ZkEnsembleOptions } from "./types.ts";
import type { ZkObserver } from "./observer.ts";
import { startZkLite } from "./server.ts";
import { serveModeHttp, type ProcessContext, type Service } from "../process/index.ts";
import { secureRandom } from "../runtime/index.ts";

/** `observer`: metrics and sampled request spans (observability/observers); default none. */
export async function startZkLiteMode(ctx: ProcessContext, options: { observer?: ZkObserver } = {}): Promise<Service[]> {
  const { flags } = ctx;
  const tickTimeMs = flags.number("tick_time");
  const zk = await startZkLite(
    {
      host: flags.string("ip"),
      port: flags.number("port"),
      dataDir: flags.string("data_dir"),
      tickTimeMs,
      minSessionTimeoutMs: flags.optNumber("min_session_timeout") ?? 2 * tickTimeMs,
      maxSessionTimeoutMs: flags.optNumber("max_session_timeout") ?? 20 * tickTimeMs,
      maxClientCnxns: flags.number("max_client_cnxns"),
      juteMaxBufferBytes: flags.number("jute_max_buffer"),
      fourLetterWordWhitelist: parseFourLetterWhitelist(flags.string("4lw_whitelist")),
      snapshotEveryTxns: flags.number("snap_count"),
      adminPort: null,
      ensemble: ensembleFromFlags(flags, localAddresses()),
    },
    // Session passwords are secrets: they come from the CSPRNG, not the injected Random.
    { clock: ctx.clock, random: secureRandom, logger: ctx.logger, ...(options.observer ? { observer: options.observer } : {}) },
  );
  const admin = serveModeHttp(ctx, "zk-lite admin", flags.number("admin_port"), (app) => {
    app.route("/", zk.adminRoutes());
  });
  return [
    { name: "zk-lite", url: `${flags.string("ip")}:${zk.port}`, stop: () => zk.close() },
    admin,
  ];
}

/**
 * --peers and the flags that go with it, checked against each other: every problem is a
 * FlagError, one line naming the flag (the process exits 2). Null without --peers.
 */
export function ensembleFromFlags(flags: Flags, addresses: readonly string[]): ZkEnsembleOptions | null {
  const text = flags.optString("peers");
  if (text === undefined) return null;
  const bad = (flag: string, problem: string): FlagError => new FlagError(`bad value for flag --${flag}: ${problem}`);
  let peers;
  let self;
  try {
    peers = parsePeers(text);
    self = findSelf(peers, { ip: flags.string("ip"), hostname: flags.string("hostname"), port: flags.number("port"), localAddresses: addresses });
  } catch (e) {
    if (e instanceof PeersError) throw bad("peers", e.message);
    throw e;
  }
  const heartbeatIntervalMs = flags.number("raft_heartbeat_interval");
  const electionTimeoutMs = flags.number("raft_election_timeout");
  if (electionTimeoutMs < ELECTION_TIMEOUT_HEARTBEATS_MIN * heartbeatIntervalMs) {
    throw bad("raft_election_timeout", `must be at least ${ELECTION_TIMEOUT_HEARTBEATS_MIN} x --raft_heartbeat_interval (${heartbeatIntervalMs}ms), got ${electionTimeoutMs}ms`);
  }
  const juteMax = flags.number("jute_max_buffer");
  if (juteMax > ENSEMBLE_JUTE_MAX_BUFFER_BYTES) {
    throw bad("jute_max_buffer", `at most ${ENSEMBLE_JUTE_MAX_BUFFER_BYTES} bytes with --peers (a request travels in one Raft entry), got ${juteMax}`);
  }
  return { peers, serverId: self.serverId, heartbeatIntervalMs, electionTimeoutMs, faultInjection: flags.bool("raft_fault_injection") };
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address));
}

// The --masters flags turned into what the Raft master needs: which member this process is, the
// founding voters, and the timing in ticks. Every problem is a FlagError, one line naming the flag
// (the process exits 2), because each is an operator's mistake that no retry can fix.

import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { FlagError, type Flags } from "../../flags/index.ts";

export interface RaftMasterConfig {
  /** This master's Raft id: its own entry of --masters, as written there. */
  readonly selfId: string;
  /** --masters as given: the founding voters, or (with --join) whom to ask to be added. */
  readonly members: readonly string[];
  readonly quorum: number;
  readonly join: boolean;
  /** <work_dir>/raft: the Raft log and snapshots (the registry lives inside them). */
  readonly storageDir: string;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  /** The Raft tick: a fraction of the heartbeat interval (see ticksPerHeartbeat). */
  readonly tickIntervalMs: number;
  readonly heartbeatTicks: number;
  /** electionTimeoutMs in ticks (the core randomizes in [e, 2e) ticks). */
  readonly electionTicks: number;
  readonly faultInjection: boolean;
}

/** The core's rule (assertConfig): a follower must hear more than two heartbeats per timeout. */
export const electionTimeoutHeartbeatsMin = 3;
/**
 * Ticks per heartbeat. The core draws election timeouts in whole ticks from [e, 2e); with one tick
 * per 20 ms heartbeat and a 200 ms timeout that is only ten values, so two followers of a dead
 * leader drew the same one often enough to split the vote and add a whole timeout to the
 * failover (p95 521 ms in bench/failover.ts). Four ticks per heartbeat give forty values.
 */
export const ticksPerHeartbeat = 4;

/** The number of masters that makes a majority of `count`: what Raft waits for. */
export function majorityOf(count: number): number {
  return Math.floor(count / 2) + 1;
}

export interface MastersInput {
  readonly masters: string;
  readonly quorum: number | undefined;
  readonly join: boolean;
  readonly ip: string;
  readonly hostname: string;
  readonly port: number;
  readonly workDir: string;
  readonly zk: string | undefined;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly faultInjection: boolean;
  /** This machine's interface addresses, for --ip=0.0.0.0. */
  readonly localAddresses: readonly string[];
}

/** Pure: checks the relations between the flags and finds this master in the list. */
export function resolveRaftMasterConfig(input: MastersInput): RaftMasterConfig {
  if (input.zk !== undefined) throw new FlagError("flag --masters: cannot be combined with --zk; pick one way of electing the leader");
  const members = input.masters.split(",").map((entry) => entry.trim());
  const majority = majorityOf(members.length);
  if (input.quorum === undefined) {
    throw new FlagError(`missing flag --quorum: --masters lists ${members.length} masters, so --quorum=${majority}`);
  }
  if (input.quorum !== majority) {
    throw new FlagError(`bad value for flag --quorum: a majority of the ${members.length} masters in --masters is ${majority}, got ${input.quorum}`);
  }
  const selfId = findSelf(members, input);
  const tickIntervalMs = input.heartbeatIntervalMs / ticksPerHeartbeat;
  if (input.electionTimeoutMs < electionTimeoutHeartbeatsMin * input.heartbeatIntervalMs) {
    throw new FlagError(
      `bad value for flag --raft_election_timeout: must be at least ${electionTimeoutHeartbeatsMin} x --raft_heartbeat_interval (${input.heartbeatIntervalMs}ms), got ${input.electionTimeoutMs}ms`,
    );
  }
  return {
    selfId,
    members,
    quorum: input.quorum,
    join: input.join,
    storageDir: join(input.workDir, "raft"),
    heartbeatIntervalMs: input.heartbeatIntervalMs,
    electionTimeoutMs: input.electionTimeoutMs,
    tickIntervalMs,
    heartbeatTicks: ticksPerHeartbeat,
    electionTicks: Math.round(input.electionTimeoutMs / tickIntervalMs),
    faultInjection: input.faultInjection,
  };
}

/** The one entry naming this process: --ip:--port or --hostname:--port (any local address for 0.0.0.0). */
function findSelf(members: readonly string[], input: MastersInput): string {
  const hosts = new Set([input.ip, input.hostname]);
  if (input.ip === "0.0.0.0" || input.ip === "::") for (const address of input.localAddresses) hosts.add(address);
  const mine = members.filter((entry) => {
    const colon = entry.lastIndexOf(":");
    return Number(entry.slice(colon + 1)) === input.port && hosts.has(entry.slice(0, colon));
  });
  if (mine.length === 1) return mine[0]!;
  const me = `${input.ip}:${input.port} (or ${input.hostname}:${input.port})`;
  if (mine.length === 0) {
    throw new FlagError(`bad value for flag --masters: this master, ${me}, is not in the list '${input.masters}'; list every master, this one included`);
  }
  throw new FlagError(`bad value for flag --masters: this master, ${me}, is listed more than once as ${mine.join(" and ")}`);
}

/** undefined without --masters: the single-master path (file registry, standalone leadership). */
export function raftMasterConfigFromFlags(flags: Flags): RaftMasterConfig | undefined {
  const masters = flags.optString("masters");
  if (masters === undefined) {
    for (const name of ["quorum"]) if (flags.has(name)) throw new FlagError(`flag --${name}: only with --masters`);
    if (flags.bool("join")) throw new FlagError("flag --join: only with --masters");
    return undefined;
  }
  return resolveRaftMasterConfig({
    masters,
    quorum: flags.optNumber("quorum"),
    join: flags.bool("join"),
    ip: flags.string("ip"),
    hostname: flags.string("hostname"),
    port: flags.number("port"),
    workDir: flags.string("work_dir"),
    zk: flags.optString("zk"),
    heartbeatIntervalMs: flags.number("raft_heartbeat_interval"),
    electionTimeoutMs: flags.number("raft_election_timeout"),
    faultInjection: flags.bool("raft_fault_injection"),
    localAddresses: localAddresses(),
  });
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address));
}

// Construction options of the containerizer, with defaults and the relations between them.

import { assert } from "../../runtime/index.ts";
import { realClock, type Clock } from "../../runtime/index.ts";

/** pino-compatible: one structured event per call, ids as fields. */
export interface ContainerizerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export type IsolationChoice = "auto" | "cgroups" | "posix";

export interface ContainerizerOptions {
  /** Where the cgroup hierarchies are mounted. Default "/sys/fs/cgroup". */
  cgroupsHierarchy?: string;
  /** Our subtree in each hierarchy. Default "cluster". */
  cgroupsRoot?: string;
  /** auto: cgroups when writable, else posix (logged once with the reason). Default "auto". */
  isolation?: IsolationChoice;
  /** Hard CPU cap (CFS quota / cpu.max) on top of the proportional shares. Default false. */
  enableCfs?: boolean;
  /** Each container's record (launch, pids, exit status) is the file `<metaDir>/containers/<id>` (meta.ts). */
  metaDir: string;
  clock?: Clock;
  logger?: ContainerizerLogger;
  /** How often running containers are checked for an exit status and OOM kills. Default 1000. */
  statusPollIntervalMs?: number;
  /** Longest a launch waits for the supervisor to record the task's pid. Default 10000. */
  launchPidWaitMs?: number;
  /**
   * Launches under way at once (sandbox, supervisor, until the pid is known); more wait their
   * turn. Hundreds of half-started supervisors competing for the CPU starve the agent, the master
   * and everything else of it without launching any faster. Default 16.
   */
  launchesInFlightMax?: number;
  /** How often kill() looks for the end of a container it signalled. Default 20. */
  killPollIntervalMs?: number;
  /** Longest kill() waits for the supervisor's status after SIGKILL before reporting it lost. Default 10000. */
  killSettleMs?: number;
  /** How old a /proc snapshot used for usage() without cgroups may be. Default 250. */
  procSnapshotMaxAgeMs?: number;
  /**
   * Without cgroups, how long after a task ended on its own the rest of its session is looked for
   * (one /proc walk serves every task that ended meanwhile; a walk reads every process's stat on
   * the host, and at 500 ms these walks were 5% of a busy agent's CPU). Its process group is
   * killed at once regardless. Default 2000.
   */
  sessionSweepDelayMs?: number;
}

export interface ResolvedOptions {
  cgroupsHierarchy: string;
  cgroupsRoot: string;
  isolation: IsolationChoice;
  enableCfs: boolean;
  metaDir: string;
  clock: Clock;
  logger: ContainerizerLogger;
  statusPollIntervalMs: number;
  launchPidWaitMs: number;
  launchesInFlightMax: number;
  killPollIntervalMs: number;
  killSettleMs: number;
  procSnapshotMaxAgeMs: number;
  sessionSweepDelayMs: number;
}

const silentLogger: ContainerizerLogger = { info() {}, warn() {}, error() {}, debug() {} };

export function resolveOptions(options: ContainerizerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    cgroupsHierarchy: options.cgroupsHierarchy ?? "/sys/fs/cgroup",
    cgroupsRoot: options.cgroupsRoot ?? "cluster",
    isolation: options.isolation ?? "auto",
    enableCfs: options.enableCfs ?? false,
    metaDir: options.metaDir,
    clock: options.clock ?? realClock,
    logger: options.logger ?? silentLogger,
    statusPollIntervalMs: options.statusPollIntervalMs ?? 1000,
    launchPidWaitMs: options.launchPidWaitMs ?? 10_000,
    launchesInFlightMax: options.launchesInFlightMax ?? 16,
    killPollIntervalMs: options.killPollIntervalMs ?? 20,
    killSettleMs: options.killSettleMs ?? 10_000,
    procSnapshotMaxAgeMs: options.procSnapshotMaxAgeMs ?? 250,
    sessionSweepDelayMs: options.sessionSweepDelayMs ?? 2000,
  };
  assert(resolved.metaDir.startsWith("/"), `metaDir must be an absolute path: ${resolved.metaDir}`);
  assert(["auto", "cgroups", "posix"].includes(resolved.isolation), `isolation must be auto, cgroups or posix: ${resolved.isolation}`);
  assert(resolved.statusPollIntervalMs > 0 && resolved.killPollIntervalMs > 0, "poll intervals must be positive");
  assert(resolved.killPollIntervalMs <= resolved.statusPollIntervalMs, "kill polling must be at least as fast as status polling");
  assert(resolved.launchPidWaitMs > 0 && resolved.killSettleMs > 0, "launch and kill waits must be positive");
  assert(resolved.sessionSweepDelayMs >= 0, "the session sweep delay must not be negative");
  assert(Number.isInteger(resolved.launchesInFlightMax) && resolved.launchesInFlightMax > 0, "launches in flight must be a positive integer");
  return resolved;
}

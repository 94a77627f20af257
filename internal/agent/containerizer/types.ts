// The contract between the agent core (registration, status updates, endpoints) and the
// containerizer (processes, sandboxes, isolation). The core decides; the containerizer runs
// processes and reports what happened to them. Nothing here knows about masters or frameworks
// beyond the ids it is handed.

import type { CommandInfo, HealthCheck } from "../../wire/index.ts";

/** What to run and where. The core computes the sandbox path and the environment. */
export interface LaunchSpec {
  containerId: string;
  /** `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>`; created by launch. */
  sandboxDir: string;
  command: CommandInfo;
  /** Complete environment for the task (MESOS_*, CLUSTER_*, HOST, PORT*, and the command's own). */
  env: Record<string, string>;
  /** Run as this user when the agent runs as root; absent: the agent's own user. */
  user?: string;
  limits: ContainerLimits;
  healthCheck?: HealthCheck;
}

export interface ContainerLimits {
  /** For CPU shares (soft, proportional) and, with --cgroups_enable_cfs, a hard quota. */
  cpus: number;
  memoryBytes: number;
}

/** How a container ended. Exactly one of exitCode / signal is set unless the outcome is unknown. */
export interface ContainerTermination {
  containerId: string;
  exitCode: number | null;
  /** Signal name ("SIGKILL") when the process was killed by a signal. */
  signal: string | null;
  /** The memory limit was hit (cgroup OOM kill). */
  memoryLimitExceeded: boolean;
  /** True when the agent asked for the kill (kill()), so the core reports TASK_KILLED. */
  killedByAgent: boolean;
  /** Human text in Mesos's words: "Command exited with status 1", "Command terminated with signal Killed". */
  message: string;
}

export type HealthEvent = { containerId: string; healthy: boolean; consecutiveFailures: number; killTask: boolean };

/** Per-container usage, Mesos ResourceStatistics field names, for /monitor/statistics. */
export interface ResourceStatistics {
  timestamp: number;
  cpus_limit: number;
  cpus_user_time_secs?: number;
  cpus_system_time_secs?: number;
  cpus_nr_periods?: number;
  cpus_nr_throttled?: number;
  cpus_throttled_time_secs?: number;
  mem_limit_bytes: number;
  mem_rss_bytes?: number;
  mem_total_bytes?: number;
  mem_cache_bytes?: number;
  processes?: number;
  threads?: number;
}

/** A container the agent had before it restarted, from its checkpoint. */
export interface KnownContainer {
  containerId: string;
  sandboxDir: string;
  /** Present when the process was started; absent when the agent died during launch. */
  pid?: number;
  /** The task's start time as launch() reported it (its identity against pid reuse). */
  startTicks?: number;
  limits: ContainerLimits;
  healthCheck?: HealthCheck;
}

export interface Containerizer {
  /** "cgroups-v1", "cgroups-v2" or "none", decided once at construction. */
  readonly isolation: string;
  /**
   * Starts the task as its own process group; resolves once the process exists, with its start
   * time (when it could be read) for the agent to keep and hand back to recover().
   */
  launch(spec: LaunchSpec): Promise<{ pid: number; startTicks?: number }>;
  /** SIGTERM to the process group, SIGKILL to the whole tree after gracePeriodMs. Resolves when gone. */
  kill(containerId: string, gracePeriodMs: number): Promise<void>;
  /**
   * After an agent restart: re-attaches to containers still running, and reports through
   * onTermination those that ended while the agent was down (with their real exit status).
   */
  recover(known: KnownContainer[]): Promise<void>;
  usage(containerId: string): Promise<ResourceStatistics | undefined>;
  /**
   * Removes what launch created outside the sandbox (cgroups). The sandbox and the container's
   * record (recordPath) stay for the GC.
   */
  cleanup(containerId: string): Promise<void>;
  /** The container's durable record, for the GC to remove with the sandbox, as Mesos does with a run's meta dir. */
  recordPath(containerId: string): string;
  onTermination(listener: (termination: ContainerTermination) => void): void;
  onHealth(listener: (event: HealthEvent) => void): void;
  /** Stops watchers and timers; running tasks keep running (they outlive the agent). */
  close(): Promise<void>;
}

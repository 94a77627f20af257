// The cron mode's settings, from its flags (or dev mode's, which lack most of them: those take
// the cron flag table's defaults, so the two cannot drift apart).

import { join } from "node:path";
import { flagTable, formatDurationMs, type Flags } from "../flags/index.ts";
import type { CoreSettings } from "./core-state.ts";
import type { JobDefaults } from "./job-json.ts";

export interface CronConfig {
  workDir: string;
  /** Masters as host:port (tried in turn; redirects followed); empty with masterZk. */
  masters: string[];
  /** --master=zk://...: the leading master is found in ZooKeeper (and followed when it changes). */
  masterZk: string | undefined;
  /** --zk: elect the cron leader and keep the state in ZooKeeper instead of --work_dir. */
  zk: string | undefined;
  zkSessionTimeoutMs: number;
  ip: string;
  port: number;
  hostname: string;
  role: string;
  frameworkName: string;
  user: string;
  failoverTimeoutMs: number;
  jobDefaults: JobDefaults;
  core: CoreSettings;
  reconcileIntervalMs: number;
  scheduleHorizonMs: number;
  runHistoryMax: number;
  leaderPollIntervalMs: number;
}

export interface CronConfigOverrides {
  workDir?: string;
  master?: string;
  port?: number;
}

export function cronConfigFromFlags(given: Flags, overrides: CronConfigOverrides = {}): CronConfig {
  const flags = given.withDefaultsFrom(flagTable("cron"));
  const dev = flags.mode === "dev";
  const master = overrides.master ?? (dev ? `127.0.0.1:${flags.number("port")}` : flags.string("master"));
  const config: CronConfig = {
    workDir: overrides.workDir ?? (dev ? join(flags.string("work_dir"), "cron") : flags.string("work_dir")),
    masters: master.startsWith("zk://") ? [] : masterList(master),
    masterZk: master.startsWith("zk://") ? master : undefined,
    zk: flags.optString("zk"),
    zkSessionTimeoutMs: flags.number("zk_session_timeout"),
    ip: flags.string("ip"),
    port: overrides.port ?? flags.number(dev ? "cron_port" : "port"),
    hostname: flags.string("hostname"),
    role: flags.string("role"),
    frameworkName: flags.string("framework_name"),
    user: flags.string("user"),
    failoverTimeoutMs: flags.number("failover_timeout"),
    jobDefaults: {
      cpus: flags.number("mesos_task_cpu"),
      memMegabytes: flags.number("mesos_task_mem"),
      diskMegabytes: flags.number("mesos_task_disk"),
      epsilon: isoDurationOf(flags.number("task_epsilon")),
      retries: 2,
    },
    core: {
      failureRetryMs: flags.number("failure_retry"),
      failureRetryMaxMs: flags.number("failure_retry_max"),
      disableAfterFailures: flags.number("disable_after_failures"),
    },
    reconcileIntervalMs: flags.number("reconciliation_interval"),
    scheduleHorizonMs: flags.number("schedule_horizon"),
    runHistoryMax: flags.number("max_runs_per_job"),
    leaderPollIntervalMs: flags.number("leader_poll_interval"),
  };
  checkConfig(config);
  return config;
}

/** Relations between settings that must hold; a violation is a bad command line. */
export function checkConfig(config: CronConfig): void {
  if (config.core.failureRetryMs > config.core.failureRetryMaxMs) {
    throw new Error(`--failure_retry (${formatDurationMs(config.core.failureRetryMs)}) is longer than --failure_retry_max (${formatDurationMs(config.core.failureRetryMaxMs)})`);
  }
  if (config.masters.some((m) => m.startsWith("file://"))) {
    throw new Error("--master: cron takes host:port, a comma list of host:port or zk://host:port/path (file:// is not supported)");
  }
}

function masterList(text: string): string[] {
  return text
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "");
}

/** PT<seconds>S, for the default epsilon (a flag is a duration in ms; jobs carry ISO 8601 text). */
function isoDurationOf(ms: number): string {
  return `PT${ms / 1000}S`;
}





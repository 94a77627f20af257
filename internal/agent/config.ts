// What the agent needs to run, resolved from the flags once at start-up (or built by a test).

import { cpus } from "node:os";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { flagTable, type Flags } from "../flags/index.ts";
import {
  detectDefaultResources,
  parseAttributesFlag,
  parseResourcesFlag,
  withDefaults,
  type Attributes,
  type Resources,
} from "../resources/index.ts";
import type { Containerizer } from "./containerizer/types.ts";
import { registrationBackoffMaxMs } from "./limits.ts";

export type IsolationChoice = "auto" | "cgroups" | "posix";
export type RecoverMode = "reconnect" | "cleanup";

export interface AgentConfig {
  /** --master as given: host:port, a comma list, file:///path or zk://... */
  master: string;
  workDir: string;
  /** HTTP port (0 picks one). */
  port: number;
  hostname: string;
  /** What the agent advertises: --resources over the detected defaults. */
  resources: Resources;
  attributes: Attributes;
  physicalCpus: number;
  logDir?: string;
  taskKillGracePeriodMs: number;
  /** Run tasks as their command's or framework's user (when the agent is root). */
  switchUser: boolean;
  statusUpdateRetryIntervalMinMs: number;
  statusUpdateRetryIntervalMaxMs: number;
  registrationBackoffFactorMs: number;
  registrationBackoffMaxMs: number;
  gcDelayMs: number;
  gcDiskHeadroom: number;
  diskWatchIntervalMs: number;
  isolation: IsolationChoice;
  cgroupsHierarchy: string;
  cgroupsRoot: string;
  cgroupsEnableCfs: boolean;
  recover: RecoverMode;
  /** Tests inject one; absent: the real containerizer for this machine. */
  containerizer?: Containerizer;
  /** Tests make it small to see compactions; absent: journalCompactBytesMin. */
  journalCompactBytesMin?: number;
  /**
   * Ends the process when operator action is needed (REFUSED, recover=cleanup done); absent:
   * print the message and process.exit. Tests inject one to observe it.
   */
  exit?: (code: number, message: string) => void;
}

/** What dev mode decides for its built-in agent (its work dir may be a fresh temp dir). */
export interface AgentConfigOverrides {
  workDir?: string;
  master?: string;
}

/** The agent's configuration from --mode=agent flags, or from --mode=dev flags for the built-in agent. */
export function agentConfigFromFlags(modeFlags: Flags, overrides: AgentConfigOverrides = {}): AgentConfig {
  const flags = modeFlags.withDefaultsFrom(flagTable("agent"));
  const dev = flags.mode === "dev";
  const workDir = overrides.workDir ?? (dev ? join(flags.string("work_dir"), "agent") : flags.string("work_dir"));
  const defaultRole = flags.string("default_role");
  // The work dir may not exist yet; its parent is on the same filesystem for the disk size.
  const detected = detectDefaultResources(existsSync(workDir) ? workDir : dirname(workDir), defaultRole);
  const given = flags.optString("resources");
  const resources = given === undefined ? detected : withDefaults(parseResourcesFlag(given, { defaultRole }), detected);
  const config: AgentConfig = {
    master: overrides.master ?? (dev ? `127.0.0.1:${flags.number("port")}` : flags.string("master")),
    workDir,
    port: flags.number(dev ? "agent_port" : "port"),
    hostname: flags.string("hostname"),
    resources,
    attributes: parseAttributesFlag(flags.optString("attributes") ?? ""),
    physicalCpus: Math.max(1, cpus().length),
    taskKillGracePeriodMs: flags.number("task_kill_grace_period"),
    switchUser: flags.bool("switch_user"),
    statusUpdateRetryIntervalMinMs: flags.number("status_update_retry_interval_min"),
    statusUpdateRetryIntervalMaxMs: flags.number("status_update_retry_interval_max"),
    registrationBackoffFactorMs: flags.number("registration_backoff_factor"),
    registrationBackoffMaxMs,
    gcDelayMs: flags.number("gc_delay"),
    gcDiskHeadroom: flags.number("gc_disk_headroom"),
    diskWatchIntervalMs: flags.number("disk_watch_interval"),
    isolation: flags.string("isolation") as IsolationChoice,
    cgroupsHierarchy: flags.string("cgroups_hierarchy"),
    cgroupsRoot: flags.string("cgroups_root"),
    cgroupsEnableCfs: flags.bool("cgroups_enable_cfs"),
    recover: flags.string("recover") as RecoverMode,
  };
  const logDir = flags.optString("log_dir");
  if (logDir !== undefined) config.logDir = logDir;
  checkConfig(config);
  return config;
}

/** Relations between settings that must hold; a violation is a bad command line. */
export function checkConfig(config: AgentConfig): void {
  if (config.statusUpdateRetryIntervalMinMs > config.statusUpdateRetryIntervalMaxMs) {
    throw new Error(
      `--status_update_retry_interval_min (${config.statusUpdateRetryIntervalMinMs}ms) is larger than --status_update_retry_interval_max (${config.statusUpdateRetryIntervalMaxMs}ms)`,
    );
  }
  if (config.registrationBackoffFactorMs > config.registrationBackoffMaxMs) {
    throw new Error(`--registration_backoff_factor is larger than the ${config.registrationBackoffMaxMs}ms cap`);
  }
  if (!(config.gcDiskHeadroom >= 0 && config.gcDiskHeadroom <= 1)) {
    throw new Error(`--gc_disk_headroom must be between 0 and 1, got ${config.gcDiskHeadroom}`);
  }
}






// What the agent needs to run, resolved from the flags once at start-up (or built by a test).

import { cpus } from "node:os";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { flagTable, type Flags, type FlagValue } from "../flags/index.ts";
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
export function agentConfigFromFlags(flags: Flags, overrides: AgentConfigOverrides = {}): AgentConfig {
  const dev = flags.mode === "dev";
  const workDir = overrides.workDir ?? (dev ? join(flags.string("work_dir"), "agent") : flags.string("work_dir"));
  const defaultRole = stringFlag(flags, "default_role");
  // The work dir may not exist yet; its parent is on the same filesystem for the disk size.
  const detected = detectDefaultResources(existsSync(workDir) ? workDir : dirname(workDir), defaultRole);
  const given = optionalString(flags, "resources");
  const resources = given === undefined ? detected : withDefaults(parseResourcesFlag(given, { defaultRole }), detected);
  const config: AgentConfig = {
    master: overrides.master ?? (dev ? `127.0.0.1:${flags.number("port")}` : flags.string("master")),
    workDir,
    port: flags.number(dev ? "agent_port" : "port"),
    hostname: flags.string("hostname"),
    resources,
    attributes: parseAttributesFlag(optionalString(flags, "attributes") ?? ""),
    physicalCpus: Math.max(1, cpus().length),
    taskKillGracePeriodMs: numberFlag(flags, "task_kill_grace_period"),
    switchUser: booleanFlag(flags, "switch_user"),
    statusUpdateRetryIntervalMinMs: numberFlag(flags, "status_update_retry_interval_min"),
    statusUpdateRetryIntervalMaxMs: numberFlag(flags, "status_update_retry_interval_max"),
    registrationBackoffFactorMs: numberFlag(flags, "registration_backoff_factor"),
    registrationBackoffMaxMs,
    gcDelayMs: numberFlag(flags, "gc_delay"),
    gcDiskHeadroom: numberFlag(flags, "gc_disk_headroom"),
    diskWatchIntervalMs: numberFlag(flags, "disk_watch_interval"),
    isolation: stringFlag(flags, "isolation") as IsolationChoice,
    cgroupsHierarchy: stringFlag(flags, "cgroups_hierarchy"),
    cgroupsRoot: stringFlag(flags, "cgroups_root"),
    cgroupsEnableCfs: booleanFlag(flags, "cgroups_enable_cfs"),
    recover: stringFlag(flags, "recover") as RecoverMode,
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

/**
 * Dev mode's flag table lacks most agent flags; those take the agent's defaults from the agent
 * flag table, so the two cannot drift apart.
 */
function effective(flags: Flags, name: string): FlagValue | undefined {
  const entry = flags.entries().find((candidate) => candidate.def.name === name);
  if (entry !== undefined) return entry.value;
  return flagTable("agent").find((def) => def.name === name)?.default;
}

function optionalString(flags: Flags, name: string): string | undefined {
  const value = effective(flags, name);
  if (value !== undefined && typeof value !== "string") throw new Error(`flag --${name} is not a string`);
  return value;
}

function stringFlag(flags: Flags, name: string): string {
  const value = optionalString(flags, name);
  if (value === undefined) throw new Error(`flag --${name} has no value`);
  return value;
}

function numberFlag(flags: Flags, name: string): number {
  const value = effective(flags, name);
  if (typeof value !== "number") throw new Error(`flag --${name} is not a number`);
  return value;
}

function booleanFlag(flags: Flags, name: string): boolean {
  const value = effective(flags, name);
  if (typeof value !== "boolean") throw new Error(`flag --${name} is not a boolean`);
  return value;
}

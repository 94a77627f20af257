import { parseMinAllocatable, type MinAllocatableAlternative } from "../allocator/index.ts";
import { parseWeights, type Flags } from "../flags/index.ts";

export interface MasterConfig {
  workDir: string;
  hostname: string;
  ip: string;
  allocationIntervalMs: number;
  agentPingTimeoutMs: number;
  maxAgentPingTimeouts: number;
  agentReregisterTimeoutMs: number;
  offerTimeoutMs: number | undefined;
  frameworkHeartbeatIntervalMs: number;
  weights: Map<string, number>;
  minAllocatable: readonly MinAllocatableAlternative[];
  whitelistPath: string | undefined;
  /** --role_schedule: a role schedule file, re-applied when its content changes. */
  roleSchedulePath: string | undefined;
  maxCompletedFrameworks: number;
  maxCompletedTasksPerFramework: number;
}

export function masterConfigFromFlags(flags: Flags): MasterConfig {
  const minAllocatable = parseMinAllocatable(flags.string("min_allocatable_resources"));
  if (!minAllocatable.ok) throw new Error(`--min_allocatable_resources: ${minAllocatable.problem}`);
  return {
    workDir: flags.string("work_dir"),
    hostname: flags.string("hostname"),
    ip: flags.string("ip"),
    allocationIntervalMs: flags.number("allocation_interval"),
    agentPingTimeoutMs: flags.number("agent_ping_timeout"),
    maxAgentPingTimeouts: flags.number("max_agent_ping_timeouts"),
    agentReregisterTimeoutMs: flags.number("agent_reregister_timeout"),
    offerTimeoutMs: flags.optNumber("offer_timeout"),
    frameworkHeartbeatIntervalMs: flags.number("framework_heartbeat_interval"),
    weights: parseWeights(flags.optString("weights") ?? "").weights,
    minAllocatable: minAllocatable.alternatives,
    whitelistPath: flags.optString("whitelist"),
    roleSchedulePath: flags.optString("role_schedule"),
    maxCompletedFrameworks: flags.number("max_completed_frameworks"),
    maxCompletedTasksPerFramework: flags.number("max_completed_tasks_per_framework"),
  };
}

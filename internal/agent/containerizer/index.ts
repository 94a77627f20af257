// The agent's containerizer: processes, sandboxes, isolation, health checks. The agent core talks
// to it only through the Containerizer contract in types.ts.

export type {
  Containerizer,
  ContainerLimits,
  ContainerTermination,
  HealthEvent,
  KnownContainer,
  LaunchSpec,
  ResourceStatistics,
} from "./types.ts";
export { createContainerizer } from "./containerizer.ts";
export type { ContainerizerLogger, ContainerizerOptions, IsolationChoice } from "./options.ts";
export {
  containerMetaFile,
  executorRunsPath,
  replaceSymlink,
  runsLatestPath,
  sandboxPath,
  updateAgentLatest,
  updateRunsLatest,
} from "./paths.ts";
export { healthCheckDefaults, healthPolicyOf, type HealthPolicy } from "./health.ts";
export { cpuSharesFor, cpuWeightFromShares, memoryLimitBytesMin } from "./cgroups-math.ts";
export { signalName, signalText } from "./termination.ts";
/** Makes a sandbox with empty stdout/stderr (owned by the task user); launch() calls it. */
export { prepareSandbox } from "./spawn.ts";

// The agent: registration with the leading master, command tasks in sandboxes, reliable status
// updates, recovery after restarts, and its HTTP endpoints. Other folders import only this file.

export { startAgent } from "./start.ts";
export { agentConfigFromFlags, checkConfig, type AgentConfig, type AgentConfigOverrides, type IsolationChoice, type RecoverMode } from "./config.ts";
export { Agent, AgentStartError, type AgentSummary } from "./agent.ts";
export {
  createMasterDetector,
  DetectionError,
  setZkDetectorFactory,
  zkDetectionMissingMessage,
  type MasterDetector,
  type ZkDetectorFactory,
} from "./master-detector.ts";
export { registrationBackoffMaxMs } from "./limits.ts";
export { noopAgentObserver, type AgentObserver, type AgentStateSource, type TaskUsage } from "./observer.ts";
export type { ResourceStatistics } from "./containerizer/types.ts";

export { masterConfigFromFlags, type MasterConfig } from "./config.ts";
export { StandaloneLeadership, type LeaderAddress, type Leadership, type LeadershipState } from "./leadership.ts";
export { Master, type MasterDeps } from "./master.ts";
export { masterGauges } from "./gauges.ts";
export {
  noopMasterObserver,
  offerOutcomes,
  type AgentGauges,
  type AgentGaugeState,
  type AllocationCycleSummary,
  type FrameworkGaugeState,
  type LeadershipChange,
  type MasterGauges,
  type MasterObserver,
  type MasterStateSource,
  type ObservedOffer,
  type OfferEnding,
  type OfferOutcome,
  type ResourceAmounts,
  type RoleGauges,
  type TaskLaunchFacts,
  type TaskLaunchTrace,
  type TraceRef,
} from "./observer.ts";
export { FileRegistry, applyRegistryOp, emptyRegistryState, type Registry, type RegistryOp, type RegistryState } from "./registry/index.ts";
export { MasterService, startMaster, type MasterStartOptions, type StartedMaster } from "./start.ts";
export type { AllocationLimits, RoleScheduleKeeper, RoleScheduleSource, RoleWindowEvent, RoleWindowOffer, RoleWindowTask, StoredRoleSchedule } from "./role-schedule-keeper.ts";
export { roleScheduleStatus, type AgentOversubscription, type RoleScheduleRoleStatus, type RoleScheduleStatus } from "./role-schedule-status.ts";

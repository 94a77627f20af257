// The allocator: hierarchical DRF with quota limits, decline filters, role schedule windows and a
// per-agent cpus cap, as one pure function `allocate(view, nowMs) -> plan`, plus AllocatorState,
// the incremental bookkeeping the master owns and builds views from. See README.md.

export type {
  AgentView,
  AllocationPlan,
  AllocationView,
  AllocatorView,
  FrameworkCapabilities,
  FrameworkView,
  MinAllocatableAlternative,
  OfferFilter,
  OutstandingOffer,
  PlannedOffer,
  PlannedRescind,
  RescindReason,
  ResourceQuantity,
} from "./types.ts";
export { allocate } from "./allocate.ts";
export { cpusCapThousandths } from "./rescind.ts";
export { refuseFilterDurationMs } from "./refuse-filter.ts";
export {
  formatMinAllocatable,
  minAllocatableDefault,
  minAllocatableTextDefault,
  parseMinAllocatable,
  type MinAllocatableParseResult,
} from "./min-allocatable.ts";
export {
  allocationIntervalMsDefault,
  filtersPerFrameworkAgentMax,
  maxOversubscriptionDefault,
  maxOversubscriptionMax,
  offersPerFrameworkMaxDefault,
  refuseFilterDurationMsMax,
  refuseSecondsDefault,
  rolesPerFrameworkMax,
} from "./limits.ts";
export {
  AllocatorState,
  AllocatorStateError,
  type AgentChanges,
  type AgentInfo,
  type AllocatorStateOptions,
  type FrameworkChanges,
  type FrameworkInfo,
} from "./state.ts";
export { planProblems } from "./invariants.ts";

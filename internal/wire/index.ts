export * from "./mesos.ts";
export * from "./agent-protocol.ts";
export * from "./scheduler.ts";
export * from "./operator.ts";
export { WireError } from "./wire-error.ts";
export {
  defaultRefuseSeconds,
  effectiveRefuseSeconds,
  parseJsonBody,
  parseOfferOperation,
  parseSchedulerCall,
  parseSchedulerCallText,
  refuseSecondsMax,
  statusUuidBytes,
} from "./scheduler-parse.ts";
export {
  failoverTimeoutSecondsMax,
  frameworkRoles,
  hasCapability,
  idCharsMax,
  idProblem,
  parseCommandInfo,
  parseExecutorInfo,
  parseFrameworkInfo,
  parseHealthCheck,
  parseMachineId,
  parseResourceJSON,
  parseTaskInfo,
  parseUnavailability,
  validateFrameworkInfo,
} from "./mesos-parse.ts";

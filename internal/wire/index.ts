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
  validateFrameworkUpdate,
  validateSuppressedRoles,
} from "./mesos-parse.ts";
export {
  groupExecutorCpusMin,
  groupExecutorMemMegabytesMin,
  validateGroupExecutor,
  validateLaunchGroup,
  validateTaskInfo,
  type TaskValidationContext,
} from "./validate-task.ts";
export {
  RecordIODecoder,
  RecordIOError,
  encodeRecord,
  encodeRecordBytes,
  recordBytesMaxDefault,
  recordIOContentType,
} from "./recordio.ts";
export {
  machineKey,
  parseMachine,
  parseMachineIdsBody,
  parseMachineList,
  parseMaintenanceSchedule,
  parseMaintenanceScheduleBody,
  parseMaintenanceWindow,
  parseOperatorCall,
  parseOperatorCallText,
  parseProtobufDuration,
  parseQuotaConfig,
  parseQuotaRequest,
  parseWeightInfo,
  parseWeightInfos,
  protobufDurationMs,
  quotaMegabytesMax,
  quotaOtherMax,
} from "./operator-parse.ts";

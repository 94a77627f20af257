// The ZooKeeper client, and leader election and detection on it the way Mesos does them
// (ephemeral sequential json.info_ znodes holding MasterInfo JSON). Other folders import only this.

export { ZkClient } from "./client.ts";
export { ZkError, ZkMultiError, isZkError, isRetryable, errorCodeName } from "./errors.ts";
export {
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE_CREATOR_ALL,
  type Acl,
  type Stat,
  type CreateMode,
  type CreateOptions,
  type GetDataResult,
  type MultiOp,
  type MultiResult,
  type WatchEvent,
  type WatchEventType,
  type Watcher,
  type ZkClientDeps,
  type ZkClientOptions,
  type ZkState,
  type ZkStateChange,
} from "./types.ts";
export { bunTransport, type ZkTransport, type ZkSocket, type ZkSocketHandlers } from "./transport.ts";
export { parseZkUrl, redactZkUrl, type ZkUrl, type ZkServerAddress } from "./url.ts";
export { LeaderContender, type LeaderContenderOptions, type LeaderContenderDeps } from "./contender.ts";
export { LeaderDetector, type DetectedLeader, type LeaderDetectorOptions } from "./detector.ts";
export { MESOS_MASTER_LABEL, memberSequence, sortedMembers, standingOf, type Member, type Standing } from "./members.ts";
export { encodeMasterInfo, masterHostPort, masterInfoFor, parseMasterInfo, ipv4ToMesosNumber, mesosNumberToIpv4, type MasterIdentity, type MasterInfo } from "./master-info.ts";
export {
  createZkLeaderElection,
  createZkLeadership,
  type ElectionChange,
  type ZkElectionDeps,
  type ZkLeaderElection,
  type ZkLeadership,
  type ZkLeadershipState,
} from "./election.ts";
export { ZkMasterDetector, zkMasterDetectorFactory, type ZkMasterDetectorDeps } from "./master-detector.ts";
export * as zkClientLimits from "./limits.ts";

// The driver: timers, storage, transport and the application around the pure Raft core.

export {
  RaftDriver,
  catchUpLagEntriesMax,
  catchUpTimeoutMsDefault,
  inboxMessagesMax,
  proposalTimeoutMsDefault,
  readysPerTurnMax,
  snapshotEntriesMaxDefault,
  tickIntervalMsDefault,
  type Committed,
  type RaftDriverOptions,
} from "./raft-driver.ts";
export {
  CatchUpTimeoutError,
  DriverStoppedError,
  NotLeaderError,
  ProposalDroppedError,
  ProposalOutcomeUnknownError,
  ProposalRefusedError,
} from "./errors.ts";
export { MemoryNetwork } from "./memory-transport.ts";
export { realTimers, type AppliedEntry, type RaftEvent, type RaftMetrics, type StateMachine, type Timers, type Transport } from "./types.ts";
export {
  HttpTransport,
  fragmentedMessageBytesMax,
  mountRaftRoutes,
  peerQueueMessagesMax,
  raftBodyBytesMax,
  raftFaultsPath,
  raftPath,
  sendTimeoutMsDefault,
  type HttpTransportOptions,
  type TransportFaults,
} from "./http-transport.ts";

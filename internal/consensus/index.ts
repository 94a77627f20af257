// Raft for the masters' registry (and anything else that needs a replicated log): a pure core
// (RaftNode: step/tick/propose → Ready), durable storage, and a driver that runs the core with
// real timers, a transport and the application's state machine. See README.md.

export type {
  AppendRequest,
  AppendResponse,
  ConfChange,
  ConfEntry,
  ConfState,
  Entry,
  HardState,
  Heartbeat,
  HeartbeatResponse,
  InstallSnapshot,
  Message,
  MessageType,
  NodeId,
  NormalEntry,
  PeerProgress,
  ProposeRejection,
  ProposeResult,
  Ready,
  Role,
  Snapshot,
  SoftState,
  StoredState,
  TimeoutNow,
  VoteRequest,
  VoteResponse,
} from "./types.ts";
export { RaftNode, assertConfig, bootstrapStoredState, emptyStoredState, type RaftNodeOptions, type RaftStatus } from "./raft-node.ts";
export { RaftLog } from "./raft-log.ts";
export * from "./limits.ts";
export {
  applyConfChange,
  confChangeProblem,
  confEquals,
  emptyConf,
  formatConf,
  formatConfChange,
  isLearner,
  isMember,
  isVoter,
  quorumSize,
} from "./membership.ts";
export { formatEntries, formatEntry, formatMessage, formatReady } from "./format.ts";
export { MessageDecodeError, decodedEntriesMax, messageFromJson, messageToJson, nodeIdBytesMax } from "./codec.ts";
export * from "./storage/index.ts";
export * from "./driver/index.ts";

// The masters' built-in Raft (--masters): the registry as Raft's replicated state machine, the
// leadership from the driver's leader changes, membership changes and their HTTP routes.

export { majorityOf, raftMasterConfigFromFlags, resolveRaftMasterConfig, type MastersInput, type RaftMasterConfig } from "./config.ts";
export { Joiner, type JoinerOptions } from "./joiner.ts";
export { mountRaftMasterRoutes, parseMembersChange, raftMembersPath, raftMetricsSnapshot, raftStatus, raftStatusPath } from "./raft-http.ts";
export { bestSuccessor, RaftLeadership, type RaftLeadershipOptions, type SelfAddress } from "./raft-leadership.ts";
export { createRaftMaster, RemovedMemberError, type RaftMaster, type RaftMasterHooks } from "./raft-master.ts";
export { RaftRegistry, RegistryStateMachine, encodeOp, type AnnouncedLeader, type RaftRegistryEvent, type RaftRegistryOptions } from "./raft-registry.ts";
export { RemovalWatch, removalCheckAfterElections, type RemovalWatchOptions } from "./removal-watch.ts";

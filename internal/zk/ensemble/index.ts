// A zk-lite ensemble (--peers): the Raft-replicated tree and what the server needs to run one
// member. See ../README.md, "Replication".

export { Ensemble, RAFT_SUBDIR, type EnsembleHooks, type EnsembleOptions, type EnsembleStats } from "./ensemble.ts";
export { decodeEntry, decodeRequests, encodeEntry, encodeRequests, type EnsembleEntry, type EnsembleRequest, type Origin } from "./entry.ts";
export { findSelf, parsePeers, peersMax, peersProblem, PeersError, type Peer, type SelfAddress } from "./peers.ts";
export { applyRequest, ReplicatedTree, type AppliedRequest } from "./replicated-tree.ts";
export { epochOf, counterOf, makeZxid, nextZxid } from "./zxid.ts";

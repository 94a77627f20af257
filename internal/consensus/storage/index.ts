// Durable storage for the Raft core: the interface, a file-backed implementation and an
// in-memory one that loses unsynced writes on `crash()` (tests and the simulator).

export type { RaftStorage } from "./types.ts";
export { MemoryStorage } from "./memory-storage.ts";
export { FileStorage, StorageCorruptError, hasRaftState, snapshotsKept, walSegmentBytesMax } from "./file-storage.ts";

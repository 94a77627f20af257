// What the driver needs from durable storage. The calls are synchronous on purpose: the Ready
// contract says the state is on disk before the messages go out, and a synchronous write with
// one fsync per Ready is both the simplest way to keep that promise and a natural group commit
// (everything proposed while the previous Ready was being written shares the next fsync).

import type { Ready, Snapshot, StoredState } from "../types.ts";

export interface RaftStorage {
  /** What a restarted node starts from. */
  load(): StoredState;
  /** Writes the Ready's snapshot, entries and hard state; fsyncs when `ready.mustSync`. */
  save(ready: Ready): void;
  /** A snapshot the application took (local compaction): durable before this returns. */
  saveSnapshot(snapshot: Snapshot): void;
  close(): void;
}

// Storage in memory that models a disk with a page cache: writes land in `pending` and become
// durable only at the next sync. `crash()` throws away what was never synced, which is how the
// simulator checks that the core asks for an fsync whenever it must.

import { assert } from "../../runtime/index.ts";
import type { Entry, HardState, Ready, Snapshot, StoredState } from "../types.ts";
import type { RaftStorage } from "./types.ts";

type Write =
  | { kind: "hardState"; hardState: HardState }
  | { kind: "entries"; entries: readonly Entry[] }
  | { kind: "snapshot"; snapshot: Snapshot };

interface Durable {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

export class MemoryStorage implements RaftStorage {
  private durable: Durable;
  private pending: Write[] = [];
  /** Counts of writes and syncs, for tests and benchmarks. */
  syncs = 0;

  constructor(initial?: StoredState) {
    this.durable = {
      hardState: initial?.hardState ?? { term: 0, vote: null, commit: 0 },
      snapshot: initial?.snapshot ?? null,
      entries: [...(initial?.entries ?? [])],
    };
  }

  load(): StoredState {
    return { hardState: this.durable.hardState, snapshot: this.durable.snapshot, entries: [...this.durable.entries] };
  }

  save(ready: Ready): void {
    if (ready.snapshot !== null) this.pending.push({ kind: "snapshot", snapshot: ready.snapshot });
    if (ready.entries.length > 0) this.pending.push({ kind: "entries", entries: ready.entries });
    if (ready.hardState !== null) this.pending.push({ kind: "hardState", hardState: ready.hardState });
    if (ready.mustSync) this.sync();
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.sync();
    const d = this.durable;
    if (d.snapshot !== null && d.snapshot.index >= snapshot.index) return;
    d.snapshot = snapshot;
    d.entries = d.entries.filter((e) => e.index > snapshot.index);
  }

  /** Forgets every write since the last sync, as a power cut would. */
  crash(): void {
    this.pending = [];
  }

  close(): void {
    this.sync();
  }

  sync(): void {
    for (const write of this.pending) applyWrite(this.durable, write);
    this.pending = [];
    this.syncs += 1;
  }
}

function applyWrite(d: Durable, write: Write): void {
  switch (write.kind) {
    case "hardState":
      d.hardState = write.hardState;
      return;
    case "snapshot":
      d.snapshot = write.snapshot;
      d.entries = [];
      return;
    case "entries": {
      const first = write.entries[0];
      if (first === undefined) return;
      const base = d.snapshot?.index ?? 0;
      assert(first.index > base, `storage: entry ${first.index} at or before the snapshot ${base}`);
      const keep = first.index - base - 1;
      assert(keep <= d.entries.length, `storage: gap before entry ${first.index}`);
      d.entries.length = keep;
      d.entries.push(...write.entries);
      return;
    }
  }
}

// The log as one server holds it: a snapshot (everything up to `snapshot.index`, applied and
// compacted), the entries after it, and three marks: `stableIndex` (handed out for persisting),
// `committed` and `applied`. The whole uncompacted log stays in memory; storage only ever writes
// it and reads it back after a restart. It also tracks the configuration each conf entry brings,
// because a configuration takes effect when appended and must be undone when its entry is
// truncated away.

import { assert } from "../runtime/index.ts";
import { applyConfChange, confChangeProblem, emptyConf } from "./membership.ts";
import type { ConfState, Entry, Snapshot, StoredState } from "./types.ts";

export const emptySnapshot: Snapshot = Object.freeze({ index: 0, term: 0, conf: emptyConf, data: new Uint8Array(0) });

/** Bytes an entry counts for in message budgets. */
export function entryBytes(entry: Entry): number {
  return entry.kind === "normal" ? entry.data.length : 64;
}

export class RaftLog {
  private snap: Snapshot;
  private entries: Entry[];
  /** Configurations brought by conf entries after the snapshot, oldest first. */
  private confs: Array<{ index: number; conf: ConfState }> = [];
  committed: number;
  applied: number;
  /** Entries up to here were handed out in a Ready; beyond it they still need persisting. */
  stableIndex: number;
  /** A snapshot received from the leader that the next Ready hands out. */
  pendingSnapshot: Snapshot | null = null;

  constructor(stored: StoredState) {
    this.snap = stored.snapshot ?? emptySnapshot;
    this.entries = [];
    for (const entry of stored.entries) {
      assert(entry.index === this.lastIndex() + 1, `stored entries are not contiguous at ${entry.index}`);
      this.entries.push(entry);
      this.noteConf(entry);
    }
    this.committed = Math.max(stored.hardState.commit, this.snap.index);
    assert(this.committed <= this.lastIndex(), `commit ${this.committed} beyond last index ${this.lastIndex()}`);
    this.applied = this.snap.index;
    this.stableIndex = this.lastIndex();
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  firstIndex(): number {
    return this.snap.index + 1;
  }

  lastIndex(): number {
    return this.snap.index + this.entries.length;
  }

  lastTerm(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.snap.term : last.term;
  }

  /** The term at `index`, or undefined when compacted away or not yet written. */
  term(index: number): number | undefined {
    if (index === this.snap.index) return this.snap.term;
    return this.entryAt(index)?.term;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.snap.index) return undefined;
    return this.entries[index - this.snap.index - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  currentConf(): ConfState {
    const last = this.confs[this.confs.length - 1];
    return last === undefined ? this.snap.conf : last.conf;
  }

  /** The configuration in force at `index` (at or after the snapshot). */
  confAt(index: number): ConfState {
    assert(index >= this.snap.index, `conf at compacted index ${index}`);
    let conf = this.snap.conf;
    for (const c of this.confs) {
      if (c.index > index) break;
      conf = c.conf;
    }
    return conf;
  }

  /** Index of the newest conf entry after the snapshot, or 0. */
  lastConfIndex(): number {
    return this.confs[this.confs.length - 1]?.index ?? 0;
  }

  /** The leader's own appends: always at the end, never replacing anything. */
  append(entries: readonly Entry[]): void {
    for (const entry of entries) {
      assert(entry.index === this.lastIndex() + 1, `append at ${entry.index} after ${this.lastIndex()}`);
      this.entries.push(entry);
      this.noteConf(entry);
    }
  }

  /**
   * AppendEntries on a follower: when our entry at `prevIndex` has `prevTerm`, the entries are
   * merged (the first conflicting entry and everything after it replaced) and the new last index
   * returned; otherwise undefined.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== undefined) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with the committed log (commit ${this.committed})`);
      const first = entries[0];
      assert(first !== undefined, "conflict without entries");
      this.truncateAndAppend(entries.slice(conflict - first.index));
    }
    return lastNew;
  }

  /** Index of the first entry that is new or disagrees on the term, or undefined if none. */
  private findConflict(entries: readonly Entry[]): number | undefined {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return undefined;
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(first.index > this.snap.index && first.index <= this.lastIndex() + 1, `truncate at ${first.index}`);
    this.entries.length = first.index - this.snap.index - 1;
    while (this.confs.length > 0 && this.confs[this.confs.length - 1]!.index >= first.index) this.confs.pop();
    this.stableIndex = Math.min(this.stableIndex, first.index - 1);
    this.append(entries);
  }

  /**
   * The largest index at or below `index` whose term is at most `term`: where two logs may agree,
   * used for both sides of the fast backtracking. Stops at the snapshot, whose term is known.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    if (i < this.snap.index) return { index: i, term: 0 };
    for (;;) {
      const t = this.term(i);
      assert(t !== undefined, `no term at ${i}`);
      if (t <= term || i === this.snap.index) return { index: i, term: t };
      i -= 1;
    }
  }

  /** Entries in [lo, hi) within a byte budget (at least one entry when any are in range). */
  slice(lo: number, hi: number, bytesMax: number, countMax: number): Entry[] {
    assert(lo > this.snap.index, `slice from compacted index ${lo}`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi && out.length < countMax; i++) {
      const entry = this.entryAt(i);
      assert(entry !== undefined, `no entry at ${i}`);
      bytes += entryBytes(entry);
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(entry);
    }
    return out;
  }

  unstableEntries(): Entry[] {
    return this.entries.slice(this.stableIndex - this.snap.index);
  }

  committedEntries(countMax: number): Entry[] {
    const from = this.applied + 1;
    const to = Math.min(this.committed, this.applied + countMax);
    return to < from ? [] : this.entries.slice(from - this.snap.index - 1, to - this.snap.index);
  }

  hasCommittedToApply(): boolean {
    return this.committed > this.applied;
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  appliedTo(index: number): void {
    assert(index >= this.applied && index <= this.committed, `applied ${index} outside [${this.applied}, ${this.committed}]`);
    this.applied = index;
  }

  stableTo(index: number): void {
    assert(index <= this.lastIndex(), `stable ${index} beyond last index`);
    this.stableIndex = Math.max(this.stableIndex, index);
  }

  /** Installs a leader's snapshot: the log is replaced by it. */
  restore(snapshot: Snapshot): void {
    assert(snapshot.index > this.committed, `snapshot ${snapshot.index} not beyond commit ${this.committed}`);
    this.snap = snapshot;
    this.entries = [];
    this.confs = [];
    this.committed = snapshot.index;
    this.applied = snapshot.index;
    this.stableIndex = snapshot.index;
    this.pendingSnapshot = snapshot;
  }

  /** The application's snapshot at an applied index: the log before it goes. */
  compact(index: number, data: Uint8Array): Snapshot {
    assert(index > this.snap.index, `compact to ${index}, already at ${this.snap.index}`);
    assert(index <= this.applied, `compact to ${index} beyond applied ${this.applied}`);
    const term = this.term(index);
    assert(term !== undefined, `no term at ${index}`);
    const snapshot: Snapshot = { index, term, conf: this.confAt(index), data };
    this.entries = this.entries.slice(index - this.snap.index);
    this.confs = this.confs.filter((c) => c.index > index);
    this.snap = snapshot;
    return snapshot;
  }

  private noteConf(entry: Entry): void {
    if (entry.kind !== "conf") return;
    const current = this.currentConf();
    const problem = confChangeProblem(current, entry.change);
    assert(problem === undefined, `conf entry ${entry.index} cannot apply: ${problem}`);
    this.confs.push({ index: entry.index, conf: applyConfChange(current, entry.change) });
  }
}

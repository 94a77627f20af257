// The leader's bookkeeping for one follower (or learner): how far its log is known to match
// (`match`), what to send next (`next`), and how to send it. In `probe` the leader sends one
// AppendEntries per heartbeat until it finds where the logs agree; in `replicate` it streams
// optimistically with at most `inflightAppendsPerPeerMax` messages unacknowledged; in `snapshot`
// it waits for the follower to install a snapshot.

import { assert } from "../runtime/index.ts";
import { inflightAppendsPerPeerMax } from "./limits.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** In probe: an append is out and we wait for its answer (or the next heartbeat). */
  probeSent = false;
  /** In snapshot: the index of the snapshot sent, and the leader ticks since. */
  pendingSnapshot = 0;
  snapshotElapsedTicks = 0;
  /** The highest commit index this peer was told of (it may still lag behind ours). */
  sentCommit = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Last index of each AppendEntries in flight (replicate state), oldest first. */
  private inflight: number[] = [];

  constructor(next: number) {
    assert(next >= 1, `next ${next} must be positive`);
    this.next = next;
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot; start probing right after it.
    this.next = this.state === "snapshot" ? Math.max(this.match, this.pendingSnapshot) + 1 : this.match + 1;
    this.resetState("probe");
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.resetState("replicate");
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotElapsedTicks = 0;
    this.inflight = [];
  }

  /** An ack up to `index`; false when it tells us nothing new. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the append whose prevIndex was `rejected`; `probeHint` is where the logs may
   * agree. False when the rejection is stale (answers an append we no longer care about).
   */
  maybeDecrTo(rejected: number, probeHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, probeHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** Whether the leader should hold back appends to this peer for now. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflight.length >= inflightAppendsPerPeerMax;
      case "snapshot":
        return true;
    }
  }

  /** Records an append just sent whose last entry is `lastIndex`. */
  sentEntries(lastIndex: number, count: number): void {
    if (this.state === "replicate") {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }

  /** Frees in-flight slots up to `index` (acknowledged). */
  freeInflightsTo(index: number): void {
    let n = 0;
    while (n < this.inflight.length && this.inflight[n]! <= index) n++;
    if (n > 0) this.inflight.splice(0, n);
  }

  inflightCount(): number {
    return this.inflight.length;
  }
}

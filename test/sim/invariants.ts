// What must hold after every step of a simulation, whatever the faults:
//   - election safety: at most one leader per term;
//   - log matching of committed entries: an index, once committed anywhere, holds the same entry
//     on every node that has it, forever (across crashes, truncations and snapshots);
//   - state machine safety: replicas that applied the same index have the same state;
//   - durability: every acknowledged write is the committed entry at its index.

import type { Entry, NodeId } from "../../internal/consensus/index.ts";

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

const decoder = new TextDecoder();

/** Payload text per payload array: entries travel by reference, so each is decoded once. */
const payloadText = new WeakMap<Uint8Array, string>();

export function payloadOf(data: Uint8Array): string {
  let text = payloadText.get(data);
  if (text === undefined) {
    text = decoder.decode(data);
    payloadText.set(data, text);
  }
  return text;
}

export function entryKey(entry: Entry): string {
  const body = entry.kind === "normal" ? payloadOf(entry.data) : JSON.stringify(entry.change);
  return `${entry.term}|${entry.kind}|${body}`;
}

export class Invariants {
  private readonly leaders = new Map<number, NodeId>();
  private readonly committed = new Map<number, string>();
  private readonly digests = new Map<number, number>();
  private readonly acked = new Map<string, number>();
  maxCommitted = 0;

  leaderAt(term: number, id: NodeId): void {
    const other = this.leaders.get(term);
    if (other === undefined) this.leaders.set(term, id);
    else if (other !== id) throw new InvariantViolation(`two leaders in term ${term}: ${other} and ${id}`);
  }

  committedEntry(node: NodeId, index: number, key: string): void {
    const known = this.committed.get(index);
    if (known === undefined) {
      this.committed.set(index, key);
      if (index > this.maxCommitted) this.maxCommitted = index;
    } else if (known !== key) {
      throw new InvariantViolation(`committed index ${index} changed on ${node}: was ${known}, now ${key}`);
    }
  }

  committedKey(index: number): string | undefined {
    return this.committed.get(index);
  }

  appliedState(node: NodeId, index: number, digest: number): void {
    const known = this.digests.get(index);
    if (known === undefined) this.digests.set(index, digest);
    else if (known !== digest) throw new InvariantViolation(`state after index ${index} differs on ${node}: ${known} vs ${digest}`);
  }

  /** A snapshot restored on `node` must hold the state some replica had at its last write. */
  restoredState(node: NodeId, lastWriteIndex: number, digest: number): void {
    if (lastWriteIndex === 0) return;
    this.appliedState(node, lastWriteIndex, digest);
  }

  ack(writeId: string, index: number): void {
    if (this.acked.has(writeId)) throw new InvariantViolation(`write ${writeId} acknowledged twice`);
    this.acked.set(writeId, index);
  }

  ackCount(): number {
    return this.acked.size;
  }

  maxAckedIndex(): number {
    let max = 0;
    for (const index of this.acked.values()) max = Math.max(max, index);
    return max;
  }

  /** Every acknowledged write is the committed entry at its index. */
  checkAcked(): void {
    for (const [id, index] of this.acked) {
      const key = this.committed.get(index);
      if (key === undefined || !key.includes(`"id":"${id}"`)) {
        throw new InvariantViolation(`acknowledged write ${id} at index ${index} is lost (committed there: ${key ?? "nothing"})`);
      }
    }
  }
}

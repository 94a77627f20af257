// A registry-like replicated state machine for the simulator: JSON writes to keys, with an
// order-independent digest of the whole state kept up to date on every write, so two replicas
// can be compared at any applied index in O(1).

import type { AppliedEntry, StateMachine } from "../../internal/consensus/index.ts";

export interface KvWrite {
  /** Unique per proposal: `client:seq`. */
  readonly id: string;
  readonly key: string;
  /** null deletes the key. */
  readonly value: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeWrite(write: KvWrite): Uint8Array {
  return encoder.encode(JSON.stringify(write));
}

const decoded = new WeakMap<Uint8Array, KvWrite>();

/** Writes are immutable and shared between replicas, so each payload is parsed once. */
export function decodeWrite(data: Uint8Array): KvWrite {
  let write = decoded.get(data);
  if (write === undefined) {
    write = JSON.parse(decoder.decode(data)) as KvWrite;
    decoded.set(data, write);
  }
  return write;
}

function pairHash(key: string, value: string): number {
  return Bun.hash.crc32(`${key}\u0000${value}`);
}

interface SnapshotBody {
  readonly index: number;
  readonly lastWriteIndex: number;
  readonly entries: Array<[string, string]>;
}

export class KvStateMachine implements StateMachine {
  private readonly kv = new Map<string, string>();
  private digestValue = 0;
  /** Index of the last entry applied or restored. */
  appliedIndex = 0;
  /** Index of the last write applied (the state as of any later no-op is the same). */
  lastWriteIndex = 0;

  apply(entry: AppliedEntry): void {
    if (entry.index <= this.appliedIndex) throw new Error(`apply ${entry.index} after ${this.appliedIndex}`);
    const write = decodeWrite(entry.data);
    const old = this.kv.get(write.key);
    if (old !== undefined) this.digestValue ^= pairHash(write.key, old);
    if (write.value === null) {
      this.kv.delete(write.key);
    } else {
      this.kv.set(write.key, write.value);
      this.digestValue ^= pairHash(write.key, write.value);
    }
    this.appliedIndex = entry.index;
    this.lastWriteIndex = entry.index;
  }

  snapshot(): Uint8Array {
    const body: SnapshotBody = { index: this.appliedIndex, lastWriteIndex: this.lastWriteIndex, entries: [...this.kv] };
    return encoder.encode(JSON.stringify(body));
  }

  restore(data: Uint8Array, index: number): void {
    const body = JSON.parse(decoder.decode(data)) as SnapshotBody;
    this.kv.clear();
    this.digestValue = 0;
    for (const [k, v] of body.entries) {
      this.kv.set(k, v);
      this.digestValue ^= pairHash(k, v);
    }
    this.appliedIndex = index;
    this.lastWriteIndex = body.lastWriteIndex;
  }

  digest(): number {
    return this.digestValue;
  }

  get(key: string): string | undefined {
    return this.kv.get(key);
  }

  size(): number {
    return this.kv.size;
  }
}

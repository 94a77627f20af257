// A seeded network: every message may be dropped, duplicated or delayed (delays reorder), and
// partitions cut groups of nodes apart. Whether a message crosses a partition is decided both
// when it is sent and when it arrives, like a cable pulled with packets in flight.

import type { Random } from "../../internal/runtime/index.ts";
import type { Message, NodeId } from "../../internal/consensus/index.ts";
import type { EventQueue } from "./event-queue.ts";

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  delayMinMs: number;
  delayMaxMs: number;
  /** Share of messages held up far longer (stale messages from old terms arriving late). */
  lateRate: number;
  lateDelayMaxMs: number;
}

export const calmNetwork: NetworkFaults = { dropRate: 0, duplicateRate: 0, delayMinMs: 1, delayMaxMs: 3, lateRate: 0, lateDelayMaxMs: 0 };

export class SimNetwork {
  faults: NetworkFaults = calmNetwork;
  /** Group number per node; nodes in different groups cannot talk. Empty: no partition. */
  private groups = new Map<NodeId, number>();
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(
    private readonly random: Random,
    private readonly queue: EventQueue,
    private readonly nowMs: () => number,
    private readonly deliver: (m: Message) => void,
  ) {}

  partition(groups: readonly (readonly NodeId[])[]): void {
    this.groups = new Map();
    groups.forEach((group, i) => {
      for (const id of group) this.groups.set(id, i);
    });
  }

  heal(): void {
    this.groups = new Map();
  }

  partitioned(): boolean {
    return this.groups.size > 0;
  }

  cut(a: NodeId, b: NodeId): boolean {
    if (this.groups.size === 0) return false;
    return (this.groups.get(a) ?? -1) !== (this.groups.get(b) ?? -1);
  }

  send(m: Message): void {
    this.sent += 1;
    const f = this.faults;
    if (this.cut(m.from, m.to) || (f.dropRate > 0 && this.random.next() < f.dropRate)) {
      this.dropped += 1;
      return;
    }
    const copies = f.duplicateRate > 0 && this.random.next() < f.duplicateRate ? 2 : 1;
    if (copies === 2) this.duplicated += 1;
    for (let i = 0; i < copies; i++) {
      const late = f.lateRate > 0 && this.random.next() < f.lateRate;
      const delayMs = late
        ? f.delayMaxMs + this.random.nextInt(f.lateDelayMaxMs + 1)
        : f.delayMinMs + this.random.nextInt(f.delayMaxMs - f.delayMinMs + 1);
      this.queue.push(this.nowMs() + delayMs, () => {
        if (this.cut(m.from, m.to)) {
          this.dropped += 1;
          return;
        }
        this.deliver(m);
      });
    }
  }
}

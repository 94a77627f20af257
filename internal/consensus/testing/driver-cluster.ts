// A few RaftDrivers on real timers and an in-process network, for driver tests. The state
// machine is a list of applied strings, snapshotted as JSON.

import { realClock, SeededRandom } from "../../runtime/index.ts";
import { MemoryNetwork } from "../driver/memory-transport.ts";
import { RaftDriver, type RaftDriverOptions } from "../driver/raft-driver.ts";
import type { AppliedEntry, RaftEvent, StateMachine, Transport } from "../driver/types.ts";
import { MemoryStorage } from "../storage/memory-storage.ts";
import type { RaftStorage } from "../storage/types.ts";
import type { NodeId } from "../types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ListStateMachine implements StateMachine {
  items: string[] = [];
  restoredAt = 0;
  apply(entry: AppliedEntry): void {
    this.items.push(decoder.decode(entry.data));
  }
  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify(this.items));
  }
  restore(data: Uint8Array, index: number): void {
    this.items = JSON.parse(decoder.decode(data)) as string[];
    this.restoredAt = index;
  }
}

export interface TestMember {
  readonly id: NodeId;
  driver: RaftDriver;
  readonly storage: RaftStorage;
  sm: ListStateMachine;
  readonly events: RaftEvent[];
}

export function text(value: string): Uint8Array {
  return encoder.encode(value);
}

export const fastTiming = { tickIntervalMs: 5, electionTicks: 10, heartbeatTicks: 1 } as const;

export class DriverCluster {
  readonly network = new MemoryNetwork();
  readonly members = new Map<NodeId, TestMember>();
  private seed = 1;

  constructor(private readonly extra: Partial<RaftDriverOptions> = {}) {}

  start(id: NodeId, options: { bootstrap?: NodeId[]; storage?: RaftStorage; transport?: Transport } = {}): TestMember {
    const storage = options.storage ?? new MemoryStorage();
    const sm = new ListStateMachine();
    const events: RaftEvent[] = [];
    const driver = new RaftDriver({
      id,
      storage,
      transport: options.transport ?? this.network.transport(id),
      stateMachine: sm,
      clock: realClock,
      random: new SeededRandom(this.seed++),
      ...fastTiming,
      ...(options.bootstrap !== undefined ? { bootstrapVoters: options.bootstrap } : {}),
      onEvent: (e) => events.push(e),
      ...this.extra,
    });
    driver.start();
    const member: TestMember = { id, driver, storage, sm, events };
    this.members.set(id, member);
    return member;
  }

  get(id: NodeId): TestMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  /** Waits until exactly one running member leads and every listed member knows it. */
  async leader(among: readonly NodeId[] = [...this.members.keys()], timeoutMs = 5000): Promise<TestMember> {
    const found = await waitFor(() => {
      const leaders = among.map((id) => this.get(id)).filter((m) => m.driver.isLeader());
      const leader = leaders[0];
      if (leaders.length !== 1 || leader === undefined) return undefined;
      return among.every((id) => this.get(id).driver.leader() === leader.id) ? leader : undefined;
    }, timeoutMs);
    return found;
  }

  stopAll(): void {
    for (const m of this.members.values()) m.driver.stop();
  }
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000, what = "condition"): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

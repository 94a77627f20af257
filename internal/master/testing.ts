// In-process master fixtures for unit tests and benchmarks: an in-memory registry, a config with
// test-friendly values, and a recording MasterObserver.

import pino from "pino";
import { minAllocatableDefault } from "../allocator/index.ts";
import type { Clock, Random } from "../runtime/index.ts";
import { SeededIds } from "../runtime/index.ts";
import type { MasterConfig } from "./config.ts";
import { MasterIds } from "./ids.ts";
import { Master } from "./master.ts";
import { noopMasterObserver, type MasterObserver, type ObservedOffer, type OfferEnding, type TraceRef } from "./observer.ts";
import { applyRegistryOp, emptyRegistryState, type Registry, type RegistryState } from "./registry/index.ts";

export class MemoryRegistry implements Registry {
  private readonly current: RegistryState = emptyRegistryState();
  /** `roleSchedule`: a role schedule already in the registry, as a master restarted after a PUT finds it. */
  constructor(roleSchedule?: RegistryState["roleSchedule"]) {
    if (roleSchedule !== undefined) this.current.roleSchedule = roleSchedule;
  }
  state(): Readonly<RegistryState> {
    return this.current;
  }
  async apply(op: Parameters<Registry["apply"]>[0]): Promise<void> {
    applyRegistryOp(this.current, op);
  }
  async close(): Promise<void> {}
}

export function testMasterConfig(overrides: Partial<MasterConfig> = {}): MasterConfig {
  return {
    workDir: "/nonexistent",
    hostname: "master.example",
    ip: "127.0.0.1",
    allocationIntervalMs: 1000,
    agentPingTimeoutMs: 15_000,
    maxAgentPingTimeouts: 5,
    agentReregisterTimeoutMs: 600_000,
    offerTimeoutMs: undefined,
    frameworkHeartbeatIntervalMs: 15_000,
    weights: new Map(),
    minAllocatable: minAllocatableDefault,
    whitelistPath: undefined,
    roleSchedulePath: undefined,
    maxCompletedFrameworks: 50,
    maxCompletedTasksPerFramework: 1000,
    ...overrides,
  };
}

/** A Master that is not started (no timers): tests drive runAllocation and the handlers themselves. */
export function testMaster(clock: Clock, random: Random, options: { config?: MasterConfig; observer?: MasterObserver; registry?: Registry } = {}): Master {
  return new Master({
    ids: new MasterIds("m1"),
    config: options.config ?? testMasterConfig(),
    registry: options.registry ?? new MemoryRegistry(),
    clock,
    random,
    uuids: new SeededIds(random),
    logger: pino({ level: "silent" }),
    address: { hostname: "master.example", ip: "127.0.0.1", port: 5050 },
    observer: options.observer ?? noopMasterObserver,
  });
}

/** Records offers made and ended, to check that every offer ends exactly once. */
export class RecordingObserver implements MasterObserver {
  readonly created: ObservedOffer[] = [];
  readonly ended: Array<{ offer: ObservedOffer; ending: OfferEnding }> = [];
  readonly launches: Array<{ offerIds: string[]; taskIds: readonly string[]; sent: boolean | undefined }> = [];
  cycles = 0;
  bind = noopMasterObserver.bind;
  leadershipChanging = noopMasterObserver.leadershipChanging;
  schedulerCallStarted = noopMasterObserver.schedulerCallStarted;
  schedulerCallEnded = noopMasterObserver.schedulerCallEnded;
  roleWindowChanged = noopMasterObserver.roleWindowChanged;
  cycleStarted(): TraceRef | undefined {
    return undefined;
  }
  cycleEnded(_cycle: TraceRef | undefined, offers: readonly ObservedOffer[]): void {
    this.cycles += 1;
    this.created.push(...offers);
  }
  offerEnded(offer: ObservedOffer, ending: OfferEnding): TraceRef | undefined {
    this.ended.push({ offer, ending });
    return undefined;
  }
  taskLaunch(facts: Parameters<MasterObserver["taskLaunch"]>[0]): ReturnType<MasterObserver["taskLaunch"]> {
    const record: (typeof this.launches)[number] = { offerIds: facts.offers.map(({ offer }) => offer.id), taskIds: facts.taskIds, sent: undefined };
    this.launches.push(record);
    return { traceparent: undefined, traceId: undefined, end: (sent) => (record.sent = sent) };
  }
  /** Offer ids ended more than once, and ids made but not ended. */
  problems(): { endedTwice: string[]; notEnded: string[] } {
    const counts = new Map<string, number>();
    for (const { offer } of this.ended) counts.set(offer.id, (counts.get(offer.id) ?? 0) + 1);
    return {
      endedTwice: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
      notEnded: this.created.map((o) => o.id).filter((id) => !counts.has(id)),
    };
  }
  outcomesOf(): Map<string, number> {
    const byOutcome = new Map<string, number>();
    for (const { ending } of this.ended) byOutcome.set(ending.outcome, (byOutcome.get(ending.outcome) ?? 0) + 1);
    return byOutcome;
  }
}

// The master: registry, agents, frameworks, offers and tasks. Decisions about who gets which
// resources are the allocator's (a pure function); this class owns the state, the timers and the
// conversations, and applies the allocator's plans after re-checking them.

import type { Logger } from "pino";
import { AllocatorState, allocate, type OutstandingOffer } from "../allocator/index.ts";
import { parseResourcesJSONValue, unreservedRole } from "../resources/index.ts";
import type { Clock, IdGenerator, Random } from "../runtime/index.ts";
import type { MasterInfo, Offer, SchedulerEvent } from "../wire/index.ts";
import type { MasterConfig } from "./config.ts";
import type { MasterIds } from "./ids.ts";
import { markDynamic } from "./reservations.ts";
import { MasterMetrics } from "./metrics.ts";
import { noopMasterObserver, type MasterObserver, type OfferEnding, type OfferOutcome, type TraceRef } from "./observer.ts";
import type { Registry } from "./registry/index.ts";
import { RoleScheduleKeeper } from "./role-schedule-keeper.ts";
import type { AgentEntry, FrameworkEntry, OfferEntry, TaskEntry } from "./types.ts";

export interface MasterDeps {
  /** One per master process, shared by its leaderships so ids never repeat. */
  ids: MasterIds;
  config: MasterConfig;
  registry: Registry;
  clock: Clock;
  random: Random;
  uuids: IdGenerator;
  logger: Logger;
  /** Where this master listens, for master_info and redirects. */
  address: { hostname: string; ip: string; port: number };
  /** Spans and metrics (observability/observers); a no-op when absent. */
  observer?: MasterObserver;
}

/** Timers of the master, so tests and stop() can see and clear them in one place. */
interface Timers {
  allocation?: ReturnType<typeof setInterval>;
  ping?: ReturnType<typeof setInterval>;
  housekeeping?: ReturnType<typeof setInterval>;
  heartbeat?: ReturnType<typeof setInterval>;
}

/** How often deadlines (failover, offer timeout, re-registration) are checked. */
export const housekeepingIntervalMs = 250;

export class Master {
  readonly masterId: string;
  readonly ids: MasterIds;
  readonly allocator: AllocatorState;
  readonly metrics = new MasterMetrics();
  readonly observer: MasterObserver;
  readonly agents = new Map<string, AgentEntry>();
  readonly frameworks = new Map<string, FrameworkEntry>();
  readonly completedFrameworks: FrameworkEntry[] = [];
  readonly tasks = new Map<string, TaskEntry>();
  readonly offers = new Map<string, OfferEntry>();
  /** Agents being drained, and whether to mark them gone once drained. */
  readonly drainMarkGone = new Map<string, boolean>();
  /** The role schedule in force (role-schedule.ts): inactive roles and the cpus cap for each allocation. */
  readonly roleSchedule = new RoleScheduleKeeper();
  /** Set by the role schedule: acts on window edges due by nowMs before an allocation uses them. */
  beforeAllocation: (nowMs: number) => void = () => {};
  /** Hostnames allowed offers (--whitelist); undefined: every agent. */
  whitelist: ReadonlySet<string> | undefined;
  /** Monotonic deadline for agents recovered from the registry to re-register. */
  reregisterDeadlineMs = 0;
  readonly startedAtMs: number;
  electedAtMs: number | undefined;
  epoch = 0;
  private readonly timers: Timers = {};
  private allocationRequested = false;
  private stopped = false;

  constructor(readonly deps: MasterDeps) {
    this.ids = deps.ids;
    this.observer = deps.observer ?? noopMasterObserver;
    this.masterId = deps.ids.masterId;
    this.startedAtMs = deps.clock.nowMs();
    this.allocator = new AllocatorState({ minAllocatable: deps.config.minAllocatable });
    for (const [role, weight] of deps.config.weights) this.allocator.setWeight(role, weight);
  }

  get config(): MasterConfig {
    return this.deps.config;
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  nowMs(): number {
    return this.deps.clock.nowMs();
  }

  monoMs(): number {
    return this.deps.clock.monotonicMs();
  }

  masterInfo(): MasterInfo {
    const { hostname, ip, port } = this.deps.address;
    return {
      id: this.masterId,
      ip: ipToNumber(ip),
      port,
      hostname,
      pid: `master@${ip}:${port}`,
      version: "1.11.0",
      address: { hostname, ip, port },
      capabilities: [{ type: "AGENT_UPDATE" }, { type: "AGENT_DRAINING" }, { type: "QUOTA_V2" }],
    };
  }

  /**
   * Becomes leader: takes the leadership's epoch (or bumps the registry's when it has none),
   * restores agents and frameworks from the registry, starts timers.
   */
  async start(epoch?: number): Promise<void> {
    if (epoch === undefined) await this.deps.registry.apply({ type: "BUMP_EPOCH" });
    const state = this.deps.registry.state();
    this.epoch = epoch ?? state.epoch;
    this.electedAtMs = this.nowMs();
    for (const [role, weight] of Object.entries(state.weights)) this.allocator.setWeight(role, weight);
    for (const [role, limits] of Object.entries(state.quotas)) this.allocator.setQuota(role, parseResourcesJSONValue(limits, unreservedRole));
    this.restoreFromRegistry();
    this.reregisterDeadlineMs = this.monoMs() + this.config.agentReregisterTimeoutMs;
    this.startTimers();
    this.logger.info({ master_id: this.masterId, epoch: this.epoch }, "master elected");
  }

  /** Stops acting as leader: timers off, every agent link and subscription closed. The registry stays open. */
  stop(): void {
    this.stopped = true;
    for (const timer of Object.values(this.timers)) clearInterval(timer);
    // Outstanding offers die with the leadership; their spans end here like any other offer's.
    for (const offerId of [...this.offers.keys()]) this.endOffer(offerId, { outcome: "rescinded", reason: "master stopped leading" });
    for (const framework of this.frameworks.values()) framework.stream?.close();
    for (const agent of this.agents.values()) agent.link?.close("master stopping");
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private startTimers(): void {
    this.timers.allocation = setInterval(() => this.runAllocation(), this.config.allocationIntervalMs);
    this.timers.ping = setInterval(() => this.onPingTick(), this.config.agentPingTimeoutMs);
    this.timers.housekeeping = setInterval(() => this.onHousekeeping(), housekeepingIntervalMs);
    this.timers.heartbeat = setInterval(() => this.broadcastHeartbeat(), this.config.frameworkHeartbeatIntervalMs);
  }

  private restoreFromRegistry(): void {
    const state = this.deps.registry.state();
    for (const framework of Object.values(state.frameworks)) {
      if (framework.removedAtMs !== undefined) continue;
      const failoverMs = (framework.info.failover_timeout ?? 0) * 1000;
      this.frameworks.set(framework.id, newFrameworkEntry(framework.id, framework.info, framework.registeredAtMs, this.monoMs() + Math.max(failoverMs, this.config.agentReregisterTimeoutMs)));
    }
    for (const record of Object.values(state.agents)) {
      if (record.gone) continue;
      this.agents.set(record.id, recoveredAgentEntry(record));
    }
    this.logger.info({ agents: this.agents.size, frameworks: this.frameworks.size }, "recovered registry");
  }

  // ---- allocation ----

  /** Asks for an allocation soon (after a REVIVE, a new agent, returned resources). */
  requestAllocation(): void {
    if (this.allocationRequested || this.stopped) return;
    this.allocationRequested = true;
    setTimeout(() => this.runAllocation(), 0);
  }

  runAllocation(): void {
    this.allocationRequested = false;
    if (this.stopped) return;
    const startedMs = performance.now();
    const cycle = this.observer.cycleStarted();
    const nowMs = this.nowMs();
    this.allocator.pruneFilters(nowMs);
    this.beforeAllocation(nowMs);
    const limits = this.roleSchedule.allocationLimits(nowMs);
    const view = this.allocator.view(this.deps.random.nextInt(2 ** 31), limits.inactiveRoles, limits.maxOversubscription);
    const plan = allocate(view, nowMs);
    for (const rescind of plan.rescinds) this.rescindOffer(rescind.offerId, "rescinded", `allocator: ${rescind.reason.kind}`);
    const made = this.allocator.applyPlan({ rescinds: [], offers: plan.offers }, () => this.ids.nextOfferId());
    const sent = this.sendOffers(made, cycle);
    const durationMs = performance.now() - startedMs;
    this.metrics.allocationRuns += 1;
    this.metrics.lastAllocationRunMs = durationMs;
    this.observer.cycleEnded(cycle, sent, { agentsConsidered: view.agents.length, frameworksConsidered: view.frameworks.length, rescinds: plan.rescinds.length, durationMs });
  }

  /** Returns the offers sent, as now outstanding. */
  private sendOffers(made: readonly OutstandingOffer[], cycle: TraceRef | undefined): OfferEntry[] {
    const byFramework = new Map<string, Offer[]>();
    const sent: OfferEntry[] = [];
    const createdMonoMs = this.monoMs();
    for (const offer of made) {
      const agent = this.agents.get(offer.agentId);
      const framework = this.frameworks.get(offer.frameworkId);
      if (!agent || !framework) {
        this.allocator.removeOffer(offer.offerId);
        continue;
      }
      const entry: OfferEntry = {
        id: offer.offerId,
        frameworkId: offer.frameworkId,
        frameworkName: framework.info.name,
        agentId: offer.agentId,
        hostname: agent.record.hostname,
        role: offer.role,
        resources: offer.resources,
        createdMonoMs,
        cycle,
      };
      this.offers.set(offer.offerId, entry);
      sent.push(entry);
      framework.offerIds.add(offer.offerId);
      const list = byFramework.get(offer.frameworkId) ?? [];
      const json = offerJson(offer, agent, framework);
      if (agent.record.dynamicReservations?.length) {
        json.resources = markDynamic(json.resources, parseResourcesJSONValue(agent.record.dynamicReservations, unreservedRole));
      }
      const unavailability = this.unavailabilityOf(agent.record.hostname);
      if (unavailability) json.unavailability = unavailability;
      list.push(json);
      byFramework.set(offer.frameworkId, list);
      this.metrics.offersCreated += 1;
    }
    for (const [frameworkId, offers] of byFramework) this.sendToFramework(frameworkId, { type: "OFFERS", offers: { offers } });
    return sent;
  }

  /** The maintenance window an agent's machine is scheduled for, as offers carry it. */
  private unavailabilityOf(hostname: string): Offer["unavailability"] {
    for (const window of this.deps.registry.state().maintenance.windows) {
      if (!window.machineIds.some((id) => id.hostname === hostname)) continue;
      return { start: { nanoseconds: window.startNs }, ...(window.durationNs !== undefined ? { duration: { nanoseconds: window.durationNs } } : {}) };
    }
    return undefined;
  }

  /**
   * The one place an offer ends, whatever the outcome: it leaves the master's and the allocator's
   * books (its resources are free again) and the observer ends its span. Returns the offer and
   * the observer's handle of the ended offer (for a launch's span), or undefined if it was gone.
   */
  endOffer(offerId: string, ending: OfferEnding): { offer: OfferEntry; ended: TraceRef | undefined } | undefined {
    const offer = this.offers.get(offerId);
    this.allocator.removeOffer(offerId);
    if (!offer) return undefined;
    this.offers.delete(offerId);
    this.frameworks.get(offer.frameworkId)?.offerIds.delete(offerId);
    return { offer, ended: this.observer.offerEnded(offer, ending) };
  }

  /** The offer ends without a decision by the framework, which is told; its resources return to the pool. */
  rescindOffer(offerId: string, outcome: Extract<OfferOutcome, "rescinded" | "expired" | "agent_lost">, why: string): void {
    const ended = this.endOffer(offerId, { outcome, reason: why });
    if (!ended) return;
    const { offer } = ended;
    if (outcome === "expired") this.metrics.offersExpired += 1;
    this.metrics.offersRescinded += 1;
    this.logger.debug({ offer_id: offerId, framework_id: offer.frameworkId, agent_id: offer.agentId, why }, "offer rescinded");
    this.sendToFramework(offer.frameworkId, { type: "RESCIND", rescind: { offer_id: { value: offerId } } });
    this.requestAllocation();
  }

  rescindOffersOfAgent(agentId: string, outcome: "rescinded" | "agent_lost", why: string): void {
    for (const offer of [...this.offers.values()]) if (offer.agentId === agentId) this.rescindOffer(offer.id, outcome, why);
  }

  // ---- frameworks ----

  /** Sends an event; a stream that is gone or full disconnects the framework. */
  sendToFramework(frameworkId: string, event: SchedulerEvent): boolean {
    const framework = this.frameworks.get(frameworkId);
    if (!framework?.stream) return false;
    if (framework.stream.send(event)) return true;
    this.logger.warn({ framework_id: frameworkId, event: event.type }, "subscriber stream full or closed; disconnecting");
    this.onFrameworkStreamClosed(frameworkId, framework.stream.streamId);
    return false;
  }

  /** Set by the framework handlers: runs when a subscription stream ends. */
  onFrameworkStreamClosed: (frameworkId: string, streamId: string) => void = () => {};

  private broadcastHeartbeat(): void {
    for (const framework of this.frameworks.values()) if (framework.stream) this.sendToFramework(framework.id, { type: "HEARTBEAT" });
  }

  // ---- periodic checks, filled in by the agent and framework handlers ----

  onPingTick: () => void = () => {};
  private readonly housekeepingTasks: Array<() => void> = [];

  addHousekeeping(task: () => void): void {
    this.housekeepingTasks.push(task);
  }

  private onHousekeeping(): void {
    this.expireOffers();
    for (const task of this.housekeepingTasks) task();
  }

  private expireOffers(): void {
    const timeoutMs = this.config.offerTimeoutMs;
    if (timeoutMs === undefined) return;
    const cutoff = this.monoMs() - timeoutMs;
    for (const offer of [...this.offers.values()]) {
      if (offer.createdMonoMs > cutoff) continue;
      this.rescindOffer(offer.id, "expired", "offer timeout");
    }
  }
}

function newFrameworkEntry(id: string, info: FrameworkEntry["info"], registeredAtMs: number, failoverDeadlineMs: number | undefined): FrameworkEntry {
  return {
    id,
    info,
    stream: undefined,
    registeredAtMs,
    failoverDeadlineMs,
    tasks: new Set(),
    completedTasks: [],
    offerIds: new Set(),
    connected: false,
    active: false,
  };
}

export { newFrameworkEntry };

function recoveredAgentEntry(record: AgentEntry["record"]): AgentEntry {
  return {
    record,
    total: parseResourcesJSONValue(record.resources, unreservedRole),
    link: undefined,
    connection: record.unreachableSinceMs === undefined ? "disconnected" : "unreachable",
    lastPongMs: 0,
    missedPings: 0,
    tasks: new Set(),
    registeredAtMs: record.registeredAtMs,
    version: "",
    recovered: true,
    pendingKills: new Set(),
  };
}

function offerJson(offer: OutstandingOffer, agent: AgentEntry, framework: FrameworkEntry): Offer {
  const multiRole = framework.info.capabilities?.some((c) => c.type === "MULTI_ROLE") ?? false;
  const resources = offer.resources.toJSON().map((r) => (multiRole ? { ...r, allocation_info: { role: offer.role } } : r));
  const json: Offer = {
    id: { value: offer.offerId },
    framework_id: { value: offer.frameworkId },
    agent_id: { value: offer.agentId },
    hostname: agent.record.hostname,
    url: { scheme: "http", address: { hostname: agent.record.hostname, ip: "127.0.0.1", port: agent.record.port }, path: "/slave(1)" },
    resources,
    attributes: agent.record.attributes,
  };
  if (multiRole) json.allocation_info = { role: offer.role };
  return json;
}

/** MasterInfo.ip is the IPv4 address as a little-endian uint32, as Mesos packs it. */
export function ipToNumber(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return ((parts[3]! << 24) >>> 0) + (parts[2]! << 16) + (parts[1]! << 8) + parts[0]!;
}

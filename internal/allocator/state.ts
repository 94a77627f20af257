// AllocatorState: the allocator's bookkeeping as one mutable object for the master to own. Every
// change updates what it touches incrementally (an agent's available set, the cluster totals, a
// framework's scalar totals per role) and drops the cached view objects it made stale, so
// `view()` is a handful of array copies however large the cluster. Views share only immutable
// pieces and are not disturbed by later changes.
//
// Every method throws AllocatorStateError when asked something impossible (an unknown id, an
// offer of resources the agent does not have): the master re-checks its own state before calling,
// so these are programming errors.

import { Resources } from "../resources/index.ts";
import { filtersPerFrameworkAgentMax, offersPerFrameworkMaxDefault } from "./limits.ts";
import { minAllocatableDefault } from "./min-allocatable.ts";
import {
  addScalars,
  agentViewOf,
  allocationViewOf,
  check,
  checkPhysicalCpus,
  checkRoles,
  definedOnly,
  frameworkViewOf,
  joinKey,
  splitKey,
  type AgentInfo,
  type AgentRecord,
  type AllocationRecord,
  type FrameworkRecord,
} from "./state-records.ts";
import type {
  AgentView,
  AllocationPlan,
  AllocatorView,
  FrameworkCapabilities,
  MinAllocatableAlternative,
  OfferFilter,
  OutstandingOffer,
} from "./types.ts";

export { AllocatorStateError, type AgentInfo } from "./state-records.ts";

export interface AgentChanges {
  readonly hostname?: string;
  readonly total?: Resources;
  readonly physicalCpus?: number;
  readonly offerable?: boolean;
}

export interface FrameworkInfo {
  readonly id: string;
  readonly roles: readonly string[];
  readonly capabilities?: Partial<FrameworkCapabilities>;
  /** Default true. */
  readonly active?: boolean;
  readonly suppressedRoles?: Iterable<string>;
}

export interface FrameworkChanges {
  readonly roles?: readonly string[];
  readonly capabilities?: Partial<FrameworkCapabilities>;
  readonly active?: boolean;
}

export interface AllocatorStateOptions {
  readonly offersPerFrameworkMax?: number;
  readonly minAllocatable?: readonly MinAllocatableAlternative[];
}

export class AllocatorState {
  readonly offersPerFrameworkMax: number;
  readonly minAllocatable: readonly MinAllocatableAlternative[];
  private readonly agents = new Map<string, AgentRecord>();
  private readonly frameworks = new Map<string, FrameworkRecord>();
  /** By `frameworkId NUL role`. */
  private readonly allocations = new Map<string, AllocationRecord>();
  /** In the order they were made. */
  private readonly offers = new Map<string, OutstandingOffer>();
  private readonly totals = new Map<string, number>();
  private readonly weights = new Map<string, number>();
  private readonly quotas = new Map<string, Resources>();
  /** By agent id; each array is replaced, never changed, so views keep what they saw. */
  private readonly filters = new Map<string, readonly OfferFilter[]>();

  constructor(options: AllocatorStateOptions = {}) {
    this.offersPerFrameworkMax = options.offersPerFrameworkMax ?? offersPerFrameworkMaxDefault;
    this.minAllocatable = options.minAllocatable ?? minAllocatableDefault;
    check(
      Number.isInteger(this.offersPerFrameworkMax) && this.offersPerFrameworkMax > 0,
      `offersPerFrameworkMax ${this.offersPerFrameworkMax} is not a positive integer`,
    );
  }

  // ---- agents ----

  addAgent(info: AgentInfo): void {
    check(!this.agents.has(info.id), `agent ${info.id} already added`);
    checkPhysicalCpus(info.id, info.physicalCpus);
    const full = { ...info, offerable: info.offerable ?? true };
    this.agents.set(info.id, { info: full, available: info.total, tasks: new Map(), offerIds: new Set(), view: undefined });
    addScalars(this.totals, info.total, 1);
  }

  /** A new total must still hold everything allocated and offered on the agent. */
  updateAgent(id: string, changes: AgentChanges): void {
    const record = this.agent(id);
    if (changes.physicalCpus !== undefined) checkPhysicalCpus(id, changes.physicalCpus);
    if (changes.total !== undefined) {
      const total = changes.total;
      const inUse = record.info.total.minus(record.available);
      check(total.contains(inUse), () => `agent ${id}: new total ${total} does not hold what is in use (${inUse})`);
      addScalars(this.totals, record.info.total, -1);
      addScalars(this.totals, total, 1);
      record.available = total.minus(inUse);
    }
    record.info = { ...record.info, ...definedOnly(changes) };
    record.view = undefined;
  }

  /** Forgets the agent with its tasks and filters; returns its outstanding offers, now gone. */
  removeAgent(id: string): OutstandingOffer[] {
    const record = this.agent(id);
    const removed = [...record.offerIds].map((offerId) => this.removeOffer(offerId)!);
    for (const [key, resources] of record.tasks) {
      const [frameworkId, role] = splitKey(key);
      this.chargeAllocation(frameworkId, role, resources, -1, false);
      this.frameworks.get(frameworkId)?.taskAgents.delete(id);
    }
    for (const filter of this.filters.get(id) ?? []) this.frameworks.get(filter.frameworkId)?.filterAgents.delete(id);
    this.filters.delete(id);
    addScalars(this.totals, record.info.total, -1);
    this.agents.delete(id);
    return removed;
  }

  // ---- frameworks ----

  addFramework(info: FrameworkInfo): void {
    check(!this.frameworks.has(info.id), `framework ${info.id} already added`);
    const capabilities: FrameworkCapabilities = { multiRole: info.capabilities?.multiRole ?? false };
    this.frameworks.set(info.id, {
      id: info.id,
      roles: checkRoles(info.id, info.roles, capabilities),
      capabilities,
      active: info.active ?? true,
      suppressed: new Set(info.suppressedRoles ?? []),
      offerIds: new Set(),
      taskAgents: new Set(),
      filterAgents: new Set(),
      view: undefined,
    });
  }

  updateFramework(id: string, changes: FrameworkChanges): void {
    const record = this.framework(id);
    const capabilities = { ...record.capabilities, ...definedOnly(changes.capabilities ?? {}) };
    // Checked before anything changes, so a refused update leaves the framework as it was.
    record.roles = checkRoles(id, changes.roles ?? record.roles, capabilities);
    record.capabilities = capabilities;
    if (changes.active !== undefined) record.active = changes.active;
    record.view = undefined;
  }

  /** Forgets the framework, its filters and allocations; returns its outstanding offers, now gone. */
  removeFramework(id: string): OutstandingOffer[] {
    const record = this.framework(id);
    const removed = [...record.offerIds].map((offerId) => this.removeOffer(offerId)!);
    for (const agentId of record.taskAgents) {
      const agent = this.agent(agentId);
      for (const [key, resources] of agent.tasks) {
        if (splitKey(key)[0] !== id) continue;
        agent.tasks.delete(key);
        agent.available = agent.available.plus(resources);
        agent.view = undefined;
      }
    }
    this.clearFilters(id);
    for (const [key, allocation] of this.allocations) if (allocation.frameworkId === id) this.allocations.delete(key);
    this.frameworks.delete(id);
    return removed;
  }

  /** SUPPRESS: no offers in these roles (all the framework's roles when none are named). */
  suppress(frameworkId: string, roles?: readonly string[]): void {
    const record = this.framework(frameworkId);
    record.suppressed = new Set([...record.suppressed, ...(roles ?? record.roles)]);
    record.view = undefined;
  }

  unsuppress(frameworkId: string, roles?: readonly string[]): void {
    const record = this.framework(frameworkId);
    record.suppressed = roles === undefined ? new Set() : new Set([...record.suppressed].filter((role) => !roles.includes(role)));
    record.view = undefined;
  }

  /** REVIVE: drops the framework's filters and suppression in these roles (all when none named). */
  revive(frameworkId: string, roles?: readonly string[]): void {
    this.clearFilters(frameworkId, roles);
    this.unsuppress(frameworkId, roles);
  }

  // ---- offers and allocations ----

  /** Books an offer the master made: its resources leave the agent's available set. */
  recordOffer(offer: OutstandingOffer): void {
    check(!this.offers.has(offer.offerId), `offer ${offer.offerId} already recorded`);
    const agent = this.agent(offer.agentId);
    const framework = this.framework(offer.frameworkId);
    check(agent.available.contains(offer.resources), () => `offer ${offer.offerId}: agent ${offer.agentId} does not have ${offer.resources} available`);
    this.bookOffer(offer, agent, framework);
  }

  /** recordOffer once checked. */
  private bookOffer(offer: OutstandingOffer, agent: AgentRecord, framework: FrameworkRecord): void {
    this.offers.set(offer.offerId, offer);
    agent.offerIds.add(offer.offerId);
    agent.available = agent.available.minus(offer.resources);
    agent.view = undefined;
    framework.offerIds.add(offer.offerId);
    framework.view = undefined;
    this.chargeAllocation(offer.frameworkId, offer.role, offer.resources, 1, true);
  }

  /** The offer ended (declined, rescinded, expired or accepted): its resources are free again. */
  removeOffer(offerId: string): OutstandingOffer | undefined {
    const offer = this.offers.get(offerId);
    if (offer === undefined) return undefined;
    this.offers.delete(offerId);
    const agent = this.agent(offer.agentId);
    agent.offerIds.delete(offerId);
    agent.available = agent.available.plus(offer.resources);
    agent.view = undefined;
    const framework = this.frameworks.get(offer.frameworkId);
    if (framework !== undefined) {
      framework.offerIds.delete(offerId);
      framework.view = undefined;
    }
    this.chargeAllocation(offer.frameworkId, offer.role, offer.resources, -1, false);
    return offer;
  }

  /** ACCEPT: the offer ends and `used` (part of it) stays allocated to tasks. */
  acceptOffer(offerId: string, used: Resources): OutstandingOffer {
    const offer = this.offers.get(offerId);
    check(offer !== undefined, `offer ${offerId} is not outstanding`);
    check(offer.resources.contains(used), () => `offer ${offerId}: ${used} is not part of ${offer.resources}`);
    this.removeOffer(offerId);
    if (!used.isEmpty()) this.recordAllocation(offer.frameworkId, offer.agentId, offer.role, used);
    return offer;
  }

  /** Resources allocated to tasks outside an offer (e.g. an agent re-registering with tasks). */
  recordAllocation(frameworkId: string, agentId: string, role: string, resources: Resources): void {
    const agent = this.agent(agentId);
    check(agent.available.contains(resources), () => `agent ${agentId} does not have ${resources} available`);
    const key = joinKey(frameworkId, role);
    agent.tasks.set(key, (agent.tasks.get(key) ?? Resources.EMPTY).plus(resources));
    agent.available = agent.available.minus(resources);
    agent.view = undefined;
    this.frameworks.get(frameworkId)?.taskAgents.add(agentId);
    this.chargeAllocation(frameworkId, role, resources, 1, false);
  }

  /** Tasks ended: their resources are free again. */
  recover(frameworkId: string, agentId: string, role: string, resources: Resources): void {
    const agent = this.agent(agentId);
    const key = joinKey(frameworkId, role);
    const held = agent.tasks.get(key) ?? Resources.EMPTY;
    check(held.contains(resources), () => {
      const holds = held.isEmpty() ? "nothing" : held.toText();
      return `framework ${frameworkId} holds ${holds} on agent ${agentId} in role ${role}, not ${resources}`;
    });
    const left = held.minus(resources);
    if (left.isEmpty()) agent.tasks.delete(key);
    else agent.tasks.set(key, left);
    agent.available = agent.available.plus(resources);
    agent.view = undefined;
    this.chargeAllocation(frameworkId, role, resources, -1, false);
  }

  /**
   * Applies a plan the way the master would, re-checking it: rescinds first, then each offer whose
   * agent and framework still take it and whose resources are still available. Returns the
   * offers made, with ids from `nextOfferId`.
   */
  applyPlan(plan: AllocationPlan, nextOfferId: () => string): OutstandingOffer[] {
    for (const rescind of plan.rescinds) this.removeOffer(rescind.offerId);
    const made: OutstandingOffer[] = [];
    for (const planned of plan.offers) {
      const agent = this.agents.get(planned.agentId);
      const framework = this.frameworks.get(planned.frameworkId);
      if (agent === undefined || framework === undefined || !framework.active || !agent.info.offerable) continue;
      if (!agent.available.contains(planned.resources)) continue;
      const offer: OutstandingOffer = { offerId: nextOfferId(), ...planned };
      check(!this.offers.has(offer.offerId), `offer ${offer.offerId} already recorded`);
      this.bookOffer(offer, agent, framework);
      made.push(offer);
    }
    return made;
  }

  // ---- filters ----

  /** A decline filter; past filtersPerFrameworkAgentMax for its (framework, role, agent) the oldest goes. */
  addFilter(filter: OfferFilter): void {
    this.agent(filter.agentId);
    const framework = this.framework(filter.frameworkId);
    check(Number.isFinite(filter.expiresAtMs), `filter expiry ${filter.expiresAtMs} is not finite`);
    const current = this.filters.get(filter.agentId) ?? [];
    const same = current.filter((f) => f.frameworkId === filter.frameworkId && f.role === filter.role);
    const dropped = same.length >= filtersPerFrameworkAgentMax ? same[0] : undefined;
    this.filters.set(filter.agentId, [...current.filter((f) => f !== dropped), filter]);
    framework.filterAgents.add(filter.agentId);
  }

  /** Drops the framework's filters, in the named roles only when roles are given. */
  clearFilters(frameworkId: string, roles?: readonly string[]): void {
    const framework = this.framework(frameworkId);
    for (const agentId of [...framework.filterAgents]) {
      const current = this.filters.get(agentId) ?? [];
      const kept = current.filter((f) => f.frameworkId !== frameworkId || (roles !== undefined && !roles.includes(f.role)));
      this.setAgentFilters(agentId, kept);
      if (!kept.some((f) => f.frameworkId === frameworkId)) framework.filterAgents.delete(agentId);
    }
  }

  /** Drops expired filters; the allocator ignores them anyway, so this only bounds memory. */
  pruneFilters(nowMs: number): void {
    for (const [agentId, current] of [...this.filters]) {
      if (current.every((f) => nowMs < f.expiresAtMs)) continue;
      const kept = current.filter((f) => nowMs < f.expiresAtMs);
      this.setAgentFilters(agentId, kept);
      for (const f of current) {
        if (!kept.some((k) => k.frameworkId === f.frameworkId)) this.frameworks.get(f.frameworkId)?.filterAgents.delete(agentId);
      }
    }
  }

  // ---- roles ----

  /** A role's weight; 1 restores the default. */
  setWeight(role: string, weight: number): void {
    check(Number.isFinite(weight) && weight > 0, `weight ${weight} for role ${role} is not positive`);
    if (weight === 1) this.weights.delete(role);
    else this.weights.set(role, weight);
  }

  /** A role's quota limits (scalars); undefined removes them. */
  setQuota(role: string, limits: Resources | undefined): void {
    if (limits === undefined) this.quotas.delete(role);
    else this.quotas.set(role, limits);
  }

  // ---- reading ----

  /** The snapshot for one allocation cycle. */
  view(seed: number, inactiveRoles: ReadonlySet<string>, maxOversubscription: number): AllocatorView {
    return {
      seed,
      agents: Array.from(this.agents.values(), agentViewOf),
      frameworks: Array.from(this.frameworks.values(), frameworkViewOf),
      allocations: Array.from(this.allocations.values(), allocationViewOf),
      totalThousandths: new Map(this.totals),
      weights: new Map(this.weights),
      quotaLimits: new Map(this.quotas),
      filtersByAgent: new Map(this.filters),
      minAllocatable: this.minAllocatable,
      offersPerFrameworkMax: this.offersPerFrameworkMax,
      inactiveRoles,
      maxOversubscription,
      outstandingOffers: Array.from(this.offers.values()),
    };
  }

  agentView(id: string): AgentView | undefined {
    const record = this.agents.get(id);
    return record === undefined ? undefined : agentViewOf(record);
  }

  offer(offerId: string): OutstandingOffer | undefined {
    return this.offers.get(offerId);
  }

  outstandingOffers(): OutstandingOffer[] {
    return [...this.offers.values()];
  }

  filtersOn(agentId: string): readonly OfferFilter[] {
    return this.filters.get(agentId) ?? [];
  }

  // ---- internals ----

  private agent(id: string): AgentRecord {
    const record = this.agents.get(id);
    check(record !== undefined, `unknown agent ${id}`);
    return record;
  }

  private framework(id: string): FrameworkRecord {
    const record = this.frameworks.get(id);
    check(record !== undefined, `unknown framework ${id}`);
    return record;
  }

  /** Adds to (or takes from) what a framework holds in a role; an offer also counts as an allocation. */
  private chargeAllocation(frameworkId: string, role: string, resources: Resources, sign: 1 | -1, isOffer: boolean): void {
    const key = joinKey(frameworkId, role);
    let record = this.allocations.get(key);
    if (record === undefined) {
      record = { frameworkId, role, thousandths: new Map(), allocationCount: 0, view: undefined };
      this.allocations.set(key, record);
    }
    addScalars(record.thousandths, resources, sign);
    if (isOffer) record.allocationCount++;
    record.view = undefined;
  }

  private setAgentFilters(agentId: string, filters: readonly OfferFilter[]): void {
    if (filters.length === 0) this.filters.delete(agentId);
    else this.filters.set(agentId, filters);
  }
}

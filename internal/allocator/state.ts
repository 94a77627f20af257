// AllocatorState: the allocator's bookkeeping as one mutable object for the master to own. Every
// change updates the few cached view objects it touches, so `view()` is a handful of array copies
// however large the cluster. Views share immutable pieces (Resources, cached AgentView objects,
// filter arrays replaced on write) and are not disturbed by later changes.
//
// Every method throws AllocatorStateError when asked something impossible (an unknown id, an
// offer of resources the agent does not have): the master re-checks its own state before calling,
// so these are programming errors.

import { Resources } from "../resources/index.ts";
import { filtersPerFrameworkAgentMax, offersPerFrameworkMaxDefault, rolesPerFrameworkMax } from "./limits.ts";
import { minAllocatableDefault } from "./min-allocatable.ts";
import type {
  AgentView,
  AllocationPlan,
  AllocationView,
  AllocatorView,
  FrameworkCapabilities,
  FrameworkView,
  MinAllocatableAlternative,
  OfferFilter,
  OutstandingOffer,
} from "./types.ts";

export class AllocatorStateError extends Error {
  override readonly name = "AllocatorStateError";
}

export interface AgentInfo {
  readonly id: string;
  readonly hostname: string;
  /** What the agent advertises (`--resources`), reservations included. */
  readonly total: Resources;
  /** The machine's cores; Infinity for no oversubscription cap. */
  readonly physicalCpus: number;
  /** Default true. */
  readonly offerable?: boolean;
}

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

interface AgentRecord {
  info: AgentInfo & { readonly offerable: boolean };
  /** Allocated plus offered. */
  used: Resources;
  /** Allocated to tasks, by framework and role (offers are kept apart, by offer id). */
  readonly tasks: Map<string, Resources>;
  readonly offerIds: Set<string>;
  view: AgentView;
}

interface FrameworkRecord {
  id: string;
  roles: readonly string[];
  capabilities: FrameworkCapabilities;
  active: boolean;
  suppressed: Set<string>;
  readonly offerIds: Set<string>;
  /** Agents where the framework has tasks, and agents where it has filters. */
  readonly taskAgents: Set<string>;
  readonly filterAgents: Set<string>;
  view: FrameworkView;
}

export class AllocatorState {
  readonly offersPerFrameworkMax: number;
  readonly minAllocatable: readonly MinAllocatableAlternative[];
  private readonly agents = new Map<string, AgentRecord>();
  private readonly frameworks = new Map<string, FrameworkRecord>();
  /** By `frameworkId NUL role`. */
  private readonly allocations = new Map<string, AllocationView>();
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
    const record: AgentRecord = { info: full, used: Resources.EMPTY, tasks: new Map(), offerIds: new Set(), view: agentView(full, Resources.EMPTY) };
    this.agents.set(info.id, record);
    this.addTotals(info.total, 1);
  }

  /** A new total must still hold everything allocated and offered on the agent. */
  updateAgent(id: string, changes: AgentChanges): void {
    const record = this.agent(id);
    if (changes.physicalCpus !== undefined) checkPhysicalCpus(id, changes.physicalCpus);
    if (changes.total !== undefined) {
      check(changes.total.contains(record.used), `agent ${id}: new total ${changes.total} does not hold what is in use (${record.used})`);
      this.addTotals(record.info.total, -1);
      this.addTotals(changes.total, 1);
    }
    record.info = { ...record.info, ...definedOnly(changes) };
    this.refreshAgent(record);
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
    this.addTotals(record.info.total, -1);
    this.agents.delete(id);
    return removed;
  }

  // ---- frameworks ----

  addFramework(info: FrameworkInfo): void {
    check(!this.frameworks.has(info.id), `framework ${info.id} already added`);
    const capabilities: FrameworkCapabilities = { multiRole: info.capabilities?.multiRole ?? false };
    const roles = checkRoles(info.id, info.roles, capabilities);
    const fields: Omit<FrameworkRecord, "view"> = {
      id: info.id,
      roles,
      capabilities,
      active: info.active ?? true,
      suppressed: new Set(info.suppressedRoles ?? []),
      offerIds: new Set(),
      taskAgents: new Set(),
      filterAgents: new Set(),
    };
    this.frameworks.set(info.id, { ...fields, view: frameworkView(fields) });
  }

  updateFramework(id: string, changes: FrameworkChanges): void {
    const record = this.framework(id);
    const capabilities = { ...record.capabilities, ...definedOnly(changes.capabilities ?? {}) };
    // Checked before anything changes, so a refused update leaves the framework as it was.
    record.roles = checkRoles(id, changes.roles ?? record.roles, capabilities);
    record.capabilities = capabilities;
    if (changes.active !== undefined) record.active = changes.active;
    refreshFramework(record);
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
        agent.used = agent.used.minus(resources);
      }
      this.refreshAgent(agent);
    }
    this.clearFilters(id);
    for (const role of new Set([...this.allocations.values()].filter((a) => a.frameworkId === id).map((a) => a.role))) {
      this.allocations.delete(joinKey(id, role));
    }
    this.frameworks.delete(id);
    return removed;
  }

  /** SUPPRESS: no offers in these roles (all the framework's roles when none are named). */
  suppress(frameworkId: string, roles?: readonly string[]): void {
    const record = this.framework(frameworkId);
    for (const role of roles ?? record.roles) record.suppressed.add(role);
    refreshFramework(record);
  }

  unsuppress(frameworkId: string, roles?: readonly string[]): void {
    const record = this.framework(frameworkId);
    for (const role of roles ?? [...record.suppressed]) record.suppressed.delete(role);
    refreshFramework(record);
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
    check(agent.view.available.contains(offer.resources), `offer ${offer.offerId}: agent ${offer.agentId} does not have ${offer.resources} available`);
    this.offers.set(offer.offerId, offer);
    agent.offerIds.add(offer.offerId);
    agent.used = agent.used.plus(offer.resources);
    this.refreshAgent(agent);
    framework.offerIds.add(offer.offerId);
    refreshFramework(framework);
    this.chargeAllocation(offer.frameworkId, offer.role, offer.resources, 1, true);
  }

  /** The offer ended (declined, rescinded, expired or accepted): its resources are free again. */
  removeOffer(offerId: string): OutstandingOffer | undefined {
    const offer = this.offers.get(offerId);
    if (offer === undefined) return undefined;
    this.offers.delete(offerId);
    const agent = this.agent(offer.agentId);
    agent.offerIds.delete(offerId);
    agent.used = agent.used.minus(offer.resources);
    this.refreshAgent(agent);
    const framework = this.frameworks.get(offer.frameworkId);
    if (framework !== undefined) {
      framework.offerIds.delete(offerId);
      refreshFramework(framework);
    }
    this.chargeAllocation(offer.frameworkId, offer.role, offer.resources, -1, false);
    return offer;
  }

  /** ACCEPT: the offer ends and `used` (part of it) stays allocated to tasks. */
  acceptOffer(offerId: string, used: Resources): OutstandingOffer {
    const offer = this.offers.get(offerId);
    check(offer !== undefined, `offer ${offerId} is not outstanding`);
    check(offer.resources.contains(used), `offer ${offerId}: ${used} is not part of ${offer.resources}`);
    this.removeOffer(offerId);
    if (!used.isEmpty()) this.recordAllocation(offer.frameworkId, offer.agentId, offer.role, used);
    return offer;
  }

  /** Resources allocated to tasks outside an offer (e.g. an agent re-registering with tasks). */
  recordAllocation(frameworkId: string, agentId: string, role: string, resources: Resources): void {
    const agent = this.agent(agentId);
    check(agent.view.available.contains(resources), `agent ${agentId} does not have ${resources} available`);
    const key = joinKey(frameworkId, role);
    agent.tasks.set(key, (agent.tasks.get(key) ?? Resources.EMPTY).plus(resources));
    agent.used = agent.used.plus(resources);
    this.refreshAgent(agent);
    this.frameworks.get(frameworkId)?.taskAgents.add(agentId);
    this.chargeAllocation(frameworkId, role, resources, 1, false);
  }

  /** Tasks ended: their resources are free again. */
  recover(frameworkId: string, agentId: string, role: string, resources: Resources): void {
    const agent = this.agent(agentId);
    const key = joinKey(frameworkId, role);
    const held = agent.tasks.get(key) ?? Resources.EMPTY;
    check(
      held.contains(resources),
      `framework ${frameworkId} holds ${held.isEmpty() ? "nothing" : held} on agent ${agentId} in role ${role}, not ${resources}`,
    );
    const left = held.minus(resources);
    if (left.isEmpty()) agent.tasks.delete(key);
    else agent.tasks.set(key, left);
    agent.used = agent.used.minus(resources);
    this.refreshAgent(agent);
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
      if (!agent.view.available.contains(planned.resources)) continue;
      const offer: OutstandingOffer = { offerId: nextOfferId(), ...planned };
      this.recordOffer(offer);
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
      agents: Array.from(this.agents.values(), (record) => record.view),
      frameworks: Array.from(this.frameworks.values(), (record) => record.view),
      allocations: Array.from(this.allocations.values()),
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
    return this.agents.get(id)?.view;
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

  private refreshAgent(record: AgentRecord): void {
    record.view = agentView(record.info, record.used);
  }

  private addTotals(resources: Resources, sign: 1 | -1): void {
    for (const resource of resources) {
      if (resource.type !== "SCALAR") continue;
      const next = (this.totals.get(resource.name) ?? 0) + sign * resource.thousandths;
      if (next === 0) this.totals.delete(resource.name);
      else this.totals.set(resource.name, next);
    }
  }

  /** Adds to (or takes from) what a framework holds in a role; offers also count as an allocation. */
  private chargeAllocation(frameworkId: string, role: string, all: Resources, sign: 1 | -1, isOffer: boolean): void {
    // Only scalars: port ranges on different agents overlap, so their union is no sum.
    const resources = all.filter((resource) => resource.type === "SCALAR");
    const key = joinKey(frameworkId, role);
    const current = this.allocations.get(key) ?? { frameworkId, role, resources: Resources.EMPTY, allocationCount: 0 };
    this.allocations.set(key, {
      frameworkId,
      role,
      resources: sign > 0 ? current.resources.plus(resources) : current.resources.minus(resources),
      allocationCount: current.allocationCount + (isOffer ? 1 : 0),
    });
  }

  private setAgentFilters(agentId: string, filters: readonly OfferFilter[]): void {
    if (filters.length === 0) this.filters.delete(agentId);
    else this.filters.set(agentId, filters);
  }
}

function agentView(info: AgentRecord["info"], used: Resources): AgentView {
  return {
    id: info.id,
    hostname: info.hostname,
    available: info.total.minus(used),
    physicalCpus: info.physicalCpus,
    cpusInUseThousandths: used.scalarThousandths("cpus"),
    offerable: info.offerable,
  };
}

function refreshFramework(record: FrameworkRecord): void {
  record.view = frameworkView(record);
}

function frameworkView(record: Omit<FrameworkRecord, "view">): FrameworkView {
  return {
    id: record.id,
    roles: record.roles,
    suppressedRoles: new Set(record.suppressed),
    outstandingOffers: record.offerIds.size,
    active: record.active,
    capabilities: record.capabilities,
  };
}

function checkRoles(id: string, roles: readonly string[], capabilities: FrameworkCapabilities): string[] {
  const unique = [...new Set(roles)];
  check(unique.length > 0, `framework ${id} has no role`);
  check(unique.length <= rolesPerFrameworkMax, `framework ${id} has more than ${rolesPerFrameworkMax} roles`);
  check(capabilities.multiRole || unique.length === 1, `framework ${id} has several roles but not MULTI_ROLE`);
  return unique;
}

function checkPhysicalCpus(agentId: string, physicalCpus: number): void {
  check(physicalCpus >= 0, `agent ${agentId}: physicalCpus ${physicalCpus} is not a non-negative number`);
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

function joinKey(frameworkId: string, role: string): string {
  return `${frameworkId}\u0000${role}`;
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf("\u0000");
  return [key.slice(0, at), key.slice(at + 1)];
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AllocatorStateError(message);
}

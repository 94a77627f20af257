// The mutable working state of one allocation cycle, built from the view: the role sorter, one
// framework sorter per role, quota limits as vectors and each framework's offer count. It lives
// only inside `allocate`; nothing outside sees it change.

import { compareClients, refreshSortKey, type SorterClient } from "./drf.ts";
import { QuantityIndex, type Amounts, type SlotQuantity } from "./quantities.ts";
import { SortedList } from "./sorted-list.ts";
import type { AllocatorView, FrameworkView, OutstandingOffer } from "./types.ts";

export interface FrameworkEntry {
  readonly id: string;
  /** Outstanding offers, counting the ones this cycle makes and not the ones it rescinds. */
  outstanding: number;
  readonly clients: FrameworkClient[];
}

/** A framework in one role's sorter; its share is of its allocation in that role. */
export interface FrameworkClient extends SorterClient {
  readonly framework: FrameworkEntry;
  readonly role: RoleEntry;
}

export interface RoleEntry extends SorterClient {
  /** Per slot; Infinity where the role has no limit. Undefined when the role has no quota. */
  readonly quotaLimits: Amounts | undefined;
  readonly inactive: boolean;
  /** Frameworks that may still get offers in this role, in DRF order. */
  readonly frameworks: SortedList<FrameworkClient>;
  /** Whether the role is in the role sorter; it leaves once no framework can take offers. */
  listed: boolean;
  /** Its allocation or framework list changed during the current agent; re-sorted after it. */
  dirty: boolean;
  /** The sequence number of the last agent that visited the role. */
  visitedAgentSeq: number;
}

export interface CycleContext {
  readonly view: AllocatorView;
  readonly nowMs: number;
  readonly index: QuantityIndex;
  /** Slots below this hold scalars (DRF and quota apply); the rest hold counted non-scalars. */
  readonly scalarSlots: number;
  readonly alternatives: readonly SlotQuantity[][];
  readonly roles: ReadonlyMap<string, RoleEntry>;
  readonly roleOrder: SortedList<RoleEntry>;
  readonly dirtyRoles: RoleEntry[];
  /** Cpus of rescinded offers per agent: the cap is judged on what is left once they go. */
  readonly cpusRescindedByAgent: ReadonlyMap<string, number>;
}

/** Builds the sorters from the view, leaving out what `rescinded` takes back. */
export function buildContext(
  view: AllocatorView,
  nowMs: number,
  index: QuantityIndex,
  rescinded: readonly OutstandingOffer[],
): CycleContext {
  const roles = new Map<string, RoleEntry>();
  const clients = new Map<string, FrameworkClient>();
  const rescindedByFramework = countBy(rescinded, (offer) => offer.frameworkId);
  for (const framework of view.frameworks) {
    const outstanding = framework.outstandingOffers - (rescindedByFramework.get(framework.id) ?? 0);
    if (!framework.active || outstanding >= view.offersPerFrameworkMax) continue;
    const entry: FrameworkEntry = { id: framework.id, outstanding, clients: [] };
    for (const roleName of rolesOffered(framework)) {
      const role = roles.get(roleName) ?? newRole(view, index, roleName);
      roles.set(roleName, role);
      const client = newClient(index, entry, role);
      entry.clients.push(client);
      clients.set(clientKey(framework.id, roleName), client);
    }
  }
  addAllocations(view, index, roles, clients, rescinded);
  const roleOrder = new SortedList<RoleEntry>(compareClients);
  for (const client of clients.values()) {
    refreshSortKey(client, index.totals);
    client.role.frameworks.insert(client);
  }
  for (const role of roles.values()) {
    refreshSortKey(role, index.totals);
    roleOrder.insert(role);
    role.listed = true;
  }
  return {
    view,
    nowMs,
    index,
    scalarSlots: view.totalThousandths.size,
    alternatives: index.alternativesOf(view.minAllocatable),
    roles,
    roleOrder,
    dirtyRoles: [],
    cpusRescindedByAgent: cpusByAgent(rescinded),
  };
}

/** The roles a framework takes offers in: unsuppressed, the first only without MULTI_ROLE. */
function rolesOffered(framework: FrameworkView): string[] {
  const subscribed = framework.capabilities.multiRole ? framework.roles : framework.roles.slice(0, 1);
  const out: string[] = [];
  for (const role of subscribed) {
    if (!framework.suppressedRoles.has(role) && !out.includes(role)) out.push(role);
  }
  return out;
}

function newRole(view: AllocatorView, index: QuantityIndex, name: string): RoleEntry {
  const weight = view.weights.get(name) ?? 1;
  if (!(Number.isFinite(weight) && weight > 0)) {
    throw new Error(`allocator view: role '${name}' has weight ${weight}; weights must be positive`);
  }
  return {
    name,
    weight,
    allocated: index.zeros(),
    count: 0,
    sortShare: 0,
    sortCount: 0,
    quotaLimits: quotaLimitsOf(view, index, name),
    inactive: view.inactiveRoles.has(name),
    frameworks: new SortedList<FrameworkClient>(compareClients),
    listed: false,
    dirty: false,
    visitedAgentSeq: -1,
  };
}

function newClient(index: QuantityIndex, framework: FrameworkEntry, role: RoleEntry): FrameworkClient {
  return {
    name: framework.id,
    weight: 1,
    allocated: index.zeros(),
    count: 0,
    sortShare: 0,
    sortCount: 0,
    framework,
    role,
  };
}

/** Limits as a vector over the scalar slots; Infinity for scalars the quota does not name. */
function quotaLimitsOf(view: AllocatorView, index: QuantityIndex, role: string): Amounts | undefined {
  const limits = view.quotaLimits.get(role);
  if (limits === undefined) return undefined;
  const out = index.zeros().fill(Number.POSITIVE_INFINITY);
  for (const resource of limits) {
    if (resource.type !== "SCALAR") continue;
    const slot = index.slotOf(resource.name);
    // A limit on a scalar no agent has can never be approached; nothing to enforce.
    if (slot === undefined || slot >= view.totalThousandths.size) continue;
    out[slot] = (out[slot] === Number.POSITIVE_INFINITY ? 0 : out[slot]!) + resource.thousandths;
  }
  return out;
}

function addAllocations(
  view: AllocatorView,
  index: QuantityIndex,
  roles: ReadonlyMap<string, RoleEntry>,
  clients: ReadonlyMap<string, FrameworkClient>,
  rescinded: readonly OutstandingOffer[],
): void {
  for (const allocation of view.allocations) {
    const role = roles.get(allocation.role);
    if (role === undefined) continue;
    const amounts = index.amountsOf(allocation.resources);
    addAmounts(role.allocated, amounts, 1);
    role.count += allocation.allocationCount;
    const client = clients.get(clientKey(allocation.frameworkId, allocation.role));
    if (client === undefined) continue;
    addAmounts(client.allocated, amounts, 1);
    client.count += allocation.allocationCount;
  }
  for (const offer of rescinded) {
    const role = roles.get(offer.role);
    if (role === undefined) continue;
    const amounts = index.amountsOf(offer.resources);
    addAmounts(role.allocated, amounts, -1);
    const client = clients.get(clientKey(offer.frameworkId, offer.role));
    if (client !== undefined) addAmounts(client.allocated, amounts, -1);
  }
}

export function addAmounts(into: Amounts, amounts: Amounts, sign: 1 | -1): void {
  for (let slot = 0; slot < into.length; slot++) into[slot] = into[slot]! + sign * amounts[slot]!;
}

function clientKey(frameworkId: string, role: string): string {
  return `${frameworkId}\u0000${role}`;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function cpusByAgent(offers: readonly OutstandingOffer[]): Map<string, number> {
  const cpus = new Map<string, number>();
  for (const offer of offers) {
    cpus.set(offer.agentId, (cpus.get(offer.agentId) ?? 0) + offer.resources.scalarThousandths("cpus"));
  }
  return cpus;
}

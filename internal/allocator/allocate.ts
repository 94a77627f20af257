// One allocation cycle: `allocate(view, nowMs) -> plan`, pure and deterministic.
//
// Agents are visited in an order shuffled from `view.seed`. On each agent, roles are tried in DRF
// order as it stood when the visit began (as Mesos takes one sort per agent); a role is offered
// what it may take there (its reservations, unless its window is closed, plus what is left
// unreserved), cut to its quota headroom and to the agent's cpus cap. The first framework of the
// role, in DRF order, that has not filtered those resources gets them all as one offer.
//
// The cost stays near O(agents x roles holding something on the agent) rather than
// O(agents x roles x frameworks): once an agent's unreserved part is too small to offer, only
// roles with reservations there are tried; frameworks that cannot take offers at all (inactive,
// suppressed, at their offer limit) are kept out of the sorters, so a role's first framework is
// taken unless this agent's decline filters say otherwise; and a sorter is re-sorted by moving the
// one client whose share changed, never by sorting all of them again.

import { Resources, type Resource } from "../resources/index.ts";
import { SeededRandom, shuffled } from "../runtime/index.ts";
import { AmountsPool, splitByRole, type AgentPieces, type Piece } from "./agent-pieces.ts";
import {
  addAmounts,
  buildContext,
  type CycleContext,
  type FrameworkClient,
  type FrameworkEntry,
  type RoleEntry,
} from "./context.ts";
import { compareClients, refreshSortKey } from "./drf.ts";
import { meetsMinimum, QuantityIndex, type Amounts } from "./quantities.ts";
import { cpusCapThousandths, planRescinds } from "./rescind.ts";
import type { AgentView, AllocationPlan, AllocatorView, OfferFilter, PlannedOffer } from "./types.ts";

export function allocate(view: AllocatorView, nowMs: number): AllocationPlan {
  assertView(view, nowMs);
  const index = new QuantityIndex(view.totalThousandths, view.minAllocatable);
  const { rescinds, rescinded } = planRescinds(view);
  const ctx = buildContext(view, nowMs, index, rescinded);
  const offers: PlannedOffer[] = [];
  const scratch: Scratch = {
    takeReserved: index.zeros(),
    takeUnreserved: index.zeros(),
    none: index.zeros(),
    pool: new AmountsPool(index),
  };
  const agents = shuffled(
    view.agents.filter((agent) => agent.offerable),
    new SeededRandom(view.seed),
  );
  for (let seq = 0; seq < agents.length && ctx.roleOrder.size > 0; seq++) {
    allocateAgent(ctx, scratch, agents[seq]!, seq, offers);
  }
  return { rescinds, offers };
}

/** Vectors reused by every offer decision of a cycle. */
interface Scratch {
  readonly takeReserved: Amounts;
  readonly takeUnreserved: Amounts;
  readonly none: Amounts;
  readonly pool: AmountsPool;
}

/** What is left to offer on the agent being visited. */
interface AgentVisit {
  readonly agent: AgentView;
  readonly seq: number;
  unreserved: Resources;
  readonly unreservedAmounts: Amounts;
  /** Cpus (thousandths) that may still be offered before the cap; may start below zero. */
  cpusHeadroom: number;
  /** This agent's decline filters by framework id; undefined when it has none. */
  readonly filters: ReadonlyMap<string, readonly OfferFilter[]> | undefined;
}

function allocateAgent(
  ctx: CycleContext,
  scratch: Scratch,
  agent: AgentView,
  seq: number,
  offers: PlannedOffer[],
): void {
  scratch.pool.reset();
  const pieces = splitByRole(agent.available, ctx.index, scratch.pool);
  const visit = newVisit(ctx, agent, seq, pieces);
  // Phase 1: walk the role order while the unreserved part alone is still worth an offer.
  const roleCount = ctx.roleOrder.size;
  for (let i = 0; i < roleCount && unreservedWorthOffering(ctx, scratch, visit); i++) {
    const role = ctx.roleOrder.at(i)!;
    role.visitedAgentSeq = seq;
    tryRole(ctx, scratch, visit, role, role.inactive ? undefined : pieces.reserved.get(role.name), offers);
  }
  // Phase 2: what is unreserved can no longer make an offer by itself, so only roles holding
  // reservations here can still get one; they go in the same DRF order.
  for (const role of reservedRolesLeft(ctx, pieces, seq)) {
    tryRole(ctx, scratch, visit, role, pieces.reserved.get(role.name), offers);
  }
  flushDirtyRoles(ctx);
}

function newVisit(ctx: CycleContext, agent: AgentView, seq: number, pieces: AgentPieces): AgentVisit {
  const capThousandths = cpusCapThousandths(agent.physicalCpus, ctx.view.maxOversubscription);
  const inUseThousandths = agent.cpusInUseThousandths - (ctx.cpusRescindedByAgent.get(agent.id) ?? 0);
  return {
    agent,
    seq,
    unreserved: pieces.unreserved.resources,
    unreservedAmounts: pieces.unreserved.amounts,
    cpusHeadroom: capThousandths - inUseThousandths,
    filters: filtersByFramework(ctx.view.filtersByAgent.get(agent.id)),
  };
}

function filtersByFramework(filters: readonly OfferFilter[] | undefined): Map<string, OfferFilter[]> | undefined {
  if (filters === undefined || filters.length === 0) return undefined;
  const byFramework = new Map<string, OfferFilter[]>();
  for (const filter of filters) {
    const list = byFramework.get(filter.frameworkId);
    if (list === undefined) byFramework.set(filter.frameworkId, [filter]);
    else list.push(filter);
  }
  return byFramework;
}

function unreservedWorthOffering(ctx: CycleContext, scratch: Scratch, visit: AgentVisit): boolean {
  if (ctx.alternatives.length === 0) return !visit.unreserved.isEmpty();
  return meetsMinimum(visit.unreservedAmounts, scratch.none, ctx.alternatives);
}

/** Listed, active roles holding reservations on the agent that phase 1 did not reach, in DRF order. */
function reservedRolesLeft(ctx: CycleContext, pieces: AgentPieces, seq: number): RoleEntry[] {
  const left: RoleEntry[] = [];
  for (const name of pieces.reserved.keys()) {
    const role = ctx.roles.get(name);
    if (role !== undefined && role.listed && !role.inactive && role.visitedAgentSeq !== seq) left.push(role);
  }
  return left.length > 1 ? left.sort(compareClients) : left;
}

/** Offers the role what it may take on the agent, if that is worth an offer and someone wants it. */
function tryRole(
  ctx: CycleContext,
  scratch: Scratch,
  visit: AgentVisit,
  role: RoleEntry,
  reserved: Piece | undefined,
  offers: PlannedOffer[],
): void {
  if (role.frameworks.size === 0) return;
  const { takeReserved, takeUnreserved } = scratch;
  const cut = computeTake(ctx, visit, role, reserved, takeReserved, takeUnreserved);
  if (ctx.alternatives.length > 0 && !meetsMinimum(takeReserved, takeUnreserved, ctx.alternatives)) return;
  let fromReserved = reserved?.resources ?? Resources.EMPTY;
  if (reserved !== undefined && cut.reserved) fromReserved = cutTo(ctx, reserved.resources, reserved.amounts, takeReserved);
  let fromUnreserved = visit.unreserved;
  if (cut.unreserved) fromUnreserved = cutTo(ctx, visit.unreserved, visit.unreservedAmounts, takeUnreserved);
  const resources = fromReserved.plus(fromUnreserved);
  if (resources.isEmpty()) return;
  const client = firstUnfiltered(ctx, visit, role, resources);
  if (client === undefined) return;
  offers.push({ frameworkId: client.framework.id, agentId: visit.agent.id, role: role.name, resources });
  visit.unreserved = fromUnreserved === visit.unreserved ? Resources.EMPTY : visit.unreserved.minus(fromUnreserved);
  addAmounts(visit.unreservedAmounts, takeUnreserved, -1);
  const cpusSlot = ctx.index.cpusSlot;
  if (cpusSlot >= 0) visit.cpusHeadroom -= takeReserved[cpusSlot]! + takeUnreserved[cpusSlot]!;
  recordAllocation(ctx, client, takeReserved, takeUnreserved);
}

/**
 * Fills the take vectors with what the role may have of the reserved and unreserved parts: each
 * scalar limited by quota headroom (and cpus by the cap headroom), reservations kept first since
 * no other role can use them. Counted non-scalars (ports) are never cut.
 */
function computeTake(
  ctx: CycleContext,
  visit: AgentVisit,
  role: RoleEntry,
  reserved: Piece | undefined,
  takeReserved: Amounts,
  takeUnreserved: Amounts,
): { reserved: boolean; unreserved: boolean } {
  const cpusSlot = ctx.index.cpusSlot;
  const have = visit.unreservedAmounts;
  let cutReserved = false;
  let cutUnreserved = false;
  for (let slot = 0; slot < have.length; slot++) {
    const r = reserved === undefined ? 0 : reserved.amounts[slot]!;
    const u = have[slot]!;
    let limit = Number.POSITIVE_INFINITY;
    if (slot < ctx.scalarSlots) {
      if (role.quotaLimits !== undefined) limit = Math.max(0, role.quotaLimits[slot]! - role.allocated[slot]!);
      if (slot === cpusSlot) limit = Math.min(limit, Math.max(0, visit.cpusHeadroom));
    }
    const tr = r < limit ? r : limit;
    const tu = u < limit - tr ? u : limit - tr;
    takeReserved[slot] = tr;
    takeUnreserved[slot] = tu;
    if (tr < r) cutReserved = true;
    if (tu < u) cutUnreserved = true;
  }
  return { reserved: cutReserved, unreserved: cutUnreserved };
}

/** `resources` (one role's part, quantities `have`) cut down to the scalars in `take`. */
function cutTo(ctx: CycleContext, resources: Resources, have: Amounts, take: Amounts): Resources {
  const cuts: Resource[] = [];
  for (const resource of resources) {
    if (resource.type !== "SCALAR") continue;
    const slot = ctx.index.slotOf(resource.name)!;
    const excess = have[slot]! - take[slot]!;
    if (excess > 0) cuts.push({ type: "SCALAR", name: resource.name, role: resource.role, thousandths: excess });
  }
  return resources.minus(Resources.fromList(cuts));
}

/** The first framework of the role, in DRF order, that has no live filter covering `resources`. */
function firstUnfiltered(
  ctx: CycleContext,
  visit: AgentVisit,
  role: RoleEntry,
  resources: Resources,
): FrameworkClient | undefined {
  for (const client of role.frameworks) {
    const filters = visit.filters?.get(client.framework.id);
    if (filters === undefined || !isFiltered(filters, role.name, resources, ctx.nowMs)) return client;
  }
  return undefined;
}

/** A live filter applies while what would be offered is a subset of what was refused. */
function isFiltered(filters: readonly OfferFilter[], role: string, resources: Resources, nowMs: number): boolean {
  for (const filter of filters) {
    if (filter.role === role && nowMs < filter.expiresAtMs && filter.refused.contains(resources)) return true;
  }
  return false;
}

/** Charges the offer to the role and framework and moves the framework within its sorter. */
function recordAllocation(
  ctx: CycleContext,
  client: FrameworkClient,
  takeReserved: Amounts,
  takeUnreserved: Amounts,
): void {
  const role = client.role;
  addAmounts(role.allocated, takeReserved, 1);
  addAmounts(role.allocated, takeUnreserved, 1);
  role.count++;
  markDirty(ctx, role);
  addAmounts(client.allocated, takeReserved, 1);
  addAmounts(client.allocated, takeUnreserved, 1);
  client.count++;
  role.frameworks.rekey(client, () => refreshSortKey(client, ctx.index.totals));
  const framework = client.framework;
  framework.outstanding++;
  if (framework.outstanding >= ctx.view.offersPerFrameworkMax) retire(ctx, framework);
}

/** Takes a framework at its offer limit out of every sorter for the rest of the cycle. */
function retire(ctx: CycleContext, framework: FrameworkEntry): void {
  for (const client of framework.clients) {
    client.role.frameworks.remove(client);
    markDirty(ctx, client.role);
  }
}

function markDirty(ctx: CycleContext, role: RoleEntry): void {
  if (role.dirty) return;
  role.dirty = true;
  ctx.dirtyRoles.push(role);
}

/** Re-sorts the roles whose share changed during the visit; drops those left with no framework. */
function flushDirtyRoles(ctx: CycleContext): void {
  for (const role of ctx.dirtyRoles) {
    role.dirty = false;
    if (!role.listed) continue;
    if (role.frameworks.size > 0) {
      ctx.roleOrder.rekey(role, () => refreshSortKey(role, ctx.index.totals));
    } else {
      ctx.roleOrder.remove(role);
      role.listed = false;
    }
  }
  ctx.dirtyRoles.length = 0;
}

/** Relations the master must keep when it builds a view; breaking one is a programming error. */
function assertView(view: AllocatorView, nowMs: number): void {
  const problems: string[] = [];
  if (!Number.isFinite(nowMs)) problems.push(`nowMs ${nowMs} is not finite`);
  if (!Number.isInteger(view.seed)) problems.push(`seed ${view.seed} is not an integer`);
  if (!(Number.isInteger(view.offersPerFrameworkMax) && view.offersPerFrameworkMax > 0)) {
    problems.push(`offersPerFrameworkMax ${view.offersPerFrameworkMax} is not a positive integer`);
  }
  if (!(view.maxOversubscription > 0)) problems.push(`maxOversubscription ${view.maxOversubscription} is not positive`);
  for (const agent of view.agents) {
    if (!(agent.physicalCpus >= 0)) problems.push(`agent ${agent.id}: physicalCpus ${agent.physicalCpus}`);
    if (!(Number.isSafeInteger(agent.cpusInUseThousandths) && agent.cpusInUseThousandths >= 0)) {
      problems.push(`agent ${agent.id}: cpusInUseThousandths ${agent.cpusInUseThousandths}`);
    }
    if (problems.length > 8) break;
  }
  if (problems.length > 0) throw new Error(`allocator view: ${problems.join("; ")}`);
}

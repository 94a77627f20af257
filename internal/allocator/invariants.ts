// What must hold of any plan for its view, whatever the DRF order: the checks the scenario
// scripts, the property test and the master's simulation tests run after every cycle.

import { countRanges, Resources, unreservedRole } from "../resources/index.ts";
import { cpusCapThousandths } from "./rescind.ts";
import type { AllocationPlan, AllocatorView, OutstandingOffer, PlannedOffer } from "./types.ts";

/** Every broken rule, one sentence each; empty when the plan is sound. */
export function planProblems(view: AllocatorView, plan: AllocationPlan, nowMs: number): string[] {
  const problems: string[] = [];
  const rescinded = rescindedOffers(view, plan, problems);
  checkOffers(view, plan, nowMs, problems);
  checkAgents(view, plan, rescinded, problems);
  checkFrameworkLimits(view, plan, rescinded, problems);
  checkQuotas(view, plan, rescinded, problems);
  return problems;
}

function rescindedOffers(view: AllocatorView, plan: AllocationPlan, problems: string[]): OutstandingOffer[] {
  const byId = new Map(view.outstandingOffers.map((offer) => [offer.offerId, offer]));
  const out: OutstandingOffer[] = [];
  const seen = new Set<string>();
  for (const rescind of plan.rescinds) {
    const offer = byId.get(rescind.offerId);
    if (offer === undefined) problems.push(`rescind of unknown offer ${rescind.offerId}`);
    else if (seen.has(rescind.offerId)) problems.push(`offer ${rescind.offerId} rescinded twice`);
    else out.push(offer);
    seen.add(rescind.offerId);
    if (offer !== undefined && rescind.reason.kind === "role-inactive" && !view.inactiveRoles.has(offer.role)) {
      problems.push(`offer ${offer.offerId} rescinded for an inactive role but ${offer.role} is active`);
    }
  }
  return out;
}

function checkOffers(view: AllocatorView, plan: AllocationPlan, nowMs: number, problems: string[]): void {
  const frameworks = new Map(view.frameworks.map((framework) => [framework.id, framework]));
  const keys = new Set<string>();
  for (const offer of plan.offers) {
    const where = `offer to ${offer.frameworkId} on ${offer.agentId} in ${offer.role}`;
    const framework = frameworks.get(offer.frameworkId);
    const roles = framework?.capabilities.multiRole ? framework.roles : framework?.roles.slice(0, 1);
    if (framework === undefined || !framework.active) problems.push(`${where}: framework unknown or inactive`);
    else if (!roles?.includes(offer.role)) problems.push(`${where}: framework is not in that role`);
    else if (framework.suppressedRoles.has(offer.role)) problems.push(`${where}: role suppressed`);
    if (offer.resources.isEmpty()) problems.push(`${where}: empty`);
    for (const resource of offer.resources) {
      if (resource.role === unreservedRole) continue;
      if (resource.role !== offer.role) problems.push(`${where}: holds resources reserved for ${resource.role}`);
      else if (view.inactiveRoles.has(offer.role)) problems.push(`${where}: holds reservations of an inactive role`);
    }
    if (!meetsMinimum(view, offer.resources)) problems.push(`${where}: below --min_allocatable_resources`);
    if (isFiltered(view, offer, nowMs)) problems.push(`${where}: filtered by a decline`);
    const key = `${offer.frameworkId} ${offer.agentId} ${offer.role}`;
    if (keys.has(key)) problems.push(`${where}: more than one offer`);
    keys.add(key);
  }
}

function meetsMinimum(view: AllocatorView, resources: Resources): boolean {
  if (view.minAllocatable.length === 0) return true;
  return view.minAllocatable.some((alternative) =>
    alternative.every((q) => quantityThousandths(resources, q.name) >= q.quantityThousandths),
  );
}

function quantityThousandths(resources: Resources, name: string): number {
  let total = 0;
  for (const resource of resources) {
    if (resource.name !== name) continue;
    if (resource.type === "SCALAR") total += resource.thousandths;
    else if (resource.type === "RANGES") total += 1000 * countRanges(resource.ranges);
    else total += 1000 * resource.items.length;
  }
  return total;
}

function isFiltered(view: AllocatorView, offer: PlannedOffer, nowMs: number): boolean {
  return (view.filtersByAgent.get(offer.agentId) ?? []).some(
    (f) => f.frameworkId === offer.frameworkId && f.role === offer.role && nowMs < f.expiresAtMs && f.refused.contains(offer.resources),
  );
}

function checkAgents(view: AllocatorView, plan: AllocationPlan, rescinded: OutstandingOffer[], problems: string[]): void {
  const offered = new Map<string, Resources>();
  for (const offer of plan.offers) offered.set(offer.agentId, (offered.get(offer.agentId) ?? Resources.EMPTY).plus(offer.resources));
  const rescindedCpus = new Map<string, number>();
  for (const offer of rescinded) {
    rescindedCpus.set(offer.agentId, (rescindedCpus.get(offer.agentId) ?? 0) + offer.resources.scalarThousandths("cpus"));
  }
  const agents = new Map(view.agents.map((agent) => [agent.id, agent]));
  for (const [agentId, resources] of offered) {
    const agent = agents.get(agentId);
    if (agent === undefined || !agent.offerable) {
      problems.push(`offers on agent ${agentId}, which is unknown or not offerable`);
      continue;
    }
    if (!agent.available.contains(resources)) problems.push(`agent ${agentId}: offered ${resources} but has ${agent.available}`);
    const cpus = resources.scalarThousandths("cpus");
    const inUse = agent.cpusInUseThousandths - (rescindedCpus.get(agentId) ?? 0) + cpus;
    const cap = cpusCapThousandths(agent.physicalCpus, view.maxOversubscription);
    if (cpus > 0 && inUse > cap) problems.push(`agent ${agentId}: ${inUse / 1000} cpus in use past its cap of ${cap / 1000}`);
  }
}

function checkFrameworkLimits(view: AllocatorView, plan: AllocationPlan, rescinded: OutstandingOffer[], problems: string[]): void {
  const delta = new Map<string, number>();
  for (const offer of plan.offers) delta.set(offer.frameworkId, (delta.get(offer.frameworkId) ?? 0) + 1);
  const gone = new Map<string, number>();
  for (const offer of rescinded) gone.set(offer.frameworkId, (gone.get(offer.frameworkId) ?? 0) + 1);
  for (const framework of view.frameworks) {
    const made = delta.get(framework.id) ?? 0;
    const total = framework.outstandingOffers - (gone.get(framework.id) ?? 0) + made;
    if (made > 0 && total > view.offersPerFrameworkMax) {
      problems.push(`framework ${framework.id}: ${total} outstanding offers, limit ${view.offersPerFrameworkMax}`);
    }
  }
}

function checkQuotas(view: AllocatorView, plan: AllocationPlan, rescinded: OutstandingOffer[], problems: string[]): void {
  for (const [role, limits] of view.quotaLimits) {
    const offers = plan.offers.filter((offer) => offer.role === role);
    for (const name of limits.names()) {
      const offered = offers.reduce((sum, offer) => sum + offer.resources.scalarThousandths(name), 0);
      if (offered === 0) continue;
      let consumed = offered;
      for (const a of view.allocations) if (a.role === role) consumed += a.resources.scalarThousandths(name);
      for (const o of rescinded) if (o.role === role) consumed -= o.resources.scalarThousandths(name);
      const limit = limits.scalarThousandths(name);
      if (consumed > limit) problems.push(`role ${role}: ${name} ${consumed / 1000} past its quota of ${limit / 1000}`);
    }
  }
}

// Which outstanding offers to take back before allocating: those holding resources reserved for
// a role whose schedule window has closed, those of a role whose consumption is past a (lowered)
// quota limit, and those on an agent whose cpus in use are past its oversubscription cap.
// When several offers could go, the newest go first: they are the least likely to be in use by a
// scheduler that is about to accept.

import { unreservedRole } from "../resources/index.ts";
import type { AgentView, AllocatorView, OutstandingOffer, PlannedRescind, RescindReason } from "./types.ts";

export interface RescindOutcome {
  readonly rescinds: readonly PlannedRescind[];
  /** The same offers, for the context to take out of shares, counts and cpus in use. */
  readonly rescinded: readonly OutstandingOffer[];
}

/** The cpus cap of an agent in thousandths; Infinity when either factor is unbounded. */
export function cpusCapThousandths(physicalCpus: number, maxOversubscription: number): number {
  const cap = physicalCpus * maxOversubscription;
  if (!Number.isFinite(cap)) return Number.POSITIVE_INFINITY;
  // Round to millionths first so 3 x 1.1 counts as 3.3 and not 3.2999999999999998.
  return Math.floor(Math.round(cap * 1_000_000) / 1000);
}

export function planRescinds(view: AllocatorView): RescindOutcome {
  const chosen = new Map<OutstandingOffer, RescindReason>();
  for (const offer of view.outstandingOffers) {
    if (view.inactiveRoles.has(offer.role) && holdsReserved(offer)) chosen.set(offer, { kind: "role-inactive" });
  }
  rescindPastQuota(view, chosen);
  rescindPastCap(view, chosen);
  const rescinds: PlannedRescind[] = [];
  const rescinded: OutstandingOffer[] = [];
  // Report in the view's order so the plan does not depend on which rule found an offer first.
  for (const offer of view.outstandingOffers) {
    const reason = chosen.get(offer);
    if (reason === undefined) continue;
    const { offerId, frameworkId, agentId, role } = offer;
    rescinds.push({ offerId, frameworkId, agentId, role, reason });
    rescinded.push(offer);
  }
  return { rescinds, rescinded };
}

function holdsReserved(offer: OutstandingOffer): boolean {
  for (const resource of offer.resources) if (resource.role !== unreservedRole) return true;
  return false;
}

function rescindPastQuota(view: AllocatorView, chosen: Map<OutstandingOffer, RescindReason>): void {
  if (view.quotaLimits.size === 0) return;
  const consumed = new Map<string, Map<string, number>>();
  for (const [role, limits] of view.quotaLimits) {
    const byName = new Map<string, number>();
    for (const resource of limits) if (resource.type === "SCALAR") byName.set(resource.name, 0);
    consumed.set(role, byName);
  }
  for (const allocation of view.allocations) {
    const byName = consumed.get(allocation.role);
    if (byName === undefined) continue;
    for (const [name, thousandths] of byName) byName.set(name, thousandths + allocation.resources.scalarThousandths(name));
  }
  for (const offer of chosen.keys()) {
    const byName = consumed.get(offer.role);
    if (byName !== undefined) subtractScalars(byName, offer);
  }
  for (let i = view.outstandingOffers.length - 1; i >= 0; i--) {
    const offer = view.outstandingOffers[i]!;
    const byName = consumed.get(offer.role);
    if (byName === undefined || chosen.has(offer)) continue;
    const limits = view.quotaLimits.get(offer.role)!;
    for (const [name, thousandths] of byName) {
      const limitThousandths = limits.scalarThousandths(name);
      if (thousandths > limitThousandths && offer.resources.scalarThousandths(name) > 0) {
        chosen.set(offer, { kind: "quota-exceeded", resourceName: name, limitThousandths });
        subtractScalars(byName, offer);
        break;
      }
    }
  }
}

function subtractScalars(byName: Map<string, number>, offer: OutstandingOffer): void {
  for (const [name, thousandths] of byName) byName.set(name, thousandths - offer.resources.scalarThousandths(name));
}

function rescindPastCap(view: AllocatorView, chosen: Map<OutstandingOffer, RescindReason>): void {
  const overCap = new Map<string, { agent: AgentView; capThousandths: number; inUseThousandths: number }>();
  for (const agent of view.agents) {
    const capThousandths = cpusCapThousandths(agent.physicalCpus, view.maxOversubscription);
    if (agent.cpusInUseThousandths > capThousandths) {
      overCap.set(agent.id, { agent, capThousandths, inUseThousandths: agent.cpusInUseThousandths });
    }
  }
  if (overCap.size === 0) return;
  for (const offer of view.outstandingOffers) {
    const entry = overCap.get(offer.agentId);
    if (entry !== undefined && chosen.has(offer)) entry.inUseThousandths -= offer.resources.scalarThousandths("cpus");
  }
  for (let i = view.outstandingOffers.length - 1; i >= 0; i--) {
    const offer = view.outstandingOffers[i]!;
    const entry = overCap.get(offer.agentId);
    if (entry === undefined || chosen.has(offer) || entry.inUseThousandths <= entry.capThousandths) continue;
    const cpus = offer.resources.scalarThousandths("cpus");
    if (cpus === 0) continue;
    chosen.set(offer, {
      kind: "oversubscription-cap",
      cpusCapThousandths: entry.capThousandths,
      cpusInUseThousandths: entry.inUseThousandths,
    });
    entry.inUseThousandths -= cpus;
  }
}

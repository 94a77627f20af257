// The allocator's input (a read-only snapshot the master builds, usually through AllocatorState)
// and its output (a plan the master applies after re-checking its own state). Every Resources
// value here is immutable; every scalar quantity is an integer count of thousandths.

import type { Resources } from "../resources/index.ts";

/** One agent as the allocator sees it. */
export interface AgentView {
  readonly id: string;
  /** Carried for logs and debugging; the allocator never decides on it. */
  readonly hostname: string;
  /** Total minus allocated (tasks) minus offered (outstanding offers). */
  readonly available: Resources;
  /**
   * Cores of the machine itself, whatever `--resources` advertises. The cpus allocated plus
   * offered on the agent never pass `physicalCpus x maxOversubscription`. Infinity means no cap.
   */
  readonly physicalCpus: number;
  /** Cpus of every role allocated to tasks or held in outstanding offers, in thousandths. */
  readonly cpusInUseThousandths: number;
  /**
   * False while the agent is deactivated, draining, in maintenance or outside the whitelist. Such
   * an agent stays in the view (its resources still count in the cluster totals that DRF shares
   * divide by, as in Mesos) but gets no new offers.
   */
  readonly offerable: boolean;
}

/** Framework capabilities the allocator acts on. */
export interface FrameworkCapabilities {
  /** MULTI_ROLE: without it only the first role counts (Mesos allows one role then). */
  readonly multiRole: boolean;
}

export interface FrameworkView {
  readonly id: string;
  readonly roles: readonly string[];
  /** Roles the framework suppressed offers for (SUPPRESS); REVIVE removes them. */
  readonly suppressedRoles: ReadonlySet<string>;
  /** Offers the framework holds now; at `offersPerFrameworkMax` it gets no more. */
  readonly outstandingOffers: number;
  /** False while the framework is disconnected or failing over: no offers. */
  readonly active: boolean;
  readonly capabilities: FrameworkCapabilities;
}

/** What one framework holds in one role, summed over agents: the input of the DRF shares. */
export interface AllocationView {
  readonly frameworkId: string;
  readonly role: string;
  /**
   * Scalar quantities allocated to tasks plus held in outstanding offers, whatever their
   * reservation (AllocatorState reports them as unreserved). Ranges and sets are left out: port
   * ranges on different agents overlap, so they do not add up, and DRF ignores them anyway.
   */
  readonly resources: Resources;
  /** Offers made so far to this framework in this role; DRF breaks equal shares with it. */
  readonly allocationCount: number;
}

/** A decline filter: the framework refused `refused` on this agent in this role. */
export interface OfferFilter {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  /** The filter applies only while what would be offered is a subset of this. */
  readonly refused: Resources;
  /** The filter applies while nowMs < expiresAtMs. */
  readonly expiresAtMs: number;
}

/** An offer the master has made and that is still neither accepted, declined nor rescinded. */
export interface OutstandingOffer {
  readonly offerId: string;
  readonly frameworkId: string;
  readonly agentId: string;
  /** The role the resources are allocated to (Mesos `allocation_info.role`). */
  readonly role: string;
  readonly resources: Resources;
}

/**
 * One quantity of a `--min_allocatable_resources` alternative. For a scalar the quantity is its
 * value; for ranges and sets it is the number of instances (`ports:2` means two ports). Kept in
 * thousandths so both compare the same way.
 */
export interface ResourceQuantity {
  readonly name: string;
  readonly quantityThousandths: number;
}

/** An offer is made only if it holds every quantity of at least one alternative. */
export type MinAllocatableAlternative = readonly ResourceQuantity[];

/** The read-only snapshot one allocation cycle decides on. */
export interface AllocatorView {
  /** Seeds the agent shuffle; the same view with the same seed gives the same plan. */
  readonly seed: number;
  readonly agents: readonly AgentView[];
  readonly frameworks: readonly FrameworkView[];
  /** One entry per (framework, role) holding anything or having been offered before. */
  readonly allocations: readonly AllocationView[];
  /** Cluster total of each scalar over every agent, offerable or not; DRF's denominators. */
  readonly totalThousandths: ReadonlyMap<string, number>;
  /** Role weights; a role not listed weighs 1. */
  readonly weights: ReadonlyMap<string, number>;
  /**
   * Quota limits: a role's allocated plus offered scalars (reserved and unreserved alike) never
   * pass these. Scalars a limit does not name are unlimited; non-scalars are never limited.
   */
  readonly quotaLimits: ReadonlyMap<string, Resources>;
  /** Decline filters grouped by agent id; expired ones are ignored. */
  readonly filtersByAgent: ReadonlyMap<string, readonly OfferFilter[]>;
  /** `--min_allocatable_resources`; an empty list admits any non-empty offer. */
  readonly minAllocatable: readonly MinAllocatableAlternative[];
  readonly offersPerFrameworkMax: number;
  /**
   * Roles outside their schedule window right now. Resources reserved for such a role are not
   * offered and outstanding offers holding them are rescinded; unreserved resources still go to
   * the role's frameworks like to any other role's.
   */
  readonly inactiveRoles: ReadonlySet<string>;
  /** Cap factor on cpus per agent (see AgentView.physicalCpus); Infinity disables the cap. */
  readonly maxOversubscription: number;
  /** In the order the master made them, oldest first. */
  readonly outstandingOffers: readonly OutstandingOffer[];
}

/** An offer the plan asks the master to make. */
export interface PlannedOffer {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  /** Reserved entries are always reserved for `role`; the rest are unreserved (`*`). */
  readonly resources: Resources;
}

/** Why an outstanding offer is rescinded. */
export type RescindReason =
  | { readonly kind: "role-inactive" }
  | {
      readonly kind: "oversubscription-cap";
      readonly cpusCapThousandths: number;
      readonly cpusInUseThousandths: number;
    }
  | { readonly kind: "quota-exceeded"; readonly resourceName: string; readonly limitThousandths: number };

export interface PlannedRescind {
  readonly offerId: string;
  readonly frameworkId: string;
  readonly agentId: string;
  readonly role: string;
  readonly reason: RescindReason;
}

/**
 * The outcome of one cycle. The master applies rescinds first, then offers, re-checking each
 * offer against the agent's current available resources. Rescinded resources are not re-offered
 * in the same plan; the next cycle sees them as available.
 */
export interface AllocationPlan {
  readonly rescinds: readonly PlannedRescind[];
  /** In the order they were decided (agents in shuffled order). */
  readonly offers: readonly PlannedOffer[];
}

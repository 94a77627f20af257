// What the master tells observability about itself, as typed calls with plain data. Nothing here
// imports OpenTelemetry: observability/observers implements MasterObserver with spans and
// instruments, and `noopMasterObserver` is the default (tests, OTEL_SDK_DISABLED=true).
//
// The allocation cycle runs every second with up to tens of thousands of offers, so the calls on
// that path are cheap by construction: one call per cycle at its start and one at its end (with
// the offers made, for the observer to count in one pass), and per offer only a reference to the
// cycle's handle stored on the OfferEntry. An offer's span is the observer's business; it may
// create it when the offer ends, with the creation time as its start.

import type { TaskState } from "../wire/index.ts";
import type { RoleWindowEvent } from "./role-schedule-keeper.ts";

declare const traceRefBrand: unique symbol;

/**
 * A handle the observer gives out and takes back (a cycle's span, an ended offer's span, a
 * scheduler call's span). Opaque to the master, which only stores and passes it.
 */
export type TraceRef = { readonly [traceRefBrand]: true };

/**
 * How an offer ended. Every offer ends exactly once, in Master.endOffer:
 * - accepted: an ACCEPT used it (whatever became of the operations);
 * - declined: a DECLINE returned it;
 * - rescinded: the master took it back (allocator plan, role window closed, agent deactivated,
 *   drained or in maintenance, the master stopped leading);
 * - expired: --offer_timeout passed;
 * - agent_lost: its agent disconnected, became unreachable, re-registered or was marked gone;
 * - framework_gone: its framework disconnected or was torn down;
 * - invalid: an ACCEPT named it together with offers that were gone or of another agent or role.
 */
export type OfferOutcome = "accepted" | "declined" | "rescinded" | "expired" | "agent_lost" | "framework_gone" | "invalid";

export const offerOutcomes: readonly OfferOutcome[] = ["accepted", "declined", "rescinded", "expired", "agent_lost", "framework_gone", "invalid"];

export interface OfferEnding {
  readonly outcome: OfferOutcome;
  /** Why, in words, for rescinds and invalid accepts: "agent unreachable", "role window closed". */
  readonly reason?: string;
  /** The refuse filter the framework asked for (declined, or what an accept left unused). */
  readonly refuseSeconds?: number;
  /** The scheduler call that ended it, when that call is traced. */
  readonly call?: TraceRef;
}

/** What the allocator looked at and what came of it. */
export interface AllocationCycleSummary {
  readonly agentsConsidered: number;
  readonly frameworksConsidered: number;
  readonly rescinds: number;
  readonly durationMs: number;
}

/** The facts of one offer the observer needs; the master's OfferEntry has them. */
export interface ObservedOffer {
  readonly id: string;
  readonly frameworkId: string;
  readonly frameworkName: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly role: string;
  readonly resources: { scalar(name: string): number; ranges(name: string): readonly { begin: number; end: number }[] };
  /** Monotonic ms (the master's clock) when the offer was made. */
  readonly createdMonoMs: number;
  /** The handle cycleStarted returned for the cycle that made the offer. */
  readonly cycle: TraceRef | undefined;
}

export interface TaskLaunchFacts {
  /** The offers the ACCEPT used, first one first; each with the handle offerEnded returned. */
  readonly offers: readonly { readonly offer: ObservedOffer; readonly ended: TraceRef | undefined }[];
  readonly frameworkId: string;
  readonly frameworkName: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly role: string;
  readonly taskIds: readonly string[];
  readonly call: TraceRef | undefined;
}

export interface TaskLaunchTrace {
  /** W3C traceparent for RUN_TASKS, so the agent's task spans join the trace. */
  readonly traceparent: string | undefined;
  /** For the "launching tasks" log line. */
  readonly traceId: string | undefined;
  /** Ends the launch span: `sent` says whether RUN_TASKS reached a connected agent. */
  end(sent: boolean): void;
}

export interface LeadershipChange {
  readonly leading: boolean;
  readonly kind: "standalone" | "zookeeper" | "raft";
  readonly masterId: string;
  /** `host:port` of the leader when following and one is known. */
  readonly leader: string | undefined;
}

/** Read at each metrics collection; see masterGauges (gauges.ts). */
export interface MasterStateSource {
  /** Whether this process leads and the epoch it leads with. */
  leadership(): { readonly leading: boolean; readonly epoch: number | undefined };
  /** The leader's state, undefined while following. */
  gauges(): MasterGauges | undefined;
}

/** Scalars of one set of resources; memory and disk in MB as Mesos counts them. */
export interface ResourceAmounts {
  cpus: number;
  memMb: number;
  diskMb: number;
}

export interface RoleGauges {
  readonly role: string;
  readonly reserved: ResourceAmounts;
  readonly offered: ResourceAmounts;
  readonly allocated: ResourceAmounts;
  /** Only for roles a schedule lists: whether the role's window is open now. */
  readonly windowOpen: boolean | undefined;
}

export interface AgentGauges {
  readonly agentId: string;
  readonly hostname: string;
  readonly total: ResourceAmounts;
  readonly reserved: ResourceAmounts;
  readonly offered: ResourceAmounts;
  readonly allocated: ResourceAmounts;
  /** Cpus allocated to tasks over the machine's physical cpus. */
  readonly oversubscriptionRatio: number;
}

export type AgentGaugeState = "active" | "inactive" | "disconnected" | "unreachable";
export type FrameworkGaugeState = "active" | "inactive" | "disconnected";

export interface MasterGauges {
  readonly agentsByState: ReadonlyMap<AgentGaugeState, number>;
  readonly frameworksByState: ReadonlyMap<FrameworkGaugeState, number>;
  /** Tasks the master tracks now, by state. */
  readonly tasksByState: ReadonlyMap<TaskState, number>;
  /** Transitions into each state since this master was elected (Mesos's master/tasks_* counters). */
  readonly taskTransitions: ReadonlyMap<TaskState, number>;
  readonly outstandingOffers: number;
  readonly cluster: { readonly total: ResourceAmounts; readonly reserved: ResourceAmounts; readonly offered: ResourceAmounts; readonly allocated: ResourceAmounts };
  readonly roles: readonly RoleGauges[];
  /** Agents that are not unreachable. */
  readonly agents: readonly AgentGauges[];
  /** The role schedule's cap, undefined without a schedule. */
  readonly maxOversubscription: number | undefined;
}

export interface MasterObserver {
  /** Called once per master process; the observer reads state through it when metrics are collected. */
  bind(source: MasterStateSource): void;
  /** The process starts or stops leading; the returned function is called once the change is applied. */
  leadershipChanging(change: LeadershipChange): (done: { epoch: number | undefined; error: unknown }) => void;
  cycleStarted(): TraceRef | undefined;
  /** `offers`: those the cycle made (each carries the cycle handle). */
  cycleEnded(cycle: TraceRef | undefined, offers: readonly ObservedOffer[], summary: AllocationCycleSummary): void;
  /** Called exactly once per offer made, from Master.endOffer; returns a handle for taskLaunch. */
  offerEnded(offer: ObservedOffer, ending: OfferEnding): TraceRef | undefined;
  /** A scheduler call (other than SUBSCRIBE) arrived; `traceparent` is its W3C header, if any. */
  schedulerCallStarted(type: string, frameworkId: string, traceparent: string | undefined): TraceRef | undefined;
  schedulerCallEnded(call: TraceRef | undefined, status: number): void;
  /** RUN_TASKS is about to go to an agent; the result's end() is called once it went (or not). */
  taskLaunch(facts: TaskLaunchFacts): TaskLaunchTrace;
  roleWindowChanged(event: RoleWindowEvent): void;
}

const noopLaunch: TaskLaunchTrace = { traceparent: undefined, traceId: undefined, end: () => {} };
const noopLeadershipDone = (): void => {};

export const noopMasterObserver: MasterObserver = {
  bind: () => {},
  leadershipChanging: () => noopLeadershipDone,
  cycleStarted: () => undefined,
  cycleEnded: () => {},
  offerEnded: () => undefined,
  schedulerCallStarted: () => undefined,
  schedulerCallEnded: () => {},
  taskLaunch: () => noopLaunch,
  roleWindowChanged: () => {},
};

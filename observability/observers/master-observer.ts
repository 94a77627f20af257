// MasterObserver with OpenTelemetry: spans for allocation cycles, offers, traced scheduler calls,
// task launches, leadership changes and role window changes; instruments for offers, cycles,
// leadership, and observable gauges read from the master's state at collection time.
//
// Offer spans are made when the offer ends, with the offer's creation as start time and the
// cycle's span as parent: an allocation cycle making 10,000 offers then costs the observer one
// pass to count them, not 10,000 live spans, and an offer that never ends cannot exist (the
// master ends every offer in one place, Master.endOffer).

import {
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Meter,
  type Span,
  type SpanContext,
  type Tracer,
} from "@opentelemetry/api";
import type {
  AllocationCycleSummary,
  LeadershipChange,
  MasterGauges,
  MasterObserver,
  MasterStateSource,
  ObservedOffer,
  OfferEnding,
  ResourceAmounts,
  TaskLaunchFacts,
  TaskLaunchTrace,
  TraceRef,
  OfferOutcome,
  RoleWindowEvent,
} from "../../internal/master/index.ts";
import type { Clock } from "../../internal/runtime/index.ts";
import { attributeSetsCachedMax, AttributeSets, bytesPerMb, keyOf, latencyHistogram } from "./attribute-sets.ts";
import { hrNow, hrTimeOfMs } from "./span-time.ts";

/** Span events per role window span (one per rescinded offer or revoked task); the rest are counted. */
export const roleWindowSpanEventsMax = 100;
/**
 * Agents whose series one collection observes before giving the event loop a turn: at 10,000
 * agents a collection observes 130,000 series, which would otherwise block the master for ~200 ms.
 */
export const agentsObservedPerTurnMax = 500;
/** Offers made and not yet counted (they are counted when metrics are collected) before cycleEnded counts them itself. */
export const offersCountedLaterMax = 50_000;
/** Task ids listed on a task.launch span; a RUN_TASKS may carry many more. */
export const launchSpanTaskIdsMax = 32;

export interface MasterObserverOptions {
  meter: Meter;
  tracer: Tracer;
  /** The master's clock: every span's times are read from it (offer spans start at the offer's creation on it). */
  clock: Clock;
  /** Per-agent series (`cluster_agent_*`, 13 per agent); default true (--metrics_per_agent). */
  perAgentSeries?: boolean;
}

/** What cycleStarted hands out as the cycle's TraceRef. */
interface CycleState {
  readonly span: Span;
  readonly context: Context;
  readonly recording: boolean;
  readonly wallStartMs: number;
  readonly monoStartMs: number;
}

const asRef = (value: object): TraceRef => value as unknown as TraceRef;
const cycleOf = (ref: TraceRef | undefined): CycleState | undefined => ref as unknown as CycleState | undefined;
const spanContextOf = (ref: TraceRef | undefined): SpanContext | undefined => ref as unknown as SpanContext | undefined;
const spanOf = (ref: TraceRef | undefined): Span | undefined => ref as unknown as Span | undefined;

export function createMasterObserver(options: MasterObserverOptions): MasterObserver {
  return new OtelMasterObserver(options);
}

class OtelMasterObserver implements MasterObserver {
  private readonly tracer: Tracer;
  private readonly clock: Clock;
  private readonly sets = new AttributeSets();
  private readonly offerLabels = new OfferLabelCache();
  /** Offers made by cycles since the last collection, counted then (see cycleEnded). */
  private readonly createdPending: (readonly ObservedOffer[])[] = [];
  private createdPendingCount = 0;
  private readonly createdTotals = new Map<string, { attributes: Attributes; count: number }>();
  private readonly offersEnded;
  private readonly decisionDuration;
  private readonly cycleDuration;
  private readonly leaderChanges;
  private readonly windowChanges;

  constructor(options: MasterObserverOptions) {
    const { meter } = options;
    this.tracer = options.tracer;
    this.clock = options.clock;
    const offersCreated = meter.createObservableCounter("cluster.offer.created", { description: "Offers made to frameworks, by role and framework.", unit: "{offer}" });
    offersCreated.addCallback((result) => {
      this.countCreated();
      for (const { attributes, count } of this.createdTotals.values()) result.observe(count, attributes);
    });
    this.offersEnded = meter.createCounter("cluster.offer.ended", {
      description: "Offers that ended, by role, framework and outcome (accepted, declined, rescinded, expired, agent_lost, framework_gone, invalid).",
      unit: "{offer}",
    });
    this.decisionDuration = latencyHistogram(meter, "cluster.offer.decision.duration", "Time from an offer's creation to the framework's ACCEPT or DECLINE.");
    this.cycleDuration = latencyHistogram(meter, "cluster.allocation.cycle.duration", "Duration of one allocation cycle: view, allocate, rescinds and offers sent.");
    this.leaderChanges = meter.createCounter("cluster.master.leader_changes", { description: "Times this master process was elected or deposed.", unit: "{change}" });
    this.windowChanges = meter.createCounter("cluster.role.window.changes", { description: "Role schedule windows opened and closed, by role.", unit: "{change}" });
    this.gaugeSource = undefined;
    registerMasterGauges(meter, () => this.gaugeSource, options.perAgentSeries ?? true);
  }

  private gaugeSource: MasterStateSource | undefined;

  bind(source: MasterStateSource): void {
    this.gaugeSource = source;
  }

  leadershipChanging(change: LeadershipChange): (done: { epoch: number | undefined; error: unknown }) => void {
    this.leaderChanges.add(1, this.sets.get(change.leading ? "elected" : "deposed", () => ({ change: change.leading ? "elected" : "deposed" })));
    const span = this.tracer.startSpan("master.leadership", {
      root: true,
      startTime: hrNow(this.clock),
      attributes: {
        "master.id": change.masterId,
        "master.leading": change.leading,
        "master.election.kind": change.kind,
        ...(change.leader !== undefined ? { "master.leader": change.leader } : {}),
      },
    });
    return ({ epoch, error }) => {
      if (epoch !== undefined) span.setAttribute("master.epoch", epoch);
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error), hrNow(this.clock));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end(hrNow(this.clock));
    };
  }

  cycleStarted(): TraceRef | undefined {
    const wallStartMs = this.clock.nowMs();
    const span = this.tracer.startSpan("allocation.cycle", { root: true, startTime: hrTimeOfMs(wallStartMs) });
    const state: CycleState = {
      span,
      context: trace.setSpan(ROOT_CONTEXT, span),
      recording: span.isRecording(),
      wallStartMs,
      monoStartMs: this.clock.monotonicMs(),
    };
    return asRef(state);
  }

  cycleEnded(ref: TraceRef | undefined, offers: readonly ObservedOffer[], summary: AllocationCycleSummary): void {
    this.cycleDuration.record(summary.durationMs / 1000);
    // Counting 10,000 offers by role and framework costs ~1 ms, 5% of such a cycle: it is done
    // when metrics are collected instead (or here once too many wait).
    if (offers.length > 0) {
      this.createdPending.push(offers);
      this.createdPendingCount += offers.length;
      if (this.createdPendingCount > offersCountedLaterMax) this.countCreated();
    }
    const cycle = cycleOf(ref);
    if (cycle === undefined) return;
    if (cycle.recording) {
      cycle.span.setAttributes({
        "allocation.agents": summary.agentsConsidered,
        "allocation.frameworks": summary.frameworksConsidered,
        "allocation.offers": offers.length,
        "allocation.rescinds": summary.rescinds,
      });
    }
    cycle.span.end(hrTimeOfMs(cycle.wallStartMs + summary.durationMs));
  }

  private countCreated(): void {
    for (const offers of this.createdPending) {
      for (const offer of offers) {
        const key = keyOf(offer.frameworkId, offer.role);
        const total = this.createdTotals.get(key);
        if (total === undefined) this.createdTotals.set(key, { attributes: this.offerLabels.of(offer).created, count: 1 });
        else total.count += 1;
      }
    }
    this.createdPending.length = 0;
    this.createdPendingCount = 0;
  }

  offerEnded(offer: ObservedOffer, ending: OfferEnding): TraceRef | undefined {
    const { outcome } = ending;
    const labels = this.offerLabels.of(offer);
    this.offersEnded.add(1, (labels.ended[outcome] ??= Object.freeze({ ...labels.created, outcome })));
    if (outcome === "accepted" || outcome === "declined") {
      const seconds = Math.max(0, this.clock.monotonicMs() - offer.createdMonoMs) / 1000;
      this.decisionDuration.record(seconds, (labels.decision[outcome] ??= Object.freeze({ role: offer.role, outcome })));
    }
    const cycle = cycleOf(offer.cycle);
    if (cycle === undefined) return undefined;
    // Unsampled: no span to make, but the cycle's context still travels (flag 00) so the
    // agent does not sample the launch either.
    if (!cycle.recording) return asRef(cycle.span.spanContext());
    const links: Link[] = [];
    const call = spanOf(ending.call);
    if (call !== undefined) links.push({ context: call.spanContext() });
    const span = this.tracer.startSpan(
      "offer",
      { startTime: hrTimeOfMs(cycle.wallStartMs + (offer.createdMonoMs - cycle.monoStartMs)), attributes: offerSpanAttributes(offer, ending), links },
      cycle.context,
    );
    span.end(hrNow(this.clock));
    return asRef(span.spanContext());
  }

  schedulerCallStarted(type: string, frameworkId: string, traceparent: string | undefined): TraceRef | undefined {
    if (traceparent === undefined) return undefined;
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent });
    // A malformed header is ignored, as W3C Trace Context says: the call is simply not traced.
    if (trace.getSpanContext(parent) === undefined) return undefined;
    const span = this.tracer.startSpan(
      `scheduler.${type.toLowerCase()}`,
      { kind: SpanKind.SERVER, startTime: hrNow(this.clock), attributes: { "framework.id": frameworkId, "mesos.call.type": type } },
      parent,
    );
    return asRef(span);
  }

  schedulerCallEnded(ref: TraceRef | undefined, status: number): void {
    const span = spanOf(ref);
    if (span === undefined) return;
    span.setAttribute("http.response.status_code", status);
    if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
    span.end(hrNow(this.clock));
  }

  taskLaunch(facts: TaskLaunchFacts): TaskLaunchTrace {
    const parentSpanContext = spanContextOf(facts.offers[0]?.ended);
    const parent = parentSpanContext === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parentSpanContext);
    const links: Link[] = [];
    for (const { ended } of facts.offers.slice(1)) {
      const context = spanContextOf(ended);
      if (context !== undefined) links.push({ context });
    }
    const call = spanOf(facts.call);
    if (call !== undefined) links.push({ context: call.spanContext(), attributes: { "link.kind": "scheduler.call" } });
    const span = this.tracer.startSpan(
      "task.launch",
      {
        kind: SpanKind.PRODUCER,
        startTime: hrNow(this.clock),
        attributes: {
          "framework.id": facts.frameworkId,
          "framework.name": facts.frameworkName,
          "agent.id": facts.agentId,
          "agent.hostname": facts.hostname,
          role: facts.role,
          "offer.ids": facts.offers.map(({ offer }) => offer.id),
          "task.count": facts.taskIds.length,
          "task.ids": facts.taskIds.slice(0, launchSpanTaskIdsMax),
        },
        links,
      },
      parent,
    );
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
    return {
      traceparent: carrier["traceparent"],
      traceId: span.isRecording() ? span.spanContext().traceId : undefined,
      end: (sent) => {
        span.setAttribute("task.sent", sent);
        if (!sent) span.setStatus({ code: SpanStatusCode.ERROR, message: "agent not connected; tasks reconciled when it re-registers" });
        span.end(hrNow(this.clock));
      },
    };
  }

  roleWindowChanged(event: RoleWindowEvent): void {
    const change = event.kind === "role-window-opened" ? "opened" : "closed";
    this.windowChanges.add(1, this.sets.get(keyOf("window", event.role, change), () => ({ role: event.role, change })));
    const span = this.tracer.startSpan("role.window", {
      root: true,
      startTime: hrTimeOfMs(event.atMs),
      attributes: {
        role: event.role,
        "role.window.change": change,
        "role.window.cause": event.cause,
        ...(event.onWindowEnd !== undefined ? { "role.window.on_end": event.onWindowEnd } : {}),
        "role.window.offers_rescinded": event.rescindedOffers.length,
        "role.window.tasks_revoked": event.revokedTasks.length,
        "role.window.tasks_draining": event.drainingTasks.length,
      },
    });
    if (span.isRecording()) addWindowEvents(span, event);
    span.end(hrTimeOfMs(Math.max(event.atMs, event.observedAtMs)));
  }
}

/** The metric attribute sets of one (framework, role), found with two map lookups and no string building. */
interface OfferLabels {
  readonly created: Attributes;
  readonly ended: Partial<Record<OfferOutcome, Attributes>>;
  readonly decision: Partial<Record<OfferOutcome, Attributes>>;
}

class OfferLabelCache {
  private readonly byFramework = new Map<string, Map<string, OfferLabels>>();
  private size = 0;

  of(offer: ObservedOffer): OfferLabels {
    let roles = this.byFramework.get(offer.frameworkId);
    if (roles === undefined) {
      // Frameworks come and go; past the limit the cache starts over rather than grow.
      if (this.size >= attributeSetsCachedMax) {
        this.byFramework.clear();
        this.size = 0;
      }
      this.byFramework.set(offer.frameworkId, (roles = new Map()));
    }
    let labels = roles.get(offer.role);
    if (labels === undefined) {
      const created = Object.freeze({ role: offer.role, "framework.id": offer.frameworkId, "framework.name": offer.frameworkName });
      roles.set(offer.role, (labels = { created, ended: {}, decision: {} }));
      this.size += 1;
    }
    return labels;
  }
}

function addWindowEvents(span: Span, event: RoleWindowEvent): void {
  const observedAt = hrTimeOfMs(event.observedAtMs);
  let budget = roleWindowSpanEventsMax;
  for (const offer of event.rescindedOffers) {
    if (budget-- <= 0) return;
    span.addEvent("offer.rescinded", { "offer.id": offer.offerId, "framework.id": offer.frameworkId, "agent.id": offer.agentId }, observedAt);
  }
  for (const [name, tasks] of [["task.revoked", event.revokedTasks], ["task.draining", event.drainingTasks]] as const) {
    for (const task of tasks) {
      if (budget-- <= 0) return;
      span.addEvent(name, { "task.id": task.taskId, "framework.id": task.frameworkId, "agent.id": task.agentId }, observedAt);
    }
  }
}

function offerSpanAttributes(offer: ObservedOffer, ending: OfferEnding): Attributes {
  const attributes: Attributes = {
    "offer.id": offer.id,
    "agent.id": offer.agentId,
    "agent.hostname": offer.hostname,
    "framework.id": offer.frameworkId,
    "framework.name": offer.frameworkName,
    role: offer.role,
    cpus: offer.resources.scalar("cpus"),
    mem: offer.resources.scalar("mem"),
    disk: offer.resources.scalar("disk"),
    ports: offer.resources.ranges("ports").map((range) => (range.begin === range.end ? `${range.begin}` : `${range.begin}-${range.end}`)).join(","),
    // Offers never hold revocable resources: the agent does not advertise any.
    revocable: false,
    outcome: ending.outcome,
  };
  if (ending.refuseSeconds !== undefined) attributes["refuse_seconds"] = ending.refuseSeconds;
  if (ending.reason !== undefined) attributes["offer.end_reason"] = ending.reason;
  return attributes;
}

// ---- gauges read from the master's state at collection time ----

const resourceStates = ["total", "reserved", "offered", "allocated"] as const;

function registerMasterGauges(meter: Meter, source: () => MasterStateSource | undefined, perAgentSeries: boolean): void {
  const elected = meter.createObservableGauge("cluster.master.elected", { description: "1 while this master process leads, 0 while it follows." });
  const term = meter.createObservableGauge("cluster.master.term", { description: "Epoch this master leads with (ZooKeeper sequence or Raft term above their bases; registry counter standalone)." });
  const agents = meter.createObservableGauge("cluster.agents", { description: "Agents known to the leading master, by state.", unit: "{agent}" });
  const frameworks = meter.createObservableGauge("cluster.frameworks", { description: "Frameworks known to the leading master, by state.", unit: "{framework}" });
  const tasks = meter.createObservableGauge("cluster.tasks", { description: "Tasks the leading master tracks, by state.", unit: "{task}" });
  const transitions = meter.createObservableCounter("cluster.task.transitions", { description: "Task state transitions since this master was elected, by new state.", unit: "{transition}" });
  const outstanding = meter.createObservableGauge("cluster.offer.outstanding", { description: "Offers made and not yet ended.", unit: "{offer}" });
  const cpus = meter.createObservableGauge("cluster.cpus", { description: "Cpus of the agents that are not unreachable: total, reserved for roles, offered, allocated to tasks.", unit: "{cpu}" });
  const memory = meter.createObservableGauge("cluster.memory", { description: "Memory of the agents that are not unreachable, by state.", unit: "By" });
  const disk = meter.createObservableGauge("cluster.disk", { description: "Disk of the agents that are not unreachable, by state.", unit: "By" });
  const roleCpus = meter.createObservableGauge("cluster.role.cpus", { description: "Cpus per role: reserved for it, offered to it, allocated to its tasks.", unit: "{cpu}" });
  const roleMemory = meter.createObservableGauge("cluster.role.memory", { description: "Memory per role, by state.", unit: "By" });
  const roleDisk = meter.createObservableGauge("cluster.role.disk", { description: "Disk per role, by state.", unit: "By" });
  const windowOpen = meter.createObservableGauge("cluster.role.window.open", { description: "1 while a scheduled role's window is open, 0 while closed (roles the schedule lists)." });
  const maxOversubscription = meter.createObservableGauge("cluster.role_schedule.max_oversubscription", { description: "The role schedule's cap on cpus allocated over physical cpus per agent.", unit: "1" });
  const agentCpus = meter.createObservableGauge("cluster.agent.cpus", { description: "Cpus per agent, by state (one series per agent and state).", unit: "{cpu}" });
  const agentMemory = meter.createObservableGauge("cluster.agent.memory", { description: "Memory per agent, by state.", unit: "By" });
  const agentDisk = meter.createObservableGauge("cluster.agent.disk", { description: "Disk per agent, by state.", unit: "By" });
  const oversubscription = meter.createObservableGauge("cluster.agent.oversubscription", { description: "Cpus allocated to tasks over the agent's physical cpus.", unit: "1" });
  const agentLabels = new AgentLabelCache();
  const observables = [elected, term, agents, frameworks, tasks, transitions, outstanding, cpus, memory, disk, roleCpus, roleMemory, roleDisk, windowOpen, maxOversubscription, agentCpus, agentMemory, agentDisk, oversubscription];
  meter.addBatchObservableCallback(async (result) => {
    const state = source();
    if (state === undefined) return;
    const leadership = state.leadership();
    result.observe(elected, leadership.leading ? 1 : 0);
    if (leadership.epoch !== undefined) result.observe(term, leadership.epoch);
    const gauges = state.gauges();
    if (gauges === undefined) return;
    observeCounts(result, agents, frameworks, tasks, transitions, gauges);
    result.observe(outstanding, gauges.outstandingOffers);
    for (const s of resourceStates) observeAmounts(result, [cpus, memory, disk], gauges.cluster[s], { state: s });
    for (const role of gauges.roles) {
      for (const s of ["reserved", "offered", "allocated"] as const) observeAmounts(result, [roleCpus, roleMemory, roleDisk], role[s], { role: role.role, state: s });
      if (role.windowOpen !== undefined) result.observe(windowOpen, role.windowOpen ? 1 : 0, { role: role.role });
    }
    if (gauges.maxOversubscription !== undefined) result.observe(maxOversubscription, gauges.maxOversubscription);
    if (!perAgentSeries) return;
    agentLabels.startCollection();
    for (const [index, agent] of gauges.agents.entries()) {
      // 13 observations per agent cost the SDK ~20 us; the event loop gets a turn between chunks.
      if (index > 0 && index % agentsObservedPerTurnMax === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const labels = agentLabels.of(agent.agentId, agent.hostname);
      for (const s of resourceStates) observeAmounts(result, [agentCpus, agentMemory, agentDisk], agent[s], labels.byState[s]);
      result.observe(oversubscription, agent.oversubscriptionRatio, labels.agent);
    }
    agentLabels.forgetUnseen();
  }, observables);
}

interface AgentLabels {
  readonly hostname: string;
  readonly agent: Attributes;
  readonly byState: Readonly<Record<(typeof resourceStates)[number], Attributes>>;
  seen: number;
}

/**
 * Per-agent attribute sets kept from one collection to the next (13 series per agent, so at
 * 10,000 agents that is 130,000 objects not rebuilt each scrape); agents gone are forgotten.
 */
class AgentLabelCache {
  private readonly byAgent = new Map<string, AgentLabels>();
  private collection = 0;

  startCollection(): void {
    this.collection += 1;
  }

  of(agentId: string, hostname: string): AgentLabels {
    let labels = this.byAgent.get(agentId);
    if (labels === undefined || labels.hostname !== hostname) {
      const agent = Object.freeze({ "agent.id": agentId, "agent.hostname": hostname });
      const stateOf = (state: string): Attributes => Object.freeze({ ...agent, state });
      const byState = { total: stateOf("total"), reserved: stateOf("reserved"), offered: stateOf("offered"), allocated: stateOf("allocated") };
      labels = { hostname, agent, byState, seen: 0 };
      this.byAgent.set(agentId, labels);
    }
    labels.seen = this.collection;
    return labels;
  }

  forgetUnseen(): void {
    for (const [agentId, labels] of this.byAgent) if (labels.seen !== this.collection) this.byAgent.delete(agentId);
  }
}

type BatchResult = Parameters<Parameters<Meter["addBatchObservableCallback"]>[0]>[0];
type Observable = Parameters<BatchResult["observe"]>[0];

function observeAmounts(result: BatchResult, [cpus, memory, disk]: readonly [Observable, Observable, Observable], amounts: ResourceAmounts, attributes: Attributes): void {
  result.observe(cpus, amounts.cpus, attributes);
  result.observe(memory, amounts.memMb * bytesPerMb, attributes);
  result.observe(disk, amounts.diskMb * bytesPerMb, attributes);
}

function observeCounts(result: BatchResult, agents: Observable, frameworks: Observable, tasks: Observable, transitions: Observable, gauges: MasterGauges): void {
  for (const [state, count] of gauges.agentsByState) result.observe(agents, count, { state });
  for (const [state, count] of gauges.frameworksByState) result.observe(frameworks, count, { state });
  for (const [state, count] of gauges.tasksByState) result.observe(tasks, count, { state });
  for (const [state, count] of gauges.taskTransitions) result.observe(transitions, count, { state });
}

// The OpenTelemetry master observer on an in-process Master: span names, parents, attributes and
// links, the traceparent handed to RUN_TASKS, a scheduler call joined to its caller's trace,
// role window events, sampling, and the metric names on /metrics. Every span's times come from the
// master's clock (a ManualClock here, far from the real one).

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { context, propagation, ROOT_CONTEXT, trace, type SpanContext } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { accept, decline } from "../../internal/master/accept.ts";
import { registerAgent } from "../../internal/master/agents.ts";
import { subscribe } from "../../internal/master/frameworks.ts";
import type { Master } from "../../internal/master/index.ts";
import { testMaster, testMasterConfig } from "../../internal/master/testing.ts";
import { parseResources } from "../../internal/resources/index.ts";
import { ManualClock, SeededRandom } from "../../internal/runtime/index.ts";
import type { FrameworkInfo, MasterToAgent, TaskInfo } from "../../internal/wire/index.ts";
import { PullMetricReader, serializePrometheusText } from "../telemetry/prometheus-text.ts";
import { createMasterObserver } from "./master-observer.ts";

const startMs = Date.parse("2025-03-09T12:00:00Z");
let exporter: InMemorySpanExporter;
let providers: { stop(): Promise<void> }[] = [];
const masters: Master[] = [];

beforeEach(() => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterEach(async () => {
  for (const m of masters.splice(0)) m.stop();
  for (const p of providers.splice(0)) await p.stop();
  propagation.disable();
  context.disable();
});

interface Setup {
  m: Master;
  clock: ManualClock;
  reader: PullMetricReader;
  toAgent: MasterToAgent[];
  frameworkId: string;
  agentId: string;
}

async function setup(options: { sampled?: boolean } = {}): Promise<Setup> {
  exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...(options.sampled === false ? { sampler: new AlwaysOffSampler() } : {}) });
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  providers.push({ stop: async () => void (await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])) });
  const clock = new ManualClock(startMs);
  const observer = createMasterObserver({ meter: meterProvider.getMeter("test"), tracer: tracerProvider.getTracer("test"), clock });
  const m = testMaster(clock, new SeededRandom(7), { observer, config: testMasterConfig({ offerTimeoutMs: 10_000 }) });
  masters.push(m);
  observer.bind({ leadership: () => ({ leading: true, epoch: m.epoch }), gauges: () => undefined });
  const info = { user: "root", name: "spark", roles: ["*"], capabilities: [{ type: "MULTI_ROLE" }] } as FrameworkInfo;
  const subscribed = await subscribe(m, { type: "SUBSCRIBE", subscribe: { framework_info: info } }, { streamId: "s1", send: () => true, close: () => {} });
  if (!subscribed.ok) throw new Error(subscribed.message);
  const toAgent: MasterToAgent[] = [];
  const agentId = await registerAgent(m, { send: (message) => toAgent.push(message), close: () => {} }, {
    type: "REGISTER",
    protocolVersion: 1,
    agent: { hostname: "node-1", port: 5051, resources: parseResources("cpus:4;mem:2048;disk:100;ports:[31000-31002,31005-31005]").toJSON(), attributes: [], physicalCpus: 4, version: "t" },
    tasks: [],
    epoch: 0,
  });
  if (agentId === undefined) throw new Error("refused");
  return { m, clock, reader, toAgent, frameworkId: subscribed.frameworkId, agentId };
}

function task(agentId: string, id: string): TaskInfo {
  const resources = [{ name: "cpus", type: "SCALAR", scalar: { value: 1 }, role: "*", allocation_info: { role: "*" } }];
  return { name: id, task_id: { value: id }, agent_id: { value: agentId }, resources, command: { shell: true, value: "true" } } as unknown as TaskInfo;
}

const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
/** Whole epoch milliseconds as the SDK's [seconds, nanoseconds]. */
const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
const times = (span: ReadableSpan | undefined) => [span?.startTime, span?.endTime];

function acceptOne(s: Setup, offerId: string, callTrace?: Parameters<typeof accept>[3]): void {
  accept(s.m, s.m.frameworks.get(s.frameworkId)!, { type: "ACCEPT", framework_id: { value: s.frameworkId }, accept: { offer_ids: [{ value: offerId }], operations: [{ type: "LAUNCH", launch: { task_infos: [task(s.agentId, "t1")] } }], filters: { refuse_seconds: 3 } } }, callTrace);
}

describe("spans", () => {
  test("offer under its allocation.cycle, from creation to outcome, with the launch as its child", async () => {
    const s = await setup();
    s.m.runAllocation();
    const offerId = [...s.m.offers.keys()][0]!;
    s.clock.advance(1500);
    acceptOne(s, offerId);
    const [cycle] = spans("allocation.cycle");
    const [offer] = spans("offer");
    const [launch] = spans("task.launch");
    expect(cycle?.attributes).toMatchObject({ "allocation.agents": 1, "allocation.frameworks": 1, "allocation.offers": 1 });
    expect(parentOf(offer!)).toBe(cycle!.spanContext().spanId);
    expect(offer!.spanContext().traceId).toBe(cycle!.spanContext().traceId);
    expect(offer!.attributes).toEqual({
      "offer.id": offerId,
      "agent.id": s.agentId,
      "agent.hostname": "node-1",
      "framework.id": s.frameworkId,
      "framework.name": "spark",
      role: "*",
      cpus: 4,
      mem: 2048,
      disk: 100,
      ports: "31000-31002,31005",
      revocable: false,
      outcome: "accepted",
      refuse_seconds: 3,
    });
    // The cycle lasts what the master measured it took (real time); it starts at the clock's now.
    expect(cycle?.startTime).toEqual(hr(startMs));
    expect(times(offer)).toEqual([hr(startMs), hr(startMs + 1500)]);
    expect(times(launch)).toEqual([hr(startMs + 1500), hr(startMs + 1500)]);
    expect(parentOf(launch!)).toBe(offer!.spanContext().spanId);
    expect(launch!.attributes).toMatchObject({ "task.ids": ["t1"], "task.count": 1, "task.sent": true, "agent.id": s.agentId });
    const run = s.toAgent.find((message) => message.type === "RUN_TASKS");
    expect(run?.type === "RUN_TASKS" && run.traceparent).toBe(`00-${launch!.spanContext().traceId}-${launch!.spanContext().spanId}-01`);
  });

  test("every outcome ends a span with it: declined, expired, agent_lost, master stop", async () => {
    const s = await setup();
    s.m.runAllocation();
    const first = [...s.m.offers.keys()][0]!;
    decline(s.m, s.m.frameworks.get(s.frameworkId)!, { type: "DECLINE", framework_id: { value: s.frameworkId }, decline: { offer_ids: [{ value: first }], filters: { refuse_seconds: 0 } } });
    s.m.runAllocation();
    s.clock.advance(10_001);
    (s.m as unknown as { expireOffers(): void }).expireOffers();
    s.m.runAllocation();
    s.m.rescindOffersOfAgent(s.agentId, "agent_lost", "test");
    s.m.runAllocation();
    s.m.stop();
    expect(spans("offer").map((span) => span.attributes["outcome"])).toEqual(["declined", "expired", "agent_lost", "rescinded"]);
    expect(spans("offer").at(-1)?.attributes["offer.end_reason"]).toBe("master stopped leading");
  });

  test("a scheduler call with traceparent joins the caller's trace; the offer and the launch link to it", async () => {
    const s = await setup();
    s.m.runAllocation();
    s.clock.advance(700);
    const offerId = [...s.m.offers.keys()][0]!;
    const callerTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpanId = "00f067aa0ba902b7";
    const call = s.m.observer.schedulerCallStarted("ACCEPT", s.frameworkId, `00-${callerTraceId}-${callerSpanId}-01`);
    acceptOne(s, offerId, call);
    s.m.observer.schedulerCallEnded(call, 202);
    const [server] = spans("scheduler.accept");
    expect(server?.spanContext().traceId).toBe(callerTraceId);
    expect(parentOf(server!)).toBe(callerSpanId);
    expect(server?.attributes).toMatchObject({ "mesos.call.type": "ACCEPT", "http.response.status_code": 202 });
    expect(times(server)).toEqual([hr(startMs + 700), hr(startMs + 700)]);
    const [offer] = spans("offer");
    expect(offer?.links.map((l) => l.context.spanId)).toEqual([server!.spanContext().spanId]);
    const [launch] = spans("task.launch");
    expect(parentOf(launch!)).toBe(offer!.spanContext().spanId);
    expect(launch?.links.map((l) => l.context.spanId)).toEqual([server!.spanContext().spanId]);
    expect(s.m.observer.schedulerCallStarted("DECLINE", s.frameworkId, "not-a-traceparent")).toBeUndefined();
    expect(s.m.observer.schedulerCallStarted("DECLINE", s.frameworkId, undefined)).toBeUndefined();
  });

  test("role window span with the rescinded offers and revoked tasks as events", async () => {
    const s = await setup();
    s.m.observer.roleWindowChanged({
      kind: "role-window-closed",
      role: "spark",
      atMs: startMs,
      observedAtMs: startMs + 200,
      cause: "window",
      onWindowEnd: "revoke",
      rescindedOffers: [{ offerId: "o1", frameworkId: "f", agentId: "a" }],
      revokedTasks: [{ taskId: "t1", frameworkId: "f", agentId: "a" }],
      drainingTasks: [],
    });
    const [window] = spans("role.window");
    expect(window?.attributes).toMatchObject({ role: "spark", "role.window.change": "closed", "role.window.on_end": "revoke", "role.window.offers_rescinded": 1, "role.window.tasks_revoked": 1 });
    expect(window?.events.map((e) => [e.name, e.attributes?.["offer.id"] ?? e.attributes?.["task.id"]])).toEqual([["offer.rescinded", "o1"], ["task.revoked", "t1"]]);
    expect(times(window)).toEqual([hr(startMs), hr(startMs + 200)]);
    expect(window?.events.map((e) => e.time)).toEqual([hr(startMs + 200), hr(startMs + 200)]);
  });

  test("leadership changes are spans", async () => {
    const s = await setup();
    const done = s.m.observer.leadershipChanging({ leading: true, kind: "zookeeper", masterId: "m1", leader: undefined });
    s.clock.advance(40);
    done({ epoch: 1_000_000_000_007, error: undefined });
    const [span] = spans("master.leadership");
    expect(span?.attributes).toMatchObject({ "master.leading": true, "master.election.kind": "zookeeper", "master.epoch": 1_000_000_000_007 });
    expect(times(span)).toEqual([hr(startMs), hr(startMs + 40)]);
  });

  test("sampled out: no spans, and RUN_TASKS carries the unsampled context", async () => {
    const s = await setup({ sampled: false });
    s.m.runAllocation();
    acceptOne(s, [...s.m.offers.keys()][0]!);
    expect(exporter.getFinishedSpans()).toEqual([]);
    const run = s.toAgent.find((message) => message.type === "RUN_TASKS");
    const traceparent = run?.type === "RUN_TASKS" ? run.traceparent : undefined;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const extracted: SpanContext | undefined = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
    expect(extracted?.traceFlags).toBe(0);
  });
});

describe("metrics", () => {
  test("per-agent series, and none with perAgentSeries false (--metrics_per_agent=false)", async () => {
    const amounts = (cpus: number) => ({ cpus, memMb: 1, diskMb: 2 });
    const gauges = {
      agentsByState: new Map([["active", 1]]),
      frameworksByState: new Map(),
      tasksByState: new Map(),
      taskTransitions: new Map(),
      outstandingOffers: 0,
      cluster: { total: amounts(4), reserved: amounts(0), offered: amounts(4), allocated: amounts(0) },
      roles: [],
      agents: [{ agentId: "a1", hostname: "h1", total: amounts(4), reserved: amounts(0), offered: amounts(4), allocated: amounts(0), oversubscriptionRatio: 0 }],
      maxOversubscription: undefined,
    } as const;
    for (const perAgentSeries of [true, false]) {
      const reader = new PullMetricReader();
      const meterProvider = new MeterProvider({ readers: [reader] });
      providers.push({ stop: () => meterProvider.shutdown() });
      const observer = createMasterObserver({ meter: meterProvider.getMeter("t"), tracer: new BasicTracerProvider().getTracer("t"), clock: new ManualClock(startMs), perAgentSeries });
      observer.bind({ leadership: () => ({ leading: true, epoch: 1 }), gauges: () => gauges as never });
      const text = serializePrometheusText((await reader.collect()).resourceMetrics);
      expect(text).toMatch(/^cluster_cpus\{state="total",[^}]*\} 4$/m);
      expect(text).toMatch(/^cluster_memory_bytes\{state="total",[^}]*\} 1048576$/m);
      if (perAgentSeries) expect(text).toMatch(/^cluster_agent_cpus\{agent_id="a1",agent_hostname="h1",state="offered",[^}]*\} 4$/m);
      else expect(text).not.toContain("cluster_agent_");
    }
  });

  test("offers by role, framework and outcome; decision latency; cycle duration; leader gauges", async () => {
    const s = await setup();
    s.m.runAllocation();
    s.clock.advance(250);
    acceptOne(s, [...s.m.offers.keys()][0]!);
    const text = serializePrometheusText((await s.reader.collect()).resourceMetrics);
    expect(text).toMatch(/^cluster_offer_created_total\{role="\*",framework_id="[^"]+",framework_name="spark",[^}]*\} 1$/m);
    expect(text).toMatch(/^cluster_offer_ended_total\{role="\*",framework_id="[^"]+",framework_name="spark",outcome="accepted",[^}]*\} 1$/m);
    expect(text).toMatch(/^cluster_offer_decision_duration_seconds_sum\{role="\*",outcome="accepted",[^}]*\} 0\.25$/m);
    expect(text).toMatch(/^cluster_allocation_cycle_duration_seconds_count\{[^}]*\} 1$/m);
    expect(text).toMatch(/^cluster_master_elected\{[^}]*\} 1$/m);
  });
});

// The zk-lite and cron observers: metric names and labels on /metrics, sampled zk.request spans,
// and a cron.run span per finished run built from the run record's times.
//
// Span times are checked exactly, on a clock that starts near zero and only after the process has
// run longer than those times: that is where the SDK takes a number of milliseconds for a
// performance-clock reading and shifts it to wall-clock time (see span-time.ts).

import { afterEach, describe, expect, test } from "bun:test";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { CronMetrics, type RunRecord } from "../../internal/cron/index.ts";
import { ManualClock } from "../../internal/runtime/index.ts";
import { OpCode, type ZkLiteStats } from "../../internal/zk/index.ts";
import { PullMetricReader, serializePrometheusText } from "../telemetry/prometheus-text.ts";
import { createCronObserver } from "./cron-observer.ts";
import { createZkObserver } from "./zk-observer.ts";

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Waits until every time up to `ms` is one the SDK would misread as a performance-clock reading. */
async function pastPerformanceNow(ms: number): Promise<void> {
  while (performance.now() <= ms) await Bun.sleep(ms + 1 - performance.now());
}

function providers() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  stops.push(() => tracerProvider.shutdown(), () => meterProvider.shutdown());
  return {
    exporter,
    meter: meterProvider.getMeter("test"),
    tracer: tracerProvider.getTracer("test"),
    text: async () => serializePrometheusText((await reader.collect()).resourceMetrics),
  };
}

const stats: ZkLiteStats = {
  znodeCount: 12,
  approximateDataSizeBytes: 345,
  ephemeralsCount: 2,
  watchCount: 3,
  sessions: 4,
  connections: 5,
  lastZxid: 99,
  durableZxid: 99,
  packetsReceived: 100,
  packetsSent: 101,
  outstandingRequests: 0,
  minLatencyMs: 0,
  avgLatencyMs: 1,
  maxLatencyMs: 2,
  fsyncCount: 7,
  snapshotCount: 1,
  expiredSessions: 1,
  rejectedConnections: 0,
  uptimeMs: 1000,
};

describe("zk-lite", () => {
  test("requests and latency by op, one span in N, the server's gauges", async () => {
    const p = providers();
    const clock = new ManualClock(500);
    await pastPerformanceNow(500);
    const observer = createZkObserver({ meter: p.meter, tracer: p.tracer, clock, spanSampleEvery: 4 });
    observer.bind(() => stats);
    for (let i = 0; i < 8; i++) observer.requestCompleted(OpCode.getData, 0.4, 0x1234n);
    observer.requestCompleted(OpCode.create, 3.2, 0x1234n);
    observer.requestCompleted(9999, 1, 0n);
    const text = await p.text();
    expect(text).toMatch(/^zk_server_requests_total\{op="getData",[^}]*\} 8$/m);
    expect(text).toMatch(/^zk_server_requests_total\{op="unknown",[^}]*\} 1$/m);
    expect(text).toMatch(/^zk_server_request_duration_seconds_sum\{op="create",[^}]*\} 0\.0032$/m);
    for (const [name, value] of [["zk_server_sessions", 4], ["zk_server_znodes", 12], ["zk_server_watches", 3], ["zk_server_data_size_bytes", 345], ["zk_server_fsyncs_total", 7]] as const) {
      expect(text).toMatch(new RegExp(`^${name}\\{[^}]*\\} ${value}$`, "m"));
    }
    const spans = p.exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["zk.request", "zk.request"]);
    expect(spans[0]?.attributes).toMatchObject({ "zk.op": "getData", "zk.session_id": "0x1234" });
    // The span ends at the clock's now and starts the request's latency before it.
    expect(spans[0]?.startTime).toEqual([0, 499_600_000]);
    expect(spans[0]?.endTime).toEqual([0, 500_000_000]);
  });
});

describe("cron", () => {
  const run = (state: RunRecord["state"], extra: Partial<RunRecord> = {}): RunRecord => ({ id: "ct:1:1:backup", job: "backup", scheduledMs: 10, attempt: 1, dueMs: 10, trigger: "schedule", state, createdMs: 10, ...extra });

  test("launched, finished by state, lateness; gauges under their old names; a cron.run span", async () => {
    const p = providers();
    await pastPerformanceNow(300);
    const observer = createCronObserver({ meter: p.meter, tracer: p.tracer, clock: new ManualClock(300) });
    const gauges = new CronMetrics();
    gauges.leader = 1;
    gauges.jobs = 3;
    observer.bind(gauges);
    observer.runChanged(undefined, run("queued"));
    observer.runChanged(run("queued"), run("launching", { launchedMs: 20 }));
    observer.runChanged(run("launching"), run("running", { launchedMs: 20, startedMs: 260 }));
    observer.runChanged(run("running"), run("failed", { launchedMs: 20, startedMs: 260, endedMs: 300, exitCode: 2, agentId: "a1" }));
    const text = await p.text();
    expect(text).toMatch(/^cron_leader\{[^}]*\} 1$/m);
    expect(text).toMatch(/^cron_jobs\{[^}]*\} 3$/m);
    expect(text).toMatch(/^cron_runs_launched_total\{[^}]*\} 1$/m);
    expect(text).toMatch(/^cron_runs_finished_total\{state="failed",[^}]*\} 1$/m);
    expect(text).toMatch(/^cron_runs_finished_total\{state="succeeded",[^}]*\} 0$/m);
    expect(text).toMatch(/^cron_run_lateness_seconds_sum\{[^}]*\} 0\.25$/m);
    const [span] = p.exporter.getFinishedSpans();
    expect(span?.name).toBe("cron.run");
    expect(span?.attributes).toMatchObject({ "cron.job": "backup", "cron.run.state": "failed", "process.exit.code": 2, "agent.id": "a1" });
    expect(span?.events.map((e) => e.name)).toEqual(["launched", "running"]);
    expect(span?.status.code).toBe(2);
    // From the run record's times: created, launched, started, ended.
    expect(span?.startTime).toEqual([0, 10_000_000]);
    expect(span?.events.map((e) => e.time)).toEqual([[0, 20_000_000], [0, 260_000_000]]);
    expect(span?.endTime).toEqual([0, 300_000_000]);
  });

  test("a run that ends without an end time (skipped) ends at the clock's now", async () => {
    const p = providers();
    await pastPerformanceNow(400);
    const observer = createCronObserver({ meter: p.meter, tracer: p.tracer, clock: new ManualClock(400) });
    observer.runChanged(run("queued"), run("skipped"));
    const [span] = p.exporter.getFinishedSpans();
    expect(span?.attributes["cron.run.state"]).toBe("skipped");
    expect(span?.startTime).toEqual([0, 10_000_000]);
    expect(span?.endTime).toEqual([0, 400_000_000]);
  });
});

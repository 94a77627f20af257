// The agent observer: task.start and task.running as children of the master's task.launch (from
// RUN_TASKS.traceparent), a failed launch's task.start ending in error, status update retries and
// acknowledgement latency, and the container usage metrics. Times come from the agent's clock.

import { afterEach, beforeEach, expect, test } from "bun:test";
import { propagation } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ManualClock } from "../../internal/runtime/index.ts";
import type { TaskStatus } from "../../internal/wire/index.ts";
import { PullMetricReader, serializePrometheusText } from "../telemetry/prometheus-text.ts";
import { createAgentObserver } from "./agent-observer.ts";

const stops: Array<() => Promise<unknown>> = [];
beforeEach(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  propagation.disable();
});

const startMs = Date.parse("2025-03-09T12:00:00Z");

function setup() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  stops.push(() => tracerProvider.shutdown(), () => meterProvider.shutdown());
  const clock = new ManualClock(startMs);
  const observer = createAgentObserver({ meter: meterProvider.getMeter("test"), tracer: tracerProvider.getTracer("test"), clock });
  return { exporter, observer, clock, text: async () => serializePrometheusText((await reader.collect()).resourceMetrics) };
}

const status = (taskId: string, state: TaskStatus["state"], uuid = `${taskId}-${state}`): TaskStatus => ({ task_id: { value: taskId }, state, uuid, timestamp: Date.now() / 1000, source: "SOURCE_EXECUTOR" }) as TaskStatus;

const traceId = "0af7651916cd43dd8448eb211c80319c";
const launchSpanId = "b7ad6b7169203331";

test("task.start and task.running join the master's task.launch", async () => {
  const { exporter, observer, clock } = setup();
  observer.runTasksReceived("f1", ["t1", "t2"], `00-${traceId}-${launchSpanId}-01`);
  clock.advance(5);
  observer.statusUpdate("f1", "t1", status("t1", "TASK_STARTING"));
  observer.statusUpdate("f1", "t1", status("t1", "TASK_RUNNING"));
  observer.statusUpdate("f1", "t1", status("t1", "TASK_FINISHED"));
  observer.statusUpdate("f1", "t2", status("t2", "TASK_FAILED"));
  const spans = exporter.getFinishedSpans();
  expect(spans.map((s) => `${s.name}:${s.attributes["task.id"]}`)).toEqual(["task.start:t1", "task.running:t1", "task.start:t2"]);
  for (const span of spans) {
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(launchSpanId);
  }
  // RUN_TASKS arrived at startMs; TASK_RUNNING 5 ms later on the agent's clock.
  expect(spans[0]?.startTime).toEqual([startMs / 1000, 0]);
  expect(spans[0]?.endTime).toEqual([startMs / 1000, 5_000_000]);
  expect(spans[1]?.startTime).toEqual([startMs / 1000, 5_000_000]);
  expect(spans[1]?.endTime).toEqual([startMs / 1000, 5_000_000]);
  expect(spans[2]?.status.code).toBe(2);
});

test("retries, acknowledgement latency, task start time, gauges and container usage", async () => {
  const { observer, clock, text } = setup();
  observer.bind({
    tasksByState: () => new Map([["TASK_RUNNING", 2]]),
    pendingUpdates: () => 1,
    usage: async () => [{ frameworkId: "f1", executorId: "t1", taskId: "t1", statistics: { timestamp: 1, cpus_limit: 0.5, cpus_user_time_secs: 1.5, cpus_system_time_secs: 0.25, mem_limit_bytes: 1024, mem_rss_bytes: 512 } }],
  });
  observer.runTasksReceived("f1", ["t1"], undefined);
  clock.advance(250);
  observer.statusUpdate("f1", "t1", status("t1", "TASK_RUNNING"));
  observer.statusUpdateSent("f1", "t1", "u1", 0);
  observer.statusUpdateSent("f1", "t1", "u1", 1);
  observer.statusUpdateSent("f1", "t1", "u1", 2);
  clock.advance(500);
  observer.statusUpdateAcknowledged("f1", "t1", "u1");
  const metrics = await text();
  expect(metrics).toMatch(/^agent_status_update_retries_total\{[^}]*\} 2$/m);
  expect(metrics).toMatch(/^agent_status_update_ack_duration_seconds_count\{[^}]*\} 1$/m);
  expect(metrics).toMatch(/^agent_status_update_ack_duration_seconds_sum\{[^}]*\} 0\.5$/m);
  expect(metrics).toMatch(/^agent_task_start_duration_seconds_count\{[^}]*\} 1$/m);
  expect(metrics).toMatch(/^agent_task_start_duration_seconds_sum\{[^}]*\} 0\.25$/m);
  expect(metrics).toMatch(/^agent_tasks\{state="TASK_RUNNING",[^}]*\} 2$/m);
  expect(metrics).toMatch(/^agent_status_updates_pending\{[^}]*\} 1$/m);
  expect(metrics).toMatch(/^container_cpu_time_seconds_total\{framework_id="f1",executor_id="t1",cpu_mode="user",[^}]*\} 1\.5$/m);
  expect(metrics).toMatch(/^container_memory_usage_bytes\{framework_id="f1",executor_id="t1",[^}]*\} 512$/m);
  expect(metrics).toMatch(/^container_memory_limit_bytes\{[^}]*\} 1024$/m);
  expect(metrics).toMatch(/^container_cpu_limit\{[^}]*\} 0\.5$/m);
  expect(metrics).toMatch(/^container_cpu_throttled_time_seconds_total\{[^}]*\} 0$/m);
});

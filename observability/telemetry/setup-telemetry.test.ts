import { afterEach, describe, expect, test } from "bun:test";
import { context, propagation, trace, type Span } from "@opentelemetry/api";
import { eventLoopDelayResolutionMs } from "./process-metrics.ts";
import { setupTelemetry } from "./setup-telemetry.ts";
import type { Telemetry, TelemetryOptions } from "./types.ts";

const live: Telemetry[] = [];
const errors: Error[] = [];
function start(overrides: Partial<TelemetryOptions> = {}): Telemetry {
  const telemetry = setupTelemetry({
    mode: "test",
    instanceId: "instance-1",
    version: "9.9.9",
    env: {},
    onError: (error) => errors.push(error),
    ...overrides,
  });
  live.push(telemetry);
  return telemetry;
}

afterEach(async () => {
  for (const telemetry of live.splice(0)) await telemetry.shutdown();
  expect(errors.splice(0)).toEqual([]);
});

describe("metricsText", () => {
  test("exposes a counter under its _total name with HELP and TYPE", async () => {
    const telemetry = start();
    const counter = telemetry.meter.createCounter("offers.sent", {
      description: "Offers sent to frameworks.",
      unit: "{offer}",
    });
    counter.add(2, { framework_id: "fw-1" });
    counter.add(1, { framework_id: "fw-1" });
    const text = await telemetry.metricsText();
    expect(text).toContain("# HELP offers_sent_total Offers sent to frameworks.\n");
    expect(text).toContain("# TYPE offers_sent_total counter\n");
    expect(text).toMatch(/^offers_sent_total\{framework_id="fw-1",[^}]*\} 3$/m);
  });

  test("counts log lines by level and rotations", async () => {
    const telemetry = start();
    telemetry.countLogLine("info");
    telemetry.countLogLine("info");
    telemetry.countLogLine("custom-level");
    telemetry.countLogRotation();
    const text = await telemetry.metricsText();
    expect(text).toMatch(/^log_lines_total\{level="info",[^}]*\} 2$/m);
    expect(text).toMatch(/^log_lines_total\{level="other",[^}]*\} 1$/m);
    expect(text).toMatch(/^log_rotations_total\{[^}]*\} 1$/m);
  });

  test("log_rotations_total is there at 0 before the first rotation", async () => {
    // A process without --log_dir never rotates; a rate over an absent series is no data, not 0.
    const text = await start().metricsText();
    expect(text).toMatch(/^log_rotations_total\{[^}]*\} 0$/m);
  });

  test("includes the process metrics and the resource as target_info", async () => {
    const telemetry = start();
    // The event-loop delay gauges report nothing until the monitor has taken a sample.
    await Bun.sleep(eventLoopDelayResolutionMs * 3);
    const text = await telemetry.metricsText();
    for (const name of [
      "process_uptime_seconds",
      "process_memory_usage_bytes",
      "process_memory_heap_used_bytes",
      "process_memory_heap_total_bytes",
      "nodejs_eventloop_delay_p99_seconds",
    ]) {
      expect(text).toContain(`# TYPE ${name} gauge\n`);
    }
    expect(text).toMatch(
      /^target_info\{service_name="cluster-test",service_instance_id="instance-1",service_version="9\.9\.9"/m,
    );
  });

  test("OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults", async () => {
    const telemetry = start({
      env: {
        OTEL_SERVICE_NAME: "renamed",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=lab",
      },
    });
    const text = await telemetry.metricsText();
    expect(text).toContain('service_name="renamed"');
    expect(text).toContain('deployment_environment_name="lab"');
  });

  test("every line is a comment or a sample", async () => {
    const telemetry = start();
    telemetry.meter.createHistogram("offer.duration", { unit: "s" }).record(0.2);
    const text = await telemetry.metricsText();
    for (const line of text.split("\n").filter((l) => l !== "")) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+)$/);
    }
    expect(text).toContain('offer_duration_seconds_bucket{');
  });
});

describe("tracing", () => {
  test("logMixin returns the active span's ids and nothing outside spans", () => {
    const telemetry = start();
    expect(telemetry.logMixin()).toEqual({});
    telemetry.tracer.startActiveSpan("outer", (span) => {
      const { traceId, spanId } = span.spanContext();
      expect(telemetry.logMixin()).toEqual({ trace_id: traceId, span_id: spanId });
      span.end();
    });
    expect(telemetry.logMixin()).toEqual({});
  });

  test("the active span survives awaits, timers and context.with in Bun", async () => {
    const telemetry = start();
    const span = telemetry.tracer.startSpan("work");
    const seen: (Span | undefined)[] = [];
    await context.with(trace.setSpan(context.active(), span), async () => {
      seen.push(trace.getActiveSpan());
      await Promise.resolve();
      seen.push(trace.getActiveSpan());
      await Bun.sleep(5);
      seen.push(trace.getActiveSpan());
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.push(trace.getActiveSpan());
          resolve();
        }, 1),
      );
      const inner = await Promise.all([1, 2].map(async () => {
        await Bun.sleep(1);
        return trace.getActiveSpan();
      }));
      seen.push(...inner);
    });
    span.end();
    expect(seen).toHaveLength(6);
    for (const active of seen) expect(active).toBe(span);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  test("startActiveSpan with an async body keeps the span across awaits", async () => {
    const telemetry = start();
    await telemetry.tracer.startActiveSpan("async-body", async (span) => {
      await Bun.sleep(2);
      expect(telemetry.logMixin()).toEqual({
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
      });
      span.end();
    });
  });

  test("the global propagator writes and reads W3C traceparent", () => {
    const telemetry = start();
    const span = telemetry.tracer.startSpan("to-agent");
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    const { traceId, spanId } = span.spanContext();
    expect(carrier.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    const extracted = trace.getSpanContext(propagation.extract(context.active(), carrier));
    expect(extracted?.traceId).toBe(traceId);
    expect(extracted?.spanId).toBe(spanId);
    expect(extracted?.isRemote).toBe(true);
    span.end();
  });
});

describe("lifecycle", () => {
  test("a second setup while one is live is a programming error", async () => {
    const first = start();
    expect(() => start()).toThrow(/already live/);
    await first.shutdown();
    start();
  });

  test("shutdown is idempotent", async () => {
    const telemetry = start();
    await telemetry.shutdown();
    await telemetry.shutdown();
  });
});

describe("OTEL_SDK_DISABLED=true", () => {
  test("hands out no-ops that never throw", async () => {
    const telemetry = start({
      env: { OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" },
    });
    expect(telemetry.enabled).toBe(false);
    telemetry.meter.createCounter("x").add(1);
    telemetry.meter.createHistogram("y").record(1);
    telemetry.meter.createObservableGauge("z").addCallback((result) => result.observe(1));
    telemetry.countLogLine("info");
    telemetry.countLogRotation();
    telemetry.tracer.startActiveSpan("noop", (span) => {
      expect(span.isRecording()).toBe(false);
      expect(telemetry.logMixin()).toEqual({});
      span.end();
    });
    const text = await telemetry.metricsText();
    expect(text).toMatch(/^# .*\n$/);
    await telemetry.forceFlush();
    await telemetry.shutdown();
  });
});

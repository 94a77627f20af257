import { describe, expect, test } from "bun:test";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { createHistogram } from "node:perf_hooks";
import { eventLoopDelayResolutionMs, registerProcessMetrics, snapshotOf } from "./process-metrics.ts";
import { PullMetricReader, serializePrometheusText } from "./prometheus-text.ts";

describe("snapshotOf", () => {
  test("an empty histogram yields nothing rather than sentinel values", () => {
    expect(snapshotOf(createHistogram())).toBeUndefined();
  });

  test("converts nanoseconds to seconds", () => {
    const histogram = createHistogram();
    histogram.record(2_000_000);
    histogram.record(4_000_000);
    const snapshot = snapshotOf(histogram);
    expect(snapshot?.minSeconds).toBeCloseTo(0.002, 4);
    expect(snapshot?.maxSeconds).toBeCloseTo(0.004, 4);
  });
});

describe("registerProcessMetrics", () => {
  test("monitorEventLoopDelay sees a stall of the event loop in Bun", async () => {
    const reader = new PullMetricReader();
    const provider = new MeterProvider({ readers: [reader] });
    const processMetrics = registerProcessMetrics(provider.getMeter("test"));
    await Bun.sleep(eventLoopDelayResolutionMs * 3);
    const stallMs = 60;
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        Bun.sleepSync(stallMs);
        resolve();
      }, 1),
    );
    await Bun.sleep(eventLoopDelayResolutionMs * 2);
    const text = serializePrometheusText((await reader.collect()).resourceMetrics);
    const max = Number(/^nodejs_eventloop_delay_max_seconds\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    expect(max).toBeGreaterThan((stallMs * 0.8) / 1000);
    const uptime = Number(/^process_uptime_seconds\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    expect(uptime).toBeGreaterThan(0);
    processMetrics.stop();
    await provider.shutdown();
  });
});

// Process health gauges every mode exports: uptime, memory and event-loop delay. Names follow the
// OpenTelemetry semantic conventions (process.*, nodejs.eventloop.*; the latter because dashboards
// for JavaScript runtimes use them, even though the runtime here is Bun). The names are spelled out
// rather than imported from semantic-conventions/incubating, whose size would cost start-up time.

import type { Meter } from "@opentelemetry/api";
import { monitorEventLoopDelay, type Histogram } from "node:perf_hooks";

// Sampling period of the event-loop delay monitor; delays shorter than this are not seen.
export const eventLoopDelayResolutionMs = 10;
// The delay gauges report the last complete window, so every reader (scrape or OTLP push) sees the
// same numbers however often it collects, and one stall does not stay the max forever.
export const eventLoopDelayWindowMs = 10_000;

const nsPerSecond = 1e9;

export interface EventLoopDelaySnapshot {
  minSeconds: number;
  maxSeconds: number;
  meanSeconds: number;
  p50Seconds: number;
  p90Seconds: number;
  p99Seconds: number;
}

export interface ProcessMetrics {
  stop(): void;
}

export function registerProcessMetrics(meter: Meter): ProcessMetrics {
  meter
    .createObservableGauge("process.uptime", { description: "Time since the process started.", unit: "s" })
    .addCallback((result) => result.observe(process.uptime()));

  // One process.memoryUsage() call per collection for all three gauges.
  const rss = meter.createObservableGauge("process.memory.usage", {
    description: "Resident set size of the process.",
    unit: "By",
  });
  const heapUsed = meter.createObservableGauge("process.memory.heap.used", {
    description: "JavaScript heap in use.",
    unit: "By",
  });
  const heapTotal = meter.createObservableGauge("process.memory.heap.total", {
    description: "JavaScript heap reserved.",
    unit: "By",
  });
  meter.addBatchObservableCallback(
    (result) => {
      const usage = process.memoryUsage();
      result.observe(rss, usage.rss);
      result.observe(heapUsed, usage.heapUsed);
      result.observe(heapTotal, usage.heapTotal);
    },
    [rss, heapUsed, heapTotal],
  );

  const delay = startEventLoopDelayWindows();
  const delayGauges = (
    [
      ["min", "minimum", (s) => s.minSeconds],
      ["max", "maximum", (s) => s.maxSeconds],
      ["mean", "mean", (s) => s.meanSeconds],
      ["p50", "50th percentile", (s) => s.p50Seconds],
      ["p90", "90th percentile", (s) => s.p90Seconds],
      ["p99", "99th percentile", (s) => s.p99Seconds],
    ] as const satisfies readonly (readonly [string, string, (s: EventLoopDelaySnapshot) => number])[]
  ).map(([suffix, what, pick]) => ({
    gauge: meter.createObservableGauge(`nodejs.eventloop.delay.${suffix}`, {
      description: `Event loop ${what} delay over the last ${eventLoopDelayWindowMs / 1000} s.`,
      unit: "s",
    }),
    pick,
  }));
  meter.addBatchObservableCallback(
    (result) => {
      const snapshot = delay.snapshot();
      if (snapshot === undefined) return;
      for (const { gauge, pick } of delayGauges) result.observe(gauge, pick(snapshot));
    },
    delayGauges.map(({ gauge }) => gauge),
  );
  return { stop: delay.stop };
}

interface EventLoopDelayWindows {
  /** The last complete window, or the current one before the first completes; none if empty. */
  snapshot(): EventLoopDelaySnapshot | undefined;
  stop(): void;
}

function startEventLoopDelayWindows(): EventLoopDelayWindows {
  const histogram = monitorEventLoopDelay({ resolution: eventLoopDelayResolutionMs });
  histogram.enable();
  let lastWindow: EventLoopDelaySnapshot | undefined;
  const timer = setInterval(() => {
    lastWindow = snapshotOf(histogram) ?? lastWindow;
    histogram.reset();
  }, eventLoopDelayWindowMs);
  // Telemetry must never be the reason the process stays alive.
  timer.unref();
  return {
    snapshot: () => lastWindow ?? snapshotOf(histogram),
    stop: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

export function snapshotOf(histogram: Histogram): EventLoopDelaySnapshot | undefined {
  // An empty histogram reports min as a huge sentinel and mean as NaN; report nothing instead.
  if (histogram.count === 0) return undefined;
  return {
    minSeconds: histogram.min / nsPerSecond,
    maxSeconds: histogram.max / nsPerSecond,
    meanSeconds: histogram.mean / nsPerSecond,
    p50Seconds: histogram.percentile(50) / nsPerSecond,
    p90Seconds: histogram.percentile(90) / nsPerSecond,
    p99Seconds: histogram.percentile(99) / nsPerSecond,
  };
}

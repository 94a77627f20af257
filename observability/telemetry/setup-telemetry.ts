// Wires the OpenTelemetry SDK for one process. Built from sdk-trace-base, sdk-metrics and the two
// OTLP/HTTP exporters rather than sdk-node's NodeSDK: NodeSDK loads the gRPC and protobuf
// exporters too, which costs start-up time we do not have (master must answer /health within
// 300 ms of exec), and its env handling reads process.env only, while ours takes an injected env.
// @opentelemetry/core and @opentelemetry/context-async-hooks are not (yet) in package.json: they
// are installed as dependencies of sdk-node and the exporters. Declare them before dropping sdk-node.

import assert from "node:assert";
import {
  context,
  createNoopMeter,
  diag,
  DiagLogLevel,
  isSpanContextValid,
  metrics,
  propagation,
  ProxyTracerProvider,
  trace,
  type DiagLogger,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from "@opentelemetry/semantic-conventions";
import { createLogMetrics } from "./log-metrics.ts";
import { registerProcessMetrics } from "./process-metrics.ts";
import { PullMetricReader, serializePrometheusText } from "./prometheus-text.ts";
import { readTelemetryEnv, type TelemetryEnv } from "./telemetry-env.ts";
import type { Telemetry, TelemetryOptions, TraceLogFields } from "./types.ts";

// Shutdown runs on the way out of the process, usually under a supervisor's kill timer, so it must
// not wait for an unreachable collector; what is not exported by then is lost.
export const telemetryShutdownTimeoutMs = 1_500;
export const telemetryFlushTimeoutMs = 5_000;
const instrumentationScope = "cluster";
const disabledMetricsText = "# telemetry disabled by OTEL_SDK_DISABLED=true\n";

// The SDK's globals (context manager, propagator, providers) exist once per process, so two live
// Telemetry instances would fight over them.
let liveInstance = false;

export function setupTelemetry(options: TelemetryOptions): Telemetry {
  assert(!liveInstance, "setupTelemetry: a Telemetry is already live; shut it down first");
  assert(options.mode !== "", "setupTelemetry: mode must not be empty");
  assert(options.instanceId !== "", "setupTelemetry: instanceId must not be empty");
  const env = readTelemetryEnv(options.env ?? process.env);
  const onError = options.onError ?? writeErrorLine;
  liveInstance = true;
  return env.sdkDisabled ? disabledTelemetry(env) : enabledTelemetry(options, env, onError);
}

function disabledTelemetry(env: TelemetryEnv): Telemetry {
  let stopped = false;
  const meter = createNoopMeter();
  return {
    ...createLogMetrics(meter),
    enabled: false,
    meter,
    // A proxy provider that is never given a delegate hands out the API's no-op tracer.
    tracer: new ProxyTracerProvider().getTracer(instrumentationScope),
    warnings: env.warnings,
    metricsText: async () => disabledMetricsText,
    logMixin: () => ({}),
    forceFlush: async () => {},
    shutdown: async () => {
      // Only the first call releases the slot; a later one must not free a newer instance's.
      if (!stopped) liveInstance = false;
      stopped = true;
    },
  };
}

function enabledTelemetry(
  options: TelemetryOptions,
  env: TelemetryEnv,
  onError: (error: Error) => void,
): Telemetry {
  const resource = buildResource(options, env);
  const spanProcessors = env.tracesUrl === undefined ? [] : [spanProcessor(env.tracesUrl, env)];
  // Without an endpoint spans are still created, so trace ids reach the logs and the agents.
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
  const pullReader = new PullMetricReader();
  const readers: IMetricReader[] = [pullReader];
  if (env.metricsUrl !== undefined) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: env.metricsUrl }),
        exportIntervalMillis: env.metricExportIntervalMs,
        exportTimeoutMillis: env.metricExportTimeoutMs,
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const warnings = [...env.warnings, ...registerGlobals(tracerProvider, meterProvider, onError)];
  const meter = meterProvider.getMeter(instrumentationScope, options.version);
  const processMetrics = registerProcessMetrics(meter);

  const flushAll = () => Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
  let shutdownPromise: Promise<void> | undefined;
  const shutdownOnce = async () => {
    processMetrics.stop();
    const stopAll = Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    await settleWithin(stopAll, telemetryShutdownTimeoutMs, "shutdown", onError);
    unregisterGlobals();
    liveInstance = false;
  };
  return {
    ...createLogMetrics(meter),
    enabled: true,
    meter,
    tracer: tracerProvider.getTracer(instrumentationScope, options.version),
    warnings,
    metricsText: async () => {
      const { resourceMetrics, errors } = await pullReader.collect();
      for (const error of errors) onError(asError(error));
      return serializePrometheusText(resourceMetrics);
    },
    logMixin,
    forceFlush: () => settleWithin(flushAll(), telemetryFlushTimeoutMs, "flush", onError),
    shutdown: () => (shutdownPromise ??= shutdownOnce()),
  };
}

/**
 * Spans batched to OTLP/HTTP. A flush sends every queued batch at once, so the exporter must allow
 * that many requests in flight (its own default, 30, is kept when larger), or it refuses the rest.
 */
function spanProcessor(url: string, env: TelemetryEnv): BatchSpanProcessor {
  const batchesQueuedMax = Math.ceil(env.spanQueueSize / env.spanExportBatchSize);
  const exporter = new OTLPTraceExporter({ url, concurrencyLimit: Math.max(otlpConcurrencyLimitDefault, batchesQueuedMax + 1) });
  return new BatchSpanProcessor(exporter, { maxQueueSize: env.spanQueueSize, maxExportBatchSize: env.spanExportBatchSize });
}
const otlpConcurrencyLimitDefault = 30;

/** SDK defaults, then ours, then the operator's OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME. */
function buildResource(options: TelemetryOptions, env: TelemetryEnv): Resource {
  return defaultResource()
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: `cluster-${options.mode}`,
        [ATTR_SERVICE_INSTANCE_ID]: options.instanceId,
        [ATTR_SERVICE_VERSION]: options.version,
      }),
    )
    .merge(resourceFromAttributes(env.resourceAttributes));
}

/** Returns a warning for each global that was already taken by someone else. */
function registerGlobals(
  tracerProvider: BasicTracerProvider,
  meterProvider: MeterProvider,
  onError: (error: Error) => void,
): string[] {
  // Export failures inside the SDK (batch span processor, periodic reader) go to core's global
  // error handler, whose default logs to diag. We hook diag rather than setGlobalErrorHandler: that
  // handler is per copy of @opentelemetry/core, node_modules holds several copies, and diag lives
  // on the API's process-wide global. setLogger replaces any earlier logger.
  diag.setLogger(diagToOnError(onError), { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });
  const registered: Record<string, boolean> = {
    // Bun has AsyncLocalStorage, so the active span survives awaits (covered by a test).
    "context manager": context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()),
    // W3C traceparent (+ baggage) unconditionally: the master hands trace context to agents.
    propagator: propagation.setGlobalPropagator(
      new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    ),
    "tracer provider": trace.setGlobalTracerProvider(tracerProvider),
    "meter provider": metrics.setGlobalMeterProvider(meterProvider),
  };
  return Object.entries(registered)
    .filter(([, ok]) => !ok)
    .map(([what]) => `OpenTelemetry global ${what} was already registered; keeping the existing one`);
}

function unregisterGlobals(): void {
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
  diag.disable();
}

function diagToOnError(onError: (error: Error) => void): DiagLogger {
  const ignore = () => {};
  return {
    error: (message, ...args) => onError(new Error([message, ...args.map(String)].join(" "))),
    warn: ignore,
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}

function logMixin(): TraceLogFields {
  const spanContext = trace.getSpanContext(context.active());
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** Waits for `work` at most `limitMs`; a failure or timeout goes to onError, never to the caller. */
async function settleWithin(
  work: Promise<unknown>,
  limitMs: number,
  what: string,
  onError: (error: Error) => void,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timed-out">((resolve) => {
    timer = setTimeout(() => resolve("timed-out"), limitMs);
  });
  try {
    const outcome = await Promise.race([work.then(() => "done" as const), timedOut]);
    if (outcome === "timed-out") {
      onError(new Error(`telemetry ${what} did not finish within ${limitMs} ms`));
    }
  } catch (error) {
    onError(asError(error));
  } finally {
    clearTimeout(timer);
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Pino-shaped (level 40 = warn) so stderr stays one JSON event per line without a logger. */
function writeErrorLine(error: Error): void {
  const line = { level: 40, time: Date.now(), msg: "telemetry error", err: error.message };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

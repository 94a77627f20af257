import type { Meter, Tracer } from "@opentelemetry/api";
import type { LogMetrics } from "./log-metrics.ts";
import type { EnvLike } from "./telemetry-env.ts";

export interface TelemetryOptions {
  /** The process mode; the service is named `cluster-<mode>` unless OTEL_SERVICE_NAME says otherwise. */
  mode: string;
  /** Becomes `service.instance.id`; unique per process. */
  instanceId: string;
  /** Becomes `service.version`. */
  version: string;
  /**
   * Decides whether telemetry is on (OTEL_SDK_DISABLED), where it goes (OTEL_EXPORTER_OTLP_*ENDPOINT,
   * OTEL_*_EXPORTER), the resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) and the metric push
   * period (OTEL_METRIC_EXPORT_INTERVAL/TIMEOUT) and the span queue and batch (OTEL_BSP_MAX_QUEUE_SIZE and
   * OTEL_BSP_MAX_EXPORT_BATCH_SIZE, defaults spanQueueSizeDefault and spanExportBatchSizeDefault). Defaults to process.env. Finer settings (sampler, headers, compression,
   * timeouts, batch sizes, limits) are read by the SDK from process.env.
   */
  env?: EnvLike;
  /**
   * Where export failures, flush/shutdown timeouts and failed metric callbacks go; pass the
   * process logger. Defaults to one JSON line on stderr per error.
   */
  onError?: (error: Error) => void;
}

/** Trace ids for a log line, or nothing when no span is active. */
export type TraceLogFields = { trace_id: string; span_id: string } | Record<string, never>;

/** `countLogLine` / `countLogRotation` feed `log_lines_total{level}` and `log_rotations_total`. */
export interface Telemetry extends LogMetrics {
  /** False when OTEL_SDK_DISABLED=true: meter and tracer are the API's no-ops. */
  readonly enabled: boolean;
  /** Create the application's instruments here. */
  readonly meter: Meter;
  readonly tracer: Tracer;
  /** Settings that could not be honoured, as sentences; log them once at start-up. */
  readonly warnings: readonly string[];
  /** All metrics in the Prometheus text format 0.0.4, for GET /metrics. */
  metricsText(): Promise<string>;
  /** For pino's `mixin`: `{trace_id, span_id}` of the active span, `{}` outside spans. */
  logMixin(): TraceLogFields;
  /** Exports pending spans and metrics; never rejects, failures go to onError. */
  forceFlush(): Promise<void>;
  /**
   * Flushes and stops exporters within telemetryShutdownTimeoutMs; never rejects; idempotent.
   * Requests still in flight to an unreachable collector can hold the event loop open until their
   * own timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s by default), so exit the process explicitly.
   */
  shutdown(): Promise<void>;
}

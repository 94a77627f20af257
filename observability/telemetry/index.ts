export type { Telemetry, TelemetryOptions, TraceLogFields } from "./types.ts";
export type { EnvLike } from "./telemetry-env.ts";
export type { LogMetrics } from "./log-metrics.ts";
export {
  setupTelemetry,
  telemetryFlushTimeoutMs,
  telemetryShutdownTimeoutMs,
} from "./setup-telemetry.ts";
export { prometheusTextContentType } from "./prometheus-text.ts";

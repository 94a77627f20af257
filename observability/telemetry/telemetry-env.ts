// Reads the standard OTEL_* variables that decide *whether* and *where* telemetry goes, from the
// env object the caller passes in (so tests and the simulator can inject one). Variables that only
// tune *how* the SDK behaves (sampler, headers, compression, timeouts, batch sizes, limits,
// temporality, certificates) are left to the SDK, which reads them from process.env itself; the
// exceptions are the span queue and export batch (OTEL_BSP_MAX_QUEUE_SIZE and
// OTEL_BSP_MAX_EXPORT_BATCH_SIZE), whose defaults we raise.

import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

export type EnvLike = Readonly<Record<string, string | undefined>>;

export interface TelemetryEnv {
  /** OTEL_SDK_DISABLED=true: no SDK at all, no-op meter and tracer. */
  sdkDisabled: boolean;
  /** Full OTLP/HTTP URL for spans, or undefined when traces are not exported. */
  tracesUrl: string | undefined;
  /** Full OTLP/HTTP URL for metrics, or undefined when metrics are not pushed. */
  metricsUrl: string | undefined;
  metricExportIntervalMs: number;
  metricExportTimeoutMs: number;
  /** Ended spans the batch processor holds before it drops new ones (OTEL_BSP_MAX_QUEUE_SIZE). */
  spanQueueSize: number;
  /** Spans per OTLP request (OTEL_BSP_MAX_EXPORT_BATCH_SIZE), at most spanQueueSize. */
  spanExportBatchSize: number;
  /** From OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME on top; they override our defaults. */
  resourceAttributes: Record<string, string>;
  /** Settings we could not honour, as sentences for the caller to log. */
  warnings: string[];
}

// Defaults from the OpenTelemetry SDK environment variable specification.
export const metricExportIntervalMsDefault = 60_000;
export const metricExportTimeoutMsDefault = 30_000;
// An interval below this would make the periodic reader a busy loop; treat it as an operator error.
export const metricExportIntervalMsMin = 100;
/**
 * Our default for OTEL_BSP_MAX_QUEUE_SIZE. The SDK's 2,048 is fewer than the offers a master has
 * outstanding on a large cluster (about one per agent), and they can all end in one turn of the
 * event loop (the master steps down, a framework declines everything, an agent is lost), before
 * any export can drain the queue: past the queue, spans are dropped. At roughly 1 KiB per offer
 * span this is at most ~32 MiB, held only until the next export.
 */
export const spanQueueSizeDefault = 32_768;
/**
 * Our default for OTEL_BSP_MAX_EXPORT_BATCH_SIZE (the SDK's is 512). A flush sends the whole queue
 * at once, one request per batch, and the exporter refuses more than a few tens of requests in
 * flight: 32,768 spans in batches of 512 would lose half of them. Batches of 2,048 (~1-2 MiB of
 * JSON) make 16 requests.
 */
export const spanExportBatchSizeDefault = 2_048;
// The spec limits each key and value of OTEL_RESOURCE_ATTRIBUTES to 255 characters.
export const resourceAttributeCharsMax = 255;

export function readTelemetryEnv(env: EnvLike): TelemetryEnv {
  const warnings: string[] = [];
  const sdkDisabled = envString(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true";
  const tracesUrl = otlpSignalUrl(env, "TRACES", "v1/traces", warnings);
  const metricsUrl = otlpSignalUrl(env, "METRICS", "v1/metrics", warnings);
  if (tracesUrl !== undefined || metricsUrl !== undefined) {
    warnUnsupportedProtocols(env, warnings);
  }
  const metricExportIntervalMs = envPositiveInt(
    env,
    "OTEL_METRIC_EXPORT_INTERVAL",
    metricExportIntervalMsDefault,
    metricExportIntervalMsMin,
    warnings,
  );
  // The periodic reader rejects a timeout longer than the interval; clamp as the spec allows.
  const metricExportTimeoutMs = Math.min(
    envPositiveInt(env, "OTEL_METRIC_EXPORT_TIMEOUT", metricExportTimeoutMsDefault, 1, warnings),
    metricExportIntervalMs,
  );
  const spanQueueSize = envPositiveInt(env, "OTEL_BSP_MAX_QUEUE_SIZE", spanQueueSizeDefault, 1, warnings);
  const spanExportBatchSize = Math.min(
    envPositiveInt(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", spanExportBatchSizeDefault, 1, warnings),
    spanQueueSize,
  );
  const resourceAttributes = parseResourceAttributes(
    envString(env, "OTEL_RESOURCE_ATTRIBUTES") ?? "",
    warnings,
  );
  const serviceName = envString(env, "OTEL_SERVICE_NAME");
  if (serviceName !== undefined) resourceAttributes[ATTR_SERVICE_NAME] = serviceName;
  return {
    sdkDisabled,
    tracesUrl,
    metricsUrl,
    metricExportIntervalMs,
    metricExportTimeoutMs,
    spanQueueSize,
    spanExportBatchSize,
    resourceAttributes,
    warnings,
  };
}

/** Like the SDK: unset, empty and blank all mean "not set". */
function envString(env: EnvLike, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The signal-specific endpoint is used as given; the generic one gets `/v1/<signal>` appended,
 * exactly as the OTLP exporters do. OTEL_<SIGNAL>S_EXPORTER without "otlp" (e.g. "none") turns the
 * push off. Nothing set means nothing exported: unlike the SDK we never fall back to
 * localhost:4318, because a process that nobody asked to export should not try.
 */
function otlpSignalUrl(
  env: EnvLike,
  signal: "TRACES" | "METRICS",
  resourcePath: string,
  warnings: string[],
): string | undefined {
  const exporters = envString(env, `OTEL_${signal}_EXPORTER`);
  if (exporters !== undefined && !exporters.split(",").some((name) => name.trim() === "otlp")) {
    return undefined;
  }
  const specific = envString(env, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`);
  const generic = envString(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  let url: string | undefined;
  if (specific !== undefined) url = specific;
  else if (generic !== undefined) url = `${generic.replace(/\/$/, "")}/${resourcePath}`;
  if (url === undefined) return undefined;
  if (!URL.canParse(url)) {
    const what = signal.toLowerCase();
    warnings.push(`OTLP ${what} endpoint "${url}" is not a URL; not exporting ${what}`);
    return undefined;
  }
  return url;
}

function warnUnsupportedProtocols(env: EnvLike, warnings: string[]): void {
  for (const name of [
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
  ]) {
    const protocol = envString(env, name);
    if (protocol !== undefined && protocol !== "http/json") {
      warnings.push(`${name}=${protocol} is not supported; only OTLP http/json is built in`);
    }
  }
}

function envPositiveInt(
  env: EnvLike,
  name: string,
  fallback: number,
  min: number,
  warnings: string[],
): number {
  const raw = envString(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    warnings.push(`${name}=${raw} is not an integer >= ${min}; using ${fallback}`);
    return fallback;
  }
  return value;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES is `key1=value1,key2=value2` with `,` and `=` percent-encoded. As in the
 * SDK's envDetector, any malformed entry discards the whole variable. We parse it here rather than
 * use envDetector because envDetector reads process.env only, not the env we were given.
 */
export function parseResourceAttributes(raw: string, warnings: string[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const entry of raw.split(",")) {
    if (entry.trim() === "") continue;
    const parts = entry.split("=");
    const [rawKey, rawValue] = parts;
    const key = decodePercent(rawKey?.trim() ?? "");
    const value = decodePercent(rawValue?.trim() ?? "");
    const valid =
      parts.length === 2 &&
      key !== undefined &&
      value !== undefined &&
      key !== "" &&
      key.length <= resourceAttributeCharsMax &&
      value.length <= resourceAttributeCharsMax;
    if (!valid) {
      warnings.push(`OTEL_RESOURCE_ATTRIBUTES entry "${entry}" is malformed; ignoring the whole variable`);
      return {};
    }
    attributes[key] = value;
  }
  return attributes;
}

function decodePercent(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
}

// Turns the SDK's metric snapshot into the Prometheus text exposition format (0.0.4) for our own
// GET /metrics route. The reader is a pull reader with no server of its own; serialisation is the
// exporter-prometheus PrometheusSerializer, after we rename metrics to carry their unit as a
// suffix (OTel→Prometheus compatibility spec), which that serializer does not do: `process.uptime`
// with unit `s` becomes `process_uptime_seconds`, a counter `x` with unit `By` `x_bytes_total`.

import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import {
  DataPointType,
  MetricReader,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";

export const prometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

/** Collects on demand only; the scrape is the schedule. Cumulative temporality (the default). */
export class PullMetricReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const serializer = new PrometheusSerializer();

export function serializePrometheusText(resourceMetrics: ResourceMetrics): string {
  const renamed: ResourceMetrics = {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scopeMetrics) => ({
      scope: scopeMetrics.scope,
      metrics: scopeMetrics.metrics.map(withUnitInName),
    })),
  };
  return serializer.serialize(renamed);
}

function withUnitInName(metric: MetricData): MetricData {
  const isCounter = metric.dataPointType === DataPointType.SUM && metric.isMonotonic;
  const isGauge =
    metric.dataPointType === DataPointType.GAUGE ||
    (metric.dataPointType === DataPointType.SUM && !metric.isMonotonic);
  const name = prometheusBaseName(metric.descriptor.name, metric.descriptor.unit, isCounter, isGauge);
  // The unit now lives in the name; dropping it also drops the `# UNIT` line, which is not part of
  // the 0.0.4 text format.
  return { ...metric, descriptor: { ...metric.descriptor, name, unit: "" } };
}

/**
 * The metric name with its unit suffix and without `_total`, which the serializer adds back to
 * counters. Characters outside [a-zA-Z0-9_] become `_`.
 */
export function prometheusBaseName(
  name: string,
  unit: string,
  isCounter: boolean,
  isGauge: boolean,
): string {
  let base = sanitize(name);
  if (isCounter && base.endsWith("_total")) base = base.slice(0, -"_total".length);
  const suffix = prometheusUnitSuffix(unit, isGauge);
  if (suffix !== "" && !base.endsWith(`_${suffix}`)) base = `${base}_${suffix}`;
  return base;
}

const unitWords: Readonly<Record<string, string>> = {
  d: "days",
  h: "hours",
  min: "minutes",
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  GiBy: "gibibytes",
  TiBy: "tebibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  GBy: "gigabytes",
  TBy: "terabytes",
  m: "meters",
  V: "volts",
  A: "amperes",
  J: "joules",
  W: "watts",
  g: "grams",
  Cel: "celsius",
  Hz: "hertz",
  "%": "percent",
};

const perUnitWords: Readonly<Record<string, string>> = {
  s: "second",
  m: "minute",
  h: "hour",
  d: "day",
  w: "week",
  mo: "month",
  y: "year",
};

/** `s` → `seconds`, `By/s` → `bytes_per_second`, `{task}` → ``, `1` → `ratio` for gauges. */
export function prometheusUnitSuffix(unit: string, isGauge: boolean): string {
  const bare = unit.replace(/\{[^}]*\}/g, "").trim();
  if (bare === "1") return isGauge ? "ratio" : "";
  if (bare === "") return "";
  const slash = bare.indexOf("/");
  if (slash < 0) return sanitize(unitWords[bare] ?? bare);
  const top = bare.slice(0, slash);
  const bottom = bare.slice(slash + 1);
  const topWord = top === "" || top === "1" ? "" : (unitWords[top] ?? top);
  const bottomWord = perUnitWords[bottom] ?? unitWords[bottom] ?? bottom;
  if (bottomWord === "") return sanitize(topWord);
  return sanitize(topWord === "" ? `per_${bottomWord}` : `${topWord}_per_${bottomWord}`);
}

function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_]/g, "_").replace(/_{2,}/g, "_").replace(/^_+|_+$/g, "");
}

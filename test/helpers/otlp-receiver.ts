// An OTLP/HTTP JSON receiver for tests: collects the spans and the metric names (with unit and
// kind) that cluster processes push to it, decoded into plain objects.

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  statusCode: number;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
  links?: Array<{ traceId: string; spanId: string }>;
  events?: Array<{ name: string; attributes?: OtlpAttribute[] }>;
  status?: { code?: number };
}
/** A metric as it arrived over OTLP: its OpenTelemetry name, unit and instrument kind. */
export interface ReceivedMetric {
  service: string;
  name: string;
  unit: string;
  kind: "counter" | "gauge" | "histogram";
}
interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { isMonotonic?: boolean };
  gauge?: unknown;
  histogram?: unknown;
  exponentialHistogram?: unknown;
}
interface OtlpMetrics {
  resourceMetrics?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeMetrics?: Array<{ metrics?: OtlpMetric[] }> }>;
}
interface OtlpTraces {
  resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}

function valueOf(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

function kindOf(metric: OtlpMetric): ReceivedMetric["kind"] {
  if (metric.histogram !== undefined || metric.exponentialHistogram !== undefined) return "histogram";
  return metric.sum?.isMonotonic === true ? "counter" : "gauge";
}

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  metricExports: number;
  /** Each (service, metric name) once, from the first export that held it. */
  metrics: ReceivedMetric[];
  /** Requests that were not OTLP JSON (protobuf, unknown paths). */
  rejected: string[];
  stop(): Promise<void>;
}

export function startOtlpReceiver(): OtlpReceiver {
  const receiver: OtlpReceiver = { url: "", spans: [], metricExports: 0, metrics: [], rejected: [], stop: async () => {} };
  const metricsSeen = new Set<string>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (!request.headers.get("content-type")?.startsWith("application/json")) {
        receiver.rejected.push(`${path} ${request.headers.get("content-type")}`);
        return new Response("JSON only", { status: 415 });
      }
      if (path === "/v1/metrics") {
        receiver.metricExports += 1;
        const body = (await request.json()) as OtlpMetrics;
        for (const resourceMetrics of body.resourceMetrics ?? []) {
          const service = String(attributesOf(resourceMetrics.resource?.attributes)["service.name"] ?? "");
          for (const scope of resourceMetrics.scopeMetrics ?? []) {
            for (const metric of scope.metrics ?? []) {
              const key = `${service}\u0000${metric.name}`;
              if (metricsSeen.has(key)) continue;
              metricsSeen.add(key);
              receiver.metrics.push({ service, name: metric.name, unit: metric.unit ?? "", kind: kindOf(metric) });
            }
          }
        }
        return Response.json({});
      }
      if (path !== "/v1/traces") {
        receiver.rejected.push(path);
        return new Response("not found", { status: 404 });
      }
      const body = (await request.json()) as OtlpTraces;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"] ?? "");
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            receiver.spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? "",
              name: span.name,
              kind: span.kind,
              startMs: Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000,
              endMs: Number(BigInt(span.endTimeUnixNano) / 1000n) / 1000,
              attributes: attributesOf(span.attributes),
              links: (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
              events: (span.events ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
              statusCode: span.status?.code ?? 0,
            });
          }
        }
      }
      return Response.json({});
    },
  });
  receiver.url = `http://127.0.0.1:${server.port}`;
  receiver.stop = async () => {
    await server.stop(true);
  };
  return receiver;
}

/** Environment turning telemetry on with spans pushed to `receiver` within ~100 ms. */
export function otlpEnv(receiver: OtlpReceiver, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_SDK_DISABLED: "false",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_METRIC_EXPORT_INTERVAL: "1000",
    ...extra,
  };
}

// Telemetry against a real OTLP/HTTP receiver: what arrives on the wire, in which encoding, and
// that shutdown neither hangs on an unresponsive collector nor sends anything when disabled.

import { afterEach, expect, test } from "bun:test";
import {
  setupTelemetry,
  telemetryShutdownTimeoutMs,
  type Telemetry,
} from "../observability/telemetry/index.ts";
import { spanExportBatchSizeDefault, spanQueueSizeDefault } from "../observability/telemetry/telemetry-env.ts";

interface Received {
  path: string;
  contentType: string | null;
  body: unknown;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}

interface OtlpExport {
  resourceSpans?: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { spans: { name: string }[] }[];
  }[];
  resourceMetrics?: {
    resource: { attributes: OtlpAttribute[] };
    scopeMetrics: { metrics: { name: string }[] }[];
  }[];
}

const servers: { stop(closeActiveConnections?: boolean): unknown }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop(true);
});

function startReceiver(): { url: string; received: Received[] } {
  const received: Received[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== "POST" || (path !== "/v1/traces" && path !== "/v1/metrics")) {
        return new Response("not found", { status: 404 });
      }
      const contentType = request.headers.get("content-type");
      const body: unknown = contentType?.startsWith("application/json")
        ? await request.json()
        : await request.arrayBuffer();
      received.push({ path, contentType, body });
      return Response.json({});
    },
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, received };
}

function stringAttribute(attributes: OtlpAttribute[], key: string): string | undefined {
  return attributes.find((attribute) => attribute.key === key)?.value.stringValue;
}

function exerciseTelemetry(telemetry: Telemetry): void {
  telemetry.tracer.startActiveSpan("offer-cycle", (span) => {
    span.setAttribute("framework_id", "fw-1");
    span.end();
  });
  telemetry.meter.createCounter("offers.sent", { unit: "{offer}" }).add(5);
}

test("spans and metrics reach an OTLP/HTTP receiver as JSON on shutdown", async () => {
  const receiver = startReceiver();
  const errors: Error[] = [];
  const telemetry = setupTelemetry({
    mode: "test",
    instanceId: "otlp-1",
    version: "1.2.3",
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    onError: (error) => errors.push(error),
  });
  exerciseTelemetry(telemetry);
  await telemetry.shutdown();

  expect(errors).toEqual([]);
  for (const request of receiver.received) expect(request.contentType).toBe("application/json");

  const traces = receiver.received.filter((r) => r.path === "/v1/traces").map((r) => r.body as OtlpExport);
  const resourceSpans = traces.flatMap((body) => body.resourceSpans ?? []);
  const span = resourceSpans
    .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
    .find((s) => s.name === "offer-cycle");
  expect(span).toBeDefined();
  const spanResource = resourceSpans[0]?.resource.attributes ?? [];
  expect(stringAttribute(spanResource, "service.name")).toBe("cluster-test");
  expect(stringAttribute(spanResource, "service.instance.id")).toBe("otlp-1");
  expect(stringAttribute(spanResource, "service.version")).toBe("1.2.3");

  const metricExports = receiver.received
    .filter((r) => r.path === "/v1/metrics")
    .map((r) => r.body as OtlpExport);
  const resourceMetrics = metricExports.flatMap((body) => body.resourceMetrics ?? []);
  const metricNames = resourceMetrics.flatMap((rm) =>
    rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name)),
  );
  expect(metricNames).toContain("offers.sent");
  expect(metricNames).toContain("process.uptime");
  const metricResource = resourceMetrics[0]?.resource.attributes ?? [];
  expect(stringAttribute(metricResource, "service.name")).toBe("cluster-test");
});

// The SDK's defaults (a queue of 2,048, batches of 512, 30 requests in flight) lost most of a
// burst like this one: past the queue spans are dropped, and a flush past 30 requests is refused.
for (const batch of [undefined, 512]) {
  test(`a burst as large as the span queue all arrives (every offer of a large cycle ending at once), batches of ${batch ?? `${spanExportBatchSizeDefault} (default)`}`, async () => {
    const receiver = startReceiver();
    const errors: Error[] = [];
    const telemetry = setupTelemetry({
      mode: "test",
      instanceId: "otlp-burst",
      version: "1.2.3",
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, ...(batch === undefined ? {} : { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(batch) }) },
      onError: (error) => errors.push(error),
    });
    const burst = spanQueueSizeDefault;
    for (let i = 0; i < burst; i++) telemetry.tracer.startSpan("offer").end();
    await telemetry.forceFlush();
    await telemetry.shutdown();
    expect(errors).toEqual([]);
    const requests = receiver.received.filter((r) => r.path === "/v1/traces");
    const spans = requests.flatMap((r) => (r.body as OtlpExport).resourceSpans ?? []).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    expect(spans.length).toBe(burst);
    expect(requests.length).toBe(burst / (batch ?? spanExportBatchSizeDefault));
  });
}

test("with OTEL_SDK_DISABLED=true nothing arrives", async () => {
  const receiver = startReceiver();
  const telemetry = setupTelemetry({
    mode: "test",
    instanceId: "otlp-2",
    version: "1.2.3",
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: "true" },
  });
  expect(telemetry.enabled).toBe(false);
  exerciseTelemetry(telemetry);
  await telemetry.forceFlush();
  await telemetry.shutdown();
  await Bun.sleep(200);
  expect(receiver.received).toEqual([]);
});

test("shutdown is bounded when the collector never answers", async () => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => new Promise<Response>(() => {}),
  });
  servers.push(server);
  const errors: Error[] = [];
  const telemetry = setupTelemetry({
    mode: "test",
    instanceId: "otlp-3",
    version: "1.2.3",
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.port}` },
    onError: (error) => errors.push(error),
  });
  exerciseTelemetry(telemetry);
  const startedMs = performance.now();
  await telemetry.shutdown();
  const tookMs = performance.now() - startedMs;
  expect(tookMs).toBeLessThan(2_000);
  expect(tookMs).toBeGreaterThanOrEqual(telemetryShutdownTimeoutMs - 50);
  expect(errors.map((e) => e.message)).toContain(
    `telemetry shutdown did not finish within ${telemetryShutdownTimeoutMs} ms`,
  );
});

test("shutdown is quick when the collector is down", async () => {
  const errors: Error[] = [];
  // Port 9 (discard) on loopback: nothing listens, so connections are refused at once.
  const telemetry = setupTelemetry({
    mode: "test",
    instanceId: "otlp-4",
    version: "1.2.3",
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" },
    onError: (error) => errors.push(error),
  });
  exerciseTelemetry(telemetry);
  const startedMs = performance.now();
  await telemetry.shutdown();
  expect(performance.now() - startedMs).toBeLessThan(2_000);
});

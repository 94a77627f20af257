import { describe, expect, test } from "bun:test";
import {
  metricExportIntervalMsDefault,
  metricExportTimeoutMsDefault,
  parseResourceAttributes,
  readTelemetryEnv,
  spanExportBatchSizeDefault,
  spanQueueSizeDefault,
} from "./telemetry-env.ts";

describe("readTelemetryEnv", () => {
  test("nothing set: enabled, nothing exported, defaults", () => {
    const env = readTelemetryEnv({});
    expect(env).toEqual({
      sdkDisabled: false,
      tracesUrl: undefined,
      metricsUrl: undefined,
      metricExportIntervalMs: metricExportIntervalMsDefault,
      metricExportTimeoutMs: metricExportTimeoutMsDefault,
      spanQueueSize: spanQueueSizeDefault,
      spanExportBatchSize: spanExportBatchSizeDefault,
      resourceAttributes: {},
      warnings: [],
    });
  });

  test("OTEL_SDK_DISABLED is true only for 'true', any case", () => {
    expect(readTelemetryEnv({ OTEL_SDK_DISABLED: "TRUE" }).sdkDisabled).toBe(true);
    expect(readTelemetryEnv({ OTEL_SDK_DISABLED: " true " }).sdkDisabled).toBe(true);
    expect(readTelemetryEnv({ OTEL_SDK_DISABLED: "1" }).sdkDisabled).toBe(false);
    expect(readTelemetryEnv({ OTEL_SDK_DISABLED: "false" }).sdkDisabled).toBe(false);
  });

  test("the generic endpoint gets the signal path appended", () => {
    const env = readTelemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" });
    expect(env.tracesUrl).toBe("http://collector:4318/v1/traces");
    expect(env.metricsUrl).toBe("http://collector:4318/v1/metrics");
    const slashed = readTelemetryEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/otlp/" });
    expect(slashed.tracesUrl).toBe("http://collector:4318/otlp/v1/traces");
  });

  test("a signal-specific endpoint is used as given and wins", () => {
    const env = readTelemetryEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/custom",
    });
    expect(env.tracesUrl).toBe("http://traces:9999/custom");
    expect(env.metricsUrl).toBe("http://collector:4318/v1/metrics");
    const onlyMetrics = readTelemetryEnv({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://m:1/v1/metrics" });
    expect(onlyMetrics.tracesUrl).toBeUndefined();
    expect(onlyMetrics.metricsUrl).toBe("http://m:1/v1/metrics");
  });

  test("OTEL_<SIGNAL>_EXPORTER without otlp turns that push off", () => {
    const env = readTelemetryEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_TRACES_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: "prometheus, otlp",
    });
    expect(env.tracesUrl).toBeUndefined();
    expect(env.metricsUrl).toBe("http://collector:4318/v1/metrics");
  });

  test("a bad endpoint or protocol is a warning, not a crash", () => {
    const env = readTelemetryEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: "not a url",
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://m:1/v1/metrics",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
    });
    expect(env.tracesUrl).toBeUndefined();
    expect(env.warnings).toHaveLength(2);
    expect(env.warnings.join("\n")).toContain("OTEL_EXPORTER_OTLP_PROTOCOL=grpc");
  });

  test("metric export interval and timeout; timeout clamped to the interval", () => {
    const env = readTelemetryEnv({ OTEL_METRIC_EXPORT_INTERVAL: "5000" });
    expect(env.metricExportIntervalMs).toBe(5000);
    expect(env.metricExportTimeoutMs).toBe(5000);
    const bad = readTelemetryEnv({ OTEL_METRIC_EXPORT_INTERVAL: "5s" });
    expect(bad.metricExportIntervalMs).toBe(metricExportIntervalMsDefault);
    expect(bad.warnings).toHaveLength(1);
  });

  test("OTEL_BSP_MAX_QUEUE_SIZE overrides our span queue default; a bad one is a warning", () => {
    expect(spanQueueSizeDefault).toBeGreaterThan(2048);
    expect(readTelemetryEnv({ OTEL_BSP_MAX_QUEUE_SIZE: "100" }).spanQueueSize).toBe(100);
    const bad = readTelemetryEnv({ OTEL_BSP_MAX_QUEUE_SIZE: "lots" });
    expect(bad.spanQueueSize).toBe(spanQueueSizeDefault);
    expect(bad.warnings).toEqual([`OTEL_BSP_MAX_QUEUE_SIZE=lots is not an integer >= 1; using ${spanQueueSizeDefault}`]);
  });

  test("OTEL_BSP_MAX_EXPORT_BATCH_SIZE overrides our batch default, and is at most the queue", () => {
    expect(readTelemetryEnv({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "100" }).spanExportBatchSize).toBe(100);
    expect(readTelemetryEnv({ OTEL_BSP_MAX_QUEUE_SIZE: "50", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "100" }).spanExportBatchSize).toBe(50);
  });

  test("OTEL_SERVICE_NAME beats service.name in OTEL_RESOURCE_ATTRIBUTES", () => {
    const env = readTelemetryEnv({
      OTEL_RESOURCE_ATTRIBUTES: "service.name=a,rack=r1",
      OTEL_SERVICE_NAME: "b",
    });
    expect(env.resourceAttributes).toEqual({ "service.name": "b", rack: "r1" });
  });
});

describe("parseResourceAttributes", () => {
  test("trims, skips empty entries and percent-decodes", () => {
    const warnings: string[] = [];
    expect(parseResourceAttributes(" a = 1 ,, b=x%2Cy%3Dz ", warnings)).toEqual({ a: "1", b: "x,y=z" });
    expect(warnings).toEqual([]);
  });

  test("one malformed entry discards everything, as the SDK does", () => {
    for (const raw of ["a=1,b", "a=1,b=2=3", "a=1,=2", "a=%E0%A4%A"]) {
      const warnings: string[] = [];
      expect(parseResourceAttributes(raw, warnings)).toEqual({});
      expect(warnings).toHaveLength(1);
    }
  });
});

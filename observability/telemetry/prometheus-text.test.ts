import { describe, expect, test } from "bun:test";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  prometheusBaseName,
  prometheusUnitSuffix,
  PullMetricReader,
  serializePrometheusText,
} from "./prometheus-text.ts";

describe("prometheusUnitSuffix", () => {
  const cases: [string, boolean, string][] = [
    ["s", false, "seconds"],
    ["ms", false, "milliseconds"],
    ["By", false, "bytes"],
    ["MiBy", false, "mebibytes"],
    ["By/s", false, "bytes_per_second"],
    ["1/s", false, "per_second"],
    ["{task}", false, ""],
    ["{request}/s", false, "per_second"],
    ["1", true, "ratio"],
    ["1", false, ""],
    ["", false, ""],
    ["widgets", false, "widgets"],
  ];
  for (const [unit, isGauge, suffix] of cases) {
    test(`${JSON.stringify(unit)} gauge=${isGauge} → ${JSON.stringify(suffix)}`, () => {
      expect(prometheusUnitSuffix(unit, isGauge)).toBe(suffix);
    });
  }
});

describe("prometheusBaseName", () => {
  test("sanitises, appends the unit once and leaves _total to the serializer", () => {
    expect(prometheusBaseName("process.uptime", "s", false, true)).toBe("process_uptime_seconds");
    expect(prometheusBaseName("rpc.duration_seconds", "s", false, false)).toBe("rpc_duration_seconds");
    expect(prometheusBaseName("bytes.sent.total", "By", true, false)).toBe("bytes_sent_bytes");
    expect(prometheusBaseName("cpu-load", "1", false, true)).toBe("cpu_load_ratio");
  });
});

describe("serializePrometheusText", () => {
  test("counters get unit then _total; up-down counters are gauges", async () => {
    const reader = new PullMetricReader();
    const provider = new MeterProvider({ readers: [reader] });
    const meter = provider.getMeter("scope");
    meter.createCounter("disk.written", { unit: "By", description: "Bytes written." }).add(512);
    meter.createUpDownCounter("tasks.running", { unit: "{task}" }).add(4);
    const { resourceMetrics } = await reader.collect();
    const text = serializePrometheusText(resourceMetrics);
    expect(text).toContain(
      "# HELP disk_written_bytes_total Bytes written.\n# TYPE disk_written_bytes_total counter\n",
    );
    expect(text).toMatch(/^disk_written_bytes_total\{otel_scope_name="scope"\} 512$/m);
    expect(text).toContain("# TYPE tasks_running gauge\n");
    expect(text).not.toContain("# UNIT");
    await provider.shutdown();
  });
});

// A log line written inside a span carries that span's trace_id and span_id: the logger and the
// telemetry set up the way cmd/cluster.ts wires them.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../observability/logging/index.ts";
import { setupTelemetry } from "../observability/telemetry/index.ts";
import { cleanupAll, tempDir } from "./helpers/cluster.ts";

test("log lines inside a span carry trace_id and span_id", async () => {
  const logDir = tempDir();
  const telemetry = setupTelemetry({ mode: "master", instanceId: "test", version: "0.0.0", env: {} });
  const logging = createLogger({ mode: "master", level: "INFO", logDir, quiet: true, mixin: () => telemetry.logMixin() });
  let traceId = "";
  let spanId = "";
  await telemetry.tracer.startActiveSpan("work", async (span) => {
    traceId = span.spanContext().traceId;
    spanId = span.spanContext().spanId;
    await Bun.sleep(1);
    logging.logger.info({ task_id: "t1" }, "inside");
    span.end();
  });
  logging.logger.info("outside");
  await logging.close();
  await telemetry.shutdown();
  const lines = readFileSync(join(logDir, "cluster-master.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const inside = lines.find((l) => l.msg === "inside");
  const outside = lines.find((l) => l.msg === "outside");
  expect(inside.trace_id).toBe(traceId);
  expect(inside.span_id).toBe(spanId);
  expect(inside.task_id).toBe("t1");
  expect(outside.trace_id).toBeUndefined();
  cleanupAll();
});

// Counters for the logger's own activity, fed by observability/logging's onLine/onRotate hooks.

import type { Attributes, Meter } from "@opentelemetry/api";

export interface LogMetrics {
  /** One log line written at this pino level label. */
  countLogLine(level: string): void;
  /** One log file rotation. */
  countLogRotation(): void;
}

// pino's level labels. Anything else (custom levels) is counted as "other", so a caller cannot
// grow the label set without bound.
const levelLabels = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

export function createLogMetrics(meter: Meter): LogMetrics {
  const lines = meter.createCounter("log.lines", {
    description: "Log lines written, by level.",
    unit: "{line}",
  });
  const rotations = meter.createCounter("log.rotations", {
    description: "Log file rotations.",
    unit: "{rotation}",
  });
  // Present from the start at 0, as a process without a log directory never rotates: a rate over
  // it is then 0 rather than no data.
  rotations.add(0);
  // Built once: this runs for every log line.
  const attributesByLevel = new Map<string, Attributes>(
    levelLabels.map((level) => [level, { level }]),
  );
  const otherLevel: Attributes = { level: "other" };
  return {
    countLogLine: (level) => lines.add(1, attributesByLevel.get(level) ?? otherLevel),
    countLogRotation: () => rotations.add(1),
  };
}

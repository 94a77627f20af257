import { expect, test } from "bun:test";
import { formatBytes, formatDurationMs, parseBytes, parseDurationMs } from "./units.ts";

test("Mesos and short duration forms", () => {
  const cases: Array<[string, number]> = [
    ["200ms", 200],
    ["1secs", 1000],
    ["1s", 1000],
    ["5mins", 300_000],
    ["5m", 300_000],
    ["2hrs", 7_200_000],
    ["1days", 86_400_000],
    ["1weeks", 604_800_000],
    ["1.5secs", 1500],
    ["15secs", 15_000],
  ];
  for (const [text, ms] of cases) expect(parseDurationMs(text)).toEqual({ ok: true, value: ms });
});

test("bad durations say what was expected", () => {
  for (const text of ["", "5", "fast", "-1secs", "5 parsecs", "1e3s"]) {
    const parsed = parseDurationMs(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.expected).toContain("200ms");
  }
});

test("byte sizes use 1024 multipliers", () => {
  expect(parseBytes("64MB")).toEqual({ ok: true, value: 64 * 1024 * 1024 });
  expect(parseBytes("512KB")).toEqual({ ok: true, value: 512 * 1024 });
  expect(parseBytes("1GB")).toEqual({ ok: true, value: 1024 ** 3 });
  expect(parseBytes("100")).toEqual({ ok: true, value: 100 });
  expect(parseBytes("10XB").ok).toBe(false);
  expect(parseBytes("-1MB").ok).toBe(false);
});

test("formatting round-trips", () => {
  for (const ms of [200, 1000, 15_000, 300_000, 7_200_000, 604_800_000]) {
    const parsed = parseDurationMs(formatDurationMs(ms));
    expect(parsed).toEqual({ ok: true, value: ms });
  }
  expect(formatBytes(64 * 1024 * 1024)).toBe("64MB");
  expect(formatBytes(1000)).toBe("1000B");
});

import { describe, expect, test } from "bun:test";
import { dueEntries, gcMaxAgeMs, type GcEntry } from "./gc-core.ts";

const dayMs = 24 * 60 * 60 * 1000;
const weekMs = 7 * dayMs;

describe("gcMaxAgeMs", () => {
  test("is gc_delay × (1 − headroom − usage), never negative", () => {
    expect(gcMaxAgeMs(weekMs, 0.1, 0)).toBeCloseTo(weekMs * 0.9);
    expect(gcMaxAgeMs(weekMs, 0.1, 0.5)).toBeCloseTo(weekMs * 0.4);
    expect(gcMaxAgeMs(weekMs, 0.1, 0.95)).toBe(0);
    expect(gcMaxAgeMs(weekMs, 0, 1.5)).toBe(0);
  });
  test("refuses a headroom outside [0, 1]", () => {
    expect(() => gcMaxAgeMs(weekMs, 1.5, 0)).toThrow(/headroom/);
  });
});

describe("dueEntries", () => {
  const entry = (path: string, scheduledAtMs: number, delayMs = weekMs): GcEntry => ({ path, scheduledAtMs, removeAtMs: scheduledAtMs + delayMs });
  const entries = [entry("/w/a", 0), entry("/w/b", 3 * dayMs), entry("/w/c", 6 * dayMs)];

  test("with a nearly empty disk only expired paths go", () => {
    const maxAge = gcMaxAgeMs(weekMs, 0.1, 0);
    expect(dueEntries(entries, weekMs - 1, weekMs, maxAge).map((e) => e.path)).toEqual(["/w/a"]);
  });
  test("a fuller disk removes younger paths, oldest first", () => {
    const maxAge = gcMaxAgeMs(weekMs, 0.1, 0.5); // 2.8 days
    expect(dueEntries(entries, 6 * dayMs, weekMs, maxAge).map((e) => e.path)).toEqual(["/w/a", "/w/b"]);
  });
  test("a full disk removes everything", () => {
    expect(dueEntries(entries, 6 * dayMs, weekMs, 0).map((e) => e.path)).toEqual(["/w/a", "/w/b", "/w/c"]);
  });
  test("a path scheduled with a short delay goes when that delay is over", () => {
    const short = entry("/w/short", 0, 1000);
    expect(dueEntries([short], 999, weekMs, weekMs)).toEqual([]);
    expect(dueEntries([short], 1000, weekMs, weekMs)).toEqual([short]);
  });
});

import { describe, expect, test } from "bun:test";
import { refuseFilterDurationMsMax } from "./limits.ts";
import { refuseFilterDurationMs } from "./refuse-filter.ts";

describe("refuseFilterDurationMs", () => {
  test("absent means the 5 s default", () => {
    expect(refuseFilterDurationMs(undefined, 1000)).toBe(5000);
  });
  test("negative and NaN fall back to the default", () => {
    expect(refuseFilterDurationMs(-1, 1000)).toBe(5000);
    expect(refuseFilterDurationMs(Number.NaN, 1000)).toBe(5000);
  });
  test("zero creates no filter", () => {
    expect(refuseFilterDurationMs(0, 1000)).toBe(0);
  });
  test("never shorter than one allocation interval", () => {
    expect(refuseFilterDurationMs(0.2, 1000)).toBe(1000);
    expect(refuseFilterDurationMs(3, 10_000)).toBe(10_000);
  });
  test("capped at 365 days, Infinity included", () => {
    expect(refuseFilterDurationMs(10 ** 12, 1000)).toBe(refuseFilterDurationMsMax);
    expect(refuseFilterDurationMs(Number.POSITIVE_INFINITY, 1000)).toBe(refuseFilterDurationMsMax);
    expect(refuseFilterDurationMsMax).toBe(31_536_000_000);
  });
  test("fractions of a second are kept", () => {
    expect(refuseFilterDurationMs(2.5, 1000)).toBe(2500);
  });
  test("a bad allocation interval is a programming error", () => {
    expect(() => refuseFilterDurationMs(5, 0)).toThrow();
    expect(() => refuseFilterDurationMs(5, Number.NaN)).toThrow();
  });
});

// Epoch milliseconds to the SDK's HrTime: whole and fractional milliseconds, and the rounding
// that reaches the next second.

import { expect, test } from "bun:test";
import { hrTimeOfMs } from "./span-time.ts";

test("milliseconds become [seconds, nanoseconds]", () => {
  expect(hrTimeOfMs(0)).toEqual([0, 0]);
  expect(hrTimeOfMs(10)).toEqual([0, 10_000_000]);
  expect(hrTimeOfMs(1741521601500)).toEqual([1741521601, 500_000_000]);
  expect(hrTimeOfMs(499.6)).toEqual([0, 499_600_000]);
  expect(hrTimeOfMs(1999.9999996)).toEqual([2, 0]);
});

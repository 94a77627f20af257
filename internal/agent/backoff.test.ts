import { expect, test } from "bun:test";
import { SeededRandom } from "../runtime/index.ts";
import { registrationDelayMs, updateRetryIntervalMs } from "./backoff.ts";

test("registration delay stays within [0, factor x 2^attempt], capped", () => {
  const random = new SeededRandom(7);
  for (let attempt = 0; attempt < 40; attempt++) {
    const bound = Math.min(60_000, 1000 * 2 ** attempt);
    for (let i = 0; i < 50; i++) {
      const delay = registrationDelayMs(attempt, 1000, 60_000, random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(bound);
    }
  }
});

test("registration delay is drawn from the injected Random", () => {
  const a = [0, 1, 2, 3].map((n) => registrationDelayMs(n, 100, 60_000, new SeededRandom(3)));
  const b = [0, 1, 2, 3].map((n) => registrationDelayMs(n, 100, 60_000, new SeededRandom(3)));
  expect(a).toEqual(b);
});

test("update retry interval doubles from min up to max", () => {
  expect([0, 1, 2, 3, 10, 100].map((n) => updateRetryIntervalMs(n, 10_000, 600_000))).toEqual([
    10_000, 20_000, 40_000, 80_000, 600_000, 600_000,
  ]);
});

import { describe, expect, test } from "bun:test";
import { healthPolicyOf, healthStep, httpStatusHealthy, initialHealthState, nextProbeDelayMs, type HealthPolicy, type HealthState } from "./health.ts";
import type { HealthEvent } from "./types.ts";

const policy = (overrides: Partial<HealthPolicy> = {}): HealthPolicy => ({
  probe: { type: "TCP", port: 1 },
  delayMs: 0,
  intervalMs: 1000,
  timeoutMs: 1000,
  consecutiveFailures: 3,
  gracePeriodMs: 10_000,
  ...overrides,
});

/** Feeds results at the given times; returns the events. */
function run(p: HealthPolicy, results: Array<[number, boolean]>): Array<HealthEvent | null> {
  let state: HealthState = initialHealthState(0);
  return results.map(([nowMs, healthy]) => {
    const step = healthStep(state, p, "c", healthy, nowMs);
    state = step.state;
    return step.event;
  });
}

describe("healthPolicyOf", () => {
  test("fills Mesos's defaults", () => {
    const p = healthPolicyOf({ type: "TCP", tcp: { port: 80 } });
    expect(p).toEqual({ probe: { type: "TCP", port: 80 }, delayMs: 15_000, intervalMs: 10_000, timeoutMs: 20_000, consecutiveFailures: 3, gracePeriodMs: 10_000 });
  });
  test("names the broken field", () => {
    expect(healthPolicyOf({ type: "HTTP", http: { port: 0 } })).toContain("http.port");
    expect(healthPolicyOf({ type: "COMMAND" })).toContain("command.value");
    expect(healthPolicyOf({ type: "TCP", tcp: { port: 80 }, consecutive_failures: 0 })).toContain("consecutive_failures");
    expect(healthPolicyOf({ type: "TCP", tcp: { port: 80 }, interval_seconds: -1 })).toContain("interval_seconds");
    expect(healthPolicyOf({})).toContain("type");
  });
  test("HTTP path and scheme defaults", () => {
    expect(healthPolicyOf({ type: "HTTP", http: { port: 8080, path: "health" } })).toMatchObject({ probe: { scheme: "http", path: "/health", statuses: [] } });
  });
});

describe("healthStep (Mesos semantics)", () => {
  test("failures inside the grace period are ignored until the first success", () => {
    const events = run(policy(), [[1000, false], [9000, false], [10_001, false]]);
    expect(events).toEqual([null, null, { containerId: "c", healthy: false, consecutiveFailures: 1, killTask: false }]);
  });

  test("after the first success the grace period no longer applies", () => {
    const events = run(policy(), [[1000, true], [2000, false], [3000, true], [4000, true]]);
    expect(events).toEqual([
      { containerId: "c", healthy: true, consecutiveFailures: 0, killTask: false },
      { containerId: "c", healthy: false, consecutiveFailures: 1, killTask: false },
      { containerId: "c", healthy: true, consecutiveFailures: 0, killTask: false },
      null, // still healthy: no news
    ]);
  });

  test("killTask once consecutive_failures is reached", () => {
    const events = run(policy({ gracePeriodMs: 0 }), [[1, false], [2, false], [3, false]]);
    expect(events.map((e) => [e?.consecutiveFailures, e?.killTask])).toEqual([[1, false], [2, false], [3, true]]);
  });

  test("no step after the kill was requested", () => {
    let state = initialHealthState(0);
    state = healthStep(state, policy({ gracePeriodMs: 0, consecutiveFailures: 1 }), "c", false, 1).state;
    expect(state.done).toBe(true);
    expect(() => healthStep(state, policy(), "c", true, 2)).toThrow();
  });
});

test("HTTP statuses: 200-399 unless a list is given", () => {
  expect(httpStatusHealthy(200, [])).toBe(true);
  expect(httpStatusHealthy(302, [])).toBe(true);
  expect(httpStatusHealthy(404, [])).toBe(false);
  expect(httpStatusHealthy(404, [404])).toBe(true);
  expect(httpStatusHealthy(200, [204])).toBe(false);
});

test("the first probe waits delay after launch, later ones interval", () => {
  expect(nextProbeDelayMs(policy({ delayMs: 5000 }), 1000, 2000, true)).toBe(4000);
  expect(nextProbeDelayMs(policy({ delayMs: 5000 }), 1000, 9000, true)).toBe(0);
  expect(nextProbeDelayMs(policy({ intervalMs: 700 }), 1000, 9000, false)).toBe(700);
});

import { expect, test } from "bun:test";
import { cfsQuotaUsFor, cpuSharesFor, cpuWeightFromShares, memoryLimitBytesFor, parseCpuMax, parseFlatKeyed, parsePidList } from "./cgroups-math.ts";

test("cpu shares: 1024 per cpu, floor 2", () => {
  expect(cpuSharesFor(1)).toBe(1024);
  expect(cpuSharesFor(0.5)).toBe(512);
  expect(cpuSharesFor(2.25)).toBe(2304);
  expect(cpuSharesFor(0.001)).toBe(2);
  expect(() => cpuSharesFor(-1)).toThrow();
});

test("v2 weight keeps the proportions of v1 shares", () => {
  expect(cpuWeightFromShares(2)).toBe(1);
  expect(cpuWeightFromShares(1024)).toBe(39);
  expect(cpuWeightFromShares(262144)).toBe(10000);
  expect(cpuWeightFromShares(2048)).toBeGreaterThan(cpuWeightFromShares(1024));
});

test("CFS quota: cpus × period, at least 1 ms", () => {
  expect(cfsQuotaUsFor(0.5, 100_000)).toBe(50_000);
  expect(cfsQuotaUsFor(2, 100_000)).toBe(200_000);
  expect(cfsQuotaUsFor(0.001, 100_000)).toBe(1000);
});

test("memory limit has Mesos's 32 MB floor", () => {
  expect(memoryLimitBytesFor(1024)).toBe(32 * 1024 * 1024);
  expect(memoryLimitBytesFor(128 * 1024 * 1024)).toBe(128 * 1024 * 1024);
});

test("parsers", () => {
  expect(parseFlatKeyed("user 12\nsystem 3\n")).toEqual(new Map([["user", 12], ["system", 3]]));
  expect(parseFlatKeyed("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n").get("oom_kill")).toBe(2);
  expect(parsePidList("1\n22\n\n")).toEqual([1, 22]);
  expect(parseCpuMax("max 100000\n")).toEqual({ quotaUs: null, periodUs: 100000 });
  expect(parseCpuMax("50000 100000")).toEqual({ quotaUs: 50000, periodUs: 100000 });
});

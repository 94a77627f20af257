import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containerMetaFile, runsLatestPath, sandboxPath, updateAgentLatest, updateRunsLatest } from "./paths.ts";

const dir = mkdtempSync(join(tmpdir(), "paths-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("sandbox path follows Mesos's layout", () => {
  expect(sandboxPath("/w", "a1", "f1", "e1", "c1")).toBe("/w/slaves/a1/frameworks/f1/executors/e1/runs/c1");
  expect(runsLatestPath("/w", "a1", "f1", "e1")).toBe("/w/slaves/a1/frameworks/f1/executors/e1/runs/latest");
  expect(sandboxPath("/w", "a1", "f1", "ct:1:0:job:", "c1")).toBe("/w/slaves/a1/frameworks/f1/executors/ct:1:0:job:/runs/c1");
});

test("ids that could leave the directory are refused", () => {
  expect(() => sandboxPath("/w", "a1", "f1", "../../etc", "c1")).toThrow(/path segment/);
  expect(() => sandboxPath("/w", "a1", "..", "e", "c1")).toThrow(/path segment/);
  expect(() => sandboxPath("/w", "a1", "f1", "e", "with space")).toThrow(/path segment/);
  expect(() => containerMetaFile("/m", "")).toThrow(/path segment/);
});

test("runs/latest and slaves/latest point at the newest run, replaced atomically", () => {
  mkdirSync(sandboxPath(dir, "a1", "f1", "e1", "c1"), { recursive: true });
  mkdirSync(sandboxPath(dir, "a1", "f1", "e1", "c2"), { recursive: true });
  updateRunsLatest(dir, "a1", "f1", "e1", "c1");
  expect(readlinkSync(runsLatestPath(dir, "a1", "f1", "e1"))).toBe("c1");
  updateRunsLatest(dir, "a1", "f1", "e1", "c2");
  expect(readlinkSync(runsLatestPath(dir, "a1", "f1", "e1"))).toBe("c2");
  updateAgentLatest(dir, "a1");
  expect(readlinkSync(join(dir, "slaves", "latest"))).toBe("a1");
});

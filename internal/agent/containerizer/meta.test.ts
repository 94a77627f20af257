import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerMeta } from "./meta.ts";

const metaDir = mkdtempSync(join(tmpdir(), "ctz-meta-"));
afterAll(() => rmSync(metaDir, { recursive: true, force: true }));
mkdirSync(join(metaDir, "containers"), { mode: 0o700 });

const record = { sandboxDir: "/s", launchedAtMs: 1, bootId: "b", limits: { cpus: 1, memoryBytes: 1 }, env: {}, cgroups: false };

test("the exit status follows the pids line in one file; a line counts only with its newline", async () => {
  const meta = new ContainerMeta(metaDir, "c1");
  await meta.create();
  await meta.writeLaunch({ ...record, containerId: "c1" });
  expect(meta.readPids()).toBeNull();
  writeFileSync(join(meta.dir, "pids"), "10 9\n");
  expect(meta.readPids()).toEqual({ taskPid: 10, supervisorPid: 9 });
  expect(meta.readStatus()).toBeNull();
  writeFileSync(join(meta.dir, "pids"), "10 9\n13");
  expect(meta.readStatus()).toBeNull();
  writeFileSync(join(meta.dir, "pids"), "10 9\n137\n");
  expect(meta.readStatus()).toBe(137);
  // A task that never started: the supervisor's status alone.
  writeFileSync(join(meta.dir, "pids"), "125\n");
  expect(meta.readPids()).toBeNull();
  expect(meta.readStatus()).toBe(125);
  await expect(new ContainerMeta(metaDir, "c1").create()).rejects.toThrow(/leftover state/);
});

test("a container of an older agent: its status file is read once its launch record says so", () => {
  const dir = join(metaDir, "containers", "old");
  mkdirSync(dir);
  writeFileSync(join(dir, "launch.json"), JSON.stringify({ ...record, containerId: "old" }));
  writeFileSync(join(dir, "pids"), "20 19\n");
  writeFileSync(join(dir, "status"), "7\n");
  writeFileSync(join(dir, "task-start"), "555\n");
  const meta = new ContainerMeta(metaDir, "old");
  expect(meta.readLaunch()?.statusInPids).toBeUndefined();
  expect(meta.readStatus()).toBe(7);
  expect(meta.readTaskStartTicks()).toBe(555);
});

import { afterAll, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerMeta, listMetaContainerIds, parseMeta } from "./meta.ts";

const metaDir = mkdtempSync(join(tmpdir(), "ctz-meta-"));
afterAll(() => rmSync(metaDir, { recursive: true, force: true }));
mkdirSync(join(metaDir, "containers"), { mode: 0o700 });

const record = { sandboxDir: "/s", launchedAtMs: 1, bootId: "b", limits: { cpus: 1, memoryBytes: 1 }, env: { A: "line\nbreak" }, cgroups: false };

test("one file per container: launch line, then the supervisor's pids and exit lines; a line counts only with its newline", async () => {
  const meta = new ContainerMeta(metaDir, "c1");
  await meta.writeLaunch({ ...record, containerId: "c1" });
  expect(statSync(meta.path).mode & 0o777).toBe(0o600);
  expect(meta.readLaunch()).toEqual({ ...record, containerId: "c1" });
  expect(meta.readPids()).toBeNull();
  appendFileSync(meta.path, "pids 10 9\n");
  expect(meta.readPids()).toEqual({ taskPid: 10, supervisorPid: 9 });
  expect(meta.readStatus()).toBeNull();
  appendFileSync(meta.path, "exit 13");
  expect(meta.readStatus()).toBeNull();
  appendFileSync(meta.path, "7\n");
  expect(meta.readStatus()).toBe(137);
  expect(listMetaContainerIds(metaDir)).toContain("c1");
  await expect(new ContainerMeta(metaDir, "c1").writeLaunch({ ...record, containerId: "c1" })).rejects.toThrow(/leftover state/);
  expect(readFileSync(meta.path, "utf8").split("\n")).toHaveLength(4); // the refused launch wrote nothing
});

test("a task that never started: the supervisor's exit line alone", () => {
  expect(parseMeta(`launch ${JSON.stringify(record)}\nexit 125\n`)).toMatchObject({ pids: null, status: 125 });
});

test("the agent's markers: killed and the memory limitation", async () => {
  const meta = new ContainerMeta(metaDir, "c2");
  await meta.writeLaunch({ ...record, containerId: "c2" });
  expect(meta.isKilled()).toBe(false);
  expect(meta.hasMemoryLimitation()).toBe(false);
  meta.markKilled();
  meta.markMemoryLimitation();
  expect(meta.isKilled()).toBe(true);
  expect(new ContainerMeta(metaDir, "c2").hasMemoryLimitation()).toBe(true);
  meta.remove();
  expect(new ContainerMeta(metaDir, "c2").readLaunch()).toBeNull();
});

test("a torn launch line (the agent died writing it) reads as no record", () => {
  expect(parseMeta(`launch {"containerId":"c3","sand`).launchJson).toBeNull();
  expect(parseMeta("").launchJson).toBeNull();
});

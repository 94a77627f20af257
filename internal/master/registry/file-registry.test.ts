import { afterEach, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileRegistry, RegistryCorruptError, registryCompactOpsMax } from "./file-registry.ts";
import type { AgentRecord } from "./types.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "registry-test-"));
  dirs.push(dir);
  return dir;
}

function agent(id: string): AgentRecord {
  return {
    id,
    hostname: `host-${id}`,
    port: 5051,
    resources: [],
    attributes: [],
    physicalCpus: 4,
    registeredAtMs: 1,
    deactivated: false,
    draining: false,
    gone: false,
  };
}

test("ops survive a reopen", async () => {
  const dir = workDir();
  const registry = FileRegistry.open(dir);
  await registry.apply({ type: "BUMP_EPOCH" });
  await Promise.all([registry.apply({ type: "ADMIT_AGENT", agent: agent("a1") }), registry.apply({ type: "SET_WEIGHTS", weights: { r1: 2 } })]);
  await registry.apply({ type: "UPDATE_AGENT", agentId: "a1", changes: { deactivated: true } });
  await registry.close();
  const reopened = FileRegistry.open(dir);
  expect(reopened.state().epoch).toBe(1);
  expect(reopened.state().agents.a1!.deactivated).toBe(true);
  expect(reopened.state().weights).toEqual({ r1: 2 });
  await reopened.close();
});

test("a torn last line is cut off and the rest kept", async () => {
  const dir = workDir();
  const registry = FileRegistry.open(dir);
  await registry.apply({ type: "ADMIT_AGENT", agent: agent("a1") });
  await registry.close();
  appendFileSync(join(dir, "registry", "registry.log"), '1234abcd {"seq":2,"op":{"type":"BUMP_EP');
  const reopened = FileRegistry.open(dir);
  expect(Object.keys(reopened.state().agents)).toEqual(["a1"]);
  await reopened.apply({ type: "BUMP_EPOCH" });
  await reopened.close();
  const again = FileRegistry.open(dir);
  expect(again.state().epoch).toBe(1);
  await again.close();
});

test("damage before the last line stops start-up with a message", async () => {
  const dir = workDir();
  const registry = FileRegistry.open(dir);
  await registry.apply({ type: "ADMIT_AGENT", agent: agent("a1") });
  await registry.apply({ type: "BUMP_EPOCH" });
  await registry.close();
  const path = join(dir, "registry", "registry.log");
  const lines = readFileSync(path, "utf8").split("\n");
  lines[0] = lines[0]!.replace("host-a1", "host-XX");
  writeFileSync(path, lines.join("\n"));
  expect(() => FileRegistry.open(dir)).toThrow(RegistryCorruptError);
});

test("compaction keeps the state and bounds the log", async () => {
  const dir = workDir();
  const registry = FileRegistry.open(dir);
  const writes: Promise<void>[] = [];
  for (let i = 0; i < registryCompactOpsMax + 10; i++) writes.push(registry.apply({ type: "ADMIT_AGENT", agent: agent(`a${i}`) }));
  await Promise.all(writes);
  await registry.apply({ type: "BUMP_EPOCH" });
  await registry.close();
  const logLines = readFileSync(join(dir, "registry", "registry.log"), "utf8").trim().split("\n").filter(Boolean);
  expect(logLines.length).toBeLessThan(registryCompactOpsMax);
  const reopened = FileRegistry.open(dir);
  expect(Object.keys(reopened.state().agents)).toHaveLength(registryCompactOpsMax + 10);
  expect(reopened.state().epoch).toBe(1);
  await reopened.close();
});

// One suite, every Registry: the single master's FileRegistry and the RaftRegistry (here a
// cluster of one on FileStorage). Same ops, same resulting state, and nothing acknowledged is
// lost across a reopen, compaction included.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { FileStorage, MemoryNetwork } from "../../consensus/index.ts";
import { realClock, SeededRandom } from "../../runtime/index.ts";
import { FileRegistry, registryCompactOpsMax, type AgentRecord, type Registry } from "../registry/index.ts";
import { RaftRegistry } from "./raft-registry.ts";

const dirs: string[] = [];
const open: Registry[] = [];
afterEach(async () => {
  for (const registry of open.splice(0)) await registry.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "registry-suite-"));
  dirs.push(dir);
  return dir;
}

function agent(id: string): AgentRecord {
  return { id, hostname: `host-${id}`, port: 5051, resources: [], attributes: [], physicalCpus: 4, registeredAtMs: 1, deactivated: false, draining: false, gone: false };
}

/** A cluster of one: it campaigns at once; ready once leading with everything committed applied. */
async function openRaftOfOne(dir: string): Promise<Registry> {
  const id = "127.0.0.1:1";
  const registry = new RaftRegistry({
    id,
    storage: FileStorage.open(join(dir, "raft")),
    transport: new MemoryNetwork().transport(id),
    clock: realClock,
    random: new SeededRandom(7),
    logger: pino({ level: "silent" }),
    tickIntervalMs: 5,
    electionTicks: 10,
    bootstrapVoters: [id],
    snapshotEntriesMax: 100,
  });
  registry.start();
  const deadline = performance.now() + 5000;
  for (;;) {
    const s = registry.driver.status();
    if (s.role === "leader" && s.applied === s.commit && s.commit === s.lastIndex) break;
    if (performance.now() > deadline) throw new Error("the cluster of one did not lead");
    await Bun.sleep(2);
  }
  return registry;
}

const implementations: Array<[string, (dir: string) => Promise<Registry>]> = [
  ["FileRegistry", async (dir) => FileRegistry.open(dir)],
  ["RaftRegistry (a cluster of one)", openRaftOfOne],
];

describe.each(implementations)("%s", (_name, openAt) => {
  async function opened(dir: string): Promise<Registry> {
    const registry = await openAt(dir);
    open.push(registry);
    return registry;
  }

  async function closed(registry: Registry): Promise<void> {
    open.splice(open.indexOf(registry), 1);
    await registry.close();
  }

  test("ops apply in order; writes in flight together all land", async () => {
    const registry = await opened(workDir());
    await registry.apply({ type: "BUMP_EPOCH" });
    await Promise.all([registry.apply({ type: "ADMIT_AGENT", agent: agent("a1") }), registry.apply({ type: "SET_WEIGHTS", weights: { r1: 2 } }), registry.apply({ type: "ADMIT_AGENT", agent: agent("a2") })]);
    await registry.apply({ type: "UPDATE_AGENT", agentId: "a1", changes: { deactivated: true } });
    const state = registry.state();
    expect(state.epoch).toBe(1);
    expect(Object.keys(state.agents).sort()).toEqual(["a1", "a2"]);
    expect(state.agents["a1"]!.deactivated).toBe(true);
    expect(state.weights).toEqual({ r1: 2 });
  });

  test("what was acknowledged survives a reopen, past compaction too", async () => {
    const dir = workDir();
    const first = await opened(dir);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < registryCompactOpsMax + 50; i++) writes.push(first.apply({ type: "ADMIT_AGENT", agent: agent(`a${i}`) }));
    await Promise.all(writes);
    await first.apply({ type: "SET_QUOTA", role: "r", limits: [{ name: "cpus", type: "SCALAR", scalar: { value: 2 }, role: "*" }] });
    const before = JSON.stringify(first.state());
    await closed(first);
    const again = await opened(dir);
    expect(JSON.stringify(again.state())).toBe(before);
    expect(Object.keys(again.state().agents)).toHaveLength(registryCompactOpsMax + 50);
  });
});

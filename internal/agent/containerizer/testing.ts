// Test harness for the containerizer: temp dirs, fast polling, collected events, and a dispose()
// that leaves no process, cgroup or file behind. Used by the *.test.ts files and the benchmark.

import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandInfo } from "../../wire/index.ts";
import { createContainerizer } from "./containerizer.ts";
import type { ContainerizerOptions, IsolationChoice } from "./options.ts";
import { ProcScanner } from "./proc.ts";
import { killTree } from "./tree.ts";
import type { Containerizer, ContainerTermination, HealthEvent, LaunchSpec } from "./types.ts";

export interface HarnessOptions {
  isolation: IsolationChoice;
  cgroupsHierarchy?: string;
  enableCfs?: boolean;
  statusPollIntervalMs?: number;
  launchesInFlightMax?: number;
}

export interface Harness {
  dir: string;
  metaDir: string;
  cgroupsRoot: string;
  containerizer: Containerizer;
  terminations: ContainerTermination[];
  health: HealthEvent[];
  /** A new instance over the same meta dir, as after an agent restart (the old one is closed first). */
  restart(): Promise<Containerizer>;
  spec(id: string, command: CommandInfo | string, extra?: Partial<LaunchSpec>): LaunchSpec;
  sandbox(id: string): string;
  launch(id: string, command: CommandInfo | string, extra?: Partial<LaunchSpec>): Promise<number>;
  termination(id: string, timeoutMs?: number): Promise<ContainerTermination>;
  dispose(): Promise<void>;
}

export const testEnv: Record<string, string> = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", LANG: "C" };

let harnessCount = 0;

export async function makeHarness(options: HarnessOptions, logger?: ContainerizerOptions["logger"]): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "ctz-test-"));
  const metaDir = join(dir, "meta");
  const cgroupsRoot = `cluster-test-${process.pid}-${harnessCount++}`;
  const instances: Containerizer[] = [];
  const taskPids: number[] = [];
  const terminations: ContainerTermination[] = [];
  const health: HealthEvent[] = [];
  const make = async () => {
    const c = await createContainerizer({
      metaDir,
      isolation: options.isolation,
      cgroupsHierarchy: options.cgroupsHierarchy,
      cgroupsRoot,
      enableCfs: options.enableCfs,
      statusPollIntervalMs: options.statusPollIntervalMs ?? 50,
      killPollIntervalMs: 10,
      sessionSweepDelayMs: 50,
      ...(options.launchesInFlightMax === undefined ? {} : { launchesInFlightMax: options.launchesInFlightMax }),
      logger,
    });
    c.onTermination((t) => terminations.push(t));
    c.onHealth((e) => health.push(e));
    instances.push(c);
    return c;
  };
  const h: Harness = {
    dir,
    metaDir,
    cgroupsRoot,
    containerizer: await make(),
    terminations,
    health,
    async restart() {
      await h.containerizer.close();
      h.containerizer = await make();
      return h.containerizer;
    },
    sandbox: (id) => join(dir, "sandboxes", id),
    spec(id, command, extra = {}) {
      const commandInfo = typeof command === "string" ? { value: command, shell: true } : command;
      return { containerId: id, sandboxDir: h.sandbox(id), command: commandInfo, env: testEnv, limits: { cpus: 0.5, memoryBytes: 64 * 1024 * 1024 }, ...extra };
    },
    async launch(id, command, extra) {
      const { pid } = await h.containerizer.launch(h.spec(id, command, extra));
      taskPids.push(pid);
      return pid;
    },
    async termination(id, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const found = terminations.find((t) => t.containerId === id);
        if (found !== undefined) return found;
        if (performance.now() > deadline) throw new Error(`no termination for ${id} within ${timeoutMs} ms`);
        await Bun.sleep(10);
      }
    },
    async dispose() {
      // A fresh instance that knows no container destroys them all as orphans.
      await h.containerizer.close();
      const sweeper = await createContainerizer({ metaDir, isolation: options.isolation, cgroupsHierarchy: options.cgroupsHierarchy, cgroupsRoot });
      await sweeper.recover([]);
      await sweeper.close();
      const scanner = new ProcScanner();
      for (const pid of taskPids) await killTree(() => scanner.fresh(), pid, undefined, []);
      removeCgroupRoots(options.cgroupsHierarchy ?? "/sys/fs/cgroup", cgroupsRoot);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

function removeCgroupRoots(hierarchy: string, root: string): void {
  const candidates = [join(hierarchy, root), ...["cpu", "cpuacct", "memory"].map((c) => join(hierarchy, c, root))];
  for (const dir of candidates) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) rmdirSync(join(dir, entry.name));
    rmdirSync(dir);
  }
}

/** Waits until the predicate holds; throws with the label after timeoutMs. */
export async function eventually(label: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await Bun.sleep(10);
  }
}

/** Why cgroups tests cannot run here, or null when they can. */
export function cgroupsUnavailableReason(hierarchy = "/sys/fs/cgroup"): string | null {
  if (process.getuid?.() !== 0) return "not running as root";
  if (!existsSync(join(hierarchy, "memory", "memory.limit_in_bytes")) && !existsSync(join(hierarchy, "cgroup.controllers"))) {
    return `no cgroup v1 memory controller or v2 hierarchy at ${hierarchy}`;
  }
  return null;
}

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../runtime/index.ts";
import { SandboxGc } from "./gc.ts";

const dayMs = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const root = mkdtempSync(join(tmpdir(), "gc-test-"));
  dirs.push(root);
  const workDir = join(root, "work");
  const stateDir = join(root, "meta");
  const sandbox = (name: string) => {
    const path = join(workDir, "slaves", "a", "frameworks", "f", "executors", name, "runs", "c");
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, "stdout"), "x");
    return path;
  };
  return { workDir, stateDir, sandbox };
}

describe("SandboxGc", () => {
  test("schedules made together share one write, and each resolves once its entry is on disk", async () => {
    const { workDir, stateDir, sandbox } = setup();
    const gc = new SandboxGc({ writeIntervalMinMs: 30, stateDir, rootDir: workDir, clock: new ManualClock(0), diskUsage: async () => 0 });
    const paths = ["a", "b", "c", "d"].map(sandbox);
    const onDisk = await Promise.all(
      paths.map(async (path) => {
        await gc.schedule(path);
        return (JSON.parse(readFileSync(join(stateDir, "gc.json"), "utf8")).entries as Array<{ path: string }>).some((e) => e.path === path);
      }),
    );
    expect(onDisk).toEqual([true, true, true, true]);
    await gc.scheduleIfAbsent(paths[0]!);
    await gc.scheduleIfAbsent(join(workDir, "gone"));
    expect(gc.scheduled().map((e) => e.path).sort()).toEqual([...paths].sort());
  });

  test("the schedule survives a new instance and prunes after the delay", async () => {
    const { workDir, stateDir, sandbox } = setup();
    const clock = new ManualClock(1_000_000);
    const usage = async () => 0;
    // Headroom 0 so an empty disk gives the full delay (Mesos's default 0.1 would give 90% of it).
    const first = new SandboxGc({ writeIntervalMinMs: 0, stateDir, rootDir: workDir, clock, diskUsage: usage, gcDelayMs: 7 * dayMs, gcDiskHeadroom: 0 });
    const a = sandbox("a");
    await first.schedule(a);
    expect(JSON.parse(readFileSync(join(stateDir, "gc.json"), "utf8")).entries).toHaveLength(1);

    // The agent restarts: a new instance reads the schedule back.
    const second = new SandboxGc({ writeIntervalMinMs: 0, stateDir, rootDir: workDir, clock, diskUsage: usage, gcDelayMs: 7 * dayMs, gcDiskHeadroom: 0 });
    expect(second.scheduled().map((e) => e.path)).toEqual([a]);
    clock.advance(7 * dayMs - 1);
    expect((await second.prune()).removed).toEqual([]);
    expect(existsSync(a)).toBe(true);
    clock.advance(1);
    expect((await second.prune()).removed).toEqual([a]);
    expect(existsSync(a)).toBe(false);
    expect(new SandboxGc({ writeIntervalMinMs: 0, stateDir, rootDir: workDir, clock, diskUsage: usage }).scheduled()).toEqual([]);
  });

  test("a fuller disk prunes sooner", async () => {
    const { workDir, stateDir, sandbox } = setup();
    const clock = new ManualClock(0);
    let usage = 0.2;
    const gc = new SandboxGc({ writeIntervalMinMs: 0, stateDir, rootDir: workDir, clock, diskUsage: async () => usage, gcDelayMs: 10 * dayMs, gcDiskHeadroom: 0.1 });
    const a = sandbox("a");
    await gc.schedule(a);
    clock.advance(5 * dayMs);
    expect((await gc.prune()).removed).toEqual([]); // max age 7 days
    usage = 0.6; // max age 10 × 0.3 = 3 days < 5 days
    const result = await gc.prune();
    expect(result.removed).toEqual([a]);
    expect(result.maxAgeMs).toBeCloseTo(3 * dayMs);
  });

  test("unschedule keeps a path", async () => {
    const { workDir, stateDir, sandbox } = setup();
    const clock = new ManualClock(0);
    const gc = new SandboxGc({ writeIntervalMinMs: 0, stateDir, rootDir: workDir, clock, diskUsage: async () => 0, gcDelayMs: 1000 });
    const a = sandbox("a");
    await gc.schedule(a);
    expect(await gc.unschedule(a)).toBe(true);
    clock.advance(2000);
    expect((await gc.prune()).removed).toEqual([]);
    expect(existsSync(a)).toBe(true);
  });

  test("refuses paths outside the work dir", async () => {
    const { workDir, stateDir } = setup();
    const gc = new SandboxGc({ writeIntervalMinMs: 0, stateDir, rootDir: workDir, diskUsage: async () => 0 });
    expect(gc.schedule("/etc")).rejects.toThrow(/below/);
    expect(gc.schedule(join(workDir, "..", "x"))).rejects.toThrow(/below/);
  });

  test("a failed removal is reported and dropped", async () => {
    const { workDir, stateDir, sandbox } = setup();
    const clock = new ManualClock(0);
    const errors: object[] = [];
    const logger = { info() {}, warn() {}, error: (o: object) => errors.push(o) };
    const gc = new SandboxGc({ writeIntervalMinMs: 0, stateDir, rootDir: workDir, clock, diskUsage: async () => 0, gcDelayMs: 10, logger, remove: async () => { throw new Error("EBUSY"); } });
    await gc.schedule(sandbox("a"));
    clock.advance(10);
    const result = await gc.prune();
    expect(result.failed).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(gc.scheduled()).toEqual([]);
  });
});

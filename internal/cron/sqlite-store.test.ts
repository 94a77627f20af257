import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CronCore } from "./core.ts";
import { chronosDefaults, parseJobJson } from "./job-json.ts";
import { SqliteStore } from "./sqlite-store.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cron-store-"));
  dirs.push(dir);
  return dir;
}

const t0 = Date.parse("2024-01-01T00:00:00Z");
const settings = { failureRetryMs: 1000, failureRetryMaxMs: 1000, disableAfterFailures: 0 };

describe("SqliteStore", () => {
  test("jobs, active runs and the framework id survive a reopen; final runs are history", async () => {
    const dir = tempDir();
    const store = SqliteStore.open(dir, { runHistoryMax: 10 });
    const core = new CronCore(settings);
    core.putJob(parseJobJson({ name: "a", command: "true", schedule: "R/2024-01-01T00:00:00Z/PT1M", concurrent: true }, "iso8601", chronosDefaults, t0), t0);
    core.putJob(parseJobJson({ name: "b", command: "true", parents: ["a"] }, "dependency", chronosDefaults, t0), t0);
    core.tick(t0);
    core.applyStatus({ task_id: { value: `ct:${t0}:0:a` }, state: "TASK_FINISHED", timestamp: 0 }, t0 + 10);
    core.tick(t0 + 60_000);
    await store.commit(core.takeReady());
    await store.setFrameworkId("fw-1");
    store.close();

    const reopened = SqliteStore.open(dir, { runHistoryMax: 10 });
    const state = await reopened.load();
    expect(state.frameworkId).toBe("fw-1");
    expect(state.jobs.map((j) => j.spec.name).sort()).toEqual(["a", "b"]);
    expect(state.activeRuns.map((r) => r.id).sort()).toEqual([`ct:${t0 + 10}:0:b`, `ct:${t0 + 60_000}:0:a`]);
    const history = await reopened.runsOf("a", 10);
    expect(history.map((r) => [r.id, r.state])).toEqual([
      [`ct:${t0 + 60_000}:0:a`, "queued"],
      [`ct:${t0}:0:a`, "succeeded"],
    ]);
    const a = state.jobs.find((j) => j.spec.name === "a")!;
    expect(a.status).toMatchObject({ successCount: 1, nextDueMs: t0 + 120_000, lastScheduledMs: t0 + 60_000 });
    reopened.close();
  });

  test("history is pruned to runHistoryMax final runs per job", async () => {
    const dir = tempDir();
    const store = SqliteStore.open(dir, { runHistoryMax: 3 });
    const core = new CronCore(settings);
    core.putJob(parseJobJson({ name: "a", command: "true", schedule: "R/2024-01-01T00:00:00Z/PT1S", epsilon: "PT0S" }, "iso8601", chronosDefaults, t0), t0);
    for (let i = 0; i < 10; i++) {
      core.tick(t0 + i * 1000);
      core.applyStatus({ task_id: { value: `ct:${t0 + i * 1000}:0:a` }, state: "TASK_FINISHED", timestamp: 0 }, t0 + i * 1000);
      await store.commit(core.takeReady());
    }
    expect((await store.runsOf("a", 100)).map((r) => r.scheduledMs)).toEqual([t0 + 9000, t0 + 8000, t0 + 7000]);
    store.close();
  });

  test("deleting a job deletes it and its finished runs", async () => {
    const dir = tempDir();
    const store = SqliteStore.open(dir, { runHistoryMax: 3 });
    const core = new CronCore(settings);
    core.putJob(parseJobJson({ name: "a", command: "true", schedule: "R/2024-01-01T00:00:00Z/PT1S" }, "iso8601", chronosDefaults, t0), t0);
    core.tick(t0);
    core.applyStatus({ task_id: { value: `ct:${t0}:0:a` }, state: "TASK_FINISHED", timestamp: 0 }, t0);
    await store.commit(core.takeReady());
    core.deleteJob("a", t0);
    await store.commit(core.takeReady());
    expect((await store.load()).jobs).toEqual([]);
    expect(await store.runsOf("a", 10)).toEqual([]);
    store.close();
  });
});

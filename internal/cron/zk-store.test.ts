// The ZooKeeper store and leadership against an in-process zk-lite: round trips, history, a
// commit too big for one multi, a half-applied journal finished by the next leader, fencing of a
// deposed leader, and the election itself.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { realClock, realRandom } from "../runtime/index.ts";
import { startZkLite, type ZkLiteServer } from "../zk/index.ts";
import { CronCore } from "./core.ts";
import { chronosDefaults, parseJobJson } from "./job-json.ts";
import { ZkCronLeadership } from "./zk-leadership.ts";
import { ZkStore, zkCommitBytesMax } from "./zk-store.ts";

const logger = pino({ level: "silent" });
const t0 = Date.parse("2024-01-01T00:00:00Z");
const settings = { failureRetryMs: 1000, failureRetryMaxMs: 1000, disableAfterFailures: 0 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function zkLite(): Promise<{ server: ZkLiteServer; url: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "cron-zk-"));
  const server = await startZkLite({ dataDir, port: 0, adminPort: null } as never, { clock: realClock, random: realRandom, logger });
  cleanups.push(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { server, url: `zk://127.0.0.1:${server.port}/cron` };
}

async function leader(url: string, name: string): Promise<ZkCronLeadership> {
  const leadership = new ZkCronLeadership(url, `http://127.0.0.1:${4400 + name.length}`, "localhost", { logger, clock: realClock, random: realRandom, id: name, sessionTimeoutMs: 4000 });
  cleanups.push(() => leadership.release());
  await leadership.acquire();
  return leadership;
}

function storeOf(leadership: ZkCronLeadership, runHistoryMax = 10): ZkStore {
  return new ZkStore(leadership.client, "/cron", { runHistoryMax, fence: () => leadership.memberZnode() });
}

function coreWithJobs(count: number, concurrent = true): CronCore {
  const core = new CronCore(settings);
  for (let i = 0; i < count; i++) {
    core.putJob(parseJobJson({ name: `job-${i}`, command: "true", schedule: "R/2024-01-01T00:00:00Z/PT1M", concurrent, description: "x".repeat(200) }, "iso8601", chronosDefaults, t0), t0);
  }
  return core;
}

describe("ZkStore", () => {
  test("jobs, active runs, history and the framework id round-trip", async () => {
    const { url } = await zkLite();
    const first = await leader(url, "a");
    const store = storeOf(first);
    await store.load();
    const core = coreWithJobs(2);
    core.tick(t0);
    core.applyStatus({ task_id: { value: `ct:${t0}:0:job-0` }, state: "TASK_FINISHED", timestamp: 0 }, t0 + 5);
    await store.commit(core.takeReady());
    await store.setFrameworkId("fw-9");
    await first.release();

    const second = await leader(url, "b");
    const reopened = storeOf(second);
    const state = await reopened.load();
    expect(state.frameworkId).toBe("fw-9");
    expect(state.jobs.map((j) => j.spec.name).sort()).toEqual(["job-0", "job-1"]);
    expect(state.jobs.find((j) => j.spec.name === "job-0")!.status.successCount).toBe(1);
    expect(state.activeRuns.map((r) => r.id)).toEqual([`ct:${t0}:0:job-1`]);
    expect((await reopened.runsOf("job-0", 10)).map((r) => [r.id, r.state])).toEqual([[`ct:${t0}:0:job-0`, "succeeded"]]);
    expect((await reopened.runsOf("job-1", 10)).map((r) => [r.id, r.state])).toEqual([[`ct:${t0}:0:job-1`, "queued"]]);
  });

  test("a commit larger than one multi goes through the journal, and loads back whole", async () => {
    const { url } = await zkLite();
    const first = await leader(url, "a");
    const store = storeOf(first);
    await store.load();
    const core = coreWithJobs(1500);
    const ready = core.takeReady();
    const bytes = [...ready.jobs.values()].reduce((sum, job) => sum + JSON.stringify(job).length, 0);
    expect(bytes).toBeGreaterThan(zkCommitBytesMax);
    await store.commit(ready);
    expect(await first.client.getChildren("/cron/state/journal")).toEqual([]);
    await first.release();
    const second = await leader(url, "b");
    expect((await storeOf(second).load()).jobs).toHaveLength(1500);
  });

  test("a committed journal left half-applied is finished by the next leader; an unmarked one is dropped", async () => {
    const { url } = await zkLite();
    const first = await leader(url, "a");
    await storeOf(first).load();
    const client = first.client;
    const ops = [{ put: "/cron/state/framework_id", data: "from-journal" }];
    await client.create("/cron/state/journal/j1-0", JSON.stringify(ops));
    await client.create("/cron/state/journal/j1-commit", "1");
    await client.create("/cron/state/journal/j2-0", JSON.stringify([{ put: "/cron/state/framework_id", data: "never" }]));
    await first.release();
    const second = await leader(url, "b");
    expect((await storeOf(second).load()).frameworkId).toBe("from-journal");
    expect(await second.client.getChildren("/cron/state/journal")).toEqual([]);
  });

  test("a deposed leader cannot write: every multi checks its member znode", async () => {
    const { url } = await zkLite();
    const first = await leader(url, "a");
    const store = storeOf(first);
    await store.load();
    const victim = first.memberZnode()!;
    const second = new ZkCronLeadership(url, "http://127.0.0.1:4402", "localhost", { logger, clock: realClock, random: realRandom, id: "b", sessionTimeoutMs: 4000 });
    cleanups.push(() => second.release());
    const acquired = second.acquire();
    // As if the session had expired: the member znode goes, and the standby takes over.
    await second.client.whenConnected(5000);
    await second.client.delete(victim);
    await acquired;
    const core = coreWithJobs(1);
    await expect(store.commit(core.takeReady())).rejects.toThrow();
    expect(await second.client.getChildren("/cron/state/jobs")).toEqual([]);
  });
});

describe("ZkCronLeadership", () => {
  test("one leads, the other follows and knows where the leader is; the next takes over on release", async () => {
    const { url } = await zkLite();
    const a = await leader(url, "a");
    const b = new ZkCronLeadership(url, "http://127.0.0.1:4499", "localhost", { logger, clock: realClock, random: realRandom, id: "b", sessionTimeoutMs: 4000 });
    cleanups.push(() => b.release());
    const bLeads = b.acquire();
    let bLeading = false;
    void bLeads.then(() => (bLeading = true));
    await Bun.sleep(300);
    expect(bLeading).toBe(false);
    expect(b.leaderUrl()).toBe("http://127.0.0.1:4401");
    await a.release();
    await bLeads;
    expect(b.leaderUrl()).toBe("http://127.0.0.1:4499");
  });
});

// Cron benchmark.
//
// 1. Scale of the core: 100,000 jobs loaded (90% ISO 8601, 10% cron expressions); the time one
//    tick takes to find and create the runs due, over simulated minutes of one-second ticks; the
//    memory the jobs take; how long the journal of a tick takes to commit to SQLite; and how long
//    a restart takes to load the 100,000 jobs back.
// 2. Lateness on a real cluster: a master, an agent and a cron process on this machine; 1,000
//    jobs due in the same second; time from each run's scheduled time to TASK_RUNNING (as cron
//    records it), p50 and p99.
//
// Run: ./node_modules/.bin/bun bench/cron.ts   (JOBS=100000 LATENESS_JOBS=1000 to change sizes)

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CronCore, SqliteStore, chronosDefaults, parseJobJson } from "../internal/cron/index.ts";
import { cleanupAll, startCluster } from "../test/helpers/cluster.ts";

const jobsCount = Number(process.env["JOBS"] ?? 100_000);
const latenessJobs = Number(process.env["LATENESS_JOBS"] ?? 1000);
const simulatedSeconds = Number(process.env["SIM_SECONDS"] ?? 600);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function heapMb(): number {
  Bun.gc(true);
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function fmt(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

// ---------------------------------------------------------------------------------------------

async function coreScale(): Promise<void> {
  const t0 = Date.parse("2030-01-01T00:00:00Z");
  const settings = { failureRetryMs: 60_000, failureRetryMaxMs: 600_000, disableAfterFailures: 0 };
  const core = new CronCore(settings);
  const heapBefore = heapMb();
  const periods = ["PT1M", "PT5M", "PT10M", "PT15M", "PT30M", "PT1H", "P1D"];
  const crons = ["*/5 * * * *", "0 * * * *", "*/15 * * * *", "30 2 * * *"];
  const loadStarted = performance.now();
  for (let i = 0; i < jobsCount; i++) {
    const offsetS = i % 3600;
    const body =
      i % 10 === 9
        ? { name: `job-${i}`, command: "true", cron: crons[i % crons.length], concurrent: true }
        : { name: `job-${i}`, command: "true", schedule: `R/${new Date(t0 + offsetS * 1000).toISOString()}/${periods[i % periods.length]}`, concurrent: true };
    core.putJob(parseJobJson(body, "iso8601", chronosDefaults, t0), t0);
  }
  const loadMs = performance.now() - loadStarted;
  const journal = core.takeReady();
  const heapAfter = heapMb();
  console.log(`core: ${jobsCount} jobs put in ${(loadMs / 1000).toFixed(2)} s (${fmt(loadMs / jobsCount)} per job, parse + schedule)`);
  console.log(`core: heap ${heapBefore.toFixed(0)} MB -> ${heapAfter.toFixed(0)} MB, ${(((heapAfter - heapBefore) * 1024 * 1024) / jobsCount).toFixed(0)} bytes per job`);

  const dir = mkdtempSync(join(tmpdir(), "cron-bench-"));
  const store = SqliteStore.open(dir, { runHistoryMax: 100 });
  let started = performance.now();
  await store.commit(journal);
  console.log(`store: first commit of ${jobsCount} jobs ${fmt(performance.now() - started)}`);

  const tickMs: number[] = [];
  const commitMs: number[] = [];
  const duePerTick: number[] = [];
  for (let s = 1; s <= simulatedSeconds; s++) {
    const now = t0 + s * 1000;
    started = performance.now();
    const created = core.tick(now);
    tickMs.push(performance.now() - started);
    duePerTick.push(created.length);
    // Finish the runs at once so the active set stays what a healthy cluster has.
    for (const run of created) core.applyStatus({ task_id: { value: run.id }, state: "TASK_FINISHED", timestamp: now / 1000 }, now);
    const ready = core.takeReady();
    started = performance.now();
    await store.commit(ready);
    commitMs.push(performance.now() - started);
  }
  const sortedTick = [...tickMs].sort((a, b) => a - b);
  const sortedCommit = [...commitMs].sort((a, b) => a - b);
  const runs = duePerTick.reduce((a, b) => a + b, 0);
  console.log(
    `tick: ${simulatedSeconds} one-second ticks, ${runs} runs due (mean ${(runs / simulatedSeconds).toFixed(0)}, max ${Math.max(...duePerTick)} per tick): ` +
      `find+create p50 ${fmt(quantile(sortedTick, 0.5))}, p99 ${fmt(quantile(sortedTick, 0.99))}, max ${fmt(sortedTick.at(-1)!)}; per due run ${fmt(tickMs.reduce((a, b) => a + b, 0) / Math.max(1, runs))}`,
  );
  console.log(`commit: journal of a tick (runs + job statuses, fsynced) p50 ${fmt(quantile(sortedCommit, 0.5))}, p99 ${fmt(quantile(sortedCommit, 0.99))}`);
  store.close();
  const reopened = SqliteStore.open(dir, { runHistoryMax: 100 });
  started = performance.now();
  const loaded = await reopened.load();
  const restarted = new CronCore(settings);
  restarted.load(loaded.jobs, loaded.activeRuns);
  console.log(`restart: load ${loaded.jobs.length} jobs from SQLite and rebuild the core in ${fmt(performance.now() - started)}`);
  reopened.close();
  rmSync(dir, { recursive: true, force: true });
}

/** From cron's "launched runs" log lines (written once the master answered the ACCEPT): time - scheduled time, per run. */
function acceptedLatenessMs(logFile: string): number[] {
  const out: number[] = [];
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes('"launched runs"')) continue;
    const entry = JSON.parse(line) as { time: string; tasks: string[] };
    for (const id of entry.tasks) out.push(Date.parse(entry.time) - Number(id.split(":")[1]));
  }
  return out.sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------

async function lateness(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "cron-bench-cluster-"));
  const master = await startCluster(["--mode=master", "--ip=127.0.0.1", "--port=0", `--work_dir=${join(root, "master")}`, "--allocation_interval=100ms", "--quiet"]);
  const masterAddress = new URL(master.urls.get("master")!).host;
  await startCluster([
    "--mode=agent",
    "--ip=127.0.0.1",
    "--port=0",
    `--master=${masterAddress}`,
    `--work_dir=${join(root, "agent")}`,
    "--isolation=posix",
    "--no-switch_user",
    "--quiet",
    `--resources=cpus:${Math.ceil(latenessJobs / 100) + 1};mem:${latenessJobs * 2 + 1024};disk:1024`,
  ]);
  const cronLogDir = join(root, "cron-log");
  const cron = await startCluster(["--mode=cron", "--ip=127.0.0.1", "--port=0", `--master=${masterAddress}`, `--work_dir=${join(root, "cron")}`, "--quiet", `--log_dir=${cronLogDir}`]);
  const cronUrl = cron.urls.get("cron")!;
  const dueMs = Math.ceil((Date.now() + 20_000) / 1000) * 1000;
  const postStarted = performance.now();
  for (let i = 0; i < latenessJobs; i++) {
    const response = await fetch(`${cronUrl}/v1/scheduler/iso8601`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: `late-${i}`, command: "true", schedule: `R1/${new Date(dueMs).toISOString()}/PT1H`, cpus: 0.01, mem: 1, disk: 0 }),
    });
    if (response.status !== 204) throw new Error(`post: ${response.status} ${await response.text()}`);
  }
  const postMs = performance.now() - postStarted;
  console.log(`lateness: posted ${latenessJobs} jobs in ${(postMs / 1000).toFixed(2)} s (${fmt(postMs / latenessJobs)} per POST, each fsynced); all due at ${new Date(dueMs).toISOString()}`);
  const latenessMs: number[] = [];
  const deadline = dueMs + 120_000;
  for (let i = 0; i < latenessJobs; i++) {
    for (;;) {
      const body = (await (await fetch(`${cronUrl}/v1/scheduler/job/late-${i}/runs`)).json()) as { runs: Array<{ state: string; latenessMs?: number }> };
      const run = body.runs[0];
      if (run?.latenessMs !== undefined) {
        latenessMs.push(run.latenessMs);
        break;
      }
      if (run?.state === "skipped" || Date.now() > deadline) throw new Error(`late-${i}: ${JSON.stringify(run)}`);
      await Bun.sleep(200);
    }
  }
  const sorted = latenessMs.sort((a, b) => a - b);
  const accepted = acceptedLatenessMs(join(cronLogDir, "cluster-cron.log"));
  console.log(
    `lateness: scheduled time -> ACCEPT answered by the master (cron's own part: tick, fsync of ${latenessJobs} launch intents, one ACCEPT): p50 ${fmt(quantile(accepted, 0.5))}, p99 ${fmt(quantile(accepted, 0.99))}`,
  );
  console.log(
    `lateness: scheduled time -> TASK_RUNNING for ${latenessJobs} runs due in the same second: p50 ${fmt(quantile(sorted, 0.5))}, p99 ${fmt(quantile(sorted, 0.99))}, max ${fmt(sorted.at(-1)!)}`,
  );
  cleanupAll();
  rmSync(root, { recursive: true, force: true });
}

await coreScale();
if (latenessJobs > 0) await lateness();
process.exit(0);

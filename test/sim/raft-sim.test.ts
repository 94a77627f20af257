// The Raft simulation as a test: regression seeds first, then `SIM_SEEDS` random seeds spread
// over `SIM_WORKERS` worker threads (default: one per core, sized to stay within about a minute on
// a 2-core machine). A failure names its seed; `SIM_SEED=N` replays exactly that seed in this
// thread, with `SIM_TRACE=1` printing what happened.

import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { regressionSeeds } from "./regressions.ts";
import { runSimulation, scenarios, type Scenario, type SimStats } from "./simulation.ts";
import type { SimJob, SimReport } from "./sim-worker.ts";

const seedsDefault = 4000;
const firstSeed = Number(process.env.SIM_FIRST_SEED ?? "1");

function runSeed(seed: number, scenario?: Scenario): SimStats {
  const trace = process.env.SIM_TRACE === "1" ? (line: string) => console.log(line) : undefined;
  try {
    return runSimulation({ seed, ...(scenario !== undefined ? { scenario } : {}), ...(trace ? { trace } : {}) });
  } catch (error) {
    throw new Error(failureText(seed, `${(error as Error).name}: ${(error as Error).message}`, scenario));
  }
}

function failureText(seed: number, error: string, scenario?: Scenario): string {
  const which = scenario !== undefined ? ` scenario=${scenario}` : "";
  const replay = `SIM_SEED=${seed}${scenario !== undefined ? ` SIM_SCENARIO=${scenario}` : ""} SIM_TRACE=1 bun test test/sim`;
  return `seed=${seed}${which}: ${error}\nreplay: ${replay}`;
}

function runInWorker(job: SimJob): Promise<SimReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./sim-worker.ts", import.meta.url).href);
    worker.onmessage = (event: MessageEvent<SimReport>) => {
      resolve(event.data);
      worker.terminate();
    };
    worker.onerror = (event) => {
      reject(new Error(`simulation worker failed: ${event.message}`));
      worker.terminate();
    };
    worker.postMessage(job);
  });
}

describe("raft simulation", () => {
  const only = process.env.SIM_SEED;
  if (only !== undefined) {
    test(`seed ${only}`, () => {
      const stats = runSeed(Number(only), process.env.SIM_SCENARIO as Scenario | undefined);
      console.log(JSON.stringify(stats));
    });
    return;
  }

  test("regression seeds", () => {
    for (const r of regressionSeeds) runSeed(r.seed, r.scenario);
  });

  test("every scenario", () => {
    for (const scenario of scenarios) runSeed(firstSeed, scenario);
  });

  test("random seeds", async () => {
    const count = Number(process.env.SIM_SEEDS ?? seedsDefault);
    const workers = Math.max(1, Math.min(count, Number(process.env.SIM_WORKERS ?? availableParallelism())));
    const startedMs = performance.now();
    // Worker w takes seeds first+w, first+w+workers, ...: every seed once, each worker a fair share.
    const jobs = Array.from({ length: workers }, (_, w) => ({
      from: firstSeed + w,
      count: Math.floor(count / workers) + (w < count % workers ? 1 : 0),
      stride: workers,
    }));
    const reports = await Promise.all(jobs.map(runInWorker));
    const failed = reports.filter((r) => r.type === "failed").sort((a, b) => a.seed - b.seed);
    if (failed.length > 0) throw new Error(failed.map((f) => failureText(f.seed, f.error)).join("\n"));
    const done = reports.filter((r) => r.type === "done");
    const sum = (key: "seeds" | "acked" | "crashes" | "partitions" | "snapshots") => done.reduce((n, r) => n + r[key], 0);
    const seconds = (performance.now() - startedMs) / 1000;
    console.log(
      `raft sim: ${sum("seeds")} seeds on ${workers} workers in ${seconds.toFixed(1)} s (${(sum("seeds") / seconds).toFixed(0)} seeds/s); ` +
        `${sum("acked")} writes acknowledged, ${sum("crashes")} crashes, ${sum("partitions")} partitions, ${sum("snapshots")} snapshots installed`,
    );
    expect(sum("seeds")).toBe(count);
  }, 600_000);
});

// The Raft simulation as a test: regression seeds first, then `SIM_SEEDS` random seeds (default
// sized to about a minute on a 2-core machine). A failure names its seed; `SIM_SEED=N` replays
// exactly that seed, with `SIM_TRACE=1` printing what happened.

import { describe, expect, test } from "bun:test";
import { regressionSeeds } from "./regressions.ts";
import { runSimulation, scenarios, type Scenario, type SimStats } from "./simulation.ts";

const seedsDefault = 1000;
const firstSeed = Number(process.env.SIM_FIRST_SEED ?? "1");

function runSeed(seed: number, scenario?: Scenario): SimStats {
  const trace = process.env.SIM_TRACE === "1" ? (line: string) => console.log(line) : undefined;
  try {
    return runSimulation({ seed, ...(scenario !== undefined ? { scenario } : {}), ...(trace ? { trace } : {}) });
  } catch (error) {
    const e = error as Error;
    throw new Error(`seed=${seed}${scenario ? ` scenario=${scenario}` : ""}: ${e.name}: ${e.message}\nreplay: SIM_SEED=${seed} SIM_TRACE=1 bun test test/sim\n${e.stack ?? ""}`);
  }
}

describe("raft simulation", () => {
  const only = process.env.SIM_SEED;
  if (only !== undefined) {
    test(`seed ${only}`, () => {
      const scenario = process.env.SIM_SCENARIO as Scenario | undefined;
      const stats = runSeed(Number(only), scenario);
      console.log(JSON.stringify(stats));
    });
    return;
  }

  test("regression seeds", () => {
    for (const r of regressionSeeds) runSeed(r.seed, r.scenario);
  });

  test("every scenario at least once", () => {
    for (const scenario of scenarios) runSeed(firstSeed, scenario);
  });

  test("random seeds", () => {
    const count = Number(process.env.SIM_SEEDS ?? seedsDefault);
    const startedMs = performance.now();
    const totals = { acked: 0, crashes: 0, partitions: 0, snapshots: 0, leaderChanges: 0, events: 0 };
    for (let seed = firstSeed; seed < firstSeed + count; seed++) {
      const stats = runSeed(seed);
      totals.acked += stats.writesAcked;
      totals.crashes += stats.crashes;
      totals.partitions += stats.partitions;
      totals.snapshots += stats.snapshotsInstalled;
      totals.leaderChanges += stats.leaderChanges;
      totals.events += stats.events;
    }
    const seconds = (performance.now() - startedMs) / 1000;
    console.log(`raft sim: ${count} seeds in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(1)} seeds/s) ${JSON.stringify(totals)}`);
    expect(count).toBeGreaterThan(0);
  }, 600_000);
});

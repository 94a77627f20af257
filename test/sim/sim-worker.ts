// Runs a range of seeds off the test's thread, so the default run uses every core.

import { runSimulation } from "./simulation.ts";

declare const self: Worker;

export interface SimJob {
  readonly from: number;
  readonly count: number;
  readonly stride: number;
}

export type SimReport =
  | { readonly type: "done"; readonly seeds: number; readonly acked: number; readonly crashes: number; readonly partitions: number; readonly snapshots: number; readonly events: number }
  | { readonly type: "failed"; readonly seed: number; readonly error: string };

self.onmessage = (event: MessageEvent<SimJob>) => {
  const { from, count, stride } = event.data;
  const totals = { seeds: 0, acked: 0, crashes: 0, partitions: 0, snapshots: 0, events: 0 };
  for (let i = 0; i < count; i++) {
    const seed = from + i * stride;
    try {
      const stats = runSimulation({ seed });
      totals.seeds += 1;
      totals.acked += stats.writesAcked;
      totals.crashes += stats.crashes;
      totals.partitions += stats.partitions;
      totals.snapshots += stats.snapshotsInstalled;
      totals.events += stats.events;
    } catch (error) {
      const e = error as Error;
      self.postMessage({ type: "failed", seed, error: `${e.name}: ${e.message}` } satisfies SimReport);
      return;
    }
  }
  self.postMessage({ type: "done", ...totals } satisfies SimReport);
};

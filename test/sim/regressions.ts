// Seeds that once failed, with what they found. Each runs in every test run, before the random
// seeds, so a fixed bug stays fixed.

import type { Scenario } from "./simulation.ts";

export interface RegressionSeed {
  readonly seed: number;
  readonly scenario?: Scenario;
  readonly found: string;
}

export const regressionSeeds: readonly RegressionSeed[] = [
  {
    seed: 3412,
    found:
      "driver: a leader that lost its term and later led again reused an index for a new proposal; " +
      "the pending map replaced the first waiter (a membership change) and it never completed",
  },
  {
    seed: 49439,
    found:
      "core: adopting a candidate's higher term restarted the election timer (as etcd does). Without pre-vote, " +
      "a removed member and a lagging one campaigning in turn kept resetting the only up-to-date voter, so " +
      "nobody was ever elected. The timer now restarts only on hearing from a leader or granting a vote (Figure 2)",
  },
  {
    seed: 109828,
    found:
      "core: a vote request from an older term was ignored (as etcd does). After overlapping removals left " +
      "voters {1, 4}, with 1 behind and campaigning without pre-vote, 4 never learned 1's term and chased it " +
      "one election at a time. A stale vote request is now refused with our term, as the paper's RPC reply says",
  },
  {
    seed: 45568,
    found:
      "sim (not the core): the convergence check took a stale leader (a removed member, running without " +
      "check-quorum, still leading an old term) for the cluster's and compared replicas at different indexes",
  },
];

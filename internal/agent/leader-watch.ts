// While registered with a master found through a comma list, keep asking one other master where
// the leader is. A leader that is killed closes our socket and we look again at once; one that is
// frozen (SIGSTOP, a stalled VM) or cut off from the other masters keeps the socket open and stops
// pinging, and its pings are minutes apart. The question is a long poll (GET
// /master/redirect?leader_not=<ours>&wait=...): the other master answers as soon as it knows
// another leader, so the successor is found within moments of its election, and an idle agent
// costs the masters one request per wait instead of two a second (20,000 a second at 10,000
// agents, before).

import type { Logger } from "pino";
import type { MasterDetector } from "./master-detector.ts";

/** How long one long poll may wait for news. */
export const leaderCheckWaitMs = 30_000;
/** Each answer gets this long beyond the wait: a master that takes longer is frozen or overloaded. */
export const leaderCheckTimeoutMs = 500;
/**
 * Least time between two questions: after a failed one (that master is down; the next question
 * goes to the next master), or an answer that came back early without news (a master that does
 * not hold the question open).
 */
export const leaderCheckIntervalMs = 500;

export class LeaderWatch {
  private generation = 0;
  /** Aborts the question under way when the watch stops. */
  private abort: AbortController | undefined;

  constructor(
    private readonly detector: MasterDetector,
    private readonly logger: Logger,
    private readonly waitMs = leaderCheckWaitMs,
    private readonly intervalMs = leaderCheckIntervalMs,
  ) {}

  /** Calls onMoved (once) when another master confirms it leads instead of `current`. */
  start(current: string, onMoved: (leader: string) => void): void {
    this.stop();
    const probe = this.detector.leaderElsewhere?.bind(this.detector);
    if (probe === undefined) return;
    const generation = this.generation;
    const live = () => this.generation === generation;
    const abort = new AbortController();
    this.abort = abort;
    void (async () => {
      while (live()) {
        const askedAt = performance.now();
        let leader: string | undefined;
        try {
          leader = await probe(current, leaderCheckTimeoutMs, this.waitMs, abort.signal);
        } catch (error) {
          this.logger.debug({ err: error }, "leader check failed");
        }
        if (!live()) return;
        if (leader !== undefined) {
          this.stop();
          this.logger.warn({ master: current, leader }, "another master leads now; re-registering with it");
          onMoved(leader);
          return;
        }
        const earlyMs = this.intervalMs - (performance.now() - askedAt);
        if (earlyMs > 0) await Bun.sleep(earlyMs);
      }
    })();
  }

  stop(): void {
    this.generation++;
    this.abort?.abort();
    this.abort = undefined;
  }
}

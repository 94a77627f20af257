// While registered with a master found through a comma list, ask one other master now and then
// where the leader is. A leader that is killed closes our socket and we look again at once; one
// that is frozen (SIGSTOP, a stalled VM) or cut off from the other masters keeps the socket open
// and stops pinging, and its pings are minutes apart. Asking the others finds its successor within
// an interval of the election instead.

import type { Logger } from "pino";
import type { MasterDetector } from "./master-detector.ts";

/** One GET /master/redirect to one other master per interval (two when it names another leader). */
export const leaderCheckIntervalMs = 500;
/** Each check's requests get this long: a master that takes longer is frozen or overloaded. */
export const leaderCheckTimeoutMs = 500;

export class LeaderWatch {
  private timer: ReturnType<typeof setInterval> | undefined;
  private asking = false;

  constructor(
    private readonly detector: MasterDetector,
    private readonly logger: Logger,
    private readonly intervalMs = leaderCheckIntervalMs,
  ) {}

  /** Calls onMoved (once) when another master confirms it leads instead of `current`. */
  start(current: string, onMoved: (leader: string) => void): void {
    this.stop();
    const probe = this.detector.leaderElsewhere?.bind(this.detector);
    if (probe === undefined) return;
    const timer = setInterval(() => {
      if (this.asking) return;
      this.asking = true;
      void probe(current, leaderCheckTimeoutMs)
        .then((leader) => {
          if (leader === undefined || this.timer !== timer) return;
          this.stop();
          this.logger.warn({ master: current, leader }, "another master leads now; re-registering with it");
          onMoved(leader);
        })
        .catch((error: unknown) => this.logger.debug({ err: error }, "leader check failed"))
        .finally(() => {
          this.asking = false;
        });
    }, this.intervalMs);
    this.timer = timer;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

// Runs an async step one at a time: kick() asks for another run; kicks during a run fold into one
// more run after it. A failed step is logged and tried again after a delay, so a lost connection
// or a refused write never leaves the contender or detector stuck.

import { ErrorCode } from "../constants.ts";
import type { ZkLogger } from "../types.ts";
import { isRetryable, isZkError } from "./errors.ts";

export class RetryLoop {
  private running = false;
  private dirty = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly step: () => Promise<void>,
    private readonly retryDelayMs: number,
    private readonly logger: ZkLogger,
  ) {}

  kick(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.running) this.idle = this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        try {
          await this.step();
        } catch (error) {
          // A lost connection or session is expected while ZooKeeper is away; anything else is worth a warning.
          const expected = isRetryable(error) || isZkError(error, ErrorCode.SESSIONEXPIRED);
          (expected ? this.logger.debug : this.logger.warn).call(this.logger, { err: error, loop: this.name, retry_in_ms: this.retryDelayMs }, "zk step failed; trying again");
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.kick(), this.retryDelayMs);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Stops further runs; resolves when the current one has ended. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    return this.idle;
  }
}

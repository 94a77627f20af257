// Wires a cron process: the HTTP API at once (a standby redirects to the leader), then the
// election loop: take the leader lock, load the store, run the service until it fails or the
// process stops, and stand by again if it failed.

import { mkdirSync } from "node:fs";
import type { Hono } from "hono";
import { backoffDelayMs } from "../framework/index.ts";
import { serveModeHttp, type ProcessContext, type Service } from "../process/index.ts";
import { mountCronApi } from "./api.ts";
import type { CronConfig } from "./config.ts";
import { FileLockLeadership, type Leadership } from "./leader-lock.ts";
import type { CronStore } from "./store.ts";
import { ZkCronLeadership } from "./zk-leadership.ts";
import { ZkStore } from "./zk-store.ts";
import { parseZkUrl, redactZkUrl } from "../zk/client/index.ts";
import { CronMetrics } from "./metrics.ts";
import { noopCronObserver, type CronObserver } from "./observer.ts";
import { CronService } from "./service.ts";
import { SqliteStore } from "./sqlite-store.ts";

/** `observer`: metrics and spans of runs (observability/observers); default none. */
export async function startCron(ctx: ProcessContext, config: CronConfig, options: { observer?: CronObserver } = {}): Promise<Service[]> {
  mkdirSync(config.workDir, { recursive: true });
  const metrics = new CronMetrics();
  const observer = options.observer ?? noopCronObserver;
  observer.bind(metrics);
  const runner = new ElectionRunner(ctx, config, metrics, observer);
  const http = serveModeHttp(ctx, "cron", config.port, (app: Hono) => runner.mount(app));
  runner.start(http.url);
  return [
    {
      name: http.name,
      url: http.url,
      stop: async () => {
        await runner.stop();
        await http.stop();
      },
    },
  ];
}

/** Longest pause before contending again after leading failed. */
const leaderBackoffMaxMs = 60_000;
/** Leading this long counts as having worked: the next failure starts the backoff afresh. */
const leaderBackoffResetMs = 60_000;

/** Contends for leadership and runs a CronService while it holds it. */
class ElectionRunner {
  private leadership: (Leadership & { release(): Promise<void> }) | undefined;
  private service: CronService | undefined;
  private url = "";
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeStop: (() => void) | undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.wakeStop = resolve));

  constructor(
    private readonly ctx: ProcessContext,
    private readonly config: CronConfig,
    private readonly metrics: CronMetrics,
    private readonly observer: CronObserver,
  ) {}

  mount(app: Hono): void {
    mountCronApi(app, {
      service: () => this.service,
      leaderUrl: () => this.leadership?.leaderUrl(),
      selfUrl: () => this.url,
      frameworkId: () => this.service?.currentFrameworkId,
      jobDefaults: this.config.jobDefaults,
    });
  }

  start(url: string): void {
    this.url = url;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const leadership = this.newLeadership();
      this.leadership = leadership;
      this.ctx.logger.info({ work_dir: this.config.workDir, zk: this.config.zk === undefined ? undefined : redactZkUrl(this.config.zk) }, "cron contending for leadership");
      const acquired = await Promise.race([leadership.acquire().then(() => true), this.stopped.then(() => false)]);
      if (!acquired) break;
      this.ctx.logger.info({ url: this.url }, "cron elected leader");
      const ledSinceMs = this.ctx.clock.monotonicMs();
      let why: string;
      try {
        why = await this.lead(leadership);
      } catch (error) {
        this.ctx.logger.error({ err: error }, "cron leader failed to start");
        why = (error as Error).message;
      }
      if (this.stopping) break;
      await leadership.release();
      // A leader that fails at once (a master that refuses us, a broken store) must not spin:
      // it stands aside for a growing while, so a healthy standby gets the lock meanwhile.
      failures = this.ctx.clock.monotonicMs() - ledSinceMs > leaderBackoffResetMs ? 0 : failures + 1;
      const delayMs = backoffDelayMs(Math.max(0, failures - 1), { initialMs: this.config.leaderPollIntervalMs, maxMs: leaderBackoffMaxMs }, this.ctx.random);
      this.ctx.logger.warn({ reason: why, retry_in_ms: delayMs }, "cron gave up leadership; standing by again");
      await Promise.race([Bun.sleep(delayMs), this.stopped]);
    }
  }

  /** A lock in --work_dir, or with --zk a ZooKeeper candidacy (a new session each time). */
  private newLeadership(): FileLockLeadership | ZkCronLeadership {
    const { config, ctx } = this;
    if (config.zk === undefined) return new FileLockLeadership(config.workDir, this.url, config.leaderPollIntervalMs, () => ctx.clock.nowMs());
    return new ZkCronLeadership(config.zk, this.url, config.hostname, {
      logger: ctx.logger,
      clock: ctx.clock,
      random: ctx.random,
      id: `cron-${ctx.ids.uuid()}`,
      sessionTimeoutMs: config.zkSessionTimeoutMs,
    });
  }

  /** The state where the leadership lives: cron.db in --work_dir, or ZooKeeper through the leader's session. */
  private openStore(leadership: Leadership): CronStore {
    const runHistoryMax = this.config.runHistoryMax;
    if (leadership instanceof ZkCronLeadership) {
      return new ZkStore(leadership.client, parseZkUrl(this.config.zk!).path, { runHistoryMax, fence: () => leadership.memberZnode() });
    }
    return SqliteStore.open(this.config.workDir, { runHistoryMax });
  }

  /** Runs the service until it fails, leadership is lost, or the process stops; returns why. */
  private async lead(leadership: Leadership): Promise<string> {
    const store = this.openStore(leadership);
    const service = new CronService({ config: this.config, store, clock: this.ctx.clock, random: this.ctx.random, logger: this.ctx.logger, metrics: this.metrics, observer: this.observer, url: this.url });
    try {
      await service.start();
      this.service = service;
      this.metrics.leader = 1;
      return await Promise.race([service.failed.then((e) => e.message), leadership.lost, this.stopped.then(() => "stopping")]);
    } finally {
      this.service = undefined;
      this.metrics.leader = 0;
      await service.stop();
      store.close();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeStop?.();
    await this.loop;
    await this.leadership?.release();
  }
}

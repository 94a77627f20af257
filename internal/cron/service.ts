// The cron service: the shell around the core while this process leads. It owns the timers, the
// scheduler API v1 subscription (through SchedulerClient, as any third-party framework), the store
// and the order of things: the core decides, the journal is made durable, and only then are
// launches, kills and acknowledgements sent. Events and API requests run one at a time.

import type { Logger } from "pino";
import { NotSubscribedError, SchedulerClient, SchedulerSubscribeError } from "../framework/index.ts";
import type { Clock, Random } from "../runtime/index.ts";
import { ZkMasterDetector } from "../zk/client/index.ts";
import type { FrameworkInfo, Offer, SchedulerEvent, TaskStatus } from "../wire/index.ts";
import type { CronConfig } from "./config.ts";
import { CronCore } from "./core.ts";
import { readyIsEmpty, type Effect } from "./core-state.ts";
import { launchesPerAcceptMax, reconcileBatchMax } from "./limits.ts";
import type { CronMetrics } from "./metrics.ts";
import type { CronObserver } from "./observer.ts";
import type { Placement } from "./placement.ts";
import type { CronStore } from "./store.ts";
import { taskInfoFor } from "./task-info.ts";
import { isFinalRunState, type RunRecord } from "./types.ts";

/** Events buffered between the stream and the batch processor before the stream waits. */
const eventsQueuedMax = 10_000;
/** Longest sleep between steps, so a clock jump or a missed wake-up costs at most this. */
const stepIntervalMaxMs = 1000;
/** An offer held this long past the horizon without use goes back to the master. */
const offerHoldSlackMs = 1000;

export interface CronServiceDeps {
  config: CronConfig;
  store: CronStore;
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: CronMetrics;
  /** Run transitions for metrics and spans. */
  observer: CronObserver;
  /** This process's HTTP URL, advertised as the framework's webui_url. */
  url: string;
}

interface HeldOffer {
  offer: Offer;
  heldSinceMs: number;
}

export class CronService {
  readonly core: CronCore;
  private client: SchedulerClient | undefined;
  private serial: Promise<void> = Promise.resolve();
  private readonly pending: SchedulerEvent[] = [];
  private draining = false;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private reconcileTimer: ReturnType<typeof setInterval> | undefined;
  private readonly held = new Map<string, HeldOffer>();
  /** Runs whose ACCEPT is on the wire: never reconciled (the answer could be "unknown" too early). */
  private readonly acceptInFlight = new Set<string>();
  private readonly deferredKills = new Map<string, Effect>();
  /** The last persisted version of each active run, for counting transitions in metrics. */
  private readonly lastSeen = new Map<string, RunRecord>();
  private suppressed = false;
  private masterDetector: ZkMasterDetector | undefined;
  /** The master subscribed to when it came from ZooKeeper. */
  private masterAddress: string | undefined;
  private stopped = false;
  private frameworkId: string | undefined;
  private failure: ((error: Error) => void) | undefined;
  /** Resolves if the service cannot go on (the store failed, the master refused us). */
  readonly failed: Promise<Error>;

  constructor(private readonly deps: CronServiceDeps) {
    this.core = new CronCore(deps.config.core);
    this.failed = new Promise((resolve) => (this.failure = resolve));
  }

  get currentFrameworkId(): string | undefined {
    return this.frameworkId;
  }

  async start(): Promise<void> {
    const stored = await this.deps.store.load();
    this.core.load(stored.jobs, stored.activeRuns);
    for (const run of stored.activeRuns) this.lastSeen.set(run.id, run);
    this.frameworkId = stored.frameworkId;
    this.updateGauges();
    this.deps.logger.info({ jobs: stored.jobs.length, active_runs: stored.activeRuns.length, framework_id: stored.frameworkId }, "cron state loaded");
    await this.connect(await this.initialMasters());
    this.reconcileTimer = setInterval(() => this.enqueue(() => this.reconcile(false)), this.deps.config.reconcileIntervalMs);
    this.enqueue(() => this.step());
  }

  /** The masters to subscribe to: the list given, or the leader found under --master=zk://. */
  private async initialMasters(): Promise<string[]> {
    const zkUrl = this.deps.config.masterZk;
    if (zkUrl === undefined) return this.deps.config.masters;
    const detector = new ZkMasterDetector(zkUrl, { logger: this.deps.logger, clock: this.deps.clock, random: this.deps.random });
    this.masterDetector = detector;
    const leader = await detector.detect();
    detector.onLeaderChange((next) => {
      if (next?.address === undefined || next.address === this.masterAddress) return;
      void this.enqueue(() => this.switchMaster(next.address!));
    });
    return [leader];
  }

  /** A new leading master in ZooKeeper: subscribe to it (the framework id carries over). */
  private async switchMaster(address: string): Promise<void> {
    this.deps.logger.info({ master: address, previous: this.masterAddress }, "leading master changed; subscribing to it");
    const old = this.client;
    this.client = undefined;
    await old?.close();
    this.held.clear();
    await this.connect([address]);
  }

  /** Starts a SchedulerClient on `masters`; its fatal end fails the service. */
  private async connect(masters: string[]): Promise<void> {
    this.masterAddress = masters.length === 1 ? masters[0] : undefined;
    const client = new SchedulerClient({
      masters,
      frameworkInfo: this.frameworkInfo(),
      clock: this.deps.clock,
      random: this.deps.random,
      logger: this.deps.logger,
      onEvent: (event) => this.receive(event),
    });
    this.client = client;
    void client.done.then(async (error) => {
      if (error === undefined || this.stopped || this.client !== client) return;
      if (error instanceof SchedulerSubscribeError && error.status === 403 && /removed/i.test(error.message) && this.frameworkId !== undefined) {
        // The master tore the framework down (its failover timeout passed): our id is dead for
        // good, so the next leader registers anew and reconciles its runs under the new id.
        this.deps.logger.warn({ framework_id: this.frameworkId }, "the master removed this framework; it will register anew");
        await this.deps.store.setFrameworkId(undefined);
      }
      this.fail(error);
    });
    client.subscribe().catch((error: unknown) => this.deps.logger.warn({ err: error }, "subscription did not complete"));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.masterDetector?.close();
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    if (this.reconcileTimer !== undefined) clearInterval(this.reconcileTimer);
    await this.client?.close();
    // The chain never rejects (enqueue turns failures into fail()), so this only waits.
    await this.serial;
    this.deps.metrics.subscribed = 0;
  }

  private frameworkInfo(): FrameworkInfo {
    const { config } = this.deps;
    const info: FrameworkInfo = {
      user: config.user,
      name: config.frameworkName,
      failover_timeout: config.failoverTimeoutMs / 1000,
      checkpoint: true,
      role: config.role,
      hostname: config.hostname,
      webui_url: this.deps.url,
      capabilities: [{ type: "PARTITION_AWARE" }, { type: "TASK_KILLING_STATE" }],
    };
    if (this.frameworkId !== undefined) info.id = { value: this.frameworkId };
    return info;
  }

  private fail(error: Error): void {
    this.deps.logger.error({ err: error }, "cron service cannot go on");
    this.failure?.(error);
  }

  /** Runs `fn` after everything queued before it; a failure stops the service. */
  enqueue<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.serial.then(async () => (this.stopped ? (undefined as T) : fn()));
    this.serial = result.then(
      () => undefined,
      (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))),
    );
    return result;
  }

  // -- events -------------------------------------------------------------------------------

  /** Queues a master event; the batch processor takes all queued events at once (one fsync). */
  private async receive(event: SchedulerEvent): Promise<void> {
    this.pending.push(event);
    if (!this.draining) {
      this.draining = true;
      void this.enqueue(() => this.drain());
    }
    while (this.pending.length > eventsQueuedMax && !this.stopped) await this.serial;
  }

  private async drain(): Promise<void> {
    this.draining = false;
    const events = this.pending.splice(0);
    const acks: TaskStatus[] = [];
    const orphans: TaskStatus[] = [];
    let subscribed = false;
    for (const event of events) {
      switch (event.type) {
        case "SUBSCRIBED":
          subscribed = true;
          await this.onSubscribed(event.subscribed.framework_id.value);
          break;
        case "OFFERS":
          for (const offer of event.offers.offers) this.held.set(offer.id.value, { offer, heldSinceMs: this.deps.clock.nowMs() });
          break;
        case "RESCIND":
          this.held.delete(event.rescind.offer_id.value);
          break;
        case "UPDATE":
          this.onStatus(event.update.status, acks, orphans);
          break;
        case "ERROR":
          this.deps.logger.error({ message: event.error.message, framework_id: this.frameworkId }, "master sent ERROR");
          break;
        default:
          break;
      }
    }
    await this.flush();
    for (const status of orphans) this.call("KILL", () => this.client!.kill(status.task_id, status.agent_id), status.task_id.value);
    for (const status of acks) this.call("ACKNOWLEDGE", () => this.client!.acknowledgeStatus(status), status.task_id.value);
    if (subscribed) await this.reconcile(true);
    await this.step();
  }

  private async onSubscribed(frameworkId: string): Promise<void> {
    this.held.clear();
    this.suppressed = false;
    this.deps.metrics.subscribed = 1;
    if (frameworkId !== this.frameworkId) {
      await this.deps.store.setFrameworkId(frameworkId);
      this.frameworkId = frameworkId;
    }
    this.deps.logger.info({ framework_id: frameworkId }, "cron subscribed; reconciling");
  }

  private onStatus(status: TaskStatus, acks: TaskStatus[], orphans: TaskStatus[]): void {
    const outcome = this.core.applyStatus(status, this.deps.clock.nowMs());
    const fields = { task_id: status.task_id.value, state: status.state, reason: status.reason, agent_id: status.agent_id?.value };
    if (outcome.kind === "orphan") {
      this.deps.logger.warn(fields, "live task without an active run; killing it");
      orphans.push(status);
    } else this.deps.logger.debug(fields, "task status");
    if (status.uuid !== undefined) acks.push(status);
  }

  // -- the step ---------------------------------------------------------------------------------

  /** Persists the core's journal, then performs its effects. Nothing leaves before it is durable. */
  private async flush(): Promise<void> {
    const ready = this.core.takeReady();
    if (readyIsEmpty(ready)) return;
    const before = new Map([...ready.runs.keys()].map((id) => [id, this.lastSeen.get(id)]));
    await this.deps.store.commit(ready);
    for (const run of ready.runs.values()) {
      this.deps.observer.runChanged(before.get(run.id), run);
      if (isFinalRunState(run.state)) this.lastSeen.delete(run.id);
      else this.lastSeen.set(run.id, run);
    }
    this.updateGauges();
    for (const effect of ready.effects) this.perform(effect);
  }

  private updateGauges(): void {
    this.deps.metrics.jobs = this.core.jobCount;
    this.deps.metrics.activeRuns = this.core.activeRuns().length;
  }

  private perform(effect: Effect): void {
    if (this.acceptInFlight.has(effect.runId)) {
      // A KILL overtaking its own LAUNCH would find no task; it waits for the ACCEPT to land.
      this.deferredKills.set(effect.runId, effect);
      return;
    }
    this.deps.logger.info({ task_id: effect.runId, agent_id: effect.agentId, reason: effect.reason }, "killing task");
    this.call("KILL", () => this.client!.kill(effect.runId, effect.agentId), effect.runId);
  }

  /** One scheduling step: due runs, launches on held offers, the offer flow, the next wake-up. */
  async step(): Promise<void> {
    const nowMs = this.deps.clock.nowMs();
    this.core.tick(nowMs);
    await this.flush();
    await this.launchOnHeldOffers(nowMs);
    this.manageOfferFlow(nowMs);
    this.armWake(nowMs);
  }

  private async launchOnHeldOffers(nowMs: number): Promise<void> {
    if (this.held.size === 0 || this.client?.isSubscribed !== true) return;
    if (this.core.queuedDue(nowMs).length === 0) return;
    const offers = [...this.held.values()].map((h) => h.offer);
    const placements = this.core.place(offers, nowMs, launchesPerAcceptMax);
    for (const placement of placements) {
      this.held.delete(placement.offer.id.value);
      for (const placed of placement.runs) this.acceptInFlight.add(placed.run.id);
    }
    await this.flush();
    for (const placement of placements) void this.accept(placement);
  }

  private async accept(placement: Placement): Promise<void> {
    const ids = placement.runs.map((p) => p.run.id);
    const tasks = placement.runs.map((p) => taskInfoFor(p.run, this.core.job(p.run.job)!.spec, placement.offer.agent_id.value, p.resources));
    try {
      await this.client!.launch([placement.offer.id], tasks, { refuse_seconds: 0 });
      this.deps.logger.info({ agent_id: placement.offer.agent_id.value, offer_id: placement.offer.id.value, tasks: ids }, "launched runs");
    } catch (error) {
      this.deps.logger.warn({ err: error, offer_id: placement.offer.id.value, tasks: ids }, "ACCEPT failed; the runs will be reconciled");
    } finally {
      for (const id of ids) this.acceptInFlight.delete(id);
      for (const id of ids) {
        const kill = this.deferredKills.get(id);
        this.deferredKills.delete(id);
        if (kill !== undefined) this.perform(kill);
      }
    }
  }

  /**
   * Offers are wanted while runs are due or about to be (within --schedule_horizon): REVIVE then,
   * hold what comes until it is used, and otherwise give offers back and SUPPRESS, so an idle
   * cron takes nothing from other frameworks.
   */
  private manageOfferFlow(nowMs: number): void {
    if (this.client?.isSubscribed !== true) return;
    const horizonMs = this.deps.config.scheduleHorizonMs;
    const nextStart = this.core.nextStartMs(nowMs);
    const wanted = nextStart !== undefined && nextStart - nowMs <= horizonMs;
    const expired = [...this.held.values()].filter((h) => !wanted || nowMs - h.heldSinceMs > horizonMs + offerHoldSlackMs);
    if (expired.length > 0) {
      for (const h of expired) this.held.delete(h.offer.id.value);
      const offerIds = expired.map((h) => h.offer.id);
      this.call("DECLINE", () => this.client!.decline(offerIds, { refuse_seconds: wanted ? 0 : 5 }), `${offerIds.length} offers`);
    }
    if (wanted && this.suppressed) {
      this.suppressed = false;
      this.call("REVIVE", () => this.client!.revive(), "");
    } else if (!wanted && !this.suppressed && this.held.size === 0) {
      this.suppressed = true;
      this.call("SUPPRESS", () => this.client!.suppress(), "");
    }
  }

  private armWake(nowMs: number): void {
    if (this.stopped) return;
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    const horizonMs = this.deps.config.scheduleHorizonMs;
    const candidates = [nowMs + stepIntervalMaxMs];
    const wake = this.core.nextWakeMs(nowMs);
    if (wake !== undefined) candidates.push(wake);
    const nextStart = this.core.nextStartMs(nowMs);
    if (nextStart !== undefined && nextStart - horizonMs > nowMs) candidates.push(nextStart - horizonMs);
    const delayMs = Math.max(0, Math.min(...candidates) - nowMs);
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      void this.enqueue(() => this.step());
    }, delayMs);
  }

  // -- reconciliation -------------------------------------------------------------------------

  /**
   * Asks the master about every run that may have a task (explicitly, in batches), and after a
   * subscription also for every task it has for us (implicitly), so orphans are found.
   */
  private async reconcile(implicitToo: boolean): Promise<void> {
    if (this.client?.isSubscribed !== true) return;
    const targets = this.core.reconcileTargets().filter((t) => !this.acceptInFlight.has(t.taskId));
    for (let i = 0; i < targets.length; i += reconcileBatchMax) {
      const batch = targets.slice(i, i + reconcileBatchMax).map((t) => (t.agentId === undefined ? { taskId: t.taskId } : { taskId: t.taskId, agentId: t.agentId }));
      this.call("RECONCILE", () => this.client!.reconcile(batch), `${batch.length} tasks`);
    }
    if (implicitToo) this.call("RECONCILE", () => this.client!.reconcile([]), "implicit");
    if (targets.length > 0) this.deps.logger.info({ tasks: targets.length }, "reconciling runs with the master");
  }

  /** Sends a call without waiting; a failure is logged (reconciliation repairs what it left). */
  private call(type: string, send: () => Promise<void>, what: string): void {
    if (this.client === undefined) return;
    send().catch((error: unknown) => {
      const level = error instanceof NotSubscribedError ? "debug" : "warn";
      this.deps.logger[level]({ err: error, call: type, what }, "scheduler call failed");
    });
  }

  // -- API --------------------------------------------------------------------------------------

  /**
   * Runs an API mutation on the core, persists it and takes a step; resolves with fn's result
   * once durable. An error thrown by fn (a bad job) goes to the caller, not to the service.
   */
  async mutate<T>(fn: (nowMs: number) => T): Promise<T> {
    const outcome = await this.enqueue(async (): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> => {
      let result: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        result = { ok: true, value: fn(this.deps.clock.nowMs()) };
      } catch (error) {
        result = { ok: false, error };
      }
      await this.flush();
      await this.step();
      return result;
    });
    if (outcome === undefined) throw new Error("the cron service is stopping");
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  runsOf(job: string, limit: number): ReturnType<CronStore["runsOf"]> {
    return this.deps.store.runsOf(job, limit);
  }
}

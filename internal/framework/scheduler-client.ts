// A scheduler that speaks the Mesos scheduler HTTP API v1 the way a third-party framework does:
// SUBSCRIBE on a long POST whose response is a RecordIO event stream, every other call as its own
// POST carrying Mesos-Stream-Id, 307 redirects to the leading master followed by hand, and
// failover re-subscription with the framework id when the stream ends or heartbeats stop. It is
// our cron mode's link to the master and the test suites' stand-in for Marathon or Chronos, so it
// only uses the public API and works against a real Mesos master too.

import { realClock, realRandom, type Clock, type Random } from "../runtime/index.ts";
import {
  RecordIODecoder,
  defaultHeartbeatIntervalSeconds,
  recordBytesMaxDefault,
  streamIdHeader,
  type AgentID,
  type Filters,
  type FrameworkCall,
  type FrameworkInfo,
  type KillPolicy,
  type MasterInfo,
  type OfferOperation,
  type ResourceRequest,
  type SchedulerEvent,
  type TaskInfo,
  type TaskStatus,
} from "../wire/index.ts";
import { backoffDelayMs, defaultBackoff, type BackoffSettings } from "./backoff.ts";
import { EventQueue } from "./event-queue.ts";
import { masterOrigin, resolveRedirect, schedulerUrl } from "./master-url.ts";

/** The pino-like logger the client writes to: fields first, then the message. */
export interface SchedulerClientLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const silentLogger: SchedulerClientLogger = { info() {}, warn() {}, error() {}, debug() {} };

export interface SchedulerClientOptions {
  /** Masters as `host:port` or URLs; tried in turn until one leads or redirects to the leader. */
  masters: readonly string[];
  /** Set `id` to fail over an existing framework from the start. */
  frameworkInfo: FrameworkInfo;
  suppressedRoles?: string[];
  fetch?: typeof fetch;
  clock?: Clock;
  random?: Random;
  logger?: SchedulerClientLogger;
  /** Called for every event in order; the stream is not read while it runs. */
  onEvent?: (event: SchedulerEvent) => void | Promise<void>;
  /** ACKNOWLEDGE every UPDATE that carries a uuid once it is delivered. Default off: the caller acks. */
  autoAcknowledge?: boolean;
  backoff?: BackoffSettings;
  /** The master counts as lost after this many heartbeat intervals without an event. Default 2. */
  missedHeartbeatsMax?: number;
  /** Longest wait for a call's response, or for a subscription's first event. Default 75 s, as Mesos suggests. */
  requestTimeoutMs?: number;
  /** Redirects followed per subscription attempt. Default 5. */
  redirectsMax?: number;
  /** Events buffered for the `events` iterator before the stream is no longer read. Default 1024. */
  eventsQueuedMax?: number;
  recordBytesMax?: number;
}

/** What the master said when the subscription was made. */
export interface Subscription {
  frameworkId: string;
  streamId: string | undefined;
  /** Origin (`http://host:port`) of the master that holds the stream. */
  master: string;
  heartbeatIntervalSeconds: number;
  masterInfo: MasterInfo | undefined;
}

/** A call the master did not accept: its HTTP status and the body text that says why. */
export class SchedulerCallError extends Error {
  override readonly name = "SchedulerCallError";
  constructor(
    readonly callType: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${callType} failed with HTTP ${status}: ${body}`);
  }
}

/** A subscription the master refused for good (4xx, or an ERROR event); the client stops. */
export class SchedulerSubscribeError extends Error {
  override readonly name = "SchedulerSubscribeError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class NotSubscribedError extends Error {
  override readonly name = "NotSubscribedError";
}

export class SchedulerClientClosedError extends Error {
  override readonly name = "SchedulerClientClosedError";
}

type IdLike = string | { value: string };

function toId(id: IdLike): { value: string } {
  return typeof id === "string" ? { value: id } : { value: id.value };
}

/** How one connection attempt or stream ended. */
type Outcome =
  | { kind: "lost"; reason: string; wasSubscribed: boolean }
  | { kind: "unreachable"; reason: string }
  | { kind: "fatal"; error: Error }
  | { kind: "closed" };

type Opened = { kind: "stream"; response: Response; url: string; controller: AbortController } | Exclude<Outcome, { kind: "lost" }> | { kind: "retry"; reason: string };

interface Session {
  origin: string;
  streamId: string | undefined;
  frameworkId: string;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class SchedulerClient {
  private readonly origins: string[];
  private readonly fetchImpl: typeof fetch;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: SchedulerClientLogger;
  private readonly backoff: BackoffSettings;
  private readonly missedHeartbeatsMax: number;
  private readonly requestTimeoutMs: number;
  private readonly redirectsMax: number;
  private frameworkInfo: FrameworkInfo;
  private suppressedRoles: string[] | undefined;
  private masterIndex = 0;
  private session: Session | undefined;
  private lastSubscription: Subscription | undefined;
  private queue: EventQueue<SchedulerEvent> | undefined;
  private loop: Promise<void> | undefined;
  private firstSubscribed: Deferred<Subscription> | undefined;
  private connection: AbortController | undefined;
  private lostReason: string | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private sleeping: { timer: ReturnType<typeof setTimeout>; wake: () => void } | undefined;
  private closed = false;
  private readonly finished = deferred<Error | undefined>();
  private lastEventMs: number | undefined;

  constructor(private readonly options: SchedulerClientOptions) {
    if (options.masters.length === 0) throw new Error("SchedulerClient needs at least one master");
    this.origins = options.masters.map(masterOrigin);
    this.fetchImpl = options.fetch ?? fetch;
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? realRandom;
    this.logger = options.logger ?? silentLogger;
    this.backoff = options.backoff ?? defaultBackoff;
    this.missedHeartbeatsMax = options.missedHeartbeatsMax ?? 2;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 75_000;
    this.redirectsMax = options.redirectsMax ?? 5;
    this.frameworkInfo = { ...options.frameworkInfo };
    this.suppressedRoles = options.suppressedRoles;
  }

  // -------------------------------------------------------------------------------------------
  // State

  /** The framework id, once a master has assigned it (or as given in frameworkInfo.id). */
  get frameworkId(): string | undefined {
    return this.frameworkInfo.id?.value;
  }

  /** The Mesos-Stream-Id of the live subscription, if there is one. */
  get streamId(): string | undefined {
    return this.session?.streamId;
  }

  get isSubscribed(): boolean {
    return this.session !== undefined;
  }

  /** The latest SUBSCRIBED, kept across re-subscriptions. */
  get subscription(): Subscription | undefined {
    return this.lastSubscription;
  }

  /** Milliseconds since the last event (a HEARTBEAT counts), by the client's monotonic clock. */
  get lastEventAgeMs(): number | undefined {
    return this.lastEventMs === undefined ? undefined : this.clock.monotonicMs() - this.lastEventMs;
  }

  /**
   * Every event, SUBSCRIBED of each re-subscription included, in order. Take it before subscribe()
   * to see the first SUBSCRIBED. One consumer; it ends when the client stops.
   */
  get events(): AsyncIterable<SchedulerEvent> {
    if (this.queue === undefined) {
      this.queue = new EventQueue<SchedulerEvent>(this.options.eventsQueuedMax ?? 1024);
      if (this.closed) this.queue.end();
    }
    return this.queue;
  }

  /** Resolves when the client stops: with the error that stopped it, or undefined after close(). */
  get done(): Promise<Error | undefined> {
    return this.finished.promise;
  }

  // -------------------------------------------------------------------------------------------
  // Subscription

  /**
   * Starts the subscription loop and resolves with the first SUBSCRIBED. Unreachable masters are
   * retried with backoff for as long as the client is open; a refusal (4xx, ERROR) rejects.
   */
  subscribe(): Promise<Subscription> {
    if (this.closed) return Promise.reject(new SchedulerClientClosedError("the client is closed"));
    if (this.lastSubscription !== undefined) return Promise.resolve(this.lastSubscription);
    this.firstSubscribed ??= deferred<Subscription>();
    this.loop ??= this.run();
    return this.firstSubscribed.promise;
  }

  /** Stops for good: closes the stream, ends `events`, and waits for the loop to finish. */
  async close(): Promise<void> {
    this.stop(undefined);
    await this.loop;
  }

  private stop(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.session = undefined;
    this.clearWatchdog();
    this.connection?.abort();
    if (this.sleeping !== undefined) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    this.queue?.end();
    this.firstSubscribed?.reject(error ?? new SchedulerClientClosedError("the client was closed before it subscribed"));
    this.finished.resolve(error);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const outcome = await this.connectRound();
      switch (outcome.kind) {
        case "closed":
          return;
        case "fatal":
          this.logger.error({ err: outcome.error.message, framework_id: this.frameworkId }, "scheduler subscription refused");
          this.stop(outcome.error);
          return;
        case "lost":
          if (outcome.wasSubscribed) failures = 0;
          this.logger.warn({ reason: outcome.reason, framework_id: this.frameworkId }, "scheduler subscription lost");
          break;
        case "unreachable":
          this.logger.warn({ reason: outcome.reason, masters: this.origins }, "no master reachable");
          break;
      }
      if (this.closed) return;
      const delayMs = backoffDelayMs(failures, this.backoff, this.random);
      failures += 1;
      await this.sleep(delayMs);
    }
  }

  private sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { timer: setTimeout(wake, delayMs), wake };
    });
  }

  /** One pass over the masters, starting with the last one that led. */
  private async connectRound(): Promise<Outcome> {
    let lastReason = "no master tried";
    for (let step = 0; step < this.origins.length && !this.closed; step++) {
      const index = (this.masterIndex + step) % this.origins.length;
      const opened = await this.openStream(schedulerUrl(this.origins[index] as string));
      switch (opened.kind) {
        case "stream":
          this.masterIndex = index;
          return this.consume(opened.response, opened.url, opened.controller);
        case "retry":
          lastReason = opened.reason;
          this.logger.debug({ master: this.origins[index], reason: opened.reason }, "master did not take the subscription");
          break;
        case "fatal":
        case "closed":
        case "unreachable":
          return opened;
      }
    }
    return this.closed ? { kind: "closed" } : { kind: "unreachable", reason: lastReason };
  }

  private subscribeBody(): object {
    const subscribe: Record<string, unknown> = { framework_info: this.frameworkInfo };
    if (this.suppressedRoles !== undefined) subscribe["suppressed_roles"] = this.suppressedRoles;
    const body: Record<string, unknown> = { type: "SUBSCRIBE", subscribe };
    if (this.frameworkInfo.id !== undefined) body["framework_id"] = this.frameworkInfo.id;
    return body;
  }

  /** POSTs SUBSCRIBE, following redirects, until a master answers 200 with a stream. */
  private async openStream(firstUrl: string): Promise<Opened> {
    let url = firstUrl;
    for (let redirects = 0; redirects <= this.redirectsMax; redirects++) {
      if (this.closed) return { kind: "closed" };
      const controller = new AbortController();
      this.connection = controller;
      const timer = setTimeout(() => controller.abort(), this.requestTimeoutMs);
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json", Connection: "keep-alive" },
          body: JSON.stringify(this.subscribeBody()),
          redirect: "manual",
          signal: controller.signal,
        });
      } catch (error) {
        return this.closed ? { kind: "closed" } : { kind: "retry", reason: `${url}: ${describeError(error)}` };
      } finally {
        clearTimeout(timer);
      }
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get("Location");
        await discardBody(response);
        if (location === null) return { kind: "retry", reason: `${url}: redirect without Location` };
        const next = resolveRedirect(location, url);
        this.logger.info({ from: url, to: next }, "following redirect to the leading master");
        url = next;
        continue;
      }
      if (response.status === 200) return { kind: "stream", response, url, controller };
      return this.refusal(url, response);
    }
    return { kind: "retry", reason: `more than ${this.redirectsMax} redirects from ${firstUrl}` };
  }

  private async refusal(url: string, response: Response): Promise<Opened> {
    const body = await response.text().catch((error: unknown) => describeError(error));
    const reason = `${url}: HTTP ${response.status}: ${body}`;
    // No leader yet (503), overload and timeouts are worth another try; other refusals are not.
    if (response.status >= 500 || response.status === 408 || response.status === 429) return { kind: "retry", reason };
    return { kind: "fatal", error: new SchedulerSubscribeError(`SUBSCRIBE refused by ${reason}`, response.status) };
  }

  // -------------------------------------------------------------------------------------------
  // The event stream

  private async consume(response: Response, url: string, controller: AbortController): Promise<Outcome> {
    const streamId = response.headers.get(streamIdHeader) ?? undefined;
    const origin = new URL(url).origin;
    const decoder = new RecordIODecoder(this.options.recordBytesMax ?? recordBytesMaxDefault);
    let wasSubscribed = false;
    this.lostReason = undefined;
    this.armWatchdog(this.requestTimeoutMs, controller, "no SUBSCRIBED event in time");
    const reader = response.body?.getReader();
    if (reader === undefined) return { kind: "lost", reason: "SUBSCRIBE response without a body", wasSubscribed };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return { kind: "lost", reason: "the master closed the event stream", wasSubscribed };
        for (const text of decoder.push(value)) {
          const event = parseEvent(text);
          this.lastEventMs = this.clock.monotonicMs();
          if (event.type === "SUBSCRIBED") {
            wasSubscribed = true;
            this.handleSubscribed(event, origin, streamId);
          }
          this.clearWatchdog();
          await this.deliver(event);
          if (event.type === "ERROR") {
            return { kind: "fatal", error: new SchedulerSubscribeError(`the master sent ERROR: ${event.error.message}`) };
          }
          if (this.closed) return { kind: "closed" };
          this.armHeartbeatWatchdog(controller);
        }
      }
    } catch (error) {
      if (this.closed) return { kind: "closed" };
      return { kind: "lost", reason: this.lostReason ?? describeError(error), wasSubscribed };
    } finally {
      this.clearWatchdog();
      this.session = undefined;
      controller.abort();
      reader.releaseLock();
    }
  }

  private handleSubscribed(event: Extract<SchedulerEvent, { type: "SUBSCRIBED" }>, origin: string, streamId: string | undefined): void {
    const frameworkId = event.subscribed.framework_id.value;
    this.frameworkInfo = { ...this.frameworkInfo, id: { value: frameworkId } };
    this.session = { origin, streamId, frameworkId };
    const subscription: Subscription = {
      frameworkId,
      streamId,
      master: origin,
      heartbeatIntervalSeconds: event.subscribed.heartbeat_interval_seconds ?? defaultHeartbeatIntervalSeconds,
      masterInfo: event.subscribed.master_info,
    };
    this.lastSubscription = subscription;
    this.logger.info({ framework_id: frameworkId, master: origin, stream_id: streamId }, "scheduler subscribed");
    if (streamId === undefined) this.logger.warn({ master: origin }, "SUBSCRIBE response had no Mesos-Stream-Id header");
    this.firstSubscribed?.resolve(subscription);
  }

  private armHeartbeatWatchdog(controller: AbortController): void {
    const intervalSeconds = this.lastSubscription?.heartbeatIntervalSeconds ?? defaultHeartbeatIntervalSeconds;
    const timeoutMs = this.missedHeartbeatsMax * intervalSeconds * 1000;
    this.armWatchdog(timeoutMs, controller, `no event for ${timeoutMs} ms (${this.missedHeartbeatsMax} heartbeat intervals)`);
  }

  private armWatchdog(timeoutMs: number, controller: AbortController, reason: string): void {
    this.clearWatchdog();
    this.watchdog = setTimeout(() => {
      this.lostReason = reason;
      controller.abort();
    }, timeoutMs);
  }

  private clearWatchdog(): void {
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private async deliver(event: SchedulerEvent): Promise<void> {
    if (this.queue !== undefined) await this.queue.push(event);
    if (this.options.onEvent !== undefined) {
      try {
        await this.options.onEvent(event);
      } catch (error) {
        this.logger.error({ err: describeError(error), event_type: event.type }, "event handler failed");
      }
    }
    if (this.options.autoAcknowledge === true && event.type === "UPDATE" && event.update.status.uuid !== undefined) {
      this.acknowledgeStatus(event.update.status).catch((error: unknown) => {
        this.logger.warn({ err: describeError(error), task_id: event.update.status.task_id.value }, "automatic acknowledgement failed");
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Calls

  /** Sends one call on the live subscription; throws SchedulerCallError unless the master answers 2xx. */
  async call(call: FrameworkCall): Promise<void> {
    const session = this.session;
    if (session === undefined) throw new NotSubscribedError(`cannot send ${call.type}: not subscribed`);
    const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json" };
    if (session.streamId !== undefined) headers[streamIdHeader] = session.streamId;
    const response = await this.fetchImpl(schedulerUrl(session.origin), {
      method: "POST",
      headers,
      body: JSON.stringify({ ...call, framework_id: { value: session.frameworkId } }),
      redirect: "manual",
      signal: AbortSignal.timeout(this.requestTimeoutMs),
    });
    const text = await response.text();
    if (response.status !== 202 && response.status !== 200) throw new SchedulerCallError(call.type, response.status, text);
  }

  accept(offerIds: readonly IdLike[], operations: OfferOperation[], filters?: Filters): Promise<void> {
    const accept: Extract<FrameworkCall, { type: "ACCEPT" }>["accept"] = { offer_ids: offerIds.map(toId), operations };
    if (filters !== undefined) accept.filters = filters;
    return this.call({ type: "ACCEPT", accept });
  }

  /** ACCEPT with one LAUNCH of the given tasks. */
  launch(offerIds: readonly IdLike[], tasks: TaskInfo[], filters?: Filters): Promise<void> {
    return this.accept(offerIds, [{ type: "LAUNCH", launch: { task_infos: tasks } }], filters);
  }

  decline(offerIds: readonly IdLike[], filters?: Filters): Promise<void> {
    const decline: Extract<FrameworkCall, { type: "DECLINE" }>["decline"] = { offer_ids: offerIds.map(toId) };
    if (filters !== undefined) decline.filters = filters;
    return this.call({ type: "DECLINE", decline });
  }

  /** Without roles: every role of the framework. */
  revive(roles?: string[]): Promise<void> {
    return this.call(roles === undefined ? { type: "REVIVE" } : { type: "REVIVE", revive: { roles } });
  }

  /** Without roles: every role of the framework. */
  suppress(roles?: string[]): Promise<void> {
    return this.call(roles === undefined ? { type: "SUPPRESS" } : { type: "SUPPRESS", suppress: { roles } });
  }

  kill(taskId: IdLike, agentId?: IdLike, killPolicy?: KillPolicy): Promise<void> {
    const kill: Extract<FrameworkCall, { type: "KILL" }>["kill"] = { task_id: toId(taskId) };
    if (agentId !== undefined) kill.agent_id = toId(agentId);
    if (killPolicy !== undefined) kill.kill_policy = killPolicy;
    return this.call({ type: "KILL", kill });
  }

  shutdown(executorId: IdLike, agentId: IdLike): Promise<void> {
    return this.call({ type: "SHUTDOWN", shutdown: { executor_id: toId(executorId), agent_id: toId(agentId) } });
  }

  acknowledge(agentId: IdLike, taskId: IdLike, uuid: string): Promise<void> {
    return this.call({ type: "ACKNOWLEDGE", acknowledge: { agent_id: toId(agentId), task_id: toId(taskId), uuid } });
  }

  /**
   * Acknowledges a status from an UPDATE event. Only updates with a uuid may be acknowledged;
   * those without (answers to reconciliation) resolve at once without a call.
   */
  async acknowledgeStatus(status: TaskStatus): Promise<void> {
    if (status.uuid === undefined) return;
    const agentId: AgentID | undefined = status.agent_id;
    if (agentId === undefined) throw new Error(`status of task ${status.task_id.value} has a uuid but no agent_id`);
    await this.acknowledge(agentId, status.task_id, status.uuid);
  }

  /** Explicit reconciliation of the given tasks; no tasks asks for all of them (implicit). */
  reconcile(tasks: ReadonlyArray<{ taskId: IdLike; agentId?: IdLike }> = []): Promise<void> {
    const list = tasks.map(({ taskId, agentId }) =>
      agentId === undefined ? { task_id: toId(taskId) } : { task_id: toId(taskId), agent_id: toId(agentId) },
    );
    return this.call({ type: "RECONCILE", reconcile: { tasks: list } });
  }

  message(agentId: IdLike, executorId: IdLike, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const message = { agent_id: toId(agentId), executor_id: toId(executorId), data: Buffer.from(bytes).toString("base64") };
    return this.call({ type: "MESSAGE", message });
  }

  request(requests: ResourceRequest[]): Promise<void> {
    return this.call({ type: "REQUEST", request: { requests } });
  }

  /** UPDATE_FRAMEWORK; later re-subscriptions use the new FrameworkInfo (with the same id). */
  async updateFramework(frameworkInfo: FrameworkInfo, suppressedRoles?: string[]): Promise<void> {
    const info: FrameworkInfo = { ...frameworkInfo, id: this.frameworkInfo.id };
    const update: Extract<FrameworkCall, { type: "UPDATE_FRAMEWORK" }>["update_framework"] = { framework_info: info };
    if (suppressedRoles !== undefined) update.suppressed_roles = suppressedRoles;
    await this.call({ type: "UPDATE_FRAMEWORK", update_framework: update });
    this.frameworkInfo = info;
    if (suppressedRoles !== undefined) this.suppressedRoles = suppressedRoles;
  }

  /** TEARDOWN: the master removes the framework and its tasks; the client then closes. */
  async teardown(): Promise<void> {
    try {
      await this.call({ type: "TEARDOWN" });
    } finally {
      await this.close();
    }
  }
}

function parseEvent(text: string): SchedulerEvent {
  const event: unknown = JSON.parse(text);
  if (typeof event !== "object" || event === null || typeof (event as { type?: unknown }).type !== "string") {
    throw new Error(`event without a type: ${text.slice(0, 200)}`);
  }
  return event as SchedulerEvent;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch (error) {
    // The body of a redirect carries nothing we need; a failure to drop it changes nothing.
    void error;
  }
}

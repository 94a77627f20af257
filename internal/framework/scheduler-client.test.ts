import { afterEach, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { encodeRecordBytes, schedulerApiPath, type SchedulerEvent } from "../wire/index.ts";
import {
  NotSubscribedError,
  SchedulerCallError,
  SchedulerClient,
  SchedulerSubscribeError,
  type SchedulerClientOptions,
} from "./scheduler-client.ts";

// A small master that speaks the scheduler API the way Mesos does: SUBSCRIBE answered with a
// RecordIO stream and a Mesos-Stream-Id header, other calls answered 202 when they carry the
// stream id, or a 307 to the leader when this master is told it does not lead.

interface Received {
  body: Record<string, unknown>;
  streamId: string | null;
}

interface FakeMasterOptions {
  /** Location to answer with (307) instead of serving. */
  redirectTo?: () => string;
  heartbeatIntervalSeconds?: number;
  /** Events sent after SUBSCRIBED on each new stream. */
  initialEvents?: (frameworkId: string) => SchedulerEvent[];
  /** Status and text to answer SUBSCRIBE with instead of a stream. */
  refuseSubscribe?: { status: number; text: string };
}

class FakeMaster {
  readonly server: Server<undefined>;
  readonly subscribes: Received[] = [];
  readonly calls: Received[] = [];
  private stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  private streamCount = 0;
  currentStreamId: string | undefined;
  callStatus: { status: number; text: string } | undefined;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: FakeMasterOptions = {}) {
    this.server = Bun.serve({ port: 0, hostname: "127.0.0.1", idleTimeout: 0, fetch: (request) => this.handle(request) });
  }

  get address(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  private async handle(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== schedulerApiPath) return new Response("not found", { status: 404 });
    const body = (await request.json()) as Record<string, unknown>;
    if (this.options.redirectTo !== undefined) {
      return new Response(null, { status: 307, headers: { Location: this.options.redirectTo() } });
    }
    const received = { body, streamId: request.headers.get("Mesos-Stream-Id") };
    this.notify();
    if (body["type"] === "SUBSCRIBE") return this.handleSubscribe(received);
    this.calls.push(received);
    if (received.streamId !== this.currentStreamId) return new Response("wrong stream id", { status: 400 });
    if (this.callStatus !== undefined) return new Response(this.callStatus.text, { status: this.callStatus.status });
    return new Response(null, { status: 202 });
  }

  private handleSubscribe(received: Received): Response {
    this.subscribes.push(received);
    if (this.options.refuseSubscribe !== undefined) {
      return new Response(this.options.refuseSubscribe.text, { status: this.options.refuseSubscribe.status });
    }
    this.streamCount += 1;
    const streamId = `stream-${this.streamCount}`;
    this.currentStreamId = streamId;
    const frameworkId = (received.body["framework_id"] as { value: string } | undefined)?.value ?? "fw-1";
    const events: SchedulerEvent[] = [
      {
        type: "SUBSCRIBED",
        subscribed: { framework_id: { value: frameworkId }, heartbeat_interval_seconds: this.options.heartbeatIntervalSeconds ?? 15 },
      },
      ...(this.options.initialEvents?.(frameworkId) ?? [{ type: "HEARTBEAT" } as const]),
    ];
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.stream = controller;
        for (const event of events) controller.enqueue(encodeRecordBytes(event));
      },
    });
    return new Response(stream, { status: 200, headers: { "Content-Type": "application/json", "Mesos-Stream-Id": streamId } });
  }

  send(event: SchedulerEvent): void {
    this.stream?.enqueue(encodeRecordBytes(event));
  }

  endStream(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits until `condition` holds, checking after each request this master receives. */
  async until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error("condition not met in time");
      await Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), Bun.sleep(20)]);
    }
  }

  stop(): void {
    this.endStream();
    this.server.stop(true);
  }
}

const offer = (id: string) => ({
  id: { value: id },
  framework_id: { value: "fw-1" },
  agent_id: { value: "agent-1" },
  hostname: "node-1",
  resources: [{ name: "cpus", type: "SCALAR" as const, role: "*", scalar: { value: 2 } }],
});

const started: Array<FakeMaster | SchedulerClient> = [];

function master(options?: FakeMasterOptions): FakeMaster {
  const fake = new FakeMaster(options);
  started.push(fake);
  return fake;
}

function client(options: Partial<SchedulerClientOptions> & { masters: string[] }): SchedulerClient {
  const created = new SchedulerClient({
    frameworkInfo: { user: "root", name: "test-framework", failover_timeout: 3600 },
    backoff: { initialMs: 10, maxMs: 40 },
    requestTimeoutMs: 2000,
    ...options,
  });
  started.push(created);
  return created;
}

afterEach(async () => {
  for (const item of started.splice(0)) {
    if (item instanceof SchedulerClient) await item.close();
    else item.stop();
  }
});

async function take(iterator: AsyncIterator<SchedulerEvent>, count: number): Promise<SchedulerEvent[]> {
  const events: SchedulerEvent[] = [];
  while (events.length < count) {
    const next = await iterator.next();
    if (next.done === true) break;
    events.push(next.value);
  }
  return events;
}

describe("SchedulerClient", () => {
  test("SUBSCRIBE streams SUBSCRIBED, HEARTBEAT and OFFERS in order", async () => {
    const leader = master({ initialEvents: () => [{ type: "HEARTBEAT" }, { type: "OFFERS", offers: { offers: [offer("o1"), offer("o2")] } }] });
    const scheduler = client({ masters: [leader.address] });
    const events = scheduler.events[Symbol.asyncIterator]();
    const subscription = await scheduler.subscribe();
    expect(subscription).toMatchObject({ frameworkId: "fw-1", streamId: "stream-1", master: `http://${leader.address}`, heartbeatIntervalSeconds: 15 });
    const received = await take(events, 3);
    expect(received.map((event) => event.type)).toEqual(["SUBSCRIBED", "HEARTBEAT", "OFFERS"]);
    const offers = received[2];
    expect(offers?.type === "OFFERS" && offers.offers.offers.map((o) => o.id.value)).toEqual(["o1", "o2"]);
    const subscribe = leader.subscribes[0];
    expect(subscribe?.streamId).toBeNull();
    expect(subscribe?.body).toEqual({ type: "SUBSCRIBE", subscribe: { framework_info: { user: "root", name: "test-framework", failover_timeout: 3600 } } });
    expect(scheduler.frameworkId).toBe("fw-1");
    expect(scheduler.streamId).toBe("stream-1");
  });

  test("every call carries Mesos-Stream-Id and framework_id, with the bodies Mesos expects", async () => {
    const leader = master();
    const scheduler = client({ masters: [leader.address] });
    await scheduler.subscribe();
    const uuid = Buffer.alloc(16, 1).toString("base64");
    await scheduler.decline(["o1"], { refuse_seconds: 60 });
    await scheduler.launch([{ value: "o2" }], [
      { name: "t", task_id: { value: "t1" }, agent_id: { value: "agent-1" }, resources: [], command: { value: "true" } },
    ]);
    await scheduler.kill("t1", "agent-1");
    await scheduler.acknowledge("agent-1", "t1", uuid);
    await scheduler.reconcile();
    await scheduler.reconcile([{ taskId: "t1", agentId: "agent-1" }]);
    await scheduler.revive();
    await scheduler.suppress(["web"]);
    await scheduler.shutdown("e1", "agent-1");
    await scheduler.message("agent-1", "e1", "hi");
    await scheduler.request([{ agent_id: { value: "agent-1" } }]);
    await scheduler.updateFramework({ user: "root", name: "renamed" }, ["web"]);
    expect(leader.calls.every((call) => call.streamId === "stream-1")).toBe(true);
    expect(leader.calls.every((call) => (call.body["framework_id"] as { value: string }).value === "fw-1")).toBe(true);
    expect(leader.calls.map((call) => call.body)).toEqual([
      { type: "DECLINE", decline: { offer_ids: [{ value: "o1" }], filters: { refuse_seconds: 60 } }, framework_id: { value: "fw-1" } },
      {
        type: "ACCEPT",
        accept: {
          offer_ids: [{ value: "o2" }],
          operations: [{ type: "LAUNCH", launch: { task_infos: [{ name: "t", task_id: { value: "t1" }, agent_id: { value: "agent-1" }, resources: [], command: { value: "true" } }] } }],
        },
        framework_id: { value: "fw-1" },
      },
      { type: "KILL", kill: { task_id: { value: "t1" }, agent_id: { value: "agent-1" } }, framework_id: { value: "fw-1" } },
      { type: "ACKNOWLEDGE", acknowledge: { agent_id: { value: "agent-1" }, task_id: { value: "t1" }, uuid }, framework_id: { value: "fw-1" } },
      { type: "RECONCILE", reconcile: { tasks: [] }, framework_id: { value: "fw-1" } },
      { type: "RECONCILE", reconcile: { tasks: [{ task_id: { value: "t1" }, agent_id: { value: "agent-1" } }] }, framework_id: { value: "fw-1" } },
      { type: "REVIVE", framework_id: { value: "fw-1" } },
      { type: "SUPPRESS", suppress: { roles: ["web"] }, framework_id: { value: "fw-1" } },
      { type: "SHUTDOWN", shutdown: { executor_id: { value: "e1" }, agent_id: { value: "agent-1" } }, framework_id: { value: "fw-1" } },
      { type: "MESSAGE", message: { agent_id: { value: "agent-1" }, executor_id: { value: "e1" }, data: "aGk=" }, framework_id: { value: "fw-1" } },
      { type: "REQUEST", request: { requests: [{ agent_id: { value: "agent-1" } }] }, framework_id: { value: "fw-1" } },
      {
        type: "UPDATE_FRAMEWORK",
        update_framework: { framework_info: { user: "root", name: "renamed", id: { value: "fw-1" } }, suppressed_roles: ["web"] },
        framework_id: { value: "fw-1" },
      },
    ]);
  });

  test("a refused call throws with the status and the master's text", async () => {
    const leader = master();
    const scheduler = client({ masters: [leader.address] });
    await scheduler.subscribe();
    leader.callStatus = { status: 400, text: "Failed to validate scheduler::Call: Expecting 'accept' to be present" };
    const error = await scheduler.decline(["o1"]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SchedulerCallError);
    expect(error).toMatchObject({ status: 400, callType: "DECLINE", body: "Failed to validate scheduler::Call: Expecting 'accept' to be present" });
  });

  test("calls before SUBSCRIBED are refused locally", async () => {
    const scheduler = client({ masters: ["127.0.0.1:1"] });
    await expect(scheduler.decline(["o"])).rejects.toBeInstanceOf(NotSubscribedError);
  });

  for (const [form, location] of [
    ["//host:port/path, as Mesos sends it", (leader: FakeMaster) => `//${leader.address}${schedulerApiPath}`],
    ["host:port, as the docs show it", (leader: FakeMaster) => leader.address],
    ["a full URL", (leader: FakeMaster) => `http://${leader.address}${schedulerApiPath}`],
  ] as const) {
    test(`follows a 307 from a non-leader to the leader (${form})`, async () => {
      const leader = master();
      const follower = master({ redirectTo: () => location(leader) });
      const scheduler = client({ masters: [follower.address] });
      const subscription = await scheduler.subscribe();
      expect(follower.subscribes.length).toBe(0);
      expect(leader.subscribes.length).toBe(1);
      expect(subscription.master).toBe(`http://${leader.address}`);
      await scheduler.revive();
      expect(leader.calls.map((call) => call.body["type"])).toEqual(["REVIVE"]);
    });
  }

  test("skips an unreachable master", async () => {
    const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const deadAddress = `127.0.0.1:${gone.port}`;
    gone.stop(true);
    const leader = master();
    const scheduler = client({ masters: [deadAddress, leader.address] });
    const subscription = await scheduler.subscribe();
    expect(subscription.master).toBe(`http://${leader.address}`);
  });

  test("when the stream ends it re-subscribes with its framework_id and uses the new stream id", async () => {
    const leader = master();
    const scheduler = client({ masters: [leader.address] });
    const events = scheduler.events[Symbol.asyncIterator]();
    await scheduler.subscribe();
    await take(events, 2);
    leader.endStream();
    const again = await take(events, 1);
    expect(again[0]?.type).toBe("SUBSCRIBED");
    expect(leader.subscribes.length).toBe(2);
    const resubscribe = leader.subscribes[1]?.body;
    expect(resubscribe?.["framework_id"]).toEqual({ value: "fw-1" });
    expect((resubscribe?.["subscribe"] as { framework_info: { id: unknown } }).framework_info.id).toEqual({ value: "fw-1" });
    expect(scheduler.streamId).toBe("stream-2");
    await scheduler.revive();
    expect(leader.calls[0]?.streamId).toBe("stream-2");
  });

  test("when heartbeats stop it treats the master as lost and re-subscribes", async () => {
    const leader = master({ heartbeatIntervalSeconds: 0.05 });
    const scheduler = client({ masters: [leader.address] });
    await scheduler.subscribe();
    await leader.until(() => leader.subscribes.length >= 2);
    expect(leader.subscribes[1]?.body["framework_id"]).toEqual({ value: "fw-1" });
  });

  test("fails over from a dead leader to the next master", async () => {
    const first = master();
    const second = master();
    const scheduler = client({ masters: [first.address, second.address] });
    await scheduler.subscribe();
    first.stop();
    await second.until(() => second.subscribes.length === 1);
    expect(second.subscribes[0]?.body["framework_id"]).toEqual({ value: "fw-1" });
    await second.until(() => scheduler.streamId === "stream-1" && scheduler.subscription?.master === `http://${second.address}`);
  });

  test("auto-acknowledges updates with a uuid and never those without", async () => {
    const uuid = Buffer.alloc(16, 9).toString("base64");
    const status = (taskId: string, withUuid: boolean) => ({
      task_id: { value: taskId },
      agent_id: { value: "agent-1" },
      state: "TASK_RUNNING" as const,
      timestamp: 1,
      ...(withUuid ? { uuid } : {}),
    });
    const leader = master({
      initialEvents: () => [
        { type: "UPDATE", update: { status: status("reconciled", false) } },
        { type: "UPDATE", update: { status: status("t1", true) } },
      ],
    });
    const seen: string[] = [];
    const scheduler = client({ masters: [leader.address], autoAcknowledge: true, onEvent: (event) => void seen.push(event.type) });
    await scheduler.subscribe();
    await leader.until(() => leader.calls.length === 1);
    await Bun.sleep(50);
    expect(leader.calls.map((call) => call.body)).toEqual([
      { type: "ACKNOWLEDGE", acknowledge: { agent_id: { value: "agent-1" }, task_id: { value: "t1" }, uuid }, framework_id: { value: "fw-1" } },
    ]);
    expect(seen).toEqual(["SUBSCRIBED", "UPDATE", "UPDATE"]);
  });

  test("acknowledgeStatus skips a status without uuid", async () => {
    const leader = master();
    const scheduler = client({ masters: [leader.address] });
    await scheduler.subscribe();
    await scheduler.acknowledgeStatus({ task_id: { value: "t" }, state: "TASK_LOST", timestamp: 1 });
    expect(leader.calls.length).toBe(0);
  });

  test("an ERROR event stops the client", async () => {
    const leader = master({ initialEvents: () => [{ type: "ERROR", error: { message: "Framework has been removed" } }] });
    const scheduler = client({ masters: [leader.address] });
    const events = scheduler.events[Symbol.asyncIterator]();
    await scheduler.subscribe();
    const error = await scheduler.done;
    expect(error).toBeInstanceOf(SchedulerSubscribeError);
    expect(error?.message).toContain("Framework has been removed");
    expect((await take(events, 5)).map((event) => event.type)).toEqual(["SUBSCRIBED", "ERROR"]);
    expect(leader.subscribes.length).toBe(1);
  });

  test("a 4xx on SUBSCRIBE rejects subscribe() without retrying", async () => {
    const leader = master({ refuseSubscribe: { status: 400, text: "Failed to validate scheduler::Call: Expecting 'subscribe' to be present" } });
    const scheduler = client({ masters: [leader.address] });
    const error = await scheduler.subscribe().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SchedulerSubscribeError);
    expect((error as SchedulerSubscribeError).status).toBe(400);
    expect((error as Error).message).toContain("Expecting 'subscribe' to be present");
    expect(leader.subscribes.length).toBe(1);
  });

  test("a 503 on SUBSCRIBE (no leader yet) is retried", async () => {
    const leader = master({ refuseSubscribe: { status: 503, text: "No leader elected" } });
    const scheduler = client({ masters: [leader.address] });
    void scheduler.subscribe().catch(() => undefined);
    await leader.until(() => leader.subscribes.length >= 3);
  });

  test("close ends the events iterator and rejects a pending subscribe", async () => {
    const scheduler = client({ masters: ["127.0.0.1:1"] });
    const events = scheduler.events[Symbol.asyncIterator]();
    const pending = scheduler.subscribe().catch((caught: unknown) => caught);
    await scheduler.close();
    expect((await events.next()).done).toBe(true);
    expect(await pending).toBeInstanceOf(Error);
    expect(await scheduler.done).toBeUndefined();
  });

  test("teardown sends TEARDOWN and closes", async () => {
    const leader = master();
    const scheduler = client({ masters: [leader.address] });
    await scheduler.subscribe();
    await scheduler.teardown();
    expect(leader.calls.map((call) => call.body["type"])).toEqual(["TEARDOWN"]);
    expect(scheduler.isSubscribed).toBe(false);
    expect(await scheduler.done).toBeUndefined();
  });

  test("an existing framework id is sent on the first SUBSCRIBE (scheduler failover)", async () => {
    const leader = master();
    const scheduler = client({ masters: [leader.address], frameworkInfo: { user: "u", name: "n", id: { value: "fw-old" } } });
    const subscription = await scheduler.subscribe();
    expect(leader.subscribes[0]?.body["framework_id"]).toEqual({ value: "fw-old" });
    expect(subscription.frameworkId).toBe("fw-old");
  });
});

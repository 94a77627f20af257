// Traces across processes, collected by an OTLP/HTTP JSON receiver in the test: one trace holds
// an offer, its task.launch on the master and task.start / task.running on the agent; an ACCEPT
// carrying traceparent joins the caller's trace; every offer the framework saw has exactly one
// span whatever became of it (accepted, declined, lost with its agent, expired, rescinded when
// the master stops). Then OTEL_TRACES_SAMPLER and OTEL_SDK_DISABLED.

import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cleanupAll, tempDir } from "./helpers/cluster.ts";
import { eventually, startTestAgent, startTestMaster } from "./helpers/e2e.ts";
import { otlpEnv, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./helpers/otlp-receiver.ts";
import { rawSubscribe, type RawSubscription } from "./helpers/raw-scheduler.ts";

setDefaultTimeout(90_000);
const receivers: OtlpReceiver[] = [];
afterEach(async () => {
  cleanupAll();
  for (const receiver of receivers.splice(0)) await receiver.stop();
});
afterAll(cleanupAll);

const agentResources = "--resources=cpus:2;mem:512;disk:100;ports:[31000-31005]";
const frameworkInfo = { user: "root", name: "traces", roles: ["*"], capabilities: [{ type: "MULTI_ROLE" }], failover_timeout: 60 };
const callerTraceId = "5b8efff798038103d269b633813fc60c";
const callerSpanId = "eee19b7ec3c1b174";

type Offer = { id: { value: string }; agent_id: { value: string }; url: { address: { port: number } } };

function offersIn(sub: RawSubscription): Offer[] {
  return sub.events.filter((e) => e.type === "OFFERS").flatMap((e) => e.offers.offers as Offer[]);
}

async function nextOffer(sub: RawSubscription, predicate: (offer: Offer) => boolean, exclude: ReadonlySet<string>): Promise<Offer> {
  await sub.next((e) => e.type === "OFFERS" && (e.offers.offers as Offer[]).some((o) => predicate(o) && !exclude.has(o.id.value)), 15_000);
  return offersIn(sub).find((o) => predicate(o) && !exclude.has(o.id.value))!;
}

function call(sub: RawSubscription, masterUrl: string, body: object, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${masterUrl}/api/v1/scheduler`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Mesos-Stream-Id": sub.streamId ?? "", ...headers },
    body: JSON.stringify({ framework_id: { value: sub.frameworkId }, ...body }),
  });
}

function launchBody(offer: Offer, taskId: string): object {
  const resources = [
    { name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, role: "*", allocation_info: { role: "*" } },
    { name: "mem", type: "SCALAR", scalar: { value: 32 }, role: "*", allocation_info: { role: "*" } },
  ];
  const task = { name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, resources, command: { shell: true, value: "sleep 30" } };
  return { type: "ACCEPT", accept: { offer_ids: [offer.id], operations: [{ type: "LAUNCH", launch: { task_infos: [task] } }], filters: { refuse_seconds: 0 } } };
}

const byId = (spans: ReceivedSpan[]) => new Map(spans.map((s) => [s.spanId, s]));

/** Acknowledges every status update as it arrives (the agent sends a task's next update only then). */
function autoAcknowledge(sub: RawSubscription, masterUrl: string): () => void {
  let seen = 0;
  const timer = setInterval(() => {
    for (; seen < sub.events.length; seen++) {
      const event = sub.events[seen]!;
      const status = event.type === "UPDATE" ? event.update.status : undefined;
      if (status?.uuid === undefined || status.agent_id === undefined) continue;
      void call(sub, masterUrl, { type: "ACKNOWLEDGE", acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid } }).catch(() => undefined);
    }
  }, 20);
  return () => clearInterval(timer);
}

describe("one trace from offer to TASK_RUNNING, and every offer span ends", () => {
  test("accepted (traced ACCEPT), lost with its agent, declined, expired, rescinded at stop", async () => {
    const receiver = startOtlpReceiver();
    receivers.push(receiver);
    const env = otlpEnv(receiver);
    const master = await startTestMaster(["--offer_timeout=1secs"], tempDir(), env);
    const agentA = await startTestAgent(master.address, [agentResources], tempDir(), env);
    const agentB = await startTestAgent(master.address, [agentResources], tempDir(), env);
    const portA = Number(new URL(agentA.url).port);
    const portB = Number(new URL(agentB.url).port);
    const sub = await rawSubscribe(master.url, frameworkInfo);
    expect(sub.status).toBe(200);
    const stopAcks = autoAcknowledge(sub, master.url);
    const used = new Set<string>();
    const offerB = await nextOffer(sub, (o) => o.url.address.port === portB, used);
    used.add(offerB.id.value);
    const offerA = await nextOffer(sub, (o) => o.url.address.port === portA, used);
    used.add(offerA.id.value);

    // Agent B dies while its offer is outstanding: the offer ends as agent_lost.
    agentB.proc.child.kill("SIGKILL");
    await sub.next((e) => e.type === "RESCIND" && e.rescind.offer_id.value === offerB.id.value);

    // A traced ACCEPT on agent A: the task runs.
    const accepted = await call(sub, master.url, launchBody(offerA, "traced-task"), { traceparent: `00-${callerTraceId}-${callerSpanId}-01` });
    expect(accepted.status).toBe(202);
    await sub.next((e) => e.type === "UPDATE" && e.update.status.task_id.value === "traced-task" && e.update.status.state === "TASK_RUNNING");

    const toDecline = await nextOffer(sub, (o) => o.url.address.port === portA, used);
    used.add(toDecline.id.value);
    expect((await call(sub, master.url, { type: "DECLINE", decline: { offer_ids: [toDecline.id], filters: { refuse_seconds: 0.1 } } })).status).toBe(202);
    const toExpire = await nextOffer(sub, (o) => o.url.address.port === portA, used);
    await sub.next((e) => e.type === "RESCIND" && e.rescind.offer_id.value === toExpire.id.value, 10_000);

    // Stopping flushes the spans; offers still outstanding end as rescinded.
    expect((await master.proc.stop("SIGTERM")).code).toBe(0);
    expect((await agentA.proc.stop("SIGTERM")).code).toBe(0);
    stopAcks();
    sub.close();
    const seen = offersIn(sub).map((o) => o.id.value);
    const offerSpans = await eventually(() => {
      const spans = receiver.spans.filter((s) => s.name === "offer");
      const ids = new Set(spans.map((span) => String(span.attributes["offer.id"])));
      return seen.every((id) => ids.has(id)) ? spans : undefined;
    }, 10_000, "an offer span for every offer");

    // Exactly one span per offer. An offer made as the master stopped may not have reached the
    // framework; it ended with the stream or the leadership.
    const spansByOffer = new Map<string, ReceivedSpan[]>();
    for (const span of offerSpans) spansByOffer.set(String(span.attributes["offer.id"]), [...(spansByOffer.get(String(span.attributes["offer.id"])) ?? []), span]);
    for (const offerId of seen) expect({ offerId, spans: spansByOffer.get(offerId)?.length ?? 0 }).toEqual({ offerId, spans: 1 });
    for (const [offerId, spans] of spansByOffer) {
      expect({ offerId, count: spans.length }).toEqual({ offerId, count: 1 });
      if (!seen.includes(offerId)) expect(["framework_gone", "rescinded"]).toContain(String(spans[0]!.attributes["outcome"]));
    }
    const outcome = (id: string) => spansByOffer.get(id)?.[0]?.attributes["outcome"];
    expect(outcome(offerB.id.value)).toBe("agent_lost");
    expect(outcome(offerA.id.value)).toBe("accepted");
    expect(outcome(toDecline.id.value)).toBe("declined");
    expect(outcome(toExpire.id.value)).toBe("expired");
    // The rest expired, or ended when the master stopped: its HTTP server closes first, so the
    // framework's stream goes (framework_gone), then the leadership (rescinded).
    const named = new Set([offerA, offerB, toDecline, toExpire].map((o) => o.id.value));
    for (const span of offerSpans.filter((s) => !named.has(String(s.attributes["offer.id"])))) {
      expect(["expired", "framework_gone", "rescinded"]).toContain(String(span.attributes["outcome"]));
    }

    // Every offer span is a child of the allocation.cycle span that made it.
    const masterSpans = byId(receiver.spans.filter((s) => s.service === "cluster-master"));
    for (const span of offerSpans) {
      const parent = masterSpans.get(span.parentSpanId);
      expect(parent?.name).toBe("allocation.cycle");
      expect(parent?.traceId).toBe(span.traceId);
      expect(span.endMs).toBeGreaterThanOrEqual(span.startMs);
    }
    const acceptedSpan = spansByOffer.get(offerA.id.value)![0]!;
    expect(acceptedSpan.attributes).toMatchObject({ "agent.hostname": expect.any(String), "framework.name": "traces", role: "*", cpus: 2, mem: 512, disk: 100, ports: "31000-31005", revocable: false, refuse_seconds: 0 });

    // One trace: allocation.cycle → offer → task.launch (master) → task.start, task.running (agent).
    const trace = receiver.spans.filter((s) => s.traceId === acceptedSpan.traceId);
    const launch = trace.find((s) => s.name === "task.launch" && s.parentSpanId === acceptedSpan.spanId);
    expect(launch?.service).toBe("cluster-master");
    expect(launch?.attributes["task.ids"]).toEqual(["traced-task"]);
    const start = trace.find((s) => s.name === "task.start" && s.parentSpanId === launch?.spanId);
    const running = trace.find((s) => s.name === "task.running" && s.parentSpanId === launch?.spanId);
    expect(start?.service).toBe("cluster-agent");
    expect(start?.attributes).toMatchObject({ "task.id": "traced-task", "task.state": "TASK_RUNNING" });
    expect(running?.service).toBe("cluster-agent");

    // The ACCEPT joined the caller's trace; the offer and the launch link to it.
    const server = receiver.spans.find((s) => s.name === "scheduler.accept");
    expect(server?.traceId).toBe(callerTraceId);
    expect(server?.parentSpanId).toBe(callerSpanId);
    expect(acceptedSpan.links).toContainEqual({ traceId: callerTraceId, spanId: server!.spanId });
    expect(launch?.links).toContainEqual({ traceId: callerTraceId, spanId: server!.spanId });

    expect(receiver.spans.some((s) => s.name === "master.leadership" && s.attributes["master.leading"] === true)).toBe(true);
    expect(receiver.rejected).toEqual([]);
  });
});

describe("sampling and the disabled SDK", () => {
  /** `acceptHeaders`: sent with the ACCEPT (a caller's traceparent). */
  async function runOneTask(env: Record<string, string>, acceptHeaders: Record<string, string> = {}): Promise<void> {
    const master = await startTestMaster([], tempDir(), env);
    const agent = await startTestAgent(master.address, [agentResources], tempDir(), env);
    const sub = await rawSubscribe(master.url, frameworkInfo);
    const stopAcks = autoAcknowledge(sub, master.url);
    const offer = await nextOffer(sub, () => true, new Set());
    expect((await call(sub, master.url, launchBody(offer, "t"), acceptHeaders)).status).toBe(202);
    await sub.next((e) => e.type === "UPDATE" && e.update.status.state === "TASK_RUNNING");
    const metrics = await (await fetch(`${master.url}/metrics`)).text();
    stopAcks();
    sub.close();
    // Both stop cleanly, which also flushes their spans.
    expect((await master.proc.stop("SIGTERM")).code).toBe(0);
    expect((await agent.proc.stop("SIGTERM")).code).toBe(0);
    if (env["OTEL_SDK_DISABLED"] === "true") expect(metrics).toContain("telemetry disabled");
    else expect(metrics).toMatch(/^cluster_offer_ended_total\{[^}]*outcome="accepted"/m);
  }

  test("OTEL_TRACES_SAMPLER=always_off: no spans, metrics still pushed, tasks still run", async () => {
    const receiver = startOtlpReceiver();
    receivers.push(receiver);
    await runOneTask(otlpEnv(receiver, { OTEL_TRACES_SAMPLER: "always_off" }));
    await eventually(() => receiver.metricExports > 0 || undefined, 5_000, "a metrics export");
    expect(receiver.spans).toEqual([]);
  });

  test("OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0: the cluster's own traces dropped, a sampled caller's ACCEPT kept", async () => {
    const receiver = startOtlpReceiver();
    receivers.push(receiver);
    const env = otlpEnv(receiver, { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" });
    await runOneTask(env, { traceparent: `00-${callerTraceId}-${callerSpanId}-01` });
    const server = await eventually(() => receiver.spans.find((s) => s.name === "scheduler.accept"), 5_000, "scheduler.accept");
    expect(server.traceId).toBe(callerTraceId);
    expect(server.parentSpanId).toBe(callerSpanId);
    // Root spans (cycles, leadership) fall to the ratio of 0; offers and the launch follow their
    // cycle, and the agent's task spans follow the launch's unsampled context.
    expect([...new Set(receiver.spans.map((s) => s.name))]).toEqual(["scheduler.accept"]);
  });

  test("OTEL_SDK_DISABLED=true: nothing exported, nothing breaks", async () => {
    const receiver = startOtlpReceiver();
    receivers.push(receiver);
    await runOneTask(otlpEnv(receiver, { OTEL_SDK_DISABLED: "true" }));
    await Bun.sleep(500);
    expect(receiver.spans).toEqual([]);
    expect(receiver.metricExports).toBe(0);
  });
});

// The master's scheduler and operator HTTP APIs as a Mesos client meets them, against a real
// master process (no agents needed for these).

import { afterAll, describe, expect, test } from "bun:test";
import { cleanupAll, startCluster, tempDir } from "./helpers/cluster.ts";
import { rawSubscribe } from "./helpers/raw-scheduler.ts";

afterAll(cleanupAll);

async function master(extra: string[] = [], workDir = tempDir()) {
  const proc = await startCluster(["--mode=master", "--ip=127.0.0.1", "--port=0", `--work_dir=${workDir}`, "--framework_heartbeat_interval=200ms", ...extra]);
  return { proc, url: proc.urls.get("master")!, workDir };
}

const framework = { user: "root", name: "conformance", failover_timeout: 60 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read Mesos JSON loosely
async function jsonOf(response: Promise<Response> | Response): Promise<any> {
  return (await response).json();
}

function getJson(url: string): Promise<any> {
  return jsonOf(fetch(url));
}

describe("scheduler API", () => {
  test("SUBSCRIBE streams SUBSCRIBED then HEARTBEATs, with a Mesos-Stream-Id", async () => {
    const { proc, url } = await master();
    const sub = await rawSubscribe(url, framework);
    expect(sub.status).toBe(200);
    expect(sub.streamId).toMatch(/^[0-9a-f-]{36}$/);
    const subscribed = sub.events[0]!;
    expect(subscribed.type).toBe("SUBSCRIBED");
    expect(subscribed.subscribed.framework_id.value).toMatch(/-0000$/);
    expect(subscribed.subscribed.heartbeat_interval_seconds).toBe(0.2);
    expect(subscribed.subscribed.master_info.port).toBe(Number(new URL(url).port));
    await sub.next((e) => e.type === "HEARTBEAT");
    sub.close();
    await proc.stop();
  });

  test("errors: protobuf 415, bad JSON 400, missing field 400 naming it, stream id checks, unknown framework 403", async () => {
    const { proc, url } = await master();
    const post = (body: string, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
      fetch(`${url}/api/v1/scheduler`, { method: "POST", headers, body });
    const protobuf = await post("x", { "Content-Type": "application/x-protobuf" });
    expect(protobuf.status).toBe(415);
    expect(await protobuf.text()).toContain("application/json");
    const badJson = await post("{nope");
    expect(badJson.status).toBe(400);
    expect(await badJson.text()).toContain("not valid JSON");
    const missing = await post(JSON.stringify({ type: "SUBSCRIBE", subscribe: { framework_info: { user: "x" } } }));
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("subscribe.framework_info.name");
    const unknownType = await post(JSON.stringify({ type: "FROBNICATE", framework_id: { value: "x" } }));
    expect(unknownType.status).toBe(400);
    expect(await unknownType.text()).toContain("type");
    const sub = await rawSubscribe(url, framework);
    const noStream = await sub.call({ type: "REVIVE" }, null);
    expect(noStream.status).toBe(400);
    expect(await noStream.text()).toContain("Mesos-Stream-Id");
    const wrongStream = await sub.call({ type: "REVIVE" }, "00000000-0000-0000-0000-000000000000");
    expect(wrongStream.status).toBe(400);
    const ok = await sub.call({ type: "REVIVE" });
    expect(ok.status).toBe(202);
    const stranger = await post(JSON.stringify({ type: "REVIVE", framework_id: { value: "nobody-0007" } }), { "Content-Type": "application/json", "Mesos-Stream-Id": sub.streamId! });
    expect(stranger.status).toBe(403);
    sub.close();
    await proc.stop();
  });

  test("a re-subscription with the framework id fails the old stream over; the id is kept", async () => {
    const { proc, url } = await master();
    const first = await rawSubscribe(url, framework);
    const id = first.frameworkId!;
    const second = await rawSubscribe(url, { ...framework, id: { value: id } }, { framework_id: { value: id } });
    expect(second.frameworkId).toBe(id);
    const error = await first.next((e) => e.type === "ERROR");
    expect(error.error.message).toContain("failed over");
    expect((await second.call({ type: "REVIVE" })).status).toBe(202);
    expect((await first.call({ type: "REVIVE" })).status).toBe(400);
    second.close();
    await proc.stop();
  });

  test("a framework gone past its failover timeout is completed and cannot come back", async () => {
    const { proc, url } = await master();
    const sub = await rawSubscribe(url, { ...framework, failover_timeout: 0.3 });
    const id = sub.frameworkId!;
    sub.close();
    let state: any;
    for (let i = 0; i < 100; i++) {
      state = await getJson(`${url}/master/state`);
      if (state.completed_frameworks.some((f: any) => f.id === id)) break;
      await Bun.sleep(50);
    }
    expect(state.completed_frameworks.map((f: any) => f.id)).toContain(id);
    expect(state.frameworks.map((f: any) => f.id)).not.toContain(id);
    const again = await rawSubscribe(url, { ...framework, id: { value: id } }, { framework_id: { value: id } });
    expect(again.status).toBe(403);
    await proc.stop();
  });

  test("TEARDOWN removes the framework and ends its stream", async () => {
    const { proc, url } = await master();
    const sub = await rawSubscribe(url, framework);
    expect((await sub.call({ type: "TEARDOWN" })).status).toBe(202);
    await sub.next((e) => e.type === "STREAM_END");
    const state = await getJson(`${url}/master/state`);
    expect(state.completed_frameworks.map((f: any) => f.id)).toContain(sub.frameworkId);
    await proc.stop();
  });
});

describe("operator endpoints", () => {
  test("/master/state has the Mesos top-level keys; aliases and redirect answer", async () => {
    const { proc, url } = await master();
    const state = await getJson(`${url}/master/state`);
    for (const key of ["version", "id", "pid", "hostname", "start_time", "elected_time", "activated_slaves", "deactivated_slaves", "unreachable_slaves", "leader", "leader_info", "flags", "slaves", "frameworks", "completed_frameworks", "orphan_tasks", "unregistered_frameworks"]) {
      expect(state).toHaveProperty(key);
    }
    for (const alias of ["/state", "/state.json", "/master/state.json"]) expect((await fetch(`${url}${alias}`)).status).toBe(200);
    const redirect = await fetch(`${url}/master/redirect`, { redirect: "manual" });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get("location")).toBe(`//${state.hostname}:${new URL(url).port}`);
    const snapshot = await getJson(`${url}/metrics/snapshot`);
    expect(snapshot["master/elected"]).toBe(1);
    expect(snapshot).toHaveProperty("allocator/mesos/allocation_runs");
    await proc.stop();
  });

  test("v1 operator API: health, version, weights survive a restart, bad calls name the field", async () => {
    const workDir = tempDir();
    const first = await master([], workDir);
    const call = (url: string, body: object) => fetch(`${url}/api/v1`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect(await jsonOf(call(first.url, { type: "GET_HEALTH" }))).toEqual({ type: "GET_HEALTH", get_health: { healthy: true } });
    expect((await jsonOf(call(first.url, { type: "GET_VERSION" }))).get_version.version_info.version).toMatch(/\d+\.\d+/);
    const update = await call(first.url, { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ role: "logstash", weight: 3 }] } });
    expect(update.status).toBe(200);
    const bad = await call(first.url, { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ role: "x", weight: "heavy" }] } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("weight_infos[0].weight");
    await first.proc.stop();
    const second = await master([], workDir);
    const weights = await jsonOf(call(second.url, { type: "GET_WEIGHTS" }));
    expect(weights.get_weights.weight_infos).toContainEqual({ role: "logstash", weight: 3 });
    await second.proc.stop();
  });

  test("maintenance: schedule, machine down and up, with Mesos JSON", async () => {
    const { proc, url } = await master();
    const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const machine = { hostname: "host-a", ip: "10.0.0.1" };
    expect((await post("/master/machine/down", [machine])).status).toBe(400);
    const schedule = { windows: [{ machine_ids: [machine], unavailability: { start: { nanoseconds: 1e18 }, duration: { nanoseconds: 3.6e12 } } }] };
    expect((await post("/master/maintenance/schedule", schedule)).status).toBe(200);
    expect(await getJson(`${url}/master/maintenance/schedule`)).toEqual(schedule);
    expect((await post("/master/machine/down", [machine])).status).toBe(200);
    const status = await getJson(`${url}/master/maintenance/status`);
    expect(status.down_machines).toEqual([machine]);
    expect((await post("/master/machine/up", [machine])).status).toBe(200);
    expect((await getJson(`${url}/master/maintenance/schedule`)).windows).toEqual([]);
    const bad = await post("/master/maintenance/schedule", { windows: [{ machine_ids: "nope" }] });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("machine_ids");
    await proc.stop();
  });
});

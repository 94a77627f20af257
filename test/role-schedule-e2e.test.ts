// Role schedules on real processes: a master with --role_schedule, an agent advertising
// cpus(spark):1;mem(spark):256 besides unreserved resources, and a framework in role spark. The
// spark window opens every 10 seconds for 4 (a cron with a seconds field): its reserved
// resources are offered when it opens; when it closes the offers holding them are rescinded and
// the running task gets TASK_KILLING then TASK_KILLED with REASON_ROLE_WINDOW_CLOSED. Also the
// API (GET/PUT, 400 naming the field), how the file and the PUT take turns across a restart, and
// a bad --role_schedule at start-up.

import { afterAll, afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Offer, SchedulerEvent, TaskInfo } from "../internal/wire/index.ts";
import { cleanupAll, runCluster, tempDir } from "./helpers/cluster.ts";
import { eventually, getJson, startTestAgent, startTestMaster, TestFramework } from "./helpers/e2e.ts";

const frameworks: TestFramework[] = [];
afterEach(async () => {
  for (const framework of frameworks.splice(0)) await framework.close();
});
afterAll(cleanupAll);

const windowPeriodMs = 10_000;
const windowOpenMs = 4000;
/** How late an edge may be seen: a housekeeping tick (250 ms), an allocation (100 ms) and the wire. */
const edgeSlackMs = 1500;

const sparkSchedule = {
  timezone: "UTC",
  max_oversubscription: 4,
  roles: { spark: { windows: [{ cron: "*/10 * * * * *", duration: "4s" }], on_window_end: "revoke", kill_grace_period: "1s" } },
};

function writeSchedule(document: unknown): string {
  const path = join(tempDir(), "roles.json");
  writeFileSync(path, JSON.stringify(document));
  return path;
}

const holdsSpark = (offer: Offer): boolean => offer.resources.some((r) => r.name === "cpus" && r.role === "spark");
type Update = Extract<SchedulerEvent, { type: "UPDATE" }>;
type Rescind = Extract<SchedulerEvent, { type: "RESCIND" }>;

/** A task on half of the offer's reserved cpus and some of its reserved memory. */
function sparkTask(offer: Offer, taskId: string): TaskInfo {
  const reserved = (name: string, value: number) => {
    const resource = offer.resources.find((r) => r.name === name && r.role === "spark")!;
    return { ...resource, scalar: { value } };
  };
  return { name: taskId, task_id: { value: taskId }, agent_id: offer.agent_id, resources: [reserved("cpus", 0.5), reserved("mem", 64)], command: { shell: true, value: "sleep 60" } };
}

/** Waits for a spark-reserved offer that came within edgeSlackMs of a window opening. */
async function offerRightAfterOpening(f: TestFramework): Promise<{ offer: Offer; openedAtMs: number }> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const offer = await f.nextOffer(holdsSpark, f.events.length);
    const now = Date.now();
    const sinceOpenMs = now % windowPeriodMs;
    if (sinceOpenMs < edgeSlackMs) return { offer, openedAtMs: now - sinceOpenMs };
  }
  throw new Error("no spark offer right after a window opened");
}

test("the window opens: offers of spark's reservations; it closes: offers rescinded, task killed with the window-closed reason", async () => {
  const master = await startTestMaster([`--role_schedule=${writeSchedule(sparkSchedule)}`]);
  await startTestAgent(master.address, ["--resources=cpus(spark):1;mem(spark):256;cpus:1;mem:256"]);
  const f = new TestFramework([master.address], { roles: ["spark"] });
  frameworks.push(f);
  await f.subscribe();

  const { offer, openedAtMs } = await offerRightAfterOpening(f);
  const closesAtMs = openedAtMs + windowOpenMs;
  const launchedAt = f.events.length;
  // No decline filter on what the task leaves unused (Mesos's default would hold it back 5 s).
  await f.client.launch([offer.id], [sparkTask(offer, "spark-task")], { refuse_seconds: 0 });
  await f.status("spark-task", "TASK_RUNNING");
  // What is left of the reservation comes back in a new offer, which the framework holds on to.
  const held = await f.nextOffer(holdsSpark, launchedAt);
  expect(held.id.value).not.toBe(offer.id.value);
  expect(Date.now()).toBeLessThan(closesAtMs);

  const rescind = await f.waitFor((e): e is Rescind => e.type === "RESCIND" && e.rescind.offer_id.value === held.id.value, 10_000);
  const rescindedAtMs = Date.now();
  expect(rescind.rescind.offer_id.value).toBe(held.id.value);
  expect(rescindedAtMs).toBeGreaterThanOrEqual(closesAtMs - 50);
  expect(rescindedAtMs).toBeLessThan(closesAtMs + edgeSlackMs);

  const killing = await f.waitFor((e): e is Update => e.type === "UPDATE" && e.update.status.task_id.value === "spark-task" && e.update.status.state === "TASK_KILLING", 10_000);
  const killed = await f.status("spark-task", "TASK_KILLED");
  for (const status of [killing.update.status, killed]) {
    expect(status.reason).toBe("REASON_ROLE_WINDOW_CLOSED");
    expect(status.message).toContain("The schedule window of role 'spark' closed at ");
  }
  expect(f.statesOf("spark-task").slice(-2)).toEqual(["TASK_KILLING", "TASK_KILLED"]);

  // The next opening brings spark's reservations back within an allocation interval or so.
  const reopened = await f.nextOffer(holdsSpark, f.events.length);
  const reopenedAtMs = Date.now();
  expect(reopenedAtMs).toBeGreaterThanOrEqual(openedAtMs + windowPeriodMs - 50);
  expect(reopenedAtMs).toBeLessThan(openedAtMs + windowPeriodMs + edgeSlackMs);
  expect(reopened.id.value).not.toBe(held.id.value);

  const status = await getJson(`${master.url}/master/roles/schedule`);
  const closed = status.recent_events.find((e: any) => e.kind === "role-window-closed" && e.revoked_tasks.length > 0);
  expect(closed).toMatchObject({ role: "spark", cause: "window", on_window_end: "revoke", revoked_tasks: [{ task_id: "spark-task" }] });
  expect(closed.rescinded_offers.map((o: any) => o.offer_id)).toContain(held.id.value);
  expect(status.roles.spark).toMatchObject({ scheduled: true, on_window_end: "revoke", cpus: { reserved: 1 } });
  const roles = await getJson(`${master.url}/master/roles`);
  expect(roles.roles.find((r: any) => r.name === "spark").schedule).toMatchObject({ always: false, on_window_end: "revoke" });
  const metrics = await getJson(`${master.url}/metrics/snapshot`);
  expect(metrics["master/roles/spark/cpus_reserved"]).toBe(1);
  expect(metrics["master/role_schedule/max_oversubscription"]).toBe(4);
}, 60_000);

test("PUT replaces the schedule and survives a restart while the file is unchanged; an edited file wins; bad input gets 400 naming the field", async () => {
  const fileSchedule = { roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "4h" }] } } };
  const path = writeSchedule(fileSchedule);
  const flags = [`--role_schedule=${path}`];
  let master = await startTestMaster(flags);
  expect((await getJson(`${master.url}/master/roles/schedule`)).source).toBe("file");

  const putSchedule = { timezone: "Europe/Berlin", roles: { logstash: { always: true }, spark: { windows: [{ cron: "0 3 * * *", duration: "2h" }] } } };
  const put = await fetch(`${master.url}/master/roles/schedule`, { method: "PUT", body: JSON.stringify(putSchedule) });
  expect(put.status).toBe(200);
  expect(((await put.json()) as { schedule: unknown }).schedule).toEqual(putSchedule);

  const bad = await fetch(`${master.url}/master/roles/schedule`, { method: "PUT", body: JSON.stringify({ ...putSchedule, timezone: "Europe/Berlim" }) });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toStartWith("timezone: 'Europe/Berlim' is not a time zone");
  const overlap = { roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "4h" }, { cron: "0 3 * * *", duration: "1h" }] } } };
  const overlapping = await fetch(`${master.url}/master/roles/schedule`, { method: "PUT", body: JSON.stringify(overlap) });
  expect(overlapping.status).toBe(400);
  expect(await overlapping.text()).toStartWith("roles.spark.windows[1]: overlaps windows[0]");
  expect((await getJson(`${master.url}/master/roles/schedule`)).schedule).toEqual(putSchedule);

  // Restart on the same registry with the same file: the PUT, the later change, stays.
  await master.proc.stop();
  master = await startTestMaster(flags, master.workDir);
  const restored = await getJson(`${master.url}/master/roles/schedule`);
  expect({ source: restored.source, schedule: restored.schedule }).toEqual({ source: "api", schedule: putSchedule });

  // Editing the file is a later change: it is applied within a housekeeping tick or so.
  const edited = { timezone: "Asia/Shanghai", roles: { rebuild: { windows: [{ cron: "0 22 * * 1-5", duration: "2h" }], on_window_end: "drain" } } };
  writeFileSync(path, JSON.stringify(edited));
  await eventually(async () => ((await getJson(`${master.url}/master/roles/schedule`)).source === "file" ? true : undefined), 5000, "the edited file applied");
  expect((await getJson(`${master.url}/master/roles/schedule`)).schedule).toEqual(edited);

  // An edit that breaks the file leaves the schedule in force.
  writeFileSync(path, JSON.stringify({ roles: { rebuild: { windows: [{ cron: "0 22 * *", duration: "2h" }] } } }));
  await Bun.sleep(1000);
  expect((await getJson(`${master.url}/master/roles/schedule`)).schedule).toEqual(edited);

  const removed = await fetch(`${master.url}/master/roles/schedule`, { method: "DELETE" });
  expect(removed.status).toBe(200);
  expect(((await removed.json()) as { schedule: unknown }).schedule).toBeNull();
}, 60_000);

test("a bad --role_schedule prints one line naming the field and exits 2", () => {
  const path = writeSchedule({ roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "4 hours" }] } } });
  const result = runCluster(["--mode=master", `--work_dir=${tempDir()}`, `--role_schedule=${path}`]);
  expect(result.code).toBe(2);
  const lines = result.stderr.trim().split("\n");
  expect(lines.length).toBe(1);
  expect(lines[0]).toContain("--role_schedule");
  expect(lines[0]).toContain("roles.spark.windows[0].duration: expected a duration");
});

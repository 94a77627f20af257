// The master's side of role schedules, in-process on a ManualClock: a Master with an in-memory
// registry, a fake agent link and fake framework streams. What a close does to offers and tasks
// (revoke with the reason and grace period, drain), what an open does, a PUT that closes a role,
// the cap with and without a schedule, and which schedule wins at load.

import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRoleSchedule, type RoleSchedule } from "../allocator/role-schedule/index.ts";
import { parseResources } from "../resources/index.ts";
import { ManualClock, SeededRandom } from "../runtime/index.ts";
import type { FrameworkInfo, MasterToAgent, SchedulerEvent, TaskInfo } from "../wire/index.ts";
import { registerAgent } from "./agents.ts";
import { subscribe } from "./frameworks.ts";
import type { Master } from "./master.ts";
import type { Registry } from "./registry/index.ts";
import type { RoleWindowEvent } from "./role-schedule-keeper.ts";
import { attachRoleSchedule } from "./role-schedule-file.ts";
import { checkRoleWindows, replaceRoleSchedule } from "./role-schedule.ts";
import { MemoryRegistry, testMaster } from "./testing.ts";

// Shanghai: spark 02:00-06:00 local is 18:00-22:00 UTC; rebuild Monday 22:00 local is 14:00 UTC.
const beforeSparkMs = Date.parse("2025-03-09T17:59:00Z");
const sparkOpenMs = Date.parse("2025-03-09T18:00:00Z");
const sparkCloseMs = Date.parse("2025-03-09T22:00:00Z");
const rebuildCloseMs = Date.parse("2025-03-10T16:00:00Z");

const qunarSchedule = {
  timezone: "Asia/Shanghai",
  max_oversubscription: 1.5,
  roles: {
    logstash: { always: true },
    spark: { windows: [{ cron: "0 2 * * *", duration: "4h" }], on_window_end: "revoke", kill_grace_period: "30s" },
    rebuild: { windows: [{ cron: "0 22 * * 1-5", duration: "2h" }], on_window_end: "drain" },
  },
};

interface Harness {
  m: Master;
  clock: ManualClock;
  agentId: string;
  toAgent: MasterToAgent[];
  toFramework: Map<string, SchedulerEvent[]>;
  frameworkIds: Map<string, string>;
  events: RoleWindowEvent[];
}

const masters: Master[] = [];
afterEach(() => {
  for (const m of masters.splice(0)) m.stop();
});

function frameworkInfo(role: string): FrameworkInfo {
  return { user: "root", name: `${role}-fw`, roles: [role], capabilities: [{ type: "MULTI_ROLE" }] } as FrameworkInfo;
}

function task(taskId: string, role: string, cpus: number): TaskInfo {
  const resources = [{ name: "cpus", type: "SCALAR" as const, scalar: { value: cpus }, role, reservations: [{ type: "STATIC" as const, role }], allocation_info: { role } }];
  return { name: taskId, task_id: { value: taskId }, agent_id: { value: "" }, resources, command: { shell: true, value: "sleep 1000" } } as TaskInfo;
}

/** A master at `nowMs` with one 32-core agent advertising seed 003's reservations, running `tasks`. */
async function harness(nowMs: number, options: { registry?: Registry; filePath?: string; tasks?: Array<[string, string, number]>; agentResources?: string } = {}): Promise<Harness> {
  const clock = new ManualClock(nowMs);
  const random = new SeededRandom(1);
  const m = testMaster(clock, random, { registry: options.registry });
  masters.push(m);
  const events: RoleWindowEvent[] = [];
  attachRoleSchedule(m, options.filePath);
  m.roleSchedule.onEvent((event) => events.push(event));
  const toFramework = new Map<string, SchedulerEvent[]>();
  const frameworkIds = new Map<string, string>();
  for (const role of ["logstash", "spark", "rebuild"]) {
    const sent: SchedulerEvent[] = [];
    const result = await subscribe(m, { type: "SUBSCRIBE", subscribe: { framework_info: frameworkInfo(role) } }, { streamId: role, send: (e) => (sent.push(e), true), close: () => {} });
    if (!result.ok) throw new Error(result.message);
    toFramework.set(role, sent);
    frameworkIds.set(role, result.frameworkId);
  }
  const toAgent: MasterToAgent[] = [];
  const resources = options.agentResources ?? "cpus(logstash):32;cpus(spark):16;cpus(rebuild):32;mem:126976";
  const reports = (options.tasks ?? []).map(([taskId, role, cpus]) => ({ frameworkId: frameworkIds.get(role)!, framework: { ...frameworkInfo(role), id: { value: frameworkIds.get(role)! } }, task: task(taskId, role, cpus), executorId: taskId, state: "TASK_RUNNING" as const, pendingUpdates: 0 }));
  const agentId = await registerAgent(m, { send: (message) => toAgent.push(message), close: () => {} }, {
    type: "REGISTER",
    protocolVersion: 1,
    agentId: reports.length > 0 ? "m1-S0" : undefined,
    agent: { hostname: "agent.example", port: 5051, resources: parseResources(resources).toJSON(), attributes: [], physicalCpus: 32, version: "test" },
    tasks: reports,
    epoch: 0,
  });
  if (agentId === undefined) throw new Error(`agent refused: ${JSON.stringify(toAgent)}`);
  return { m, clock, agentId, toAgent, toFramework, frameworkIds, events };
}

async function putSchedule(m: Master, document: unknown): Promise<void> {
  const parsed = parseRoleSchedule(document);
  if (!parsed.ok) throw new Error(parsed.problem);
  await replaceRoleSchedule(m, parsed.value, "api", undefined);
}

/** Offered cpus reserved for `role`, over the master's outstanding offers. */
function offeredReserved(m: Master, role: string): number {
  return [...m.offers.values()].filter((o) => o.role === role).reduce((sum, o) => sum + o.resources.reservedBy(role).scalar("cpus"), 0);
}

describe("window edges", () => {
  test("an open allocates at once; a revoke close rescinds the role's offers and kills its tasks with the reason and grace period", async () => {
    const h = await harness(beforeSparkMs);
    await putSchedule(h.m, qunarSchedule);
    h.m.runAllocation();
    expect(offeredReserved(h.m, "spark")).toBe(0);
    expect(offeredReserved(h.m, "logstash")).toBe(32);

    // Before the schedule every role was active: putting it in force closes spark and rebuild.
    expect(h.events.map((e) => [e.kind, e.role, e.cause])).toEqual([
      ["role-window-closed", "spark", "schedule-changed"],
      ["role-window-closed", "rebuild", "schedule-changed"],
    ]);
    h.events.length = 0;

    h.clock.set(sparkOpenMs + 100);
    checkRoleWindows(h.m, h.m.nowMs());
    expect(h.events.map((e) => [e.kind, e.role, e.atMs])).toEqual([["role-window-opened", "spark", sparkOpenMs]]);
    h.m.runAllocation();
    // The cap: 48 cpus on a 32-core agent at 1.5, and logstash holds 32 in its offer.
    expect(offeredReserved(h.m, "spark")).toBe(16);
    const sparkOffer = [...h.m.offers.values()].find((o) => o.role === "spark")!;

    h.clock.set(sparkCloseMs + 10);
    checkRoleWindows(h.m, h.m.nowMs());
    const closed = h.events.at(-1)!;
    expect(closed).toMatchObject({ kind: "role-window-closed", role: "spark", atMs: sparkCloseMs, cause: "window", onWindowEnd: "revoke" });
    expect(closed.rescindedOffers.map((o) => o.offerId)).toEqual([sparkOffer.id]);
    expect(h.m.offers.has(sparkOffer.id)).toBe(false);
    expect(h.toFramework.get("spark")!.some((e) => e.type === "RESCIND" && e.rescind.offer_id.value === sparkOffer.id)).toBe(true);
  });

  test("revoke kills the role's running tasks: KILL_TASK with REASON_ROLE_WINDOW_CLOSED, a message and the grace period", async () => {
    const h = await harness(sparkOpenMs + 1000, { tasks: [["spark-1", "spark", 8], ["logstash-1", "logstash", 16]] });
    await putSchedule(h.m, qunarSchedule);
    h.toAgent.length = 0;
    h.clock.set(sparkCloseMs);
    checkRoleWindows(h.m, h.m.nowMs());
    const kills = h.toAgent.filter((message) => message.type === "KILL_TASK");
    expect(kills).toEqual([
      {
        type: "KILL_TASK",
        epoch: 0,
        frameworkId: h.frameworkIds.get("spark")!,
        taskId: "spark-1",
        reason: "REASON_ROLE_WINDOW_CLOSED",
        message: "The schedule window of role 'spark' closed at 2025-03-09T22:00:00.000Z",
        killPolicy: { grace_period: { nanoseconds: 30_000 * 1e6 } },
      },
    ]);
    expect(h.events.at(-1)!.revokedTasks).toEqual([{ taskId: "spark-1", frameworkId: h.frameworkIds.get("spark")!, agentId: h.agentId }]);
  });

  test("drain leaves the role's tasks running and offers none of its reservations after the close", async () => {
    const mondayEvening = Date.parse("2025-03-10T15:00:00Z");
    const h = await harness(mondayEvening, { tasks: [["rebuild-1", "rebuild", 8]] });
    await putSchedule(h.m, qunarSchedule);
    h.m.runAllocation();
    expect(offeredReserved(h.m, "rebuild")).toBe(8); // 48 - 32 logstash offered - 8 running
    h.toAgent.length = 0;
    h.clock.set(rebuildCloseMs);
    checkRoleWindows(h.m, h.m.nowMs());
    h.m.runAllocation();
    expect(h.toAgent.filter((message) => message.type === "KILL_TASK")).toEqual([]);
    expect(offeredReserved(h.m, "rebuild")).toBe(0);
    expect(h.events.at(-1)).toMatchObject({ kind: "role-window-closed", role: "rebuild", onWindowEnd: "drain", revokedTasks: [], drainingTasks: [{ taskId: "rebuild-1" }] });
    expect(h.events.at(-1)!.rescindedOffers.length).toBe(1);
  });

  test("the next allocation acts on an edge the housekeeping has not seen yet", async () => {
    const h = await harness(sparkOpenMs + 1000, { tasks: [["spark-1", "spark", 8]] });
    await putSchedule(h.m, qunarSchedule);
    h.clock.set(sparkCloseMs + 5);
    h.m.runAllocation();
    expect(h.events.at(-1)).toMatchObject({ kind: "role-window-closed", role: "spark", revokedTasks: [{ taskId: "spark-1" }] });
  });
});

describe("schedule changes and the cap", () => {
  test("a PUT that makes an active role inactive closes it by the new rule", async () => {
    const h = await harness(sparkOpenMs + 1000, { tasks: [["spark-1", "spark", 8]] });
    await putSchedule(h.m, qunarSchedule);
    const laterWindow = { ...qunarSchedule, roles: { ...qunarSchedule.roles, spark: { windows: [{ cron: "0 10 * * *", duration: "1h" }], on_window_end: "drain" } } };
    await putSchedule(h.m, laterWindow);
    expect(h.events.at(-1)).toMatchObject({ kind: "role-window-closed", role: "spark", cause: "schedule-changed", onWindowEnd: "drain", drainingTasks: [{ taskId: "spark-1" }] });
    expect(h.m.deps.registry.state().roleSchedule).toMatchObject({ source: "api", document: laterWindow });
  });

  test("without a schedule there is no cap (Mesos); with one the cap defaults to 1.0", async () => {
    const h = await harness(beforeSparkMs);
    h.m.runAllocation();
    expect([...h.m.offers.values()].reduce((sum, o) => sum + o.resources.scalar("cpus"), 0)).toBe(80);
    for (const offer of [...h.m.offers.keys()]) h.m.rescindOffer(offer, "rescinded", "test");
    await putSchedule(h.m, { roles: { logstash: { always: true } } });
    h.m.runAllocation();
    expect([...h.m.offers.values()].reduce((sum, o) => sum + o.resources.scalar("cpus"), 0)).toBe(32);
  });
});

describe("which schedule is in force at load", () => {
  const put = { roles: { spark: { windows: [{ cron: "0 3 * * *", duration: "1h" }] } } };

  test("the registry's PUT stays while the file is the one last applied; a changed file wins", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "role-schedule-test-")), "roles.json");
    const text = JSON.stringify(qunarSchedule);
    writeFileSync(path, text);
    const sha = createHash("sha256").update(text).digest("hex");
    const same = await harness(beforeSparkMs, { registry: new MemoryRegistry({ document: put, source: "api", fileSha256: sha, setAtMs: 1 }), filePath: path });
    expect(same.m.roleSchedule.source).toBe("api");
    expect(same.m.roleSchedule.schedule?.document).toEqual(put);
    const other = await harness(beforeSparkMs, { registry: new MemoryRegistry({ document: put, source: "api", fileSha256: "0".repeat(64), setAtMs: 1 }), filePath: path });
    expect(other.m.roleSchedule.source).toBe("file");
    expect(other.m.roleSchedule.schedule?.document).toEqual(qunarSchedule);
    expect(other.m.deps.registry.state().roleSchedule).toMatchObject({ source: "file", fileSha256: sha, document: qunarSchedule });
  });

  test("a bare document in the registry counts as a PUT", async () => {
    const h = await harness(beforeSparkMs, { registry: new MemoryRegistry(put) });
    expect(h.m.roleSchedule.source).toBe("api");
    expect((h.m.roleSchedule.schedule as RoleSchedule).roles.has("spark")).toBe(true);
  });
});

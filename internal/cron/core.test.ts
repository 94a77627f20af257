// The cron core on an injected clock: schedules, epsilon, missed runs, concurrency policies,
// dependencies, retries and the exactly-once rules, with offers and task statuses as plain data.

import { describe, expect, test } from "bun:test";
import { ManualClock } from "../runtime/index.ts";
import type { Offer, TaskState, TaskStatus } from "../wire/index.ts";
import { CronCore } from "./core.ts";
import type { Ready } from "./core-state.ts";
import { chronosDefaults, parseJobJson, type JobEndpoint } from "./job-json.ts";
import type { RunRecord } from "./types.ts";

const t0 = Date.parse("2024-01-01T00:00:00Z");
const settings = { failureRetryMs: 10_000, failureRetryMaxMs: 60_000, disableAfterFailures: 0 };

class Harness {
  readonly clock = new ManualClock(t0);
  readonly core = new CronCore(settings);
  readonly journal: Ready[] = [];
  private offerSeq = 0;

  put(body: Record<string, unknown>, endpoint: JobEndpoint = "iso8601"): void {
    this.core.putJob(parseJobJson(body, endpoint, chronosDefaults, this.clock.nowMs()), this.clock.nowMs());
    this.take();
  }

  /** Advances the clock to `atMs` and ticks; returns runs created. */
  tickAt(atMs: number): RunRecord[] {
    this.clock.set(atMs);
    const created = this.core.tick(atMs);
    this.take();
    return created;
  }

  take(): Ready {
    const ready = this.core.takeReady();
    this.journal.push(ready);
    return ready;
  }

  offer(cpus = 10, mem = 10_000, disk = 10_000): Offer {
    this.offerSeq += 1;
    return {
      id: { value: `o${this.offerSeq}` },
      framework_id: { value: "fw" },
      agent_id: { value: "a1" },
      hostname: "host1",
      url: { scheme: "http", address: { hostname: "host1", port: 5051 }, path: "/slave(1)" },
      resources: [
        { name: "cpus", type: "SCALAR", role: "*", scalar: { value: cpus } },
        { name: "mem", type: "SCALAR", role: "*", scalar: { value: mem } },
        { name: "disk", type: "SCALAR", role: "*", scalar: { value: disk } },
      ],
    };
  }

  /** Places everything due on one big offer; returns the launched run ids. */
  launchAll(): string[] {
    const placements = this.core.place([this.offer()], this.clock.nowMs(), 1000);
    this.take();
    return placements.flatMap((p) => p.runs.map((r) => r.run.id));
  }

  status(id: string, state: TaskState, extra: Partial<TaskStatus> = {}): ReturnType<CronCore["applyStatus"]> {
    const outcome = this.core.applyStatus({ task_id: { value: id }, state, agent_id: { value: "a1" }, timestamp: this.clock.nowMs() / 1000, ...extra }, this.clock.nowMs());
    this.take();
    return outcome;
  }

  run(id: string): RunRecord | undefined {
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const run = this.journal[i]!.runs.get(id);
      if (run) return run;
    }
    return undefined;
  }

  runsOf(job: string): RunRecord[] {
    const latest = new Map<string, RunRecord>();
    for (const ready of this.journal) for (const run of ready.runs.values()) if (run.job === job) latest.set(run.id, run);
    return [...latest.values()].sort((a, b) => a.scheduledMs - b.scheduledMs || a.attempt - b.attempt);
  }

  succeed(id: string): void {
    this.status(id, "TASK_RUNNING");
    this.status(id, "TASK_FINISHED");
  }
}

const every2s = { name: "tick", command: "true", schedule: "R/2024-01-01T00:00:00Z/PT2S" };

describe("schedules", () => {
  test("an ISO 8601 job runs at each occurrence, with deterministic run ids", () => {
    const h = new Harness();
    h.put(every2s);
    expect(h.tickAt(t0).map((r) => r.id)).toEqual([`ct:${t0}:0:tick`]);
    expect(h.tickAt(t0 + 1999)).toEqual([]);
    h.launchAll();
    h.succeed(`ct:${t0}:0:tick`);
    expect(h.tickAt(t0 + 2000).map((r) => r.id)).toEqual([`ct:${t0 + 2000}:0:tick`]);
    expect(h.core.job("tick")!.status.nextDueMs).toBe(t0 + 4000);
  });

  test("Rn stops after n runs; R0 never runs", () => {
    const h = new Harness();
    h.put({ name: "three", command: "true", schedule: "R3/2024-01-01T00:00:00Z/PT1S", concurrent: true });
    h.put({ name: "never", command: "true", schedule: "R0/2024-01-01T00:00:00Z/PT1S" });
    const created: string[] = [];
    for (let s = 0; s < 6; s++) created.push(...h.tickAt(t0 + s * 1000).map((r) => r.id));
    expect(created).toEqual([`ct:${t0}:0:three`, `ct:${t0 + 1000}:0:three`, `ct:${t0 + 2000}:0:three`]);
    expect(h.core.job("three")!.status.nextDueMs).toBeUndefined();
    expect(h.core.job("never")!.status.nextDueMs).toBeUndefined();
  });

  test("a cron job runs in its time zone", () => {
    const h = new Harness();
    h.put({ name: "nine", command: "true", cron: "0 9 * * *", scheduleTimeZone: "Asia/Tokyo" });
    expect(new Date(h.core.job("nine")!.status.nextDueMs!).toISOString()).toBe("2024-01-01T00:00:00.000Z");
    h.put({ name: "secs", command: "true", cron: "*/15 * * * * *" });
    expect(h.core.job("secs")!.status.nextDueMs).toBe(t0);
  });

  test("a new cron job starts at its next time, not at one just past (crontab, not epsilon)", () => {
    const h = new Harness();
    h.clock.set(t0 + 30_000);
    h.put({ name: "hourly", command: "true", cron: "0 * * * *" });
    expect(h.core.job("hourly")!.status.nextDueMs).toBe(t0 + 3_600_000);
  });

  test("a cron job at a DST fall-back hour runs once", () => {
    const h = new Harness();
    h.clock.set(Date.parse("2024-11-02T12:00:00Z"));
    h.put({ name: "late", command: "true", cron: "30 1 * * *", scheduleTimeZone: "America/New_York", concurrent: true });
    const created: string[] = [];
    for (let t = Date.parse("2024-11-03T05:00:00Z"); t <= Date.parse("2024-11-03T07:00:00Z"); t += 60_000) created.push(...h.tickAt(t).map((r) => new Date(r.scheduledMs).toISOString()));
    expect(created).toEqual(["2024-11-03T05:30:00.000Z"]);
  });

  test("a disabled job records nothing; enabling it starts from now", () => {
    const h = new Harness();
    h.put({ ...every2s, disabled: true });
    expect(h.tickAt(t0 + 10_000)).toEqual([]);
    expect(h.runsOf("tick")).toEqual([]);
    h.clock.set(t0 + 10_500);
    h.put(every2s);
    expect(h.tickAt(t0 + 12_000).map((r) => r.scheduledMs)).toEqual([t0 + 12_000]);
  });
});

describe("epsilon and missed runs", () => {
  test("a run late by no more than epsilon still starts", () => {
    const h = new Harness();
    h.put({ ...every2s, schedule: "R/2024-01-01T00:00:00Z/PT1H", epsilon: "PT30S" });
    expect(h.tickAt(t0 + 30_000).map((r) => r.scheduledMs)).toEqual([t0]);
  });

  test("a run later than epsilon is recorded as skipped", () => {
    const h = new Harness();
    h.put({ ...every2s, schedule: "R/2024-01-01T00:00:00Z/PT1H", epsilon: "PT30S" });
    expect(h.tickAt(t0 + 31_000)).toEqual([]);
    const runs = h.runsOf("tick");
    expect(runs.map((r) => [r.state, r.scheduledMs])).toEqual([["skipped", t0]]);
    expect(runs[0]!.message).toContain("past epsilon");
    expect(h.core.job("tick")!.status.skippedCount).toBe(1);
  });

  test("runs missed while down: one skipped record for the earlier ones, the latest runs if within epsilon", () => {
    const h = new Harness();
    h.put({ ...every2s, schedule: "R/2024-01-01T00:00:00Z/PT10S", epsilon: "PT5S" });
    h.tickAt(t0);
    h.launchAll();
    h.succeed(`ct:${t0}:0:tick`);
    const created = h.tickAt(t0 + 3_600_000 + 2000);
    expect(created.map((r) => r.scheduledMs)).toEqual([t0 + 3_600_000]);
    const skipped = h.runsOf("tick").filter((r) => r.state === "skipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.message).toContain("359 run(s)");
    expect(h.core.job("tick")!.status.nextDueMs).toBe(t0 + 3_610_000);
  });

  test("a queued run that gets no offer within epsilon is skipped", () => {
    const h = new Harness();
    h.put({ ...every2s, schedule: "R/2024-01-01T00:00:00Z/PT1H", epsilon: "PT10S" });
    h.tickAt(t0);
    expect(h.core.nextWakeMs(t0)).toBe(t0 + 10_001);
    h.tickAt(t0 + 10_001);
    expect(h.run(`ct:${t0}:0:tick`)!.state).toBe("skipped");
    expect(h.core.activeRuns()).toEqual([]);
  });

  test("a new job whose start is within epsilon in the past runs at once; further back it waits for the next", () => {
    const h = new Harness();
    h.clock.set(t0 + 20_000);
    h.put({ name: "recent", command: "true", schedule: "R/2024-01-01T00:00:00Z/PT1H" });
    expect(h.core.job("recent")!.status.nextDueMs).toBe(t0);
    h.clock.set(t0 + 120_000);
    h.put({ name: "old", command: "true", schedule: "R/2024-01-01T00:00:00Z/PT1H" });
    expect(h.core.job("old")!.status.nextDueMs).toBe(t0 + 3_600_000);
  });
});

describe("concurrency policies", () => {
  const slow = { name: "slow", command: "sleep 100", schedule: "R/2024-01-01T00:00:00Z/PT1M" };

  test("Forbid (Chronos's concurrent=false, the default) skips while a run is active", () => {
    const h = new Harness();
    h.put(slow);
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:slow`, "TASK_RUNNING");
    expect(h.tickAt(t0 + 60_000)).toHaveLength(1);
    expect(h.run(`ct:${t0 + 60_000}:0:slow`)!.state).toBe("skipped");
    expect(h.run(`ct:${t0 + 60_000}:0:slow`)!.message).toContain("Forbid");
  });

  test("Allow (concurrent=true) runs beside the active run", () => {
    const h = new Harness();
    h.put({ ...slow, concurrent: true });
    h.tickAt(t0);
    h.launchAll();
    h.tickAt(t0 + 60_000);
    expect(h.core.activeRunsOf("slow").map((r) => r.state).sort()).toEqual(["launching", "queued"]);
  });

  test("Replace kills the active run and starts the new one", () => {
    const h = new Harness();
    h.put({ ...slow, concurrencyPolicy: "Replace" });
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:slow`, "TASK_RUNNING");
    h.clock.set(t0 + 60_000);
    h.core.tick(t0 + 60_000);
    const ready = h.take();
    expect(ready.effects).toEqual([{ type: "kill", runId: `ct:${t0}:0:slow`, agentId: "a1", reason: expect.stringContaining("Replace") }]);
    h.status(`ct:${t0}:0:slow`, "TASK_KILLED");
    expect(h.run(`ct:${t0}:0:slow`)!.state).toBe("killed");
    expect(h.core.activeRunsOf("slow").map((r) => r.id)).toEqual([`ct:${t0 + 60_000}:0:slow`]);
  });

  test("a manual start runs whatever the policy, with a fresh id", () => {
    const h = new Harness();
    h.put(slow);
    h.tickAt(t0);
    h.clock.set(t0 + 5);
    const run = h.core.runNow("slow", t0 + 5);
    expect(run.id).toBe(`ct:${t0 + 5}:0:slow`);
    expect(h.core.activeRunsOf("slow")).toHaveLength(2);
  });

  test("two runs in the same millisecond still get distinct ids", () => {
    const h = new Harness();
    h.put(slow);
    const a = h.core.runNow("slow", t0 + 7);
    const b = h.core.runNow("slow", t0 + 7);
    expect([a.id, b.id]).toEqual([`ct:${t0 + 7}:0:slow`, `ct:${t0 + 8}:0:slow`]);
  });
});

describe("dependencies", () => {
  function chain(h: Harness): void {
    h.put({ name: "a", command: "true", schedule: "R/2024-01-01T00:00:00Z/PT1H" });
    h.put({ name: "b", command: "true", schedule: "R/2024-01-01T00:00:00Z/PT1H" });
    h.put({ name: "child", command: "true", parents: ["a", "b"] }, "dependency");
    h.put({ name: "grandchild", command: "true", parents: ["child"] }, "dependency");
  }

  test("fan-in: the child runs once, after both parents succeeded", () => {
    const h = new Harness();
    chain(h);
    h.tickAt(t0);
    h.launchAll();
    h.succeed(`ct:${t0}:0:a`);
    expect(h.core.activeRunsOf("child")).toEqual([]);
    expect(h.core.job("child")!.status.parentsSucceeded).toEqual(["a"]);
    h.clock.set(t0 + 1000);
    h.succeed(`ct:${t0}:0:b`);
    const childRuns = h.core.activeRunsOf("child");
    expect(childRuns.map((r) => [r.trigger, r.scheduledMs])).toEqual([["dependency", t0 + 1000]]);
    expect(h.core.job("child")!.status.parentsSucceeded).toEqual([]);
  });

  test("chains: a grandchild runs after its parent, which ran after its own", () => {
    const h = new Harness();
    chain(h);
    h.tickAt(t0);
    h.launchAll();
    h.succeed(`ct:${t0}:0:a`);
    h.succeed(`ct:${t0}:0:b`);
    h.launchAll();
    h.succeed(h.core.activeRunsOf("child")[0]!.id);
    expect(h.core.activeRunsOf("grandchild")).toHaveLength(1);
  });

  test("one parent succeeding twice does not release the child alone", () => {
    const h = new Harness();
    chain(h);
    h.tickAt(t0);
    h.launchAll();
    h.succeed(`ct:${t0}:0:a`);
    h.tickAt(t0 + 3_600_000);
    h.launchAll();
    h.succeed(`ct:${t0 + 3_600_000}:0:a`);
    expect(h.core.activeRunsOf("child")).toEqual([]);
  });

  test("the dependency state is part of the journal written with the parent's run", () => {
    const h = new Harness();
    chain(h);
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:a`, "TASK_RUNNING");
    h.core.applyStatus({ task_id: { value: `ct:${t0}:0:a` }, state: "TASK_FINISHED", timestamp: 0 }, t0);
    const ready = h.take();
    expect(ready.runs.get(`ct:${t0}:0:a`)!.state).toBe("succeeded");
    expect(ready.jobs.get("child")!.status.parentsSucceeded).toEqual(["a"]);
  });

  test("a failed parent does not release the child, unless it has softError", () => {
    const h = new Harness();
    h.put({ name: "p", command: "false", schedule: "R/2024-01-01T00:00:00Z/PT1H", retries: 0 });
    h.put({ name: "q", command: "false", schedule: "R/2024-01-01T00:00:00Z/PT1H", retries: 0, softError: true });
    h.put({ name: "c1", command: "true", parents: ["p"] }, "dependency");
    h.put({ name: "c2", command: "true", parents: ["q"] }, "dependency");
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:p`, "TASK_FAILED");
    h.status(`ct:${t0}:0:q`, "TASK_FAILED");
    expect(h.core.activeRunsOf("c1")).toEqual([]);
    expect(h.core.activeRunsOf("c2")).toHaveLength(1);
  });

  test("unknown parents and cycles are refused, naming them", () => {
    const h = new Harness();
    chain(h);
    expect(() => h.put({ name: "x", command: "true", parents: ["nope"] }, "dependency")).toThrow("parents[0]: unknown parent job 'nope'");
    expect(() => h.put({ name: "child", command: "true", parents: ["grandchild"] }, "dependency")).toThrow("dependency cycle: child -> grandchild -> child");
    expect(() => h.put({ name: "self", command: "true", parents: ["self"] }, "dependency")).toThrow("parents[0]");
    expect(() => h.core.deleteJob("a", t0)).toThrow("'child'");
  });
});

describe("retries and failures", () => {
  test("a failed run is retried with backoff under a new attempt id, then counted as an error", () => {
    const h = new Harness();
    h.put({ ...every2s, schedule: "R/2024-01-01T00:00:00Z/PT1H", retries: 2 });
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:tick`, "TASK_FAILED", { message: "Command exited with status 3" });
    expect(h.run(`ct:${t0}:0:tick`)).toMatchObject({ state: "failed", exitCode: 3 });
    const retry1 = h.run(`ct:${t0}:1:tick`)!;
    expect(retry1).toMatchObject({ state: "queued", attempt: 1, dueMs: t0 + 10_000, scheduledMs: t0, trigger: "retry" });
    expect(h.launchAll()).toEqual([]);
    h.clock.set(t0 + 10_000);
    expect(h.launchAll()).toEqual([`ct:${t0}:1:tick`]);
    h.status(`ct:${t0}:1:tick`, "TASK_FAILED");
    expect(h.run(`ct:${t0}:2:tick`)!.dueMs).toBe(t0 + 30_000);
    h.clock.set(t0 + 30_000);
    h.launchAll();
    h.status(`ct:${t0}:2:tick`, "TASK_FAILED");
    expect(h.run(`ct:${t0}:3:tick`)).toBeUndefined();
    expect(h.core.job("tick")!.status).toMatchObject({ errorCount: 1, errorsSinceLastSuccess: 1, lastErrorMs: t0 + 30_000 });
  });

  test("a killed run is not retried", () => {
    const h = new Harness();
    h.put(every2s);
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:tick`, "TASK_KILLED");
    expect(h.core.activeRuns()).toEqual([]);
  });

  test("disableAfterFailures disables the job", () => {
    const h = new Harness();
    const core = new CronCore({ ...settings, disableAfterFailures: 1 });
    core.putJob(parseJobJson({ ...every2s, retries: 0 }, "iso8601", chronosDefaults, t0), t0);
    core.tick(t0);
    core.place([h.offer()], t0, 10);
    core.applyStatus({ task_id: { value: `ct:${t0}:0:tick` }, state: "TASK_FAILED", timestamp: 0 }, t0);
    expect(core.job("tick")!.spec.disabled).toBe(true);
  });
});

describe("exactly once", () => {
  test("a run is recorded (queued) before any launch, and marked launching with its agent before ACCEPT", () => {
    const h = new Harness();
    h.put(every2s);
    h.clock.set(t0);
    h.core.tick(t0);
    expect(h.take().runs.get(`ct:${t0}:0:tick`)!.state).toBe("queued");
    const placements = h.core.place([h.offer()], t0, 10);
    expect(placements[0]!.runs[0]!.resources.map((r) => [r.name, r.scalar?.value])).toEqual([["cpus", 0.1], ["mem", 128], ["disk", 256]]);
    expect(h.take().runs.get(`ct:${t0}:0:tick`)).toMatchObject({ state: "launching", agentId: "a1", agentUrl: "http://host1:5051" });
  });

  test("reconciliation covers launching and running runs", () => {
    const h = new Harness();
    h.put({ ...every2s, concurrent: true });
    h.tickAt(t0);
    h.launchAll();
    h.tickAt(t0 + 2000);
    expect(h.core.reconcileTargets()).toEqual([{ taskId: `ct:${t0}:0:tick`, agentId: "a1" }]);
  });

  test("a launch the master never saw (GONE/DROPPED) is queued again under the same id", () => {
    const h = new Harness();
    h.put(every2s);
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:tick`, "TASK_GONE", { reason: "REASON_RECONCILIATION" });
    expect(h.core.activeRunsOf("tick").map((r) => [r.id, r.state])).toEqual([[`ct:${t0}:0:tick`, "queued"]]);
    expect(h.launchAll()).toEqual([`ct:${t0}:0:tick`]);
  });

  test("a task the master cannot vouch for (UNKNOWN) is neither relaunched nor finished", () => {
    const h = new Harness();
    h.put(every2s);
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:tick`, "TASK_UNKNOWN", { reason: "REASON_RECONCILIATION" });
    expect(h.core.activeRunsOf("tick")[0]).toMatchObject({ state: "launching", reconcilePending: true });
    expect(h.launchAll()).toEqual([]);
  });

  test("a running task reported gone has failed (and earns a retry), it is not relaunched under its id", () => {
    const h = new Harness();
    h.put(every2s);
    h.tickAt(t0);
    h.launchAll();
    h.status(`ct:${t0}:0:tick`, "TASK_RUNNING");
    h.status(`ct:${t0}:0:tick`, "TASK_GONE");
    expect(h.run(`ct:${t0}:0:tick`)!.state).toBe("failed");
    expect(h.run(`ct:${t0}:1:tick`)!.state).toBe("queued");
  });

  test("a live task without an active run is an orphan to kill; a final one is just acknowledged", () => {
    const h = new Harness();
    expect(h.status("ct:1:0:ghost", "TASK_RUNNING")).toEqual({ kind: "orphan" });
    expect(h.status("ct:1:0:ghost", "TASK_FINISHED")).toEqual({ kind: "known-final" });
  });

  test("a restarted core loads its jobs and active runs and carries on", () => {
    const h = new Harness();
    h.put({ ...every2s, concurrent: true });
    h.tickAt(t0);
    h.launchAll();
    const core = new CronCore(settings);
    core.load(h.core.jobs(), h.core.activeRuns());
    expect(core.reconcileTargets()).toEqual([{ taskId: `ct:${t0}:0:tick`, agentId: "a1" }]);
    expect(core.tick(t0 + 2000).map((r) => r.id)).toEqual([`ct:${t0 + 2000}:0:tick`]);
  });
});

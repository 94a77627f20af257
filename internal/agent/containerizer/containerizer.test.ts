// Real processes in temp dirs. One suite runs against every isolation this machine offers (posix
// always; cgroups v1 and v2 where writable); cgroup-specific tests follow. dispose() kills every
// process a test started.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createContainerizer } from "./containerizer.ts";
import { alreadyRunningAs, lookupUser } from "./spawn.ts";
import { ContainerMeta, currentBootId } from "./meta.ts";
import { isSameProcessAlive, readProcStat } from "./proc.ts";
import { cgroupsUnavailableReason, eventually, makeHarness, testEnv, type Harness, type HarnessOptions } from "./testing.ts";

const slowMs = 30_000;
let harness: Harness | null = null;
afterEach(async () => {
  await harness?.dispose();
  harness = null;
});
async function setup(options: HarnessOptions): Promise<Harness> {
  harness = await makeHarness(options);
  return harness;
}

const suites: Array<{ name: string; options: HarnessOptions }> = [{ name: "posix", options: { isolation: "posix" } }];
const v1Reason = cgroupsUnavailableReason();
const v1Available = v1Reason === null && existsSync("/sys/fs/cgroup/memory/memory.limit_in_bytes");
const v2Hierarchy = existsSync("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
const v2Available = process.getuid?.() === 0 && existsSync(join(v2Hierarchy, "cgroup.controllers"));
if (v1Available) suites.push({ name: "cgroups-v1", options: { isolation: "cgroups" } });
else console.log(`skipping cgroups v1 suite: ${v1Reason ?? "no v1 memory controller"}`);
if (v2Available) suites.push({ name: "cgroups-v2", options: { isolation: "cgroups", cgroupsHierarchy: v2Hierarchy } });
else console.log("skipping cgroups v2 suite: no writable unified hierarchy");

const readSandbox = (h: Harness, id: string, file: string) => readFileSync(join(h.sandbox(id), file), "utf8");

for (const suite of suites) {
  describe(`containerizer (${suite.name})`, () => {
    test("echo hello: stdout in the sandbox file, exit 0", async () => {
      const h = await setup(suite.options);
      expect(h.containerizer.isolation).toBe(suite.name === "posix" ? "none" : suite.name);
      await h.launch("c1", "echo hello");
      const t = await h.termination("c1");
      expect(t).toEqual({ containerId: "c1", exitCode: 0, signal: null, memoryLimitExceeded: false, killedByAgent: false, message: "Command exited with status 0" });
      expect(readSandbox(h, "c1", "stdout")).toBe("hello\n");
    });

    test("an exit code and a signal death are reported in Mesos's words", async () => {
      const h = await setup(suite.options);
      await h.launch("three", "echo oops >&2; exit 3");
      await h.launch("usr1", "kill -USR1 $$; sleep 5");
      expect(await h.termination("three")).toMatchObject({ exitCode: 3, signal: null, message: "Command exited with status 3" });
      expect(readSandbox(h, "three", "stderr")).toBe("oops\n");
      expect(await h.termination("usr1")).toMatchObject({ exitCode: null, signal: "SIGUSR1", message: "Command terminated with signal User defined signal 1" });
    });

    test("the spec's environment arrives exactly, and argv[0] is arguments[0]", async () => {
      const h = await setup(suite.options);
      const env = { ...testEnv, SPACED: "a b", OPTIND: "9", "dotted.name": "x" };
      await h.launch("env", { shell: false, value: "/usr/bin/env", arguments: ["env"] }, { env });
      await h.launch("argv0", { shell: false, value: "/bin/sh", arguments: ["custom-name", "-c", 'echo "$0"'] });
      await h.termination("env");
      const lines = readSandbox(h, "env", "stdout").trim().split("\n").sort();
      expect(lines).toEqual(Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
      await h.termination("argv0");
      expect(readSandbox(h, "argv0", "stdout")).toBe("custom-name\n");
    });

    test("a shell command sees the spec's environment, plus the PWD its shell sets, with and without env's fix-ups", async () => {
      const h = await setup(suite.options);
      const plain = { ...testEnv, SPACED: "a b", MULTI: "x\ny" };
      const odd = { ...plain, OPTIND: "9", m: "mine" };
      await h.launch("plain", "exec /usr/bin/env -0", { env: plain });
      await h.launch("odd", "exec /usr/bin/env -0", { env: odd });
      for (const [id, env] of [["plain", plain], ["odd", odd]] as const) {
        await h.termination(id);
        const seen = readSandbox(h, id, "stdout").split("\0").filter((entry) => entry !== "").sort();
        const expected = Object.entries({ ...env, PWD: h.sandbox(id), ...(id === "odd" ? { OPTIND: "1" } : {}) }).map(([k, v]) => `${k}=${v}`).sort();
        expect(seen).toEqual(expected);
      }
    });

    test("the task has a session and process group of its own, led by its supervisor, with default signal handling, in the sandbox", async () => {
      const h = await setup(suite.options);
      const pid = await h.launch("ids", "cat /proc/$$/stat; grep SigIgn /proc/$$/status; pwd");
      await h.termination("ids");
      const [stat, sigIgn, cwd] = readSandbox(h, "ids", "stdout").trim().split("\n");
      const fields = stat!.slice(stat!.lastIndexOf(")") + 2).split(" ");
      const [ppid, pgrp, session] = [Number(fields[1]), Number(fields[2]), Number(fields[3])];
      expect(Number(stat!.split(" ")[0])).toBe(pid);
      expect(pgrp).toBe(ppid); // the supervisor, the task's parent, leads the group
      expect(session).toBe(ppid); // and the session
      expect(pgrp).not.toBe(readProcStat(process.pid)!.pgrp); // not the agent's
      expect(sigIgn).toBe("SigIgn:\t0000000000000000");
      expect(cwd).toBe(h.sandbox("ids"));
    });

    test("a command that does not exist exits 127", async () => {
      const h = await setup(suite.options);
      await h.launch("missing", { shell: false, value: "/nonexistent/cmd", arguments: ["cmd"] });
      expect(await h.termination("missing")).toMatchObject({ exitCode: 127 });
    });

    test("kill: a task that handles SIGTERM ends within the grace period", async () => {
      const h = await setup(suite.options);
      await h.launch("polite", "trap 'echo bye; exit 0' TERM; while :; do sleep 0.05; done");
      await Bun.sleep(100);
      const started = performance.now();
      await h.containerizer.kill("polite", 5000);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(await h.termination("polite")).toMatchObject({ killedByAgent: true, exitCode: 0 });
      expect(readSandbox(h, "polite", "stdout")).toBe("bye\n");
    }, slowMs);

    test("kill: a task that ignores SIGTERM is SIGKILLed after the grace period, with its whole tree", async () => {
      const h = await setup(suite.options);
      await h.launch("stubborn", "trap '' TERM; setsid sleep 1000 & echo $! > escaped.pid; sleep 1000 & echo $! > child.pid; while :; do sleep 0.05; done");
      await eventually("pid files", () => existsSync(join(h.sandbox("stubborn"), "child.pid")) && existsSync(join(h.sandbox("stubborn"), "escaped.pid")));
      await Bun.sleep(50);
      const escaped = Number(readSandbox(h, "stubborn", "escaped.pid"));
      const child = Number(readSandbox(h, "stubborn", "child.pid"));
      expect(readProcStat(escaped)?.session).toBe(escaped); // it really left the task's session
      const started = performance.now();
      await h.containerizer.kill("stubborn", 300);
      expect(performance.now() - started).toBeGreaterThanOrEqual(300);
      expect(await h.termination("stubborn")).toEqual({ containerId: "stubborn", exitCode: null, signal: "SIGKILL", memoryLimitExceeded: false, killedByAgent: true, message: "Command terminated with signal Killed" });
      expect(isSameProcessAlive(escaped, undefined)).toBe(false);
      expect(isSameProcessAlive(child, undefined)).toBe(false);
    }, slowMs);

    test("kill: a grandchild that left with setsid goes even when the task obeys SIGTERM", async () => {
      const h = await setup(suite.options);
      await h.launch("tree", "setsid sleep 1000 & echo $! > escaped.pid; trap 'exit 0' TERM; while :; do sleep 0.05; done");
      await eventually("pid file", () => existsSync(join(h.sandbox("tree"), "escaped.pid")));
      await Bun.sleep(50);
      const escaped = Number(readSandbox(h, "tree", "escaped.pid"));
      await h.containerizer.kill("tree", 5000);
      expect(await h.termination("tree")).toMatchObject({ exitCode: 0, killedByAgent: true });
      expect(isSameProcessAlive(escaped, undefined)).toBe(false);
    }, slowMs);

    test("a task survives the agent: close, new instance, recover, still running, then kill", async () => {
      const h = await setup(suite.options);
      const spec = h.spec("survivor", "sleep 30");
      const { pid } = await h.containerizer.launch(spec);
      const c = await h.restart();
      await c.recover([{ containerId: "survivor", sandboxDir: spec.sandboxDir, pid, limits: spec.limits }]);
      await Bun.sleep(200);
      expect(isSameProcessAlive(pid, undefined)).toBe(true);
      expect(h.terminations).toEqual([]);
      expect((await c.usage("survivor"))?.processes).toBeGreaterThanOrEqual(1);
      await c.kill("survivor", 2000);
      expect(await h.termination("survivor")).toMatchObject({ signal: "SIGTERM", killedByAgent: true, message: "Command terminated with signal Terminated" });
      expect(isSameProcessAlive(pid, undefined)).toBe(false);
    }, slowMs);

    test("tasks survive a SIGKILLed agent process; recover reports the one that ended meanwhile", async () => {
      const h = await setup(suite.options);
      const specs = [h.spec("exits", "sleep 0.3; exit 5"), h.spec("lives", "sleep 30")];
      const agent = Bun.spawn({
        cmd: [process.execPath, join(import.meta.dir, "testdata", "agent-that-dies.ts"), h.metaDir, suite.options.isolation, h.cgroupsRoot, suite.options.cgroupsHierarchy ?? "/sys/fs/cgroup", JSON.stringify(specs)],
        stdio: ["ignore", "pipe", "inherit"],
      });
      const reader = agent.stdout.getReader();
      const { value } = await reader.read();
      const pids = JSON.parse(new TextDecoder().decode(value)) as Record<string, number>;
      agent.kill("SIGKILL");
      await agent.exited;
      await Bun.sleep(600);
      expect(isSameProcessAlive(pids.lives!, undefined)).toBe(true);
      const c = await h.restart();
      await c.recover(specs.map((s) => ({ containerId: s.containerId, sandboxDir: s.sandboxDir, pid: pids[s.containerId], limits: s.limits })));
      expect(await h.termination("exits")).toMatchObject({ exitCode: 5, message: "Command exited with status 5" });
      await Bun.sleep(100);
      expect(h.terminations.map((t) => t.containerId)).toEqual(["exits"]);
      await c.kill("lives", 1000);
      expect(await h.termination("lives")).toMatchObject({ signal: "SIGTERM", killedByAgent: true });
      expect(isSameProcessAlive(pids.lives!, undefined)).toBe(false);
    }, slowMs);

    test("tasks that ended while the agent was down are reported by recover with their real status", async () => {
      const h = await setup(suite.options);
      const exits = h.spec("exits", "sleep 0.2; exit 7");
      const dies = h.spec("dies", "sleep 0.2; kill -TERM $$; sleep 5");
      const exitsPid = (await h.containerizer.launch(exits)).pid;
      const diesPid = (await h.containerizer.launch(dies)).pid;
      await h.containerizer.close(); // the agent is down
      await Bun.sleep(600);
      expect(h.terminations).toEqual([]);
      const c = await h.restart();
      await c.recover([
        { containerId: "exits", sandboxDir: exits.sandboxDir, pid: exitsPid, limits: exits.limits },
        { containerId: "dies", sandboxDir: dies.sandboxDir, pid: diesPid, limits: dies.limits },
      ]);
      expect(await h.termination("exits")).toMatchObject({ exitCode: 7, killedByAgent: false, message: "Command exited with status 7" });
      expect(await h.termination("dies")).toMatchObject({ signal: "SIGTERM", killedByAgent: false });
    }, slowMs);

    test("recover destroys containers the agent no longer knows", async () => {
      const h = await setup(suite.options);
      const pid = await h.launch("orphan", "sleep 30");
      const c = await h.restart();
      await c.recover([]);
      expect(isSameProcessAlive(pid, undefined)).toBe(false);
      expect(existsSync(join(h.metaDir, "containers", "orphan"))).toBe(false);
    }, slowMs);

    test("usage reports CPU time, memory and processes while running, nothing after", async () => {
      const h = await setup(suite.options);
      await h.launch("busy", "while :; do :; done");
      await Bun.sleep(400);
      // The kernel flushes a cgroup's memory counters in batches, so a task this small can read 0
      // for a while: read again until it shows (or the test times out).
      let usage = await h.containerizer.usage("busy");
      while (suite.name !== "cgroups-v2" && usage?.mem_rss_bytes === 0) {
        await Bun.sleep(100);
        usage = await h.containerizer.usage("busy");
      }
      expect(usage).toBeDefined();
      expect(usage!.cpus_limit).toBe(0.5);
      expect(usage!.mem_limit_bytes).toBe(64 * 1024 * 1024);
      expect(usage!.cpus_user_time_secs! + usage!.cpus_system_time_secs!).toBeGreaterThan(0);
      expect(usage!.processes).toBe(1);
      expect(usage!.threads).toBe(1);
      if (suite.name !== "cgroups-v2") expect(usage!.mem_rss_bytes).toBeGreaterThan(0); // v2 here has no memory controller
      await h.containerizer.kill("busy", 0);
      expect(await h.containerizer.usage("busy")).toBeUndefined();
    }, slowMs);

    test("cleanup kills anything the task left behind; the record and the sandbox stay for the GC", async () => {
      const h = await setup(suite.options);
      await h.launch("done", "echo done");
      await h.termination("done");
      expect(readFileSync(join(h.metaDir, "containers", "done"), "utf8")).toMatch(/^launch \{.*\}\npids \d+ \d+\nexit 0\n$/);
      await h.containerizer.cleanup("done");
      expect(h.containerizer.recordPath("done")).toBe(join(h.metaDir, "containers", "done"));
      expect(existsSync(join(h.metaDir, "containers", "done"))).toBe(true);
      expect(existsSync(join(h.sandbox("done"), "stdout"))).toBe(true); // the sandbox stays for GC
    });
  });
}

describe("containerizer (posix only)", () => {
  test("runs as the spec's user when the agent is root", async () => {
    if (process.getuid?.() !== 0) {
      console.log("skipping user switch: not root");
      return;
    }
    const h = await setup({ isolation: "posix" });
    await h.launch("nobody", "id -u; id -g; touch mine", { user: "nobody" });
    expect(await h.termination("nobody")).toMatchObject({ exitCode: 0 });
    const uid = Number(Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString());
    expect(readSandbox(h, "nobody", "stdout").split("\n")[0]).toBe(String(uid));
    expect(statSync(h.sandbox("nobody")).uid).toBe(uid);
    expect(statSync(join(h.sandbox("nobody"), "mine")).uid).toBe(uid);
    // Root as root: nothing to switch, so no setpriv in the chain; the task still runs as root.
    expect(alreadyRunningAs(lookupUser("root"))).toBe(true);
    expect(alreadyRunningAs(lookupUser("nobody"))).toBe(false);
    await h.launch("root", "id -u; id -G", { user: "root" });
    expect(await h.termination("root")).toMatchObject({ exitCode: 0 });
    expect(readSandbox(h, "root", "stdout").split("\n")[0]).toBe("0");
  });

  test("an unknown user fails the launch", async () => {
    if (process.getuid?.() !== 0) return;
    const h = await setup({ isolation: "posix" });
    expect(h.launch("ghost", "true", { user: "no-such-user-here" })).rejects.toThrow(/Failed to find user/);
  });

  test("a command health check reports through onHealth", async () => {
    const h = await setup({ isolation: "posix" });
    const healthCheck = { type: "COMMAND" as const, command: { value: "test -f flag" }, delay_seconds: 0, interval_seconds: 0.05, grace_period_seconds: 0, consecutive_failures: 3, timeout_seconds: 5 };
    mkdirSync(h.sandbox("checked"), { recursive: true });
    writeFileSync(join(h.sandbox("checked"), "flag"), "");
    await h.launch("checked", "sleep 30", { healthCheck });
    await eventually("healthy", () => h.health.some((e) => e.healthy));
    rmSync(join(h.sandbox("checked"), "flag"));
    await eventually("kill request", () => h.health.some((e) => e.killTask));
    expect(h.health.map((e) => [e.healthy, e.consecutiveFailures, e.killTask])).toEqual([
      [true, 0, false],
      [false, 1, false],
      [false, 2, false],
      [false, 3, true],
    ]);
  }, slowMs);

  test("launches past launchesInFlightMax wait their turn, and all of them run", async () => {
    const h = await setup({ isolation: "posix", launchesInFlightMax: 2 });
    const ids = ["q1", "q2", "q3", "q4", "q5", "q6"];
    const pids = await Promise.all(ids.map((id) => h.launch(id, `echo ${id}`)));
    expect(new Set(pids).size).toBe(ids.length);
    for (const id of ids) {
      expect(await h.termination(id)).toMatchObject({ exitCode: 0 });
      expect(readSandbox(h, id, "stdout")).toBe(`${id}\n`);
    }
  });

  test("a task that ended on its own: its group dies with it, the rest of its session by the next sweep", async () => {
    const h = await setup({ isolation: "posix" });
    const script = "sleep 1000 & echo $! > child.pid; perl -e 'setpgrp(0, 0); sleep 1000' & echo $! > regrouped.pid; sleep 0.2";
    await h.launch("leaver", script);
    await h.termination("leaver");
    const child = Number(readSandbox(h, "leaver", "child.pid"));
    const regrouped = Number(readSandbox(h, "leaver", "regrouped.pid"));
    await eventually("the background job gone", () => !isSameProcessAlive(child, undefined));
    await eventually("the regrouped session member gone", () => !isSameProcessAlive(regrouped, undefined));
  }, slowMs);

  test("recover reports containers that cannot have survived as ended with unknown status", async () => {
    const h = await setup({ isolation: "posix" });
    const limits = { cpus: 1, memoryBytes: 64 * 1024 * 1024 };
    const record = { sandboxDir: h.sandbox("x"), launchedAtMs: Date.now() - 60_000, limits, env: testEnv, cgroups: false };
    for (const [containerId, bootId] of [["half", currentBootId()], ["rebooted", "another-boot"]] as const) {
      const meta = new ContainerMeta(h.metaDir, containerId);
      await meta.writeLaunch({ ...record, containerId, bootId });
    }
    await h.containerizer.recover(["half", "rebooted", "unknown"].map((containerId) => ({ containerId, sandboxDir: h.sandbox(containerId), limits })));
    const byId = new Map(h.terminations.map((t) => [t.containerId, t]));
    expect(byId.get("half")).toMatchObject({ exitCode: null, signal: null, message: "Command ended with unknown status: the agent stopped before the task started" });
    expect(byId.get("rebooted")?.message).toContain("the host rebooted");
    expect(byId.get("unknown")?.message).toContain("no record");
    await h.containerizer.cleanup("half");
    expect(existsSync(h.containerizer.recordPath("half"))).toBe(true); // for the GC
  });

  test("isolation auto without usable cgroups runs posix and says why once", async () => {
    const warnings: Array<{ obj: object; msg?: string }> = [];
    const logger = { info() {}, debug() {}, error() {}, warn: (obj: object, msg?: string) => warnings.push({ obj, msg }) };
    const h = await makeHarness({ isolation: "auto", cgroupsHierarchy: "/nonexistent/cgroup" }, logger);
    harness = h;
    expect(h.containerizer.isolation).toBe("none");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ reason: "/nonexistent/cgroup does not exist" });
    await h.launch("works", "true");
    expect(await h.termination("works")).toMatchObject({ exitCode: 0 });
    expect(createContainerizer({ metaDir: h.metaDir, isolation: "cgroups", cgroupsHierarchy: "/nonexistent/cgroup" })).rejects.toThrow(/not available/);
  });
});

describe.skipIf(!v1Available)("containerizer (cgroups v1 specifics)", () => {
  const memoryDir = (h: Harness, id: string) => `/sys/fs/cgroup/memory/${h.cgroupsRoot}/${id}`;
  const cpuDir = (h: Harness, id: string) => `/sys/fs/cgroup/cpu/${h.cgroupsRoot}/${id}`;

  test("cpu.shares follow cpus, CFS quota with enableCfs, memory limit, and the task is inside", async () => {
    const h = await setup({ isolation: "cgroups", enableCfs: true });
    const pid = await h.launch("limits", "sleep 30", { limits: { cpus: 0.5, memoryBytes: 100 * 1024 * 1024 } });
    await h.launch("tiny", "sleep 30", { limits: { cpus: 0.001, memoryBytes: 1024 } });
    const read = (path: string) => readFileSync(path, "utf8").trim();
    expect(read(`${cpuDir(h, "limits")}/cpu.shares`)).toBe("512");
    expect(read(`${cpuDir(h, "limits")}/cpu.cfs_quota_us`)).toBe("50000");
    expect(read(`${memoryDir(h, "limits")}/memory.limit_in_bytes`)).toBe(String(100 * 1024 * 1024));
    expect(read(`${memoryDir(h, "limits")}/cgroup.procs`).split("\n")).toContain(String(pid));
    expect(read(`/sys/fs/cgroup/cpuacct/${h.cgroupsRoot}/limits/cgroup.procs`).split("\n")).toContain(String(pid));
    expect(read(`${cpuDir(h, "tiny")}/cpu.shares`)).toBe("2");
    expect(read(`${cpuDir(h, "tiny")}/cpu.cfs_quota_us`)).toBe("1000");
    expect(read(`${memoryDir(h, "tiny")}/memory.limit_in_bytes`)).toBe(String(32 * 1024 * 1024)); // Mesos's floor
    const usage = await h.containerizer.usage("limits");
    expect(usage?.cpus_nr_periods).toBeGreaterThanOrEqual(0);
  }, slowMs);

  test("a task allocating past its memory limit is reported memoryLimitExceeded", async () => {
    const h = await setup({ isolation: "cgroups" });
    await h.launch("hog", "perl -e '$x = q(a) x (200 * 1024 * 1024); sleep 5'", { limits: { cpus: 0.5, memoryBytes: 64 * 1024 * 1024 } });
    const t = await h.termination("hog");
    expect(t).toMatchObject({ memoryLimitExceeded: true, killedByAgent: false, signal: "SIGKILL" });
    expect(t.message).toStartWith("Memory limit exceeded: Requested: 64MB");
  }, slowMs);

  test("the OOM killer taking a child destroys the whole container", async () => {
    const h = await setup({ isolation: "cgroups" });
    await h.launch("parent", "perl -e '$x = q(a) x (200 * 1024 * 1024); sleep 5' & sleep 30", { limits: { cpus: 0.5, memoryBytes: 64 * 1024 * 1024 } });
    expect(await h.termination("parent")).toMatchObject({ memoryLimitExceeded: true });
  }, slowMs);

  test("what a task leaves behind in its cgroup is killed, and cleanup removes the cgroup", async () => {
    const h = await setup({ isolation: "cgroups" });
    await h.launch("leaver", "setsid sleep 1000 & echo $! > escaped.pid");
    expect(await h.termination("leaver")).toMatchObject({ exitCode: 0 });
    const escaped = Number(readSandbox(h, "leaver", "escaped.pid"));
    expect(isSameProcessAlive(escaped, undefined)).toBe(false);
    await h.containerizer.cleanup("leaver");
    for (const controller of ["cpu", "cpuacct", "memory"]) {
      expect(existsSync(`/sys/fs/cgroup/${controller}/${h.cgroupsRoot}/leaver`)).toBe(false);
    }
  }, slowMs);
});

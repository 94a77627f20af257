// The agent against a scripted master: registration, epochs, command tasks with reliable status
// updates, kills, resources, health checks and leader changes. The agent runs in this process
// with the real containerizer (posix isolation); each test has its own master and work dir.

import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { accessSync, constants, existsSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, tempDir } from "./helpers/cluster.ts";
import { sandboxFile, startInProcessAgent, type InProcessAgent } from "./helpers/agent-process.ts";
import { commandTask, eventually, ProtocolMaster, type StatusUpdateFrame } from "./helpers/protocol-master.ts";
import { removeRootCgroups } from "./helpers/e2e.ts";


// Generous: the first test builds the executable, and machines under load are slow.
setDefaultTimeout(60_000);
const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.stop();
});
afterAll(cleanupAll);

function master(options: Parameters<typeof ProtocolMaster.start>[0] = {}): ProtocolMaster {
  const m = ProtocolMaster.start(options);
  running.push(m);
  return m;
}

async function agent(masterAddress: string, workDir: string, extra: string[] = []): Promise<InProcessAgent> {
  const a = await startInProcessAgent(masterAddress, workDir, extra);
  running.push(a);
  return a;
}

/** Acknowledges `frame` as the master does once the framework has. */
function ack(m: ProtocolMaster, frame: StatusUpdateFrame): void {
  m.ack(frame.frameworkId, frame.status.task_id.value, frame.status.uuid!);
}

describe("registration", () => {
  test("registers with resources, attributes and cpus, then keeps its id in the work dir", async () => {
    const m = master({ newAgentId: "agent-A" });
    const workDir = tempDir();
    const a = await agent(m.address, workDir, ["--attributes=rack:r1;level:3"]);
    const register = await m.waitForRegister();
    expect(register.agentId).toBeUndefined();
    expect(register.epoch).toBe(0);
    expect(register.tasks).toEqual([]);
    expect(register.agent.physicalCpus).toBeGreaterThan(0);
    expect(register.agent.resources.find((r) => r.name === "cpus")?.scalar?.value).toBe(2);
    expect(register.agent.attributes.map((attr) => attr.name).sort()).toEqual(["level", "rack"]);
    expect(register.agent.port).toBe(Number(new URL(a.url).port));
    await eventually("slave.info", () => existsSync(join(workDir, "meta/slaves/agent-A/slave.info")));
    expect(readlinkSync(join(workDir, "meta/slaves/latest"))).toBe("agent-A");
    const state = (await (await fetch(`${a.url}/state`)).json()) as { id: string; resources: Record<string, unknown>; attributes: Record<string, unknown> };
    expect(state.id).toBe("agent-A");
    expect(state.resources).toMatchObject({ cpus: 2, mem: 512, disk: 1024, ports: "[31000-31009]" });
    expect(state.attributes).toEqual({ rack: "r1", level: 3 });
    const metrics = (await (await fetch(`${a.url}/metrics/snapshot`)).json()) as Record<string, number>;
    expect(metrics["slave/registered"]).toBe(1);
    expect(metrics["slave/cpus_total"]).toBe(2);
  });

  test("re-registers with the same id and the epoch it obeyed after a restart", async () => {
    const m = master({ newAgentId: "agent-B", epoch: 4 });
    const workDir = tempDir();
    const first = await agent(m.address, workDir);
    await m.waitForRegister();
    await eventually("epoch checkpoint", () => existsSync(join(workDir, "meta/master.epoch")));
    await first.stop();
    const from = m.received.length;
    await agent(m.address, workDir);
    const again = await m.waitForRegister({ from });
    expect(again.agentId).toBe("agent-B");
    expect(again.epoch).toBe(4);
  });

  test("REFUSED: the agent asks to exit with status 1 and the master's message", async () => {
    const m = master({ refuse: "agent id unknown; start with a fresh --work_dir" });
    const a = await agent(m.address, tempDir());
    const exit = await eventually("exit request", () => a.exits[0]);
    expect(exit.code).toBe(1);
    expect(exit.message).toContain("agent id unknown; start with a fresh --work_dir");
  });

  test("finds the leader among a list of masters and follows it when it changes", async () => {
    const leader = master({ newAgentId: "agent-L" });
    const follower = master({ redirectTo: leader.address });
    const other = master({ redirectTo: leader.address });
    const a = await agent(`${follower.address},${other.address}`, tempDir());
    await leader.waitForRegister();
    expect(follower.registrations()).toHaveLength(0);
    leader.runTasks("fw", [commandTask("t1", "sleep 30")]);
    const starting = await leader.waitForUpdate("t1", "TASK_STARTING");
    // The leader fails over to `other` before acknowledging anything.
    leader.redirectTo = null;
    follower.redirectTo = other.address;
    other.redirectTo = other.address;
    other.epoch = 2;
    leader.dropConnection();
    const register = await other.waitForRegister();
    expect(register.agentId).toBe("agent-L");
    expect(register.tasks.map((t) => [t.task.task_id.value, t.pendingUpdates > 0])).toEqual([["t1", true]]);
    const resent = await other.waitForUpdate("t1", "TASK_STARTING");
    expect(resent.status.uuid).toBe(starting.status.uuid);
    expect(a.exits).toEqual([]);
  });

  test("file:// names the masters and is read again on each detection", async () => {
    const m = master({ newAgentId: "agent-F" });
    const file = join(tempDir(), "masters");
    writeFileSync(file, `${m.address}\n`);
    await agent(`file://${file}`, tempDir());
    await m.waitForRegister();
    const next = master({ newAgentId: "agent-F" });
    writeFileSync(file, next.address);
    m.dropConnection();
    const register = await next.waitForRegister();
    expect(register.agentId).toBe("agent-F");
  });

  test("when pings stop, the agent finds the leader again", async () => {
    const m = master({ pingIntervalMs: 100, maxPingTimeouts: 2 });
    await agent(m.address, tempDir());
    await m.waitForRegister();
    await eventually("a second connection", () => m.registrations().length >= 2);
    m.send({ type: "PING", nonce: 7 });
    await eventually("PONG", () => m.frames("PONG").some((pong) => pong.nonce === 7));
  });
});

describe("epochs", () => {
  test("commands from an older epoch are refused; a master behind the obeyed epoch is left", async () => {
    const m = master({ epoch: 5 });
    const workDir = tempDir();
    await agent(m.address, workDir);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("old", "true")], { epoch: 4 });
    const refused = await m.waitFor("COMMAND_REFUSED", (f): f is Extract<typeof f, { type: "COMMAND_REFUSED" }> => f.type === "COMMAND_REFUSED");
    expect(refused.command).toBe("RUN_TASKS");
    expect(refused.message).toContain("epoch 4 is older than epoch 5");
    expect(m.updates("old")).toEqual([]);
    // A newer epoch on a command is obeyed and remembered.
    m.runTasks("fw", [commandTask("new", "true")], { epoch: 6 });
    await m.waitForUpdate("new", "TASK_STARTING");
    const connections = m.connectionCount;
    m.epoch = 3;
    m.dropConnection();
    await eventually("a REGISTER with epoch 6", () => m.registrations().some((r) => r.epoch === 6));
    // REGISTERED with epoch 3 is not accepted: the agent keeps reconnecting instead of obeying.
    await eventually("another reconnection", () => m.connectionCount >= connections + 2);
    expect(m.updates("new").every((u) => u.state === "TASK_STARTING" || u.state === "TASK_RUNNING" || u.state === "TASK_FINISHED")).toBe(true);
  });
});

describe("command tasks", () => {
  test("echo hello: STARTING, RUNNING, FINISHED, one at a time, each sent until acknowledged", async () => {
    const m = master({ newAgentId: "agent-E" });
    const workDir = tempDir();
    const a = await agent(m.address, workDir);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("hello", "echo hello; echo \"$MESOS_TASK_ID $PORT0 $PORTS\"", "cpus:0.5;mem:64;ports:[31002-31003]")]);
    const starting = await m.waitForUpdate("hello", "TASK_STARTING");
    expect(starting.status.source).toBe("SOURCE_EXECUTOR");
    expect(starting.status.agent_id?.value).toBe("agent-E");
    expect(starting.status.executor_id?.value).toBe("hello");
    expect(Buffer.from(starting.status.uuid!, "base64")).toHaveLength(16);
    // Not acknowledged: the same update comes again, and nothing after it.
    await eventually("STARTING resent", () => m.updates("hello").filter((u) => u.uuid === starting.status.uuid).length >= 2);
    expect(m.updates("hello").every((u) => u.state === "TASK_STARTING")).toBe(true);
    ack(m, starting);
    const runningUpdate = await m.waitForUpdate("hello", "TASK_RUNNING");
    expect(runningUpdate.status.container_status?.executor_pid).toBeGreaterThan(0);
    ack(m, runningUpdate);
    const finished = await m.waitForUpdate("hello", "TASK_FINISHED");
    expect(finished.status.message).toBe("Command exited with status 0");
    ack(m, finished);
    const states = [...new Set(m.updates("hello").map((u) => u.state))];
    expect(states).toEqual(["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    expect(sandboxFile(workDir, "agent-E", "fw", "hello", "stdout")).toBe("hello\nhello 31002 31002,31003\n");
    await eventually("task completed", async () => {
      const metrics = (await (await fetch(`${a.url}/metrics/snapshot`)).json()) as Record<string, number>;
      return metrics["slave/tasks_finished"] === 1 && metrics["slave/status_updates_pending"] === 0;
    });
    const state = (await (await fetch(`${a.url}/state`)).json()) as {
      frameworks: Array<{ completed_executors: Array<{ directory: string; completed_tasks: Array<{ state: string }> }> }>;
    };
    const executor = state.frameworks[0]?.completed_executors[0];
    expect(executor?.completed_tasks[0]?.state).toBe("TASK_FINISHED");
    // /files serves the sandbox under its real path and under runs/latest.
    const virtual = await fetch(`${a.url}/files/read?path=/frameworks/fw/executors/hello/runs/latest/stdout&offset=0`);
    expect(((await virtual.json()) as { data: string }).data).toBe("hello\nhello 31002 31002,31003\n");
    const browse = (await (await fetch(`${a.url}/files/browse?path=${executor?.directory}`)).json()) as Array<{ path: string }>;
    expect(browse.map((entry) => entry.path.split("/").pop())).toContain("stdout");
    expect((await fetch(`${a.url}/files/browse?path=${workDir}/meta`)).status).toBe(403);
  });

  test("a large RUN_TASKS launches a few at a time; a task killed before its launch began ends without a process", async () => {
    const m = master({ newAgentId: "agent-Q", autoAck: true });
    await agent(m.address, tempDir());
    await m.waitForRegister();
    const tasks = Array.from({ length: 40 }, (_, i) => commandTask(`q${i}`, "sleep 30", "cpus:0.01;mem:1"));
    m.runTasks("fw", tasks);
    m.kill("fw", "q39");
    const killed = await m.waitForUpdate("q39", "TASK_KILLED");
    expect(killed.status.reason).toBe("REASON_TASK_KILLED_DURING_LAUNCH");
    expect(m.updates("q39").map((u) => u.state)).toEqual(["TASK_KILLING", "TASK_KILLED"]);
    for (const task of tasks.slice(0, 39)) await m.waitForUpdate(task.task_id.value, "TASK_RUNNING");
    for (const task of tasks.slice(0, 39)) m.kill("fw", task.task_id.value);
    for (const task of tasks.slice(0, 39)) await m.waitForUpdate(task.task_id.value, "TASK_KILLED");
  });

  test("a failing command: TASK_FAILED with its exit status", async () => {
    const m = master({ autoAck: true });
    await agent(m.address, tempDir());
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("fails", "exit 3")]);
    const failed = await m.waitForUpdate("fails", "TASK_FAILED");
    expect(failed.status.message).toBe("Command exited with status 3");
  });

  test("kill: TASK_KILLING at once, then TASK_KILLED after SIGTERM, with the master's reason", async () => {
    const m = master({ autoAck: true });
    const a = await agent(m.address, tempDir());
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("sleeper", "sleep 60", "cpus:0.25;mem:48")]);
    await m.waitForUpdate("sleeper", "TASK_RUNNING");
    const monitor = (await (await fetch(`${a.url}/monitor/statistics`)).json()) as Array<{
      executor_id: string;
      framework_id: string;
      source: string;
      statistics: { cpus_limit: number; mem_limit_bytes: number; timestamp: number };
    }>;
    expect(monitor).toHaveLength(1);
    expect(monitor[0]).toMatchObject({ executor_id: "sleeper", framework_id: "fw", source: "sleeper", statistics: { cpus_limit: 0.25, mem_limit_bytes: 48 * 1024 * 1024 } });
    const metrics = (await (await fetch(`${a.url}/metrics/snapshot`)).json()) as Record<string, number>;
    expect(metrics["slave/tasks_running"]).toBe(1);
    expect(metrics["slave/cpus_used"]).toBe(0.25);
    m.kill("fw", "sleeper", { reason: "REASON_ROLE_WINDOW_CLOSED", message: "role window closed" });
    const killing = await m.waitForUpdate("sleeper", "TASK_KILLING");
    const killed = await m.waitForUpdate("sleeper", "TASK_KILLED");
    expect(killing.status.message).toBe("role window closed");
    expect(killed.status.reason).toBe("REASON_ROLE_WINDOW_CLOSED");
    expect(killed.status.message).toBe("role window closed");
  });

  test("kill with grace: a task ignoring SIGTERM is SIGKILLed after the kill policy's grace period", async () => {
    const m = master({ autoAck: true });
    await agent(m.address, tempDir());
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("stubborn", "trap '' TERM; while true; do sleep 0.05; done")]);
    await m.waitForUpdate("stubborn", "TASK_RUNNING");
    const from = m.received.length;
    m.kill("fw", "stubborn", { killPolicy: { grace_period: { nanoseconds: 700e6 } } });
    await m.waitForUpdate("stubborn", "TASK_KILLING", { from });
    const killingAt = m.received.find((r) => r.frame.type === "STATUS_UPDATE" && r.frame.status.state === "TASK_KILLING")!.atMs;
    await m.waitForUpdate("stubborn", "TASK_KILLED", { from });
    const killedAt = m.received.find((r) => r.frame.type === "STATUS_UPDATE" && r.frame.status.state === "TASK_KILLED")!.atMs;
    expect(killedAt - killingAt).toBeGreaterThanOrEqual(600);
  });

  test("killing an unknown task is ignored", async () => {
    const m = master({ autoAck: true });
    const a = await agent(m.address, tempDir());
    await m.waitForRegister();
    m.kill("fw", "nobody");
    m.runTasks("fw", [commandTask("after", "true")]);
    await m.waitForUpdate("after", "TASK_FINISHED");
    expect(m.updates("nobody")).toEqual([]);
    expect(a.exits).toEqual([]);
  });

  test("tasks that do not fit: TASK_LOST (TASK_DROPPED if partition-aware) naming what is missing", async () => {
    const m = master({ autoAck: true });
    await agent(m.address, tempDir());
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("big", "true", "cpus:1.5;mem:64"), commandTask("bigger", "true", "cpus:1;mem:64")]);
    const lost = await m.waitForUpdate("bigger", "TASK_LOST");
    expect(lost.status.reason).toBe("REASON_RESOURCES_UNKNOWN");
    expect(lost.status.source).toBe("SOURCE_AGENT");
    expect(lost.status.message).toContain("missing cpus(*):0.5");
    await m.waitForUpdate("big", "TASK_FINISHED");
    m.runTasks("aware", [commandTask("huge", "true", "cpus:64")], {
      framework: { user: "", name: "aware", capabilities: [{ type: "PARTITION_AWARE" }] },
    });
    const dropped = await m.waitForUpdate("huge", "TASK_DROPPED");
    expect(dropped.status.message).toContain("missing cpus(*):62");
  });

  test("LAUNCH_GROUP: the tasks share one executor run, each in its own sandbox under it", async () => {
    const m = master({ autoAck: true, newAgentId: "agent-G" });
    const workDir = tempDir();
    const a = await agent(m.address, workDir);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("g1", "echo one > out"), commandTask("g2", "echo two > out")], {
      executor: { executor_id: { value: "group-ex" }, name: "group" },
    });
    const one = await m.waitForUpdate("g1", "TASK_FINISHED");
    const two = await m.waitForUpdate("g2", "TASK_FINISHED");
    expect(one.status.executor_id?.value).toBe("group-ex");
    expect(two.status.executor_id?.value).toBe("group-ex");
    expect(sandboxFile(workDir, "agent-G", "fw", "group-ex", "tasks/g1/out")).toBe("one\n");
    expect(sandboxFile(workDir, "agent-G", "fw", "group-ex", "tasks/g2/out")).toBe("two\n");
    expect(a.exits).toEqual([]);
  });

  test("LAUNCH_GROUP: when one task of the group fails, the others are killed", async () => {
    const m = master({ autoAck: true });
    await agent(m.address, tempDir());
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("fails", "sleep 0.2; exit 1"), commandTask("waits", "sleep 60")], {
      executor: { executor_id: { value: "pair" } },
    });
    await m.waitForUpdate("fails", "TASK_FAILED");
    const killed = await m.waitForUpdate("waits", "TASK_KILLED");
    expect(killed.status.message).toBe("Killed because task fails of its task group ended in TASK_FAILED");
  });

  test("SHUTDOWN_FRAMEWORK kills its tasks; updates for it are no longer sent", async () => {
    const m = master({ autoAck: true });
    const a = await agent(m.address, tempDir());
    await m.waitForRegister();
    m.runTasks("doomed", [commandTask("d1", "sleep 60"), commandTask("d2", "sleep 60")]);
    await m.waitForUpdate("d1", "TASK_RUNNING");
    await m.waitForUpdate("d2", "TASK_RUNNING");
    m.send({ type: "SHUTDOWN_FRAMEWORK", epoch: m.epoch, frameworkId: "doomed" });
    await eventually("framework removed", async () => {
      const state = (await (await fetch(`${a.url}/state`)).json()) as { frameworks: unknown[]; completed_frameworks: Array<{ id: string }> };
      return state.frameworks.length === 0 && state.completed_frameworks.some((f) => f.id === "doomed");
    });
  });

  test("health checks become healthy updates; failing ones kill the task", async () => {
    const m = master({ autoAck: true });
    const workDir = tempDir();
    await agent(m.address, workDir);
    await m.waitForRegister();
    const healthCheck = { type: "COMMAND" as const, command: { value: "test ! -e sick" }, interval_seconds: 0.2, timeout_seconds: 5, consecutive_failures: 2, grace_period_seconds: 0, delay_seconds: 0 };
    m.runTasks("fw", [commandTask("checked", "sleep 60", undefined, { health_check: healthCheck })]);
    const healthy = await m.waitFor("healthy update", (f): f is StatusUpdateFrame => f.type === "STATUS_UPDATE" && f.status.healthy === true);
    expect(healthy.status.reason).toBe("REASON_TASK_HEALTH_CHECK_STATUS_UPDATED");
    expect(healthy.status.state).toBe("TASK_RUNNING");
    const sandbox = (await m.waitForUpdate("checked", "TASK_RUNNING")).status;
    expect(sandbox.executor_id?.value).toBe("checked");
    writeFileSync(join(workDir, "slaves", healthy.status.agent_id!.value, "frameworks/fw/executors/checked/runs/latest/sick"), "");
    const unhealthy = await m.waitFor("unhealthy update", (f): f is StatusUpdateFrame => f.type === "STATUS_UPDATE" && f.status.healthy === false);
    expect(unhealthy.status.state).toBe("TASK_RUNNING");
    const killed = await m.waitForUpdate("checked", "TASK_KILLED");
    expect(killed.status.healthy).toBe(false);
  });

  test("a finished task's sandbox and checkpoints are collected after --gc_delay", async () => {
    const m = master({ autoAck: true, newAgentId: "agent-GC" });
    const workDir = tempDir();
    await agent(m.address, workDir, ["--gc_delay=0secs", "--disk_watch_interval=50ms"]);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("short", "echo bye")]);
    const finished = await m.waitForUpdate("short", "TASK_FINISHED");
    const sandbox = join(workDir, "slaves/agent-GC/frameworks/fw/executors/short/runs", finished.status.container_status!.container_id!.value);
    const containerId = finished.status.container_status!.container_id!.value;
    const meta = join(workDir, "meta/slaves/agent-GC/frameworks/fw/executors/short/runs", containerId);
    const record = join(workDir, "meta/containers", containerId);
    await eventually("sandbox, meta run and container record removed", () => !existsSync(sandbox) && !existsSync(meta) && !existsSync(record));
  });

  test.skipIf(!cgroupsV1MemoryWritable())("over its memory limit: TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY", async () => {
    const m = master({ autoAck: true });
    const root = `cluster-agent-test-${process.pid}-${Date.now()}`;
    // Stopped after the agent (afterEach goes in reverse): the containerizer keeps its root cgroup.
    running.push({ stop: async () => removeRootCgroups(root) });
    await agent(m.address, tempDir(), ["--isolation=cgroups", `--cgroups_root=${root}`]);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("hog", "head -c 400000000 /dev/zero | tail > /dev/null", "cpus:0.1;mem:32")]);
    const failed = await m.waitForUpdate("hog", "TASK_FAILED");
    expect(failed.status.reason).toBe("REASON_CONTAINER_LIMITATION_MEMORY");
    expect(failed.status.source).toBe("SOURCE_AGENT");
  });
});


describe("users", () => {
  test.skipIf(process.getuid?.() !== 0)("as root, a task runs as its framework's user; an unknown user fails the launch", async () => {
    const m = master({ autoAck: true, newAgentId: "agent-U" });
    const workDir = tempDir();
    await agent(m.address, workDir);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("who", "id -un")], { framework: { user: "nobody", name: "fw" } });
    await m.waitForUpdate("who", "TASK_FINISHED");
    expect(sandboxFile(workDir, "agent-U", "fw", "who", "stdout")).toBe("nobody\n");
    m.runTasks("fw", [commandTask("ghost", "true")], { framework: { user: "no-such-user-here", name: "fw" } });
    const failed = await m.waitForUpdate("ghost", "TASK_FAILED");
    expect(failed.status.reason).toBe("REASON_CONTAINER_LAUNCH_FAILED");
    expect(failed.status.message).toContain("no-such-user-here");
  });

  test("--switch_user=false runs tasks as the agent's user", async () => {
    const m = master({ autoAck: true, newAgentId: "agent-V" });
    const workDir = tempDir();
    await agent(m.address, workDir, ["--switch_user=false"]);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("me", "id -u")], { framework: { user: "no-such-user-here", name: "fw" } });
    await m.waitForUpdate("me", "TASK_FINISHED");
    expect(sandboxFile(workDir, "agent-V", "fw", "me", "stdout")).toBe(`${process.getuid?.()}\n`);
  });
});

/** The OOM test needs root and a writable cgroup v1 memory hierarchy; elsewhere it is skipped. */
function cgroupsV1MemoryWritable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    accessSync("/sys/fs/cgroup/memory", constants.W_OK);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "EACCES" || code === "EROFS") return false;
    throw error;
  }
}

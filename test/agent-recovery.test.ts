// The real executable as an agent, SIGKILLed and restarted on the same --work_dir: tasks keep
// running, nothing checkpointed is lost, tasks that ended meanwhile are reported with their real
// exit status, and a --resources that no longer covers the running tasks stops start-up.

import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentArgs, startAgentProcess, startInProcessAgent } from "./helpers/agent-process.ts";
import { cleanupAll, runCluster, tempDir, type RunningCluster } from "./helpers/cluster.ts";
import { commandTask, eventually, ProtocolMaster, type StatusUpdateFrame } from "./helpers/protocol-master.ts";


// Generous: the first test builds the executable, and machines under load are slow.
setDefaultTimeout(60_000);
const masters: ProtocolMaster[] = [];
const taskPids = new Set<number>();

afterEach(async () => {
  for (const m of masters.splice(0)) await m.stop();
});
afterAll(() => {
  // Tasks outlive their agent by design; end the ones these tests started.
  for (const pid of taskPids) killQuietly(pid);
  cleanupAll();
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (error) {
    if ((error as { code?: string }).code !== "ESRCH") throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "ESRCH") return false;
    throw error;
  }
}

function master(options: Parameters<typeof ProtocolMaster.start>[0] = {}): ProtocolMaster {
  const m = ProtocolMaster.start(options);
  masters.push(m);
  return m;
}

function ack(m: ProtocolMaster, frame: StatusUpdateFrame): void {
  m.ack(frame.frameworkId, frame.status.task_id.value, frame.status.uuid!);
}

async function running(m: ProtocolMaster, taskId: string, options: { ack?: boolean } = {}): Promise<StatusUpdateFrame> {
  const starting = await m.waitForUpdate(taskId, "TASK_STARTING");
  ack(m, starting);
  const frame = await m.waitForUpdate(taskId, "TASK_RUNNING");
  const pid = frame.status.container_status?.executor_pid;
  if (pid !== undefined) taskPids.add(pid);
  if (options.ack !== false) ack(m, frame);
  return frame;
}

/**
 * SIGKILLs the agent once it has taken in the acknowledgements sent so far, with `pending`
 * updates left unacknowledged (an ACK still in flight would otherwise die with it, and the
 * update would rightly come again after the restart).
 */
async function sigkill(agent: RunningCluster, pending: number): Promise<void> {
  const url = agent.urls.get("agent");
  await eventually(`${pending} pending update(s)`, async () => {
    const metrics = (await (await fetch(`${url}/metrics/snapshot`)).json()) as Record<string, number>;
    return metrics["slave/status_updates_pending"] === pending;
  });
  await agent.stop("SIGKILL");
}

/** The agent's task journal: task records, pids, status updates and acknowledgements. */
function tasksJournal(workDir: string, agentId: string): string {
  return join(workDir, "meta/slaves", agentId, "tasks.journal");
}

describe("agent restart", () => {
  test("SIGKILL mid-task: same id, tasks still running, pending update re-sent, a task that ended meanwhile reported with its exit status", async () => {
    const m = master({ newAgentId: "agent-R" });
    const workDir = tempDir();
    let agent = await startAgentProcess(m.address, workDir);
    await m.waitForRegister();
    const gate = join(tempDir(), "go");
    m.runTasks("fw", [commandTask("long", "sleep 60"), commandTask("gated", `while [ ! -e ${gate} ]; do sleep 0.05; done; exit 3`)]);
    const longRunning = await running(m, "long", { ack: false });
    const gatedRunning = await running(m, "gated");
    const longPid = longRunning.status.container_status!.executor_pid!;
    const gatedPid = gatedRunning.status.container_status!.executor_pid!;

    await sigkill(agent, 1);
    expect(isAlive(longPid)).toBe(true);
    writeFileSync(gate, "");
    await eventually("the gated task to exit while the agent is down", () => !isAlive(gatedPid));

    const from = m.received.length;
    agent = await startAgentProcess(m.address, workDir);
    const register = await m.waitForRegister({ from });
    expect(register.agentId).toBe("agent-R");
    const reported = Object.fromEntries(register.tasks.map((t) => [t.task.task_id.value, t]));
    expect(reported.long?.state).toBe("TASK_RUNNING");
    expect(reported.long?.pendingUpdates).toBe(1);
    const resent = await m.waitForUpdate("long", "TASK_RUNNING", { from });
    expect(resent.status.uuid).toBe(longRunning.status.uuid);
    // The agent may have died before it recorded the acknowledgement of gated's TASK_RUNNING: then
    // that update comes again first, and TASK_FAILED (in order per task) only once it is acknowledged.
    const firstGated = await m.waitFor(`an update of gated`, (f): f is StatusUpdateFrame => f.type === "STATUS_UPDATE" && f.status.task_id.value === "gated", { from });
    if (firstGated.status.state === "TASK_RUNNING") ack(m, firstGated);
    const failed = await m.waitForUpdate("gated", "TASK_FAILED", { from });
    expect(failed.status.message).toBe("Command exited with status 3");
    expect(isAlive(longPid)).toBe(true);

    // The recovered task is still under the agent's control.
    ack(m, resent);
    m.autoAck = true;
    m.kill("fw", "long");
    await m.waitForUpdate("long", "TASK_KILLING", { from });
    await m.waitForUpdate("long", "TASK_KILLED", { from });
    expect(isAlive(longPid)).toBe(false);
    await agent.stop();
  });

  test("a torn last record in the task journal is cut off and the agent recovers the rest", async () => {
    const m = master({ newAgentId: "agent-T" });
    const workDir = tempDir();
    let agent = await startAgentProcess(m.address, workDir);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("torn", "sleep 60")]);
    const runningFrame = await running(m, "torn", { ack: false });
    await sigkill(agent, 1);
    appendFileSync(tasksJournal(workDir, "agent-T"), '{"type":"UPDATE","frameworkId":"fw","taskId":"torn","status":{"task_id":{"val');
    const from = m.received.length;
    agent = await startAgentProcess(m.address, workDir);
    const resent = await m.waitForUpdate("torn", "TASK_RUNNING", { from });
    expect(resent.status.uuid).toBe(runningFrame.status.uuid);
    const metrics = (await (await fetch(`${agent.urls.get("agent")}/metrics/snapshot`)).json()) as Record<string, number>;
    expect(metrics["slave/recovery_errors"]).toBeGreaterThanOrEqual(1);
    // New updates append cleanly after the cut.
    ack(m, resent);
    m.autoAck = true;
    m.kill("fw", "torn");
    await m.waitForUpdate("torn", "TASK_KILLED", { from });
    await agent.stop();
  });

  test("agent and master fail at once: the new master gets the pending update", async () => {
    const first = master({ newAgentId: "agent-X", epoch: 1 });
    const workDir = tempDir();
    const mastersFile = join(tempDir(), "masters");
    writeFileSync(mastersFile, first.address);
    let agent = await startAgentProcess(`file://${mastersFile}`, workDir);
    await first.waitForRegister();
    first.runTasks("fw", [commandTask("both", "sleep 60")]);
    const runningFrame = await running(first, "both", { ack: false });
    await sigkill(agent, 1);
    await first.stop();
    const second = master({ epoch: 2 });
    writeFileSync(mastersFile, second.address);
    agent = await startAgentProcess(`file://${mastersFile}`, workDir);
    const register = await second.waitForRegister();
    expect(register.agentId).toBe("agent-X");
    expect(register.epoch).toBe(1);
    const resent = await second.waitForUpdate("both", "TASK_RUNNING");
    expect(resent.status.uuid).toBe(runningFrame.status.uuid);
    ack(second, resent);
    second.autoAck = true;
    second.kill("fw", "both");
    await second.waitForUpdate("both", "TASK_KILLED");
    await agent.stop();
  });
});

describe("the task journal", () => {
  test("SIGKILL while many updates are in flight: every update sent before the kill is known after the restart", async () => {
    const m = master({ newAgentId: "agent-J", autoAck: true });
    const workDir = tempDir();
    let agent = await startAgentProcess(m.address, workDir);
    await m.waitForRegister();
    const taskIds: string[] = [];
    for (let batch = 0; batch < 3; batch++) {
      const tasks = Array.from({ length: 40 }, (_, i) => commandTask(`j${batch}-${i}`, "true", "cpus:0.01;mem:1"));
      taskIds.push(...tasks.map((task) => task.task_id.value));
      m.runTasks("fw", tasks);
    }
    await eventually("updates in flight", () => m.updates().length >= 150);
    await agent.stop("SIGKILL");
    const before = new Map<string, string>();
    for (const status of m.updates()) before.set(`${status.task_id.value} ${status.state}`, status.uuid!);

    const from = m.received.length;
    agent = await startAgentProcess(m.address, workDir);
    await m.waitForRegister({ from });
    // Tasks the agent had not launched yet end TASK_FAILED ("the agent stopped before the task started").
    const terminal = (taskId: string) => m.updates(taskId).some((status) => status.state === "TASK_FINISHED" || status.state === "TASK_FAILED");
    await eventually("every task to end", () => taskIds.every(terminal), 30_000);
    // An update the agent sent is in its journal: after the restart it comes again with the same
    // uuid (if its acknowledgement was not journaled) or not at all; never as a new update.
    const after = m.received.slice(from).flatMap((r) => (r.frame.type === "STATUS_UPDATE" ? [r.frame.status] : []));
    const remade = after.filter((status) => {
      const uuid = before.get(`${status.task_id.value} ${status.state}`);
      return uuid !== undefined && uuid !== status.uuid;
    });
    expect(remade.map((status) => `${status.task_id.value} ${status.state}`)).toEqual([]);
    await agent.stop();
  });

  test("compaction keeps live tasks and the history: after many compactions a restart still knows the running task and the finished ones", async () => {
    const m = master({ newAgentId: "agent-S" });
    const workDir = tempDir();
    const compactBytes = 16 * 1024;
    let agent = await startInProcessAgent(m.address, workDir, [], { journalCompactBytesMin: compactBytes });
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("keeper", "sleep 60")]);
    await running(m, "keeper");
    m.autoAck = true;
    for (let batch = 0; batch < 4; batch++) {
      const tasks = Array.from({ length: 25 }, (_, i) => commandTask(`c${batch}-${i}`, "true", "cpus:0.01;mem:1"));
      m.runTasks("fw", tasks);
      for (const task of tasks) await m.waitForUpdate(task.task_id.value, "TASK_FINISHED");
    }
    await eventually("acknowledgements taken in", async () => {
      const metrics = (await (await fetch(`${agent.url}/metrics/snapshot`)).json()) as Record<string, number>;
      return metrics["slave/status_updates_pending"] === 0;
    });
    // Without compaction the journal would start with the keeper's TASK record; a snapshot starts
    // with the finished tasks it keeps for /state.
    const first = JSON.parse(readFileSync(tasksJournal(workDir, "agent-S"), "utf8").split("\n")[0]!) as { type: string; checkpoint: { task: { task_id: { value: string } } } };
    expect(first.type).toBe("TASK");
    expect(first.checkpoint.task.task_id.value).not.toBe("keeper");
    await agent.stop();
    m.autoAck = false;

    const from = m.received.length;
    agent = await startInProcessAgent(m.address, workDir, [], { journalCompactBytesMin: compactBytes });
    const register = await m.waitForRegister({ from });
    expect(register.tasks.map((t) => `${t.task.task_id.value} ${t.state} ${t.pendingUpdates}`)).toEqual(["keeper TASK_RUNNING 0"]);
    const state = (await (await fetch(`${agent.url}/state`)).json()) as { completed_frameworks: unknown[]; frameworks: Array<{ completed_executors: unknown[] }> };
    expect(state.frameworks[0]?.completed_executors.length).toBe(100);
    m.autoAck = true;
    m.kill("fw", "keeper");
    await m.waitForUpdate("keeper", "TASK_KILLED", { from });
    await agent.stop();
  });
});

describe("restart with different --resources", () => {
  test("tasks that no longer fit: start-up fails with one message naming them; tasks that fit: re-registers with the new resources", async () => {
    const m = master({ newAgentId: "agent-C" });
    const workDir = tempDir();
    let agent = await startAgentProcess(m.address, workDir);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("holder", "sleep 60", "cpus:1.5;mem:256")]);
    const runningFrame = await running(m, "holder");
    await sigkill(agent, 0);

    const refused = runCluster(agentArgs(m.address, workDir, ["--resources=cpus:1;mem:512"]));
    expect(refused.code).toBe(1);
    const stderrLines = refused.stderr.trim().split("\n").filter((line) => line.startsWith("cluster:"));
    expect(stderrLines).toHaveLength(1);
    const message = stderrLines[0]!;
    expect(message).toContain("task holder of framework fw holds cpus(*):1.5;mem(*):256");
    expect(message).toContain("missing cpus(*):0.5");
    expect(message).toContain("--resources='cpus(*):2;disk(*):1024;mem(*):512;ports(*):[31000-31009]'");
    expect(message).toContain("fresh --work_dir");
    expect(isAlive(runningFrame.status.container_status!.executor_pid!)).toBe(true);

    const from = m.received.length;
    agent = await startAgentProcess(m.address, workDir, ["--resources=cpus:1.5;mem:300"]);
    const register = await m.waitForRegister({ from });
    expect(register.agentId).toBe("agent-C");
    expect(register.agent.resources.find((r) => r.name === "cpus")?.scalar?.value).toBe(1.5);
    expect(register.tasks.map((t) => t.task.task_id.value)).toEqual(["holder"]);
    m.autoAck = true;
    m.kill("fw", "holder");
    await m.waitForUpdate("holder", "TASK_KILLED", { from });
    await agent.stop();
  });

  test("--recover=cleanup kills what survived the previous run and exits", async () => {
    const m = master({ newAgentId: "agent-K", autoAck: true });
    const workDir = tempDir();
    const agent = await startAgentProcess(m.address, workDir);
    await m.waitForRegister();
    m.runTasks("fw", [commandTask("leftover", "sleep 60")]);
    const pid = (await m.waitForUpdate("leftover", "TASK_RUNNING")).status.container_status!.executor_pid!;
    taskPids.add(pid);
    await sigkill(agent, 0);
    const result = runCluster(agentArgs(m.address, workDir, ["--recover=cleanup"]));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("killed 1 task(s)");
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(workDir)).toBe(true);
  });
});

describe("operator action needed", () => {
  test("REFUSED by the master: the message on stderr and exit status 1", async () => {
    const m = master({ refuse: "this agent's id was removed; start it with a fresh --work_dir" });
    const agent = await startAgentProcess(m.address, tempDir());
    const { code } = await agent.exited;
    expect(code).toBe(1);
    expect(agent.stderr()).toContain("cluster: the master refused this agent: this agent's id was removed; start it with a fresh --work_dir");
  });
});

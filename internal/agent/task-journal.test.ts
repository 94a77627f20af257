import { expect, test } from "bun:test";
import type { TaskState, TaskStatus } from "../wire/index.ts";
import type { CompletedTask, TaskCheckpoint } from "./model.ts";
import { replayTaskJournal, snapshotRecords, type TaskJournalRecord } from "./task-journal.ts";
import { UpdateStream } from "./update-stream.ts";

function checkpoint(taskId: string, runId = `run-${taskId}`): TaskCheckpoint {
  return {
    frameworkId: "fw",
    executorId: taskId,
    runId,
    containerId: runId,
    sandboxDir: `/s/${runId}`,
    runSandboxDir: `/s/${runId}`,
    task: { name: taskId, task_id: { value: taskId }, agent_id: { value: "a" }, resources: [] },
    limits: { cpus: 0.1, memoryBytes: 1 },
    launched: true,
    createdAtMs: 1,
  };
}

function status(taskId: string, state: TaskState, uuid: string): TaskStatus {
  return { task_id: { value: taskId }, state, uuid, timestamp: 1 };
}

const ids = (taskId: string) => ({ frameworkId: "fw", taskId });

test("replay: tasks with their pids, pending updates and acknowledgements, in creation order", () => {
  const records: TaskJournalRecord[] = [
    { type: "TASK", checkpoint: checkpoint("a") },
    { type: "TASK", checkpoint: checkpoint("b") },
    { type: "UPDATE", ...ids("a"), status: status("a", "TASK_STARTING", "a1") },
    { type: "PID", ...ids("a"), pid: 42 },
    { type: "UPDATE", ...ids("a"), status: status("a", "TASK_RUNNING", "a2") },
    { type: "ACK", ...ids("a"), uuid: "a1" },
    { type: "UPDATE", ...ids("b"), status: status("b", "TASK_STARTING", "b1") },
  ];
  const { tasks, problems } = replayTaskJournal(records);
  expect(problems).toEqual([]);
  expect(tasks.map((t) => t.checkpoint.task.task_id.value)).toEqual(["a", "b"]);
  expect(tasks[0]!.pid).toBe(42);
  expect(tasks[0]!.stream.pendingUpdates().map((s) => s.uuid)).toEqual(["a2"]);
  expect(tasks[0]!.stream.lastAcked()?.uuid).toBe("a1");
  expect(tasks[1]!.stream.head()?.uuid).toBe("b1");
});

test("replay: a task id used again after its task completed starts a new task; records that make no sense are problems", () => {
  const records: unknown[] = [
    { type: "TASK", checkpoint: checkpoint("a", "r1") },
    { type: "UPDATE", ...ids("a"), status: status("a", "TASK_FINISHED", "f1") },
    { type: "ACK", ...ids("a"), uuid: "f1" },
    { type: "TASK", checkpoint: checkpoint("a", "r2") },
    { type: "UPDATE", ...ids("a"), status: status("a", "TASK_STARTING", "s2") },
    { type: "TASK", checkpoint: checkpoint("a", "r3") },
    { type: "UPDATE", ...ids("ghost"), status: status("ghost", "TASK_RUNNING", "g") },
    { type: "PID", ...ids("a"), pid: -1 },
    { type: "TASK" },
    "junk",
  ];
  const { tasks, problems } = replayTaskJournal(records);
  expect(tasks.map((t) => [t.checkpoint.runId, t.stream.isFinished()])).toEqual([
    ["r1", true],
    ["r2", false],
  ]);
  expect(problems).toEqual([
    "record 6: TASK record for fw/a, which is already live",
    "record 7: UPDATE record for unknown task fw/ghost",
    "record 8: PID record holding -1",
    "record 9: TASK record without a usable checkpoint",
    "record 10: not a record",
  ]);
});

test("a snapshot replays to the same state: history, acknowledged past, pending updates, pids", () => {
  const live = new UpdateStream();
  for (const s of [status("b", "TASK_STARTING", "b1"), status("b", "TASK_RUNNING", "b2"), status("b", "TASK_FINISHED", "b3")]) live.append(s);
  live.ack("b1");
  const quiet = new UpdateStream();
  quiet.append(status("c", "TASK_RUNNING", "c1"));
  quiet.ack("c1");
  const done: CompletedTask = {
    frameworkId: "fw",
    executorId: "a",
    checkpoint: checkpoint("a"),
    state: "TASK_FINISHED",
    statuses: [status("a", "TASK_RUNNING", "a1"), status("a", "TASK_FINISHED", "a2")],
    resources: undefined as never,
  };
  const records = [
    ...snapshotRecords(
      [done],
      [
        { checkpoint: checkpoint("b"), pid: 7, startTicks: 99, stream: live },
        { checkpoint: checkpoint("c"), stream: quiet },
        { checkpoint: checkpoint("d"), latest: status("d", "TASK_KILLED", "d1") },
      ],
    ),
  ];
  const { tasks, problems } = replayTaskJournal(records);
  expect(problems).toEqual([]);
  const byId = new Map(tasks.map((t) => [t.checkpoint.task.task_id.value, t]));
  expect(byId.get("a")!.stream.isFinished()).toBe(true);
  expect(byId.get("a")!.stream.latest()?.state).toBe("TASK_FINISHED");
  expect(byId.get("b")!.pid).toBe(7);
  expect(byId.get("b")!.startTicks).toBe(99);
  expect(byId.get("b")!.stream.pendingUpdates().map((s) => s.uuid)).toEqual(["b2", "b3"]);
  expect(byId.get("c")!.stream.pendingCount()).toBe(0);
  expect(byId.get("c")!.stream.latest()?.state).toBe("TASK_RUNNING");
  expect(byId.get("d")!.stream.isTerminated()).toBe(true);
});

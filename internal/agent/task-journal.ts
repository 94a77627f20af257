// What the agent's task journal holds (meta/slaves/<agent_id>/tasks.journal), how it is replayed
// after a restart, and the snapshot compaction writes. Pure: journal.ts does the file.
//
//   {"type":"TASK","checkpoint":{...}}                                  before the task is launched
//   {"type":"PID","frameworkId":..,"taskId":..,"pid":N,"startTicks":T}   once the process exists
//   {"type":"UPDATE","frameworkId":..,"taskId":..,"status":{...}}        before the update is sent
//   {"type":"ACK","frameworkId":..,"taskId":..,"uuid":..}                before the next one is sent
//
// A task id may come back after its earlier task completed (terminal update acknowledged): a new
// TASK record then starts a new task, and the earlier one is history.

import type { TaskStatus } from "../wire/index.ts";
import { taskKey, type CompletedTask, type TaskCheckpoint } from "./model.ts";
import { UpdateStream } from "./update-stream.ts";

export type TaskJournalRecord =
  | { type: "TASK"; checkpoint: TaskCheckpoint }
  | { type: "PID"; frameworkId: string; taskId: string; pid: number; startTicks?: number }
  | { type: "UPDATE"; frameworkId: string; taskId: string; status: TaskStatus }
  | { type: "ACK"; frameworkId: string; taskId: string; uuid: string };

export interface ReplayedTask {
  checkpoint: TaskCheckpoint;
  stream: UpdateStream;
  pid?: number;
  /** The process's start time in clock ticks: with the pid, its identity against pid reuse. */
  startTicks?: number;
}

/** Rebuilds the tasks from journal records, in the order they were created. */
export function replayTaskJournal(records: readonly unknown[]): { tasks: ReplayedTask[]; problems: string[] } {
  const tasks: ReplayedTask[] = [];
  const problems: string[] = [];
  const byKey = new Map<string, ReplayedTask>();
  for (const [index, record] of records.entries()) {
    const problem = replayOne(record, byKey, tasks);
    if (problem !== undefined) problems.push(`record ${index + 1}: ${problem}`);
  }
  return { tasks, problems };
}

function replayOne(record: unknown, byKey: Map<string, ReplayedTask>, tasks: ReplayedTask[]): string | undefined {
  if (typeof record !== "object" || record === null) return "not a record";
  const r = record as { type?: unknown; frameworkId?: unknown; taskId?: unknown; checkpoint?: unknown; pid?: unknown; startTicks?: unknown };
  if (r.type === "TASK") {
    const checkpoint = r.checkpoint as TaskCheckpoint | undefined;
    if (!isCheckpoint(checkpoint)) return "TASK record without a usable checkpoint";
    const key = taskKey(checkpoint.frameworkId, checkpoint.task.task_id.value);
    const previous = byKey.get(key);
    if (previous !== undefined && !previous.stream.isFinished()) return `TASK record for ${key}, which is already live`;
    const task: ReplayedTask = { checkpoint, stream: new UpdateStream() };
    byKey.set(key, task);
    tasks.push(task);
    return undefined;
  }
  if (typeof r.frameworkId !== "string" || typeof r.taskId !== "string") return `${String(r.type)} record without task ids`;
  const task = byKey.get(taskKey(r.frameworkId, r.taskId));
  if (task === undefined) return `${String(r.type)} record for unknown task ${r.frameworkId}/${r.taskId}`;
  if (r.type === "PID") {
    if (typeof r.pid !== "number" || !Number.isSafeInteger(r.pid) || r.pid <= 0) return `PID record holding ${String(r.pid)}`;
    task.pid = r.pid;
    if (typeof r.startTicks === "number" && Number.isSafeInteger(r.startTicks)) task.startTicks = r.startTicks;
    else delete task.startTicks;
    return undefined;
  }
  return task.stream.replayRecord(record);
}

function isCheckpoint(value: TaskCheckpoint | undefined): value is TaskCheckpoint {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof value.frameworkId === "string" &&
    typeof value.containerId === "string" &&
    typeof value.task?.task_id?.value === "string"
  );
}

/** A task as compaction sees it: its update stream, or (framework being removed) its last status. */
export interface LiveTaskView {
  checkpoint: TaskCheckpoint;
  pid?: number;
  startTicks?: number;
  stream?: UpdateStream;
  latest?: TaskStatus;
}

/**
 * The records that rebuild the same state: completed tasks (the history /state shows) as TASK,
 * terminal UPDATE and its ACK, then each live task with its newest acknowledged update and every
 * pending one.
 */
export function* snapshotRecords(completed: Iterable<CompletedTask>, live: Iterable<LiveTaskView>): Generator<TaskJournalRecord> {
  for (const task of completed) {
    const latest = task.statuses.at(-1);
    if (latest?.uuid === undefined) continue;
    const ids = idsOf(task.checkpoint);
    yield { type: "TASK", checkpoint: task.checkpoint };
    yield { type: "UPDATE", ...ids, status: latest };
    yield { type: "ACK", ...ids, uuid: latest.uuid };
  }
  for (const task of live) {
    const ids = idsOf(task.checkpoint);
    yield { type: "TASK", checkpoint: task.checkpoint };
    if (task.pid !== undefined) yield { type: "PID", ...ids, pid: task.pid, ...(task.startTicks === undefined ? {} : { startTicks: task.startTicks }) };
    if (task.stream === undefined) {
      if (task.latest !== undefined) yield { type: "UPDATE", ...ids, status: task.latest };
      continue;
    }
    const acked = task.stream.lastAcked();
    if (acked?.uuid !== undefined) {
      yield { type: "UPDATE", ...ids, status: acked };
      yield { type: "ACK", ...ids, uuid: acked.uuid };
    }
    for (const status of task.stream.pendingUpdates()) yield { type: "UPDATE", ...ids, status };
  }
}

function idsOf(checkpoint: TaskCheckpoint): { frameworkId: string; taskId: string } {
  return { frameworkId: checkpoint.frameworkId, taskId: checkpoint.task.task_id.value };
}

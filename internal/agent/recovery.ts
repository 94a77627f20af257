// Reading the agent's checkpoints back after a restart: its id, the epoch it obeyed, its
// frameworks, and every task with its status update stream from the task journal. Tolerates what
// a crash can leave behind (a torn last line) and reports the rest as problems. Per-task files of
// the layout before the journal are read too; the agent moves them into the journal.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { FrameworkInfo } from "../wire/index.ts";
import { isDirectory, isNotFound, readJsonFile, readRecords, readSymlink } from "./checkpoint-io.ts";
import { taskKey, type AgentInfoCheckpoint, type TaskCheckpoint } from "./model.ts";
import {
  agentInfoPath,
  epochPath,
  frameworkInfoPath,
  frameworkRemovedPath,
  frameworksMetaDir,
  latestAgentLink,
  taskInfoPath,
  taskPidPath,
  tasksJournalPath,
  taskUpdatesPath,
} from "./paths.ts";
import { replayTaskJournal } from "./task-journal.ts";
import { UpdateStream } from "./update-stream.ts";

export interface RecoveredTask {
  checkpoint: TaskCheckpoint;
  stream: UpdateStream;
  pid?: number;
  startTicks?: number;
}

export interface RecoveredFramework {
  id: string;
  info: FrameworkInfo;
  removed: boolean;
}

export interface RecoveredState {
  agentId?: string;
  agentInfo?: AgentInfoCheckpoint;
  epoch: number;
  frameworks: RecoveredFramework[];
  tasks: RecoveredTask[];
  /** `executors/<ex>/runs` directories of the per-task layout, to remove once the journal holds them. */
  legacyRunDirs: string[];
  /** Things that were wrong but did not stop recovery; counted in slave/recovery_errors. */
  problems: string[];
}

export function recoverState(workDir: string, logger: Logger): RecoveredState {
  const state: RecoveredState = { epoch: readEpoch(workDir), frameworks: [], tasks: [], legacyRunDirs: [], problems: [] };
  const agentId = readSymlink(latestAgentLink(workDir));
  if (agentId === undefined) return state;
  state.agentId = agentId;
  const info = readJsonFile(agentInfoPath(workDir, agentId)) as AgentInfoCheckpoint | undefined;
  if (info !== undefined) state.agentInfo = info;
  const frameworksDir = frameworksMetaDir(workDir, agentId);
  for (const frameworkId of listDir(frameworksDir)) {
    const framework = recoverFramework(workDir, agentId, frameworkId, state);
    if (framework === undefined) continue;
    state.frameworks.push(framework);
    for (const taskDir of legacyTaskDirs(join(frameworksDir, frameworkId), state)) {
      const task = recoverLegacyTask(taskDir, state);
      if (task !== undefined) state.tasks.push(task);
    }
  }
  recoverJournal(tasksJournalPath(workDir, agentId), state, logger);
  for (const problem of state.problems) logger.warn({ work_dir: workDir, problem }, "recovery problem");
  return state;
}

/** Tasks from the journal, of the frameworks recovered (a removed framework's records may linger until compaction). */
function recoverJournal(path: string, state: RecoveredState, logger: Logger): void {
  const read = readRecords(path);
  if (read.tornTail !== undefined) state.problems.push(`${path}: cut a torn last record (${read.tornTail.bytes} bytes, ${read.tornTail.problem})`);
  if (read.corruptLines.length > 0) state.problems.push(`${path}: skipped corrupt lines ${read.corruptLines.join(", ")}`);
  const { tasks, problems } = replayTaskJournal(read.records);
  for (const problem of problems) state.problems.push(`${path}: ${problem}`);
  const frameworks = new Set(state.frameworks.map((framework) => framework.id));
  const journaled = tasks.filter((task) => frameworks.has(task.checkpoint.frameworkId));
  const dropped = tasks.length - journaled.length;
  if (dropped > 0) logger.info({ journal: path, tasks: dropped }, "journaled tasks of removed frameworks skipped");
  // A task both in the old per-task files and in the journal was moved already; the journal is newer.
  const inJournal = new Set(journaled.map(keyOf));
  state.tasks = [...state.tasks.filter((task) => !inJournal.has(keyOf(task))), ...journaled];
}

function keyOf(task: RecoveredTask): string {
  return taskKey(task.checkpoint.frameworkId, task.checkpoint.task.task_id.value);
}

function readEpoch(workDir: string): number {
  let text: string;
  try {
    text = readFileSync(epochPath(workDir), "utf8");
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
  const epoch = Number(text.trim());
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new Error(`${epochPath(workDir)} holds '${text.trim()}', not an epoch`);
  return epoch;
}

function recoverFramework(workDir: string, agentId: string, frameworkId: string, state: RecoveredState): RecoveredFramework | undefined {
  try {
    const info = readJsonFile(frameworkInfoPath(workDir, agentId, frameworkId)) as FrameworkInfo | undefined;
    if (info === undefined) {
      state.problems.push(`framework ${frameworkId} has no framework.info`);
      return undefined;
    }
    const removed = readJsonFile(frameworkRemovedPath(workDir, agentId, frameworkId)) !== undefined;
    return { id: frameworkId, info, removed };
  } catch (error) {
    state.problems.push(`framework ${frameworkId}: ${(error as Error).message}`);
    return undefined;
  }
}

/** executors/<ex>/runs/<run>/tasks/<task> directories of the per-task layout under one framework. */
function legacyTaskDirs(frameworkDir: string, state: RecoveredState): string[] {
  const out: string[] = [];
  const executorsDir = join(frameworkDir, "executors");
  for (const executorId of listDir(executorsDir)) {
    const runsDir = join(executorsDir, executorId, "runs");
    const runIds = listDir(runsDir);
    if (runIds.length > 0) state.legacyRunDirs.push(runsDir);
    for (const runId of runIds) {
      if (runId === "latest") continue;
      const tasksDir = join(runsDir, runId, "tasks");
      for (const taskId of listDir(tasksDir)) out.push(join(tasksDir, taskId));
    }
  }
  return out;
}

function recoverLegacyTask(taskDir: string, state: RecoveredState): RecoveredTask | undefined {
  let checkpoint: TaskCheckpoint | undefined;
  try {
    checkpoint = readJsonFile(taskInfoPath(taskDir)) as TaskCheckpoint | undefined;
  } catch (error) {
    state.problems.push(`${taskInfoPath(taskDir)}: ${(error as Error).message}`);
    return undefined;
  }
  // task.info was written before anything else of a task, atomically; a directory without it is
  // one the agent died creating, and holds nothing to recover.
  if (checkpoint === undefined) return undefined;
  const read = readRecords(taskUpdatesPath(taskDir));
  if (read.tornTail !== undefined) {
    state.problems.push(`${taskUpdatesPath(taskDir)}: cut a torn last record (${read.tornTail.bytes} bytes, ${read.tornTail.problem})`);
  }
  if (read.corruptLines.length > 0) {
    state.problems.push(`${taskUpdatesPath(taskDir)}: skipped corrupt lines ${read.corruptLines.join(", ")}`);
  }
  const { stream, problems } = UpdateStream.replay(read.records);
  for (const problem of problems) state.problems.push(`${taskUpdatesPath(taskDir)}: ${problem}`);
  const task: RecoveredTask = { checkpoint, stream };
  const pid = readPid(taskDir, state);
  if (pid !== undefined) task.pid = pid;
  return task;
}

function readPid(taskDir: string, state: RecoveredState): number | undefined {
  let text: string;
  try {
    text = readFileSync(taskPidPath(taskDir), "utf8");
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  if (Number.isSafeInteger(pid) && pid > 0) return pid;
  state.problems.push(`${taskPidPath(taskDir)} holds '${text.trim()}', not a pid`);
  return undefined;
}

function listDir(dir: string): string[] {
  if (!isDirectory(dir)) return [];
  return readdirSync(dir).filter((name) => !name.startsWith(".")).sort();
}

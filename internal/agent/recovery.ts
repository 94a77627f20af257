// Reading the agent's checkpoints back after a restart: its id, the epoch it obeyed, its
// frameworks, and every task with its status update stream. Tolerates what a crash can leave
// behind (a torn last line, a run directory without task.info) and reports the rest as problems.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { FrameworkInfo } from "../wire/index.ts";
import { isDirectory, isNotFound, readJsonFile, readRecords, readSymlink } from "./checkpoint-io.ts";
import type { AgentInfoCheckpoint, TaskCheckpoint } from "./model.ts";
import {
  agentInfoPath,
  epochPath,
  frameworkInfoPath,
  frameworkRemovedPath,
  frameworksMetaDir,
  latestAgentLink,
  taskInfoPath,
  taskPidPath,
  taskUpdatesPath,
} from "./paths.ts";
import { UpdateStream } from "./update-stream.ts";

export interface RecoveredTask {
  checkpoint: TaskCheckpoint;
  metaDir: string;
  stream: UpdateStream;
  pid?: number;
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
  /** Things that were wrong but did not stop recovery; counted in slave/recovery_errors. */
  problems: string[];
}

export function recoverState(workDir: string, logger: Logger): RecoveredState {
  const state: RecoveredState = { epoch: readEpoch(workDir), frameworks: [], tasks: [], problems: [] };
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
    for (const taskDir of taskDirs(join(frameworksDir, frameworkId))) {
      const task = recoverTask(taskDir, state);
      if (task !== undefined) state.tasks.push(task);
    }
  }
  for (const problem of state.problems) logger.warn({ work_dir: workDir, problem }, "recovery problem");
  return state;
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

/** executors/<ex>/runs/<run>/tasks/<task> directories under one framework's meta directory. */
function taskDirs(frameworkDir: string): string[] {
  const out: string[] = [];
  const executorsDir = join(frameworkDir, "executors");
  for (const executorId of listDir(executorsDir)) {
    const runsDir = join(executorsDir, executorId, "runs");
    for (const runId of listDir(runsDir)) {
      if (runId === "latest") continue;
      const tasksDir = join(runsDir, runId, "tasks");
      for (const taskId of listDir(tasksDir)) out.push(join(tasksDir, taskId));
    }
  }
  return out;
}

function recoverTask(taskDir: string, state: RecoveredState): RecoveredTask | undefined {
  let checkpoint: TaskCheckpoint | undefined;
  try {
    checkpoint = readJsonFile(taskInfoPath(taskDir)) as TaskCheckpoint | undefined;
  } catch (error) {
    state.problems.push(`${taskInfoPath(taskDir)}: ${(error as Error).message}`);
    return undefined;
  }
  // The agent writes task.info before anything else of a task, atomically; a directory without
  // it is one the agent died creating, and holds nothing to recover.
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
  const task: RecoveredTask = { checkpoint, metaDir: taskDir, stream };
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

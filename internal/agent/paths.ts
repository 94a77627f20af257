// Where the agent keeps things in --work_dir, in Mesos's layout (src/slave/paths.hpp):
//
//   <work_dir>/slaves/<agent_id>/frameworks/<fw>/executors/<ex>/runs/<container>/   the sandbox
//   <work_dir>/slaves/<agent_id>/frameworks/<fw>/executors/<ex>/runs/latest          symlink
//   <work_dir>/meta/slaves/latest                                                    symlink to <agent_id>
//   <work_dir>/meta/slaves/<agent_id>/slave.info                                     AgentInfoCheckpoint
//   <work_dir>/meta/master.epoch                                                     highest epoch obeyed
//   <work_dir>/meta/slaves/<agent_id>/frameworks/<fw>/framework.info                 FrameworkInfo
//   <work_dir>/meta/slaves/<agent_id>/frameworks/<fw>/framework.removed              after SHUTDOWN_FRAMEWORK
//   <work_dir>/meta/slaves/<agent_id>/frameworks/<fw>/executors/<ex>/executor.info   ExecutorInfo
//   <work_dir>/meta/slaves/<agent_id>/tasks.journal                                  task records, pids,
//       status updates and acknowledgements of every task, one JSON line each (task-journal.ts)
//
// Before the journal, each task had its own files under
// <work_dir>/meta/slaves/<agent_id>/frameworks/<fw>/executors/<ex>/runs/<container>/tasks/<task>/
// (task.info, task.updates, forked.pid); recovery still reads them and moves them into the journal.
//
// Tasks of a LAUNCH_GROUP share one executor run: their sandboxes are
// <run sandbox>/tasks/<task_id>/, as under Mesos's default executor.

import { join } from "node:path";
import { idCharsMax } from "./limits.ts";

export interface RunKey {
  agentId: string;
  frameworkId: string;
  executorId: string;
  /** The executor run's container id (for command tasks, the task's own container). */
  runId: string;
}

export const latestLink = "latest";

export function metaDir(workDir: string): string {
  return join(workDir, "meta");
}

export function metaAgentsDir(workDir: string): string {
  return join(metaDir(workDir), "slaves");
}

export function latestAgentLink(workDir: string): string {
  return join(metaAgentsDir(workDir), latestLink);
}

export function epochPath(workDir: string): string {
  return join(metaDir(workDir), "master.epoch");
}

export function agentMetaDir(workDir: string, agentId: string): string {
  return join(metaAgentsDir(workDir), agentId);
}

export function agentInfoPath(workDir: string, agentId: string): string {
  return join(agentMetaDir(workDir, agentId), "slave.info");
}

export function frameworksMetaDir(workDir: string, agentId: string): string {
  return join(agentMetaDir(workDir, agentId), "frameworks");
}

export function frameworkMetaDir(workDir: string, agentId: string, frameworkId: string): string {
  return join(frameworksMetaDir(workDir, agentId), frameworkId);
}

export function frameworkInfoPath(workDir: string, agentId: string, frameworkId: string): string {
  return join(frameworkMetaDir(workDir, agentId, frameworkId), "framework.info");
}

export function frameworkRemovedPath(workDir: string, agentId: string, frameworkId: string): string {
  return join(frameworkMetaDir(workDir, agentId, frameworkId), "framework.removed");
}

export function executorMetaDir(workDir: string, key: Omit<RunKey, "runId">): string {
  return join(frameworkMetaDir(workDir, key.agentId, key.frameworkId), "executors", key.executorId);
}

export function executorInfoPath(workDir: string, key: Omit<RunKey, "runId">): string {
  return join(executorMetaDir(workDir, key), "executor.info");
}

export function tasksJournalPath(workDir: string, agentId: string): string {
  return join(agentMetaDir(workDir, agentId), "tasks.journal");
}

/** Where the per-task files of the layout before the journal live (read once, then removed). */
export function executorRunsMetaDir(workDir: string, key: Omit<RunKey, "runId">): string {
  return join(executorMetaDir(workDir, key), "runs");
}

export function runMetaDir(workDir: string, key: RunKey): string {
  return join(executorMetaDir(workDir, key), "runs", key.runId);
}

export function taskMetaDir(workDir: string, key: RunKey, taskId: string): string {
  return join(runMetaDir(workDir, key), "tasks", taskId);
}

export function taskInfoPath(taskDir: string): string {
  return join(taskDir, "task.info");
}

export function taskUpdatesPath(taskDir: string): string {
  return join(taskDir, "task.updates");
}

export function taskPidPath(taskDir: string): string {
  return join(taskDir, "forked.pid");
}

export function agentSandboxRoot(workDir: string, agentId: string): string {
  return join(workDir, "slaves", agentId);
}

export function executorSandboxDir(workDir: string, key: Omit<RunKey, "runId">): string {
  return join(agentSandboxRoot(workDir, key.agentId), "frameworks", key.frameworkId, "executors", key.executorId);
}

export function runSandboxDir(workDir: string, key: RunKey): string {
  return join(executorSandboxDir(workDir, key), "runs", key.runId);
}

/** A task's own sandbox inside a LAUNCH_GROUP executor run. */
export function groupTaskSandboxDir(runSandbox: string, taskId: string): string {
  return join(runSandbox, "tasks", taskId);
}

/**
 * Why an id cannot be a directory name, or undefined when it can. Mesos refuses empty ids,
 * `.`/`..`, slashes, control characters and very long ones (common/validation.cpp); the
 * containerizer also refuses whitespace, so we do too, before anything is launched.
 */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return "is empty";
  if (id.length > idCharsMax) return `is longer than ${idCharsMax} characters`;
  if (id === "." || id === "..") return `'${id}' is not allowed`;
  if (id.includes("/") || id.includes("\\")) return "contains a slash";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) return "contains a control character";
  if (/\s/.test(id)) return "contains whitespace";
  return undefined;
}

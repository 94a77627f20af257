// Turning recovered checkpoints back into live tasks: which phase each task is in, whether they
// still fit the advertised resources, and, once the containerizer has re-attached, finishing
// what the previous run of the agent left half done.

import type { Logger } from "pino";
import { Resources } from "../resources/index.ts";
import type { Containerizer, KnownContainer } from "./containerizer/types.ts";
import type { TaskPhase, TaskRecord } from "./model.ts";
import { taskKey } from "./model.ts";
import type { RecoveredState, RecoveredTask } from "./recovery.ts";
import { taskResources } from "./resource-fit.ts";
import { resourcesConflict } from "./resources-check.ts";
import type { StatusUpdateManager } from "./status-update-manager.ts";
import { droppedState, type KillIntent } from "./task-status.ts";
import type { TaskManager } from "./task-manager.ts";

/** Adopts frameworks and tasks; returns the operator message when the tasks no longer fit. */
export function adoptRecoveredTasks(
  state: RecoveredState,
  tasks: TaskManager,
  updates: StatusUpdateManager,
  options: { total: Resources; workDir: string },
): string | undefined {
  if (state.agentId === undefined) return undefined;
  for (const framework of state.frameworks) {
    tasks.adoptFramework({ id: framework.id, agentId: state.agentId, info: framework.info, removing: framework.removed });
  }
  for (const recovered of state.tasks) {
    const record = toRecord(recovered);
    if (recovered.stream.isFinished()) {
      const { checkpoint } = recovered;
      tasks.adoptCompleted({ frameworkId: checkpoint.frameworkId, executorId: checkpoint.executorId, checkpoint, state: record.state, statuses: record.statuses, resources: record.resources });
      continue;
    }
    if (!tasks.isRemoving(record.frameworkId)) {
      updates.add(record.key, record.frameworkId, record.taskId, recovered.stream);
    }
    tasks.adoptTask(record);
  }
  tasks.reassertCompletedGc();
  const held = [...tasks.tasks.values()]
    .filter((record) => record.phase !== "terminated")
    .map((record) => ({ frameworkId: record.frameworkId, taskId: record.taskId, resources: record.resources }));
  return resourcesConflict({ total: options.total, held, previous: state.agentInfo?.resources, workDir: options.workDir });
}

function toRecord(recovered: RecoveredTask): TaskRecord {
  const { checkpoint, stream } = recovered;
  const latest = stream.latest();
  const resources = taskResources(checkpoint.task.resources ?? []);
  const record: TaskRecord = {
    key: taskKey(checkpoint.frameworkId, checkpoint.task.task_id.value),
    frameworkId: checkpoint.frameworkId,
    taskId: checkpoint.task.task_id.value,
    checkpoint,
    resources: "problem" in resources || !checkpoint.launched ? Resources.EMPTY : resources,
    phase: phaseOf(recovered),
    state: latest?.state ?? "TASK_STAGING",
    statuses: latest === undefined ? [] : [latest],
  };
  if (recovered.pid !== undefined) record.pid = recovered.pid;
  if (recovered.startTicks !== undefined) record.startTicks = recovered.startTicks;
  if (latest?.state === "TASK_KILLING") record.kill = killIntentOf(latest.reason, latest.message);
  if (latest?.healthy !== undefined) record.healthy = latest.healthy;
  return record;
}

function phaseOf(recovered: RecoveredTask): TaskPhase {
  if (recovered.stream.isTerminated()) return "terminated";
  if (recovered.stream.latest()?.state === "TASK_KILLING") return "killing";
  return "running";
}

/** The kill in progress when the agent stopped, as its TASK_KILLING update recorded it. */
function killIntentOf(reason: string | undefined, message: string | undefined): KillIntent {
  const intent: KillIntent = { byHealthCheck: false };
  if (reason !== undefined) intent.reason = reason;
  if (message !== undefined) intent.message = message;
  return intent;
}

/**
 * After the checkpoints: re-attach the containers, then finish what the previous run left half
 * done (kills in progress, launches that never got an answer, removed frameworks).
 */
export async function finishRecovery(tasks: TaskManager, containerizer: Containerizer, logger: Logger): Promise<void> {
  const known: KnownContainer[] = [];
  // Taken before recover(), which may end more of them with fresh terminations.
  const before = [...tasks.tasks.values()];
  for (const record of before) {
    if (record.phase === "terminated" || !record.checkpoint.launched) continue;
    const container: KnownContainer = {
      containerId: record.checkpoint.containerId,
      sandboxDir: record.checkpoint.sandboxDir,
      limits: record.checkpoint.limits,
    };
    if (record.pid !== undefined) container.pid = record.pid;
    if (record.startTicks !== undefined) container.startTicks = record.startTicks;
    if (record.checkpoint.task.health_check !== undefined) container.healthCheck = record.checkpoint.task.health_check;
    known.push(container);
  }
  await containerizer.recover(known);
  logger.info({ containers: known.length }, "containers recovered");
  const terminatedBefore = new Set(before.filter((record) => record.phase === "terminated"));
  for (const record of before) {
    if (terminatedBefore.has(record)) {
      cleanupLeftover(record, containerizer, logger);
    } else if (record.phase !== "terminated") {
      await finishTask(record, tasks, containerizer, logger);
    }
  }
  for (const framework of [...tasks.frameworks.values()]) {
    if (!framework.removing) continue;
    for (const record of tasks.tasks.values()) {
      if (record.frameworkId === framework.id && record.phase !== "terminated" && record.kill === undefined) {
        tasks.kill(framework.id, record.taskId, { byHealthCheck: false }, undefined);
      }
    }
    tasks.maybeFinishRemoval(framework.id);
  }
}

/** Terminated before the restart, but perhaps not cleaned up (cgroups) before the agent died. */
function cleanupLeftover(record: TaskRecord, containerizer: Containerizer, logger: Logger): void {
  if (!record.checkpoint.launched) return;
  containerizer.cleanup(record.checkpoint.containerId).catch((error: unknown) => {
    logger.warn({ framework_id: record.frameworkId, task_id: record.taskId, err: error }, "container cleanup failed");
  });
}

async function finishTask(record: TaskRecord, tasks: TaskManager, containerizer: Containerizer, logger: Logger): Promise<void> {
  const fields = { framework_id: record.frameworkId, task_id: record.taskId };
  if (!record.checkpoint.launched && record.phase !== "terminated") {
    // The agent died between checkpointing a refused task and checkpointing its refusal.
    record.phase = "terminated";
    const framework = tasks.frameworks.get(record.frameworkId);
    const state = framework === undefined ? "TASK_LOST" : droppedState(framework.info);
    tasks.emit(record, { state, source: "SOURCE_AGENT", reason: "REASON_AGENT_RESTARTED", message: "The agent restarted before launching the task" });
    return;
  }
  if (record.phase === "killing") {
    logger.info(fields, "resuming the kill in progress before the restart");
    tasks.startKill(record);
    return;
  }
  if (record.state === "TASK_STARTING" || record.state === "TASK_STAGING") {
    // The agent died before it journaled TASK_RUNNING (or, waiting for a launch slot, even
    // TASK_STARTING); if the containerizer found the process (it keeps its own record of
    // launches), the task did start.
    const alive = record.pid !== undefined || (await containerizer.usage(record.checkpoint.containerId)) !== undefined;
    if (alive && record.phase === "running") tasks.emit(record, { state: "TASK_RUNNING", source: "SOURCE_EXECUTOR" });
  }
}

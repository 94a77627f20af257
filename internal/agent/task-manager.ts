// The agent's tasks from RUN_TASKS to the acknowledgement of their terminal update: checkpoint,
// sandbox, launch, kill with grace, terminations, health, and the status updates each step makes.
// The agent plays Mesos's command executor here; there is no separate executor process.

import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { Resources } from "../resources/index.ts";
import type { Clock, IdGenerator } from "../runtime/index.ts";
import { isTerminalState, type FrameworkInfo, type KillPolicy, type TaskInfo, type TaskStatus } from "../wire/index.ts";
import { replaceSymlink, writeJsonAtomic } from "./checkpoint-io.ts";
import type { Containerizer, ContainerTermination, HealthEvent, LaunchSpec } from "./containerizer/types.ts";
import type { JournalSink } from "./journal.ts";
import { completedTasksShownMax, pendingUpdatesPerTaskMax, statusesPerTaskShownMax, taskLaunchesInFlightMax } from "./limits.ts";
import type { AgentMetrics } from "./metrics.ts";
import { taskKey, type CompletedTask, type FrameworkRecord, type TaskCheckpoint, type TaskRecord } from "./model.ts";
import {
  executorInfoPath,
  frameworkInfoPath,
  frameworkMetaDir,
  frameworkRemovedPath,
  groupTaskSandboxDir,
  latestLink,
  runSandboxDir,
  type RunKey,
} from "./paths.ts";
import type { RunTasks, TaskDecision } from "./run-plan.ts";
import type { StatusUpdateManager } from "./status-update-manager.ts";
import { snapshotRecords, type LiveTaskView, type TaskJournalRecord } from "./task-journal.ts";
import { taskEnvironment } from "./task-env.ts";
import { makeStatus, terminalOutcome, type KillIntent, type StatusFields } from "./task-status.ts";
import { UpdateStream } from "./update-stream.ts";

export interface TaskManagerDeps {
  workDir: string;
  hostname: string;
  total: Resources;
  defaultKillGracePeriodMs: number;
  switchUser: boolean;
  logger: Logger;
  clock: Clock;
  ids: IdGenerator;
  containerizer: Containerizer;
  updates: StatusUpdateManager;
  /** Task records and pids; a task is launched only once its TASK record is durable. */
  journal: JournalSink<TaskJournalRecord>;
  metrics: AgentMetrics;
  agentId: () => string;
  /** A finished sandbox may be removed after --gc_delay; `ifAbsent` keeps a removal already scheduled. */
  scheduleGc: (paths: string[], options?: { ifAbsent: boolean }) => void;
  /** /files: a task's sandbox is served from its launch until it leaves the history. */
  files: { attach(checkpoint: TaskCheckpoint): void; detach(checkpoint: TaskCheckpoint): void };
}

type GroupRun = RunKey & { sandbox: string };

type StatusChange = Omit<StatusFields, "taskId" | "agentId" | "executorId" | "nowMs" | "containerId" | "executorPid">;

export class TaskManager {
  readonly tasks = new Map<string, TaskRecord>();
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly completed: CompletedTask[] = [];
  readonly completedFrameworks: FrameworkRecord[] = [];
  private readonly byContainer = new Map<string, string>();
  /** Journaled tasks waiting for one of taskLaunchesInFlightMax launch slots, oldest first. */
  private readonly launchQueue: TaskRecord[] = [];
  private launchesInFlight = 0;
  /** framework.info as last written, so an unchanged one is not rewritten. */
  private readonly frameworkInfoWritten = new Map<string, string>();

  constructor(private readonly deps: TaskManagerDeps) {}

  /** What running tasks hold: everything not yet terminated. */
  usedResources(): Resources {
    let used = Resources.EMPTY;
    for (const record of this.tasks.values()) if (record.phase !== "terminated") used = used.plus(record.resources);
    return used;
  }

  freeResources(): Resources {
    const used = this.usedResources();
    if (!this.deps.total.contains(used)) {
      throw new Error(`tasks hold ${used.toText()}, more than the agent's ${this.deps.total.toText()}`);
    }
    return this.deps.total.minus(used);
  }

  hasTask(frameworkId: string, taskId: string): boolean {
    return this.tasks.has(taskKey(frameworkId, taskId));
  }

  isRemoving(frameworkId: string): boolean {
    return this.frameworks.get(frameworkId)?.removing === true;
  }

  /** Takes back a framework recovered from its checkpoint. */
  adoptFramework(record: FrameworkRecord): void {
    this.frameworks.set(record.id, record);
    this.frameworkInfoWritten.set(record.id, JSON.stringify(record.info));
  }

  /** Takes back a task recovered from its checkpoint (recover-tasks.ts decides its phase). */
  adoptTask(record: TaskRecord): void {
    if (!this.frameworks.has(record.frameworkId)) throw new Error(`task ${record.key} adopted before its framework`);
    this.tasks.set(record.key, record);
    this.byContainer.set(record.checkpoint.containerId, record.key);
    this.deps.files.attach(record.checkpoint);
  }

  /** Moves a recovered task whose terminal update was acknowledged straight to history. */
  adoptCompleted(task: CompletedTask): void {
    this.deps.files.attach(task.checkpoint);
    this.remember(task);
  }

  /**
   * After recovery: the sandboxes of completed tasks are scheduled for GC unless they are already
   * (the schedule is written lazily, so a crash can lose its newest entries; the journal cannot).
   */
  reassertCompletedGc(): void {
    const live = new Set([...this.tasks.values()].map((record) => record.checkpoint.runSandboxDir));
    const paths = new Set<string>();
    for (const task of this.completed) {
      const run = task.checkpoint.runSandboxDir;
      if (task.checkpoint.launched && run !== "" && !live.has(run)) paths.add(run);
    }
    if (paths.size > 0) this.deps.scheduleGc([...paths], { ifAbsent: true });
  }

  /** Keeps a completed task for /state; the oldest beyond the limit leave, with their sandbox's /files. */
  private remember(task: CompletedTask): void {
    this.completed.push(task);
    while (this.completed.length > completedTasksShownMax) {
      const evicted = this.completed.shift();
      if (evicted !== undefined) this.deps.files.detach(evicted.checkpoint);
    }
  }

  rememberFramework(frameworkId: string, info: FrameworkInfo): FrameworkRecord {
    const existing = this.frameworks.get(frameworkId);
    const record = existing ?? { id: frameworkId, agentId: this.deps.agentId(), info, removing: false };
    record.info = { ...info, id: { value: frameworkId } };
    this.frameworks.set(frameworkId, record);
    // Every RUN_TASKS carries the FrameworkInfo; it is written (and fsynced) only when it changed.
    const json = JSON.stringify(record.info);
    if (this.frameworkInfoWritten.get(frameworkId) !== json) {
      writeJsonAtomic(frameworkInfoPath(this.deps.workDir, record.agentId, frameworkId), record.info);
      this.frameworkInfoWritten.set(frameworkId, json);
    }
    return record;
  }

  /**
   * What compaction writes: the history /state shows, then every task still known, of the
   * frameworks journaled under the current agent id (see snapshotRecords).
   */
  journalSnapshot(): Iterable<TaskJournalRecord> {
    const agentId = this.deps.agentId();
    const journaled = (frameworkId: string, live: boolean) => {
      const framework = this.frameworks.get(frameworkId);
      return framework !== undefined && framework.agentId === agentId && (live || !framework.removing);
    };
    const completed = this.completed.filter((task) => journaled(task.frameworkId, false));
    const live: LiveTaskView[] = [];
    for (const record of this.tasks.values()) {
      if (!journaled(record.frameworkId, true)) continue;
      const view: LiveTaskView = { checkpoint: record.checkpoint };
      if (record.pid !== undefined) view.pid = record.pid;
      if (record.startTicks !== undefined) view.startTicks = record.startTicks;
      const stream = this.deps.updates.stream(record.key);
      if (stream !== undefined) view.stream = stream;
      const latest = record.statuses.at(-1);
      if (latest !== undefined) view.latest = latest;
      live.push(view);
    }
    return snapshotRecords(completed, live);
  }

  /**
   * Carries out a planned RUN_TASKS: refusals get their terminal update; launches are queued once
   * the tasks' records are durable (one journal commit for the whole message).
   */
  runTasks(message: RunTasks, decisions: readonly TaskDecision[]): void {
    this.rememberFramework(message.frameworkId, message.framework);
    const groupRun = this.groupRunFor(message);
    if (groupRun !== undefined && message.executor !== undefined) {
      writeJsonAtomic(executorInfoPath(this.deps.workDir, groupRun), { ...message.executor, framework_id: { value: message.frameworkId } });
    }
    const launches: TaskRecord[] = [];
    for (const decision of decisions) {
      if (decision.kind === "ignore") continue;
      const launched = decision.kind === "launch";
      const resources = launched ? decision.resources : Resources.EMPTY;
      const record = this.createTask(message, decision.task, resources, groupRun, launched);
      if (decision.kind === "refuse") {
        record.phase = "terminated";
        this.emit(record, { state: decision.state, source: "SOURCE_AGENT", reason: decision.reason, message: decision.message });
        continue;
      }
      launches.push(record);
    }
    if (launches.length === 0) return;
    this.deps.journal.afterCommit(() => {
      this.launchQueue.push(...launches);
      this.startLaunches();
    });
  }

  /**
   * Starts queued launches while fewer than taskLaunchesInFlightMax are under way. TASK_STARTING
   * is made as a launch begins, as Mesos's command executor sends it before forking the task; a
   * task killed while it waited is not launched at all.
   */
  private startLaunches(): void {
    while (this.launchesInFlight < taskLaunchesInFlightMax) {
      const record = this.launchQueue.shift();
      if (record === undefined) return;
      if (record.kill !== undefined) {
        this.abandonLaunch(record);
        continue;
      }
      this.emit(record, { state: "TASK_STARTING", source: "SOURCE_EXECUTOR" });
      this.launchesInFlight++;
      this.launch(record)
        .catch((error: unknown) => this.deps.logger.error({ framework_id: record.frameworkId, task_id: record.taskId, err: error }, "task launch failed unexpectedly"))
        .finally(() => {
          this.launchesInFlight--;
          this.startLaunches();
        });
    }
  }

  /** A task killed before its launch began: it ends without a process. */
  private abandonLaunch(record: TaskRecord): void {
    record.phase = "terminated";
    this.emit(record, { state: "TASK_KILLED", source: "SOURCE_AGENT", reason: "REASON_TASK_KILLED_DURING_LAUNCH", message: "Task was killed before it was launched" });
    this.afterTerminated(record);
  }

  /** The executor run of a LAUNCH_GROUP: a live run of that executor is reused, as Mesos does. */
  private groupRunFor(message: RunTasks): GroupRun | undefined {
    const executorId = message.executor?.executor_id.value;
    if (executorId === undefined) return undefined;
    const agentId = this.deps.agentId();
    for (const record of this.tasks.values()) {
      const { checkpoint } = record;
      const sameExecutor = record.frameworkId === message.frameworkId && checkpoint.executor !== undefined && checkpoint.executorId === executorId;
      if (sameExecutor && record.phase !== "terminated") {
        return { agentId, frameworkId: message.frameworkId, executorId, runId: checkpoint.runId, sandbox: checkpoint.runSandboxDir };
      }
    }
    const key: RunKey = { agentId, frameworkId: message.frameworkId, executorId, runId: this.deps.ids.uuid() };
    return { ...key, sandbox: runSandboxDir(this.deps.workDir, key) };
  }

  /** Journals a new task (before anything else of it) and makes its sandbox. */
  private createTask(message: RunTasks, task: TaskInfo, resources: Resources, groupRun: GroupRun | undefined, launched: boolean): TaskRecord {
    const taskId = task.task_id.value;
    const agentId = this.deps.agentId();
    const run: RunKey = groupRun ?? { agentId, frameworkId: message.frameworkId, executorId: taskId, runId: this.deps.ids.uuid() };
    const runSandbox = groupRun?.sandbox ?? runSandboxDir(this.deps.workDir, run);
    const checkpoint: TaskCheckpoint = {
      frameworkId: message.frameworkId,
      executorId: run.executorId,
      runId: run.runId,
      containerId: groupRun === undefined ? run.runId : `${run.runId}.${this.deps.ids.uuid()}`,
      sandboxDir: groupRun === undefined ? runSandbox : groupTaskSandboxDir(runSandbox, taskId),
      runSandboxDir: runSandbox,
      task,
      limits: { cpus: resources.scalar("cpus"), memoryBytes: Math.round(resources.scalar("mem") * 1024 * 1024) },
      launched,
      createdAtMs: this.deps.clock.nowMs(),
    };
    if (message.executor !== undefined) {
      checkpoint.executor = message.executor;
      checkpoint.group = message.tasks.map((other) => other.task_id.value);
    }
    this.deps.journal.append({ type: "TASK", checkpoint });
    if (launched) this.deps.files.attach(checkpoint);
    const record: TaskRecord = {
      key: taskKey(message.frameworkId, taskId),
      frameworkId: message.frameworkId,
      taskId,
      checkpoint,
      resources,
      phase: "launching",
      state: "TASK_STAGING",
      statuses: [],
    };
    this.tasks.set(record.key, record);
    this.byContainer.set(checkpoint.containerId, record.key);
    this.deps.updates.add(record.key, record.frameworkId, taskId, new UpdateStream());
    return record;
  }

  private async launch(record: TaskRecord): Promise<void> {
    const framework = this.frameworks.get(record.frameworkId);
    let launched: { pid: number; startTicks?: number };
    try {
      launched = await this.deps.containerizer.launch(this.launchSpec(record, framework?.info));
    } catch (error) {
      this.launchFailed(record, error as Error);
      return;
    }
    const { pid, startTicks } = launched;
    record.pid = pid;
    if (startTicks !== undefined) record.startTicks = startTicks;
    if (framework?.removing !== true) {
      this.deps.journal.append({ type: "PID", frameworkId: record.frameworkId, taskId: record.taskId, pid, ...(startTicks === undefined ? {} : { startTicks }) });
    }
    this.pointRunsLatest(record.checkpoint);
    this.deps.logger.info({ framework_id: record.frameworkId, task_id: record.taskId, container_id: record.checkpoint.containerId, pid }, "task launched");
    if (record.kill !== undefined) {
      this.startKill(record);
    } else {
      record.phase = "running";
      this.emit(record, { state: "TASK_RUNNING", source: "SOURCE_EXECUTOR" });
    }
    const early = record.pendingTermination;
    if (early !== undefined) {
      delete record.pendingTermination;
      this.handleTermination(early);
    }
  }

  /**
   * runs/latest names the newest run of the executor, once the containerizer has made its sandbox.
   * Not fsynced: the journal's TASK record is what makes the task recoverable, and a sandbox only
   * has to outlive the agent process, as the task itself does.
   */
  private pointRunsLatest(checkpoint: TaskCheckpoint): void {
    replaceSymlink(join(dirname(checkpoint.runSandboxDir), latestLink), checkpoint.runId).catch((error: unknown) => {
      this.deps.logger.warn({ framework_id: checkpoint.frameworkId, executor_id: checkpoint.executorId, err: error }, "cannot point runs/latest at the new run");
    });
  }

  private launchSpec(record: TaskRecord, framework: FrameworkInfo | undefined): LaunchSpec {
    const { checkpoint } = record;
    const command = checkpoint.task.command ?? {};
    const spec: LaunchSpec = {
      containerId: checkpoint.containerId,
      sandboxDir: checkpoint.sandboxDir,
      command,
      env: taskEnvironment({
        sandboxDir: checkpoint.sandboxDir,
        taskId: record.taskId,
        agentId: this.deps.agentId(),
        frameworkId: record.frameworkId,
        executorId: checkpoint.executorId,
        hostname: this.deps.hostname,
        portRanges: record.resources.ranges("ports"),
        command,
      }),
      limits: checkpoint.limits,
    };
    const user = command.user ?? framework?.user;
    if (this.deps.switchUser && user !== undefined && user !== "") spec.user = user;
    if (checkpoint.task.health_check !== undefined) spec.healthCheck = checkpoint.task.health_check;
    return spec;
  }

  private launchFailed(record: TaskRecord, error: Error): void {
    this.deps.metrics.containerLaunchErrors++;
    this.deps.logger.error({ framework_id: record.frameworkId, task_id: record.taskId, err: error }, "task launch failed");
    record.phase = "terminated";
    if (record.kill !== undefined) {
      this.emit(record, { state: "TASK_KILLED", source: "SOURCE_AGENT", reason: "REASON_TASK_KILLED_DURING_LAUNCH", message: "Task was killed during launch" });
    } else {
      this.emit(record, { state: "TASK_FAILED", source: "SOURCE_AGENT", reason: "REASON_CONTAINER_LAUNCH_FAILED", message: `Failed to launch container: ${error.message}` });
    }
    this.cleanupContainer(record);
    this.afterTerminated(record);
  }

  /** KILL_TASK: TASK_KILLING at once, then SIGTERM and, after the grace period, SIGKILL. */
  kill(frameworkId: string, taskId: string, intent: KillIntent, killPolicy: KillPolicy | undefined): void {
    const record = this.tasks.get(taskKey(frameworkId, taskId));
    const logger = this.deps.logger;
    if (record === undefined) {
      logger.warn({ framework_id: frameworkId, task_id: taskId }, "kill of unknown task ignored");
      return;
    }
    if (record.phase === "terminated" || record.kill !== undefined) {
      logger.info({ framework_id: frameworkId, task_id: taskId, phase: record.phase }, "kill of a task already ending ignored");
      return;
    }
    record.kill = intent;
    record.killGracePeriodMs = gracePeriodMs(killPolicy ?? record.checkpoint.task.kill_policy, this.deps.defaultKillGracePeriodMs);
    const change: StatusChange = { state: "TASK_KILLING", source: "SOURCE_EXECUTOR" };
    if (intent.reason !== undefined) change.reason = intent.reason;
    if (intent.message !== undefined) change.message = intent.message;
    this.emit(record, change);
    logger.info({ framework_id: frameworkId, task_id: taskId, grace_period_ms: record.killGracePeriodMs }, "killing task");
    const queued = this.launchQueue.indexOf(record);
    if (queued !== -1) {
      this.launchQueue.splice(queued, 1);
      this.abandonLaunch(record);
    } else if (record.phase !== "launching") {
      this.startKill(record);
    }
  }

  /** Sends the kill to the containerizer; the termination that follows makes TASK_KILLED. */
  startKill(record: TaskRecord): void {
    record.phase = "killing";
    const graceMs = record.killGracePeriodMs ?? this.deps.defaultKillGracePeriodMs;
    this.deps.containerizer.kill(record.checkpoint.containerId, graceMs).catch((error: unknown) => {
      this.deps.logger.error({ framework_id: record.frameworkId, task_id: record.taskId, err: error }, "kill failed");
    });
  }

  handleTermination(termination: ContainerTermination): void {
    const key = this.byContainer.get(termination.containerId);
    const record = key === undefined ? undefined : this.tasks.get(key);
    if (record === undefined) {
      this.deps.logger.warn({ container_id: termination.containerId }, "termination of an unknown container ignored");
      return;
    }
    if (record.phase === "launching") {
      record.pendingTermination = termination;
      return;
    }
    if (record.phase === "terminated") return;
    const outcome = terminalOutcome(termination, record.kill);
    record.phase = "terminated";
    this.deps.logger.info(
      { framework_id: record.frameworkId, task_id: record.taskId, exit_code: termination.exitCode, signal: termination.signal, state: outcome.state },
      "task ended",
    );
    this.emit(record, outcome);
    this.cleanupContainer(record);
    if (outcome.state === "TASK_FAILED" || outcome.state === "TASK_KILLED") this.killRestOfGroup(record, outcome.state);
    this.afterTerminated(record);
  }

  /**
   * Mesos's default executor kills a task group as a whole when one of its tasks fails or is
   * killed; so do we.
   */
  private killRestOfGroup(record: TaskRecord, state: string): void {
    for (const taskId of record.checkpoint.group ?? []) {
      const other = this.tasks.get(taskKey(record.frameworkId, taskId));
      if (other === undefined || other === record || other.phase === "terminated" || other.kill !== undefined) continue;
      const message = `Killed because task ${record.taskId} of its task group ended in ${state}`;
      this.kill(record.frameworkId, taskId, { message, byHealthCheck: false }, undefined);
    }
  }

  /**
   * A health check changed (or failed again): an update in the task's current state with
   * `healthy`, as Mesos's command executor sends, and a kill when the checker says so.
   */
  handleHealth(event: HealthEvent): void {
    const key = this.byContainer.get(event.containerId);
    const record = key === undefined ? undefined : this.tasks.get(key);
    if (record === undefined || record.phase !== "running") return;
    const changed = record.healthy !== event.healthy;
    record.healthy = event.healthy;
    if (changed || !event.healthy) {
      const stream = this.deps.updates.stream(record.key);
      if (stream !== undefined && stream.pendingCount() >= pendingUpdatesPerTaskMax) {
        this.deps.logger.warn({ framework_id: record.frameworkId, task_id: record.taskId, pending: stream.pendingCount() }, "health update dropped: too many unacknowledged updates");
      } else {
        this.emit(record, { state: record.state, source: "SOURCE_EXECUTOR", reason: "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED", healthy: event.healthy });
      }
    }
    if (event.killTask) {
      const message = `Task was killed after ${event.consecutiveFailures} consecutive failed health checks`;
      this.kill(record.frameworkId, record.taskId, { message, byHealthCheck: true }, undefined);
    }
  }

  /** ACK_UPDATE: the next update goes out; a terminal one acknowledged completes the task. */
  acknowledge(frameworkId: string, taskId: string, uuid: string): void {
    const key = taskKey(frameworkId, taskId);
    const outcome = this.deps.updates.ack(key, uuid);
    const fields = { framework_id: frameworkId, task_id: taskId, uuid };
    if (outcome === undefined) {
      this.deps.logger.info(fields, "acknowledgement for a task without pending updates ignored");
      return;
    }
    if (outcome.kind === "unexpected") {
      this.deps.logger.warn({ ...fields, expected_uuid: outcome.headUuid }, "acknowledgement of an update not in flight ignored");
      return;
    }
    if (outcome.kind === "duplicate") return;
    this.deps.logger.debug({ ...fields, state: outcome.status.state }, "status update acknowledged");
    const record = this.tasks.get(key);
    if (outcome.terminal && record !== undefined) this.complete(record);
  }

  /** The terminal update was acknowledged: the task is history, its sandbox may be collected. */
  private complete(record: TaskRecord): void {
    this.deps.updates.remove(record.key);
    this.forget(record);
    const runStillUsed = [...this.tasks.values()].some(
      (other) => other.frameworkId === record.frameworkId && other.checkpoint.runId === record.checkpoint.runId,
    );
    if (!runStillUsed) this.deps.scheduleGc(this.runPaths(record));
  }

  private forget(record: TaskRecord): void {
    this.tasks.delete(record.key);
    this.byContainer.delete(record.checkpoint.containerId);
    this.remember({
      frameworkId: record.frameworkId,
      executorId: record.checkpoint.executorId,
      checkpoint: record.checkpoint,
      state: record.state,
      statuses: record.statuses,
      resources: record.resources,
    });
  }

  /** The run's sandbox and, once launched, the container's record: what the GC removes after the task. */
  private runPaths(record: TaskRecord): string[] {
    const paths = [record.checkpoint.runSandboxDir].filter((path) => path !== "");
    if (record.checkpoint.launched) paths.push(this.deps.containerizer.recordPath(record.checkpoint.containerId));
    return paths;
  }

  /** SHUTDOWN_FRAMEWORK: kill its tasks and stop sending its updates (no one will acknowledge them). */
  shutdownFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (framework === undefined) {
      this.deps.logger.info({ framework_id: frameworkId }, "shutdown of a framework without tasks here");
      return;
    }
    framework.removing = true;
    writeJsonAtomic(frameworkRemovedPath(this.deps.workDir, framework.agentId, frameworkId), { removedAtMs: this.deps.clock.nowMs() });
    this.deps.logger.info({ framework_id: frameworkId }, "shutting down framework");
    for (const record of [...this.tasks.values()]) {
      if (record.frameworkId !== frameworkId) continue;
      this.deps.updates.remove(record.key);
      if (record.phase !== "terminated") this.kill(frameworkId, record.taskId, { byHealthCheck: false }, undefined);
    }
    this.maybeFinishRemoval(frameworkId);
  }

  private afterTerminated(record: TaskRecord): void {
    if (this.isRemoving(record.frameworkId)) this.maybeFinishRemoval(record.frameworkId);
  }

  /** Once a removed framework's tasks are all gone, its checkpoints go and its sandboxes await GC. */
  maybeFinishRemoval(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (framework === undefined || !framework.removing) return;
    const records = [...this.tasks.values()].filter((record) => record.frameworkId === frameworkId);
    if (records.some((record) => record.phase !== "terminated")) return;
    const sandboxes = new Set<string>();
    for (const record of records) {
      for (const path of this.runPaths(record)) sandboxes.add(path);
      this.forget(record);
    }
    rmSync(frameworkMetaDir(this.deps.workDir, framework.agentId, frameworkId), { recursive: true, force: true });
    this.frameworks.delete(frameworkId);
    this.completedFrameworks.push(framework);
    this.deps.scheduleGc([...sandboxes]);
    this.deps.logger.info({ framework_id: frameworkId, tasks: records.length }, "framework removed");
  }

  private cleanupContainer(record: TaskRecord): void {
    if (!record.checkpoint.launched) return;
    this.deps.containerizer.cleanup(record.checkpoint.containerId).catch((error: unknown) => {
      this.deps.logger.warn({ framework_id: record.frameworkId, task_id: record.taskId, err: error }, "container cleanup failed");
    });
  }

  /** Makes an update, checkpoints it and queues it for the master (unless its framework is gone). */
  emit(record: TaskRecord, change: StatusChange): TaskStatus | undefined {
    const fields: StatusFields = {
      ...change,
      taskId: record.taskId,
      agentId: this.deps.agentId(),
      executorId: record.checkpoint.executorId,
      nowMs: this.deps.clock.nowMs(),
    };
    if (record.checkpoint.launched) fields.containerId = record.checkpoint.containerId;
    if (record.pid !== undefined) fields.executorPid = record.pid;
    const status = makeStatus(fields, this.deps.ids);
    if (!this.isRemoving(record.frameworkId)) {
      const problem = this.deps.updates.update(record.key, status);
      if (problem !== undefined) {
        this.deps.metrics.invalidStatusUpdates++;
        this.deps.logger.warn({ framework_id: record.frameworkId, task_id: record.taskId, state: status.state, problem }, "status update refused");
        return undefined;
      }
    }
    this.deps.metrics.validStatusUpdates++;
    if (isTerminalState(status.state)) this.deps.metrics.countTerminal(status.state);
    record.state = status.state;
    record.statuses.push(status);
    if (record.statuses.length > statusesPerTaskShownMax) record.statuses.splice(0, record.statuses.length - statusesPerTaskShownMax);
    this.deps.logger.info(
      { framework_id: record.frameworkId, task_id: record.taskId, state: status.state, uuid: status.uuid, reason: status.reason, message: status.message, healthy: status.healthy },
      "status update",
    );
    return status;
  }
}

/** The grace period of a kill: the kill's policy, else the task's, else --task_kill_grace_period. */
export function gracePeriodMs(policy: KillPolicy | undefined, defaultMs: number): number {
  const nanoseconds = policy?.grace_period?.nanoseconds;
  if (typeof nanoseconds !== "number" || !Number.isFinite(nanoseconds) || nanoseconds < 0) return defaultMs;
  return Math.round(nanoseconds / 1e6);
}

// The agent: recovers its checkpoints, registers with the leading master and re-registers with
// whichever master leads next, fences off commands from deposed masters by epoch, and hands
// task work to the TaskManager.

import type { Logger } from "pino";
import { attributesToJSONArray, attributesToText, type Resources } from "../resources/index.ts";
import type { Clock, IdGenerator, Random } from "../runtime/index.ts";
import { agentProtocolVersion, type AgentTaskReport, type AgentToMaster, type Attribute } from "../wire/index.ts";
import { rmSync } from "node:fs";
import { setSymlinkAtomic, writeFileAtomic, writeJsonAtomic } from "./checkpoint-io.ts";
import type { AgentConfig } from "./config.ts";
import type { Containerizer } from "./containerizer/types.ts";
import { Journal, type JournalSink } from "./journal.ts";
import { masterConnectTimeoutMs, registerAnswerTimeoutMs, tasksPerRunMax } from "./limits.ts";
import type { MasterDetector } from "./master-detector.ts";
import { MasterLink, type MasterCommand, type RegisteredMessage } from "./master-link.ts";
import type { AgentObserver } from "./observer.ts";
import { AgentMetrics } from "./metrics.ts";
import type { AgentInfoCheckpoint } from "./model.ts";
import { agentInfoPath, epochPath, idProblem, latestAgentLink, tasksJournalPath } from "./paths.ts";
import { recoverState } from "./recovery.ts";
import type { SandboxFiles } from "./sandbox-files.ts";
import { adoptRecoveredTasks, finishRecovery } from "./recover-tasks.ts";
import { planRunTasks, type RunTasks } from "./run-plan.ts";
import { StatusUpdateManager } from "./status-update-manager.ts";
import type { TaskJournalRecord } from "./task-journal.ts";
import { TaskManager } from "./task-manager.ts";

export interface AgentDeps {
  config: AgentConfig;
  logger: Logger;
  clock: Clock;
  ids: IdGenerator;
  random: Random;
  containerizer: Containerizer;
  detector: MasterDetector;
  version: string;
  exit: (code: number, message: string) => void;
  /** Compaction threshold of the task journal (tests make it small); default journalCompactBytesMin. */
  journalCompactBytesMin?: number;
  scheduleGc: (paths: string[], options?: { ifAbsent: boolean }) => void;
  files: SandboxFiles;
  /** Task spans and status update metrics (observability/observers); none when absent. */
  observer?: AgentObserver;
}

/** Start-up must stop: the message says what the operator can do. */
export class AgentStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentStartError";
  }
}

export class Agent {
  readonly metrics = new AgentMetrics();
  readonly updates: StatusUpdateManager;
  readonly tasks: TaskManager;
  readonly startTimeMs: number;
  private agentIdValue: string | undefined;
  private agentInfo: AgentInfoCheckpoint | undefined;
  private epoch = 0;
  private masterId: string | undefined;
  private port = 0;
  private readonly link: MasterLink;
  /** The task journal of the current agent id; opened at recovery or at the first registration. */
  private journal: Journal<TaskJournalRecord> | undefined;
  private readonly journalSink: JournalSink<TaskJournalRecord> = {
    append: (record) => {
      if (this.journal === undefined) throw new Error("task journal used before the agent has an id");
      this.journal.append(record);
    },
    // Nothing journaled yet means nothing to wait for.
    afterCommit: (fn) => (this.journal === undefined ? setImmediate(fn) : this.journal.afterCommit(fn)),
  };

  constructor(private readonly deps: AgentDeps) {
    const { config, logger } = deps;
    this.startTimeMs = deps.clock.nowMs();
    this.updates = new StatusUpdateManager({
      logger,
      retryIntervalMinMs: config.statusUpdateRetryIntervalMinMs,
      retryIntervalMaxMs: config.statusUpdateRetryIntervalMaxMs,
      journal: this.journalSink,
      send: (frameworkId, status) => this.link.send({ type: "STATUS_UPDATE", frameworkId, status }),
      ...(deps.observer ? { observer: deps.observer } : {}),
    });
    this.tasks = new TaskManager({
      workDir: config.workDir,
      hostname: config.hostname,
      total: config.resources,
      defaultKillGracePeriodMs: config.taskKillGracePeriodMs,
      switchUser: config.switchUser,
      logger,
      clock: deps.clock,
      ids: deps.ids,
      containerizer: deps.containerizer,
      updates: this.updates,
      journal: this.journalSink,
      metrics: this.metrics,
      agentId: () => this.agentId(),
      scheduleGc: deps.scheduleGc,
      files: deps.files,
    });
    this.link = new MasterLink(
      {
        detector: deps.detector,
        logger,
        random: deps.random,
        backoffFactorMs: config.registrationBackoffFactorMs,
        backoffMaxMs: config.registrationBackoffMaxMs,
        connectTimeoutMs: masterConnectTimeoutMs,
        registerAnswerTimeoutMs,
        clock: deps.clock,
      },
      {
        registerFrame: () => this.registerFrame(),
        onRegistered: (message, address) => this.handleRegistered(message, address),
        onReady: () => this.updates.setConnected(true),
        onRefused: (message) => this.handleRefused(message),
        onCommand: (command) => this.handleCommand(command),
        onDisconnected: () => this.updates.setConnected(false),
      },
    );
    deps.containerizer.onTermination((termination) => this.tasks.handleTermination(termination));
    deps.containerizer.onHealth((event) => this.tasks.handleHealth(event));
  }

  /**
   * Reads the checkpoints and takes the tasks back; throws AgentStartError when the tasks still
   * running do not fit the resources this agent now advertises.
   */
  recoverCheckpoints(): void {
    const { config, logger } = this.deps;
    const state = recoverState(config.workDir, logger);
    this.metrics.recoveryErrors += state.problems.length;
    this.epoch = state.epoch;
    if (state.agentId !== undefined) {
      this.agentIdValue = state.agentId;
      this.openJournal(state.agentId);
    }
    if (state.agentInfo !== undefined) this.agentInfo = state.agentInfo;
    const conflict = adoptRecoveredTasks(state, this.tasks, this.updates, { total: config.resources, workDir: config.workDir });
    if (conflict !== undefined) throw new AgentStartError(conflict);
    if (state.legacyRunDirs.length > 0) this.migrateLegacyTasks(state.legacyRunDirs);
    logger.info({ agent_id: state.agentId, epoch: state.epoch, tasks: this.tasks.tasks.size, problems: state.problems.length }, "checkpoints recovered");
  }

  /** Re-attaches to the recovered containers; those that ended meanwhile report their real status. */
  async recoverContainers(): Promise<void> {
    await finishRecovery(this.tasks, this.deps.containerizer, this.deps.logger);
  }

  /** Starts registering; the HTTP port is known by now and goes into REGISTER. */
  start(httpPort: number): void {
    this.port = httpPort;
    this.link.start();
  }

  async stop(): Promise<void> {
    await this.link.stop();
    this.updates.close();
    this.journal?.close();
    await this.deps.containerizer.close();
  }

  /** The journal of `agentId` (its tasks' records); the previous one is closed once its last commit is done. */
  private openJournal(agentId: string): void {
    const path = tasksJournalPath(this.deps.config.workDir, agentId);
    if (this.journal?.path === path) return;
    const previous = this.journal;
    this.journal = new Journal<TaskJournalRecord>({
      path,
      snapshot: () => this.tasks.journalSnapshot(),
      onFatal: (error) => {
        this.deps.logger.fatal({ journal: path, err: error }, "cannot write the task journal; stopping, since no status update may be sent that is not on disk");
        this.deps.exit(1, `cannot write the task journal ${path}: ${error.message}`);
      },
      ...(this.deps.journalCompactBytesMin === undefined ? {} : { compactBytesMin: this.deps.journalCompactBytesMin }),
    });
    // The old id's tasks are being killed; what waited on their records still happens.
    previous?.close({ runCallbacks: true });
  }

  /** Tasks read from the per-task files of the layout before the journal: snapshot them, then drop the files. */
  private migrateLegacyTasks(runDirs: readonly string[]): void {
    const journal = this.journal;
    if (journal === undefined) return;
    journal.compactSoon();
    journal.afterCommit(() => {
      for (const dir of runDirs) rmSync(dir, { recursive: true, force: true });
      this.deps.logger.info({ run_dirs: runDirs.length }, "per-task checkpoint files moved into the task journal");
    });
  }

  /** recover=cleanup: kill every task that survived the previous run and wait until they are gone. */
  async killAllAndWait(pollMs: number): Promise<number> {
    const live = [...this.tasks.tasks.values()].filter((record) => record.phase !== "terminated");
    for (const record of live) this.tasks.kill(record.frameworkId, record.taskId, { byHealthCheck: false }, undefined);
    while ([...this.tasks.tasks.values()].some((record) => record.phase !== "terminated")) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    return live.length;
  }

  agentId(): string {
    if (this.agentIdValue === undefined) throw new Error("agent id used before registration");
    return this.agentIdValue;
  }

  view(): AgentSummary {
    const summary: AgentSummary = {
      hostname: this.deps.config.hostname,
      port: this.port,
      startTimeMs: this.startTimeMs,
      resources: this.deps.config.resources,
      registered: this.link.isRegistered(),
      epoch: this.epoch,
    };
    if (this.agentIdValue !== undefined) summary.agentId = this.agentIdValue;
    const master = this.link.masterAddress();
    if (master !== undefined) summary.masterAddress = master;
    if (this.masterId !== undefined) summary.masterId = this.masterId;
    return summary;
  }

  private registerFrame(): AgentToMaster {
    const { config } = this.deps;
    const frame: Extract<AgentToMaster, { type: "REGISTER" }> = {
      type: "REGISTER",
      protocolVersion: agentProtocolVersion,
      agent: {
        hostname: config.hostname,
        port: this.port,
        resources: config.resources.toJSON(),
        attributes: attributesToJSONArray(config.attributes) as Attribute[],
        physicalCpus: config.physicalCpus,
        version: this.deps.version,
      },
      tasks: this.taskReports(),
      epoch: this.epoch,
    };
    if (this.agentIdValue !== undefined) frame.agentId = this.agentIdValue;
    return frame;
  }

  private taskReports(): AgentTaskReport[] {
    const reports: AgentTaskReport[] = [];
    for (const record of this.tasks.tasks.values()) {
      const framework = this.tasks.frameworks.get(record.frameworkId);
      if (framework === undefined || framework.removing) continue;
      reports.push({
        frameworkId: record.frameworkId,
        framework: framework.info,
        task: record.checkpoint.task,
        executorId: record.checkpoint.executorId,
        state: record.state,
        pendingUpdates: this.updates.stream(record.key)?.pendingCount() ?? 0,
      });
    }
    return reports;
  }

  private handleRegistered(message: RegisteredMessage, address: string): boolean {
    const { logger } = this.deps;
    if (message.epoch < this.epoch) {
      logger.error({ master: address, master_epoch: message.epoch, epoch: this.epoch }, "master is behind the epoch this agent obeyed; looking for the leader again");
      return false;
    }
    const problem = idProblem(message.agentId);
    if (problem !== undefined) {
      logger.error({ master: address, agent_id: message.agentId, problem }, "master gave an unusable agent id");
      return false;
    }
    if (this.agentIdValue !== undefined && message.agentId !== this.agentIdValue) this.abandonOldId(message.agentId);
    if (message.epoch > this.epoch) this.saveEpoch(message.epoch);
    this.saveAgentInfo(message.agentId);
    this.masterId = message.masterId;
    const reregistered = this.agentIdValue !== undefined;
    this.agentIdValue = message.agentId;
    this.openJournal(message.agentId);
    logger.info(
      { agent_id: message.agentId, master: address, master_id: message.masterId, epoch: message.epoch, tasks: this.tasks.tasks.size },
      reregistered ? "re-registered with master" : "registered with master",
    );
    return true;
  }

  /**
   * The master gave a new id although we registered with our old one: it has forgotten this
   * agent and its tasks. As a Mesos agent told to shut down, we kill them and start over.
   */
  private abandonOldId(newId: string): void {
    this.deps.logger.error({ agent_id: this.agentIdValue, new_agent_id: newId }, "master does not know this agent's id any more; killing its old tasks");
    for (const frameworkId of [...this.tasks.frameworks.keys()]) this.tasks.shutdownFramework(frameworkId);
  }

  private saveEpoch(epoch: number): void {
    writeFileAtomic(epochPath(this.deps.config.workDir), `${epoch}\n`);
    this.epoch = epoch;
  }

  private saveAgentInfo(agentId: string): void {
    const { config, clock } = this.deps;
    const info: AgentInfoCheckpoint = {
      id: agentId,
      hostname: config.hostname,
      resources: config.resources.toText(),
      attributes: attributesToText(config.attributes),
      registeredAtMs: clock.nowMs(),
    };
    writeJsonAtomic(agentInfoPath(config.workDir, agentId), info);
    setSymlinkAtomic(latestAgentLink(config.workDir), agentId);
    this.agentInfo = info;
  }

  private handleRefused(message: string): void {
    this.deps.exit(1, `the master refused this agent: ${message}`);
  }

  private handleCommand(command: MasterCommand): void {
    if (command.epoch < this.epoch) {
      this.refuse(command.type, `epoch ${command.epoch} is older than epoch ${this.epoch} this agent has obeyed`);
      return;
    }
    if (command.epoch > this.epoch) this.saveEpoch(command.epoch);
    switch (command.type) {
      case "RUN_TASKS":
        this.handleRunTasks(command);
        return;
      case "KILL_TASK": {
        const intent: { reason?: string; message?: string; byHealthCheck: boolean } = { byHealthCheck: false };
        if (command.reason !== undefined) intent.reason = command.reason;
        if (command.message !== undefined) intent.message = command.message;
        this.tasks.kill(command.frameworkId, command.taskId, intent, command.killPolicy);
        return;
      }
      case "ACK_UPDATE":
        this.tasks.acknowledge(command.frameworkId, command.taskId, command.uuid);
        return;
      case "SHUTDOWN_FRAMEWORK":
        this.tasks.shutdownFramework(command.frameworkId);
        return;
    }
  }

  private handleRunTasks(message: RunTasks): void {
    this.deps.observer?.runTasksReceived(message.frameworkId, message.tasks.map((task) => task.task_id?.value ?? ""), message.traceparent);
    if (message.tasks.length === 0 || message.tasks.length > tasksPerRunMax) {
      this.refuse("RUN_TASKS", `a RUN_TASKS must carry 1 to ${tasksPerRunMax} tasks, got ${message.tasks.length}`);
      return;
    }
    const problem = idProblem(message.frameworkId);
    if (problem !== undefined) {
      this.refuse("RUN_TASKS", `framework id ${problem}`);
      return;
    }
    if (this.tasks.isRemoving(message.frameworkId)) {
      this.refuse("RUN_TASKS", `framework ${message.frameworkId} is being shut down on this agent`);
      return;
    }
    const decisions = planRunTasks({
      message,
      free: this.tasks.freeResources(),
      isKnown: (taskId) => this.tasks.hasTask(message.frameworkId, taskId),
    });
    for (const decision of decisions) {
      if (decision.kind === "ignore") this.refuse("RUN_TASKS", `task ${decision.task.task_id?.value}: ${decision.message}`, message.frameworkId);
    }
    this.tasks.runTasks(message, decisions);
  }

  private refuse(command: string, message: string, frameworkId?: string): void {
    this.metrics.commandsRefused++;
    this.deps.logger.warn({ command, framework_id: frameworkId, message }, "command refused");
    this.link.send({ type: "COMMAND_REFUSED", command, message });
  }
}

export interface AgentSummary {
  agentId?: string;
  hostname: string;
  port: number;
  startTimeMs: number;
  resources: Resources;
  registered: boolean;
  epoch: number;
  masterAddress?: string;
  masterId?: string;
}

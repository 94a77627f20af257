// Wiring the agent into a process: containerizer, sandbox GC, recovery, HTTP endpoints, and the
// link to the master, in the order recovery needs.

import { join } from "node:path";
import { effectiveFlagsForDisplay, serveModeHttp, version, versionInfo, type ProcessContext, type Service } from "../process/index.ts";
import { Agent, AgentStartError } from "./agent.ts";
import { ensureDir } from "./checkpoint-io.ts";
import { checkConfig, type AgentConfig } from "./config.ts";
import { createContainerizer, type Containerizer } from "./containerizer/index.ts";
import { mountAgentRoutes, runningTaskStatistics } from "./endpoints.ts";
import { AttachedPaths, createFilesApp } from "./files/index.ts";
import { SandboxGc } from "./gc/index.ts";
import { createMasterDetector } from "./master-detector.ts";
import { noopAgentObserver, type AgentObserver, type AgentStateSource } from "./observer.ts";
import { metaDir } from "./paths.ts";
import { SandboxFiles } from "./sandbox-files.ts";
import type { TaskState } from "../wire/index.ts";

/** How often recover=cleanup looks whether the killed tasks are gone. */
const cleanupPollMs = 50;

/** `observer`: task spans and agent metrics (observability/observers); default none. */
export async function startAgent(ctx: ProcessContext, config: AgentConfig, options: { observer?: AgentObserver } = {}): Promise<Service[]> {
  const observer = options.observer ?? noopAgentObserver;
  checkConfig(config);
  const { logger } = ctx;
  logger.info({ resources: config.resources.toText(), attributes: config.attributes.length, work_dir: config.workDir, master: config.master }, "agent resources");
  const detector = createMasterDetector(config.master);
  ensureDir(config.workDir);
  const exit = config.exit ?? defaultExit(ctx);
  const containerizer = config.containerizer ?? (await realContainerizer(ctx, config));
  const gc = new SandboxGc({
    stateDir: metaDir(config.workDir),
    rootDir: config.workDir,
    gcDelayMs: config.gcDelayMs,
    gcDiskHeadroom: config.gcDiskHeadroom,
    clock: ctx.clock,
    logger,
  });
  const attached = new AttachedPaths();
  const files = new SandboxFiles(attached);
  if (config.logDir !== undefined) files.attachLogDir(config.logDir);
  const agent = new Agent({
    config,
    logger,
    clock: ctx.clock,
    ids: ctx.ids,
    random: ctx.random,
    containerizer,
    detector,
    version,
    exit,
    files,
    observer,
    ...(config.journalCompactBytesMin === undefined ? {} : { journalCompactBytesMin: config.journalCompactBytesMin }),
    scheduleGc: (paths, options) => {
      for (const path of paths) {
        const scheduled = options?.ifAbsent === true ? gc.scheduleIfAbsent(path) : gc.schedule(path);
        scheduled.catch((error: unknown) => logger.error({ path, err: error }, "cannot schedule sandbox gc"));
      }
    },
  });
  observer.bind(agentStateSource(agent, containerizer));
  try {
    agent.recoverCheckpoints();
    await agent.recoverContainers();
  } catch (error) {
    await containerizer.close();
    if (error instanceof AgentStartError) logger.error({ work_dir: config.workDir, message: error.message }, "agent refuses to start");
    throw error;
  }
  if (config.recover === "cleanup") {
    const killed = await agent.killAllAndWait(cleanupPollMs);
    await containerizer.close();
    exit(0, `--recover=cleanup: killed ${killed} task(s) left from the previous run; exiting`);
    return [];
  }
  return [serve(ctx, config, { agent, containerizer, gc, attached })];
}

interface Parts {
  agent: Agent;
  containerizer: Containerizer;
  gc: SandboxGc;
  attached: AttachedPaths;
}

function serve(ctx: ProcessContext, config: AgentConfig, { agent, containerizer, gc, attached }: Parts): Service {
  const mount = (app: Parameters<typeof mountAgentRoutes>[0]) => {
    const deps: Parameters<typeof mountAgentRoutes>[1] = {
      agent,
      containerizer,
      clock: ctx.clock,
      ip: ctx.flags.string("ip"),
      attributes: config.attributes,
      version: versionInfo(),
      flags: () => effectiveFlagsForDisplay(ctx.flags),
    };
    if (config.logDir !== undefined) deps.logDir = config.logDir;
    mountAgentRoutes(app, deps);
    app.route("/", createFilesApp({ attached: () => attached.list() }));
  };
  const http = serveModeHttp(ctx, "agent", config.port, mount);
  agent.start(Number(new URL(http.url).port));
  const pruneTimer = setInterval(() => {
    gc.prune().catch((error: unknown) => ctx.logger.error({ err: error }, "sandbox gc failed"));
  }, config.diskWatchIntervalMs);
  pruneTimer.unref();
  return {
    name: http.name,
    url: http.url,
    stop: async () => {
      clearInterval(pruneTimer);
      await agent.stop();
      await http.stop();
    },
  };
}

function agentStateSource(agent: Agent, containerizer: Containerizer): AgentStateSource {
  return {
    tasksByState: () => {
      const counts = new Map<TaskState, number>();
      for (const task of agent.tasks.tasks.values()) counts.set(task.state, (counts.get(task.state) ?? 0) + 1);
      return counts;
    },
    pendingUpdates: () => agent.updates.pendingTotal(),
    usage: async () =>
      (await runningTaskStatistics(agent, containerizer)).map(({ task, statistics }) => ({ frameworkId: task.frameworkId, executorId: task.checkpoint.executorId, taskId: task.taskId, statistics })),
  };
}

async function realContainerizer(ctx: ProcessContext, config: AgentConfig): Promise<Containerizer> {
  return createContainerizer({
    metaDir: join(metaDir(config.workDir)),
    isolation: config.isolation,
    cgroupsHierarchy: config.cgroupsHierarchy,
    cgroupsRoot: config.cgroupsRoot,
    enableCfs: config.cgroupsEnableCfs,
    clock: ctx.clock,
    logger: ctx.logger,
  });
}

/** Operator action is needed: say so on stderr, in the log, and stop with `code`. */
function defaultExit(ctx: ProcessContext): (code: number, message: string) => void {
  return (code, message) => {
    if (code === 0) {
      ctx.logger.info({ message }, "agent exiting");
      console.log(`cluster: ${message}`);
    } else {
      ctx.logger.error({ message }, "agent exiting");
      console.error(`cluster: ${message}`);
    }
    process.exit(code);
  };
}

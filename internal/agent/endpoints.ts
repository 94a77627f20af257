// The agent's own HTTP endpoints, mounted on the mode's app beside /health, /metrics and /flags:
// /state (and /state.json), /metrics/snapshot and /monitor/statistics, in Mesos's shapes.

import type { Hono } from "hono";
import type { Clock } from "../runtime/index.ts";
import type { Attributes } from "../resources/index.ts";
import type { Agent } from "./agent.ts";
import type { Containerizer, ResourceStatistics } from "./containerizer/types.ts";
import type { TaskRecord } from "./model.ts";
import { agentMetricsSnapshot, agentStateJson, type StateInput } from "./state-json.ts";

export interface EndpointDeps {
  agent: Agent;
  containerizer: Containerizer;
  clock: Clock;
  ip: string;
  attributes: Attributes;
  version: StateInput["version"];
  flags: () => Record<string, string>;
  logDir?: string;
}

export function mountAgentRoutes(app: Hono, deps: EndpointDeps): void {
  const state = () => {
    const { agent } = deps;
    const input: StateInput = {
      summary: agent.view(),
      ip: deps.ip,
      attributes: deps.attributes,
      version: deps.version,
      flags: deps.flags(),
      frameworks: [...agent.tasks.frameworks.values()],
      tasks: [...agent.tasks.tasks.values()],
      completed: agent.tasks.completed,
      completedFrameworks: agent.tasks.completedFrameworks,
    };
    if (deps.logDir !== undefined) input.logDir = deps.logDir;
    return agentStateJson(input);
  };
  app.get("/state", (c) => c.json(state()));
  app.get("/state.json", (c) => c.json(state()));
  app.get("/metrics/snapshot", (c) => c.json(metricsSnapshot(deps)));
  app.get("/monitor/statistics", async (c) => c.json(await monitorStatistics(deps)));
  app.get("/monitor/statistics.json", async (c) => c.json(await monitorStatistics(deps)));
}

function metricsSnapshot(deps: EndpointDeps): Record<string, number> {
  const { agent } = deps;
  const tasks = [...agent.tasks.tasks.values()];
  return agentMetricsSnapshot({
    summary: agent.view(),
    nowMs: deps.clock.nowMs(),
    metrics: agent.metrics,
    tasks,
    used: agent.tasks.usedResources(),
    frameworksActive: [...agent.tasks.frameworks.values()].filter((framework) => !framework.removing).length,
    pendingUpdates: agent.updates.pendingTotal(),
  });
}

/** Mesos's /monitor/statistics: one entry per running executor (here: per running task). */
async function monitorStatistics(deps: EndpointDeps): Promise<unknown[]> {
  return (await runningTaskStatistics(deps.agent, deps.containerizer)).map(({ task, statistics }) => {
    const { checkpoint } = task;
    const group = checkpoint.executor !== undefined;
    return {
      executor_id: checkpoint.executorId,
      executor_name: group ? (checkpoint.executor?.name ?? checkpoint.executorId) : `Command Executor (Task: ${task.taskId})`,
      framework_id: task.frameworkId,
      source: group ? (checkpoint.executor?.source ?? checkpoint.executorId) : task.taskId,
      container_id: checkpoint.containerId,
      statistics,
    };
  });
}

/** Container usage of every running (or killing) task; also the agent's container_* metrics. */
export async function runningTaskStatistics(agent: Agent, containerizer: Containerizer): Promise<Array<{ task: TaskRecord; statistics: ResourceStatistics }>> {
  const running = [...agent.tasks.tasks.values()].filter((task) => task.phase === "running" || task.phase === "killing");
  const entries = await Promise.all(
    running.map(async (task) => {
      const statistics = await containerizer.usage(task.checkpoint.containerId);
      return statistics === undefined ? undefined : { task, statistics };
    }),
  );
  return entries.filter((entry) => entry !== undefined);
}

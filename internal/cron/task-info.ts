// The Mesos TaskInfo for a run: a command task for the command executor, with the job's command,
// arguments, environment and user, and Chronos's CHRONOS_* variables so jobs written for Chronos
// find what they expect.

import type { ResourceJSON } from "../resources/index.ts";
import type { EnvironmentVariable, TaskInfo } from "../wire/index.ts";
import type { JobSpec, RunRecord } from "./types.ts";

export function taskInfoFor(run: RunRecord, spec: JobSpec, agentId: string, resources: ResourceJSON[]): TaskInfo {
  const variables: EnvironmentVariable[] = [
    ...spec.environmentVariables.map((v) => ({ name: v.name, value: v.value })),
    { name: "CHRONOS_JOB_NAME", value: spec.name },
    { name: "CHRONOS_JOB_OWNER", value: spec.owner },
    { name: "CHRONOS_JOB_RUN_TIME", value: new Date(run.scheduledMs).toISOString() },
    { name: "CHRONOS_JOB_RUN_ATTEMPT", value: String(run.attempt) },
    { name: "CRON_RUN_ID", value: run.id },
  ];
  const command: TaskInfo["command"] = spec.shell
    ? { shell: true, value: spec.command, environment: { variables } }
    : { shell: false, value: spec.command, arguments: [spec.command, ...spec.arguments], environment: { variables } };
  if (spec.runAsUser !== undefined) command.user = spec.runAsUser;
  const task: TaskInfo = {
    name: `cron:${spec.name}`,
    task_id: { value: run.id },
    agent_id: { value: agentId },
    resources,
    command,
    labels: { labels: [{ key: "cron_job", value: spec.name }, { key: "cron_scheduled_ms", value: String(run.scheduledMs) }] },
  };
  if (spec.maxCompletionTimeSeconds !== undefined) task.max_completion_time = { nanoseconds: spec.maxCompletionTimeSeconds * 1e9 };
  return task;
}

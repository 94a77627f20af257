// The environment of a task's process, pure. Mesos's names (MESOS_SANDBOX, MESOS_TASK_ID, ...),
// their CLUSTER_ twins, HOST and Marathon's PORT0..PORTn / PORT / PORTS from the task's ports,
// then the command's own variables, which win over ours as in Mesos.

import type { CommandInfo } from "../wire/index.ts";

/** Ports a task can get; more ranges than this is a task no one should run, so it is refused. */
export const portsPerTaskMax = 65_536;

export interface TaskEnvInput {
  sandboxDir: string;
  taskId: string;
  agentId: string;
  frameworkId: string;
  executorId: string;
  hostname: string;
  /** Port ranges of the task's `ports` resource, in order. */
  portRanges: ReadonlyArray<{ begin: number; end: number }>;
  command: CommandInfo;
}

export function taskEnvironment(input: TaskEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  const ids: Array<[string, string]> = [
    ["SANDBOX", input.sandboxDir],
    ["DIRECTORY", input.sandboxDir],
    ["TASK_ID", input.taskId],
    ["AGENT_ID", input.agentId],
    ["FRAMEWORK_ID", input.frameworkId],
    ["EXECUTOR_ID", input.executorId],
  ];
  for (const [name, value] of ids) {
    env[`MESOS_${name}`] = value;
    env[`CLUSTER_${name}`] = value;
  }
  env.HOST = input.hostname;
  const ports = listPorts(input.portRanges);
  ports.forEach((port, index) => {
    env[`PORT${index}`] = String(port);
  });
  if (ports.length > 0) {
    env.PORT = String(ports[0]);
    env.PORTS = ports.join(",");
  }
  for (const variable of input.command.environment?.variables ?? []) {
    if (variable.type === "SECRET") continue;
    env[variable.name] = variable.value ?? "";
  }
  return env;
}

function listPorts(ranges: ReadonlyArray<{ begin: number; end: number }>): number[] {
  const ports: number[] = [];
  for (const range of ranges) {
    for (let port = range.begin; port <= range.end; port++) {
      if (ports.length >= portsPerTaskMax) throw new Error(`task has more than ${portsPerTaskMax} ports`);
      ports.push(port);
    }
  }
  return ports;
}

// Agents for tests: in this process (startAgent with a real containerizer, fast, and able to
// observe exit requests), or as the real executable (for SIGKILL and restart).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { agentConfigFromFlags, startAgent, type AgentConfig } from "../../internal/agent/index.ts";
import { parseCommandLine } from "../../internal/flags/index.ts";
import type { ProcessContext, Service } from "../../internal/process/index.ts";
import { realClock, realIds, realRandom } from "../../internal/runtime/index.ts";
import { startCluster, type RunningCluster } from "./cluster.ts";

/** Flags that keep agent tests quick and independent of the machine's cgroups. */
export function quickAgentFlags(): string[] {
  return [
    "--isolation=posix",
    "--registration_backoff_factor=20ms",
    "--status_update_retry_interval_min=200ms",
    "--status_update_retry_interval_max=1secs",
    "--task_kill_grace_period=1secs",
    "--resources=cpus:2;mem:512;disk:1024;ports:[31000-31009]",
  ];
}

export function agentArgs(master: string, workDir: string, extra: string[] = []): string[] {
  const flags = ["--mode=agent", "--ip=127.0.0.1", "--port=0", `--master=${master}`, `--work_dir=${workDir}`, ...quickAgentFlags(), ...extra];
  // Later flags win, so a test's own --resources replaces the quick default.
  return dedupeFlags(flags);
}

function dedupeFlags(flags: string[]): string[] {
  const byName = new Map<string, string>();
  for (const flag of flags) byName.set(flag.split("=")[0]!, flag);
  return [...byName.values()];
}

export interface InProcessAgent {
  url: string;
  config: AgentConfig;
  services: Service[];
  exits: Array<{ code: number; message: string }>;
  stop(): Promise<void>;
}

/** startAgent in this process; `exit` requests are recorded instead of ending the test run. */
export async function startInProcessAgent(master: string, workDir: string, extra: string[] = [], overrides: Partial<AgentConfig> = {}): Promise<InProcessAgent> {
  const outcome = parseCommandLine({ argv: agentArgs(master, workDir, extra), env: {} });
  if (outcome.kind !== "run") throw new Error("expected flags to run");
  const level = process.env.AGENT_TEST_LOG === undefined ? "silent" : "debug";
  const ctx: ProcessContext = {
    flags: outcome.flags,
    logger: pino({ level }),
    telemetry: { metricsText: async () => "" },
    clock: realClock,
    random: realRandom,
    ids: realIds,
  };
  const exits: Array<{ code: number; message: string }> = [];
  const config = { ...agentConfigFromFlags(outcome.flags), exit: (code: number, message: string) => void exits.push({ code, message }), ...overrides };
  const services = await startAgent(ctx, config);
  const url = services[0]?.url ?? "";
  return {
    url,
    config,
    services,
    exits,
    stop: async () => {
      for (const service of services) await service.stop();
    },
  };
}

/** The executable as an agent; resolves once it prints its URL. */
export function startAgentProcess(master: string, workDir: string, extra: string[] = []): Promise<RunningCluster> {
  return startCluster(agentArgs(master, workDir, extra));
}

/** Reads a task's stdout from its sandbox (`runs/latest`). */
export function sandboxFile(workDir: string, agentId: string, frameworkId: string, executorId: string, file: string): string | undefined {
  const path = join(workDir, "slaves", agentId, "frameworks", frameworkId, "executors", executorId, "runs", "latest", file);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

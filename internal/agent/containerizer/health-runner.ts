// Runs one container's health checks: real timers and real probes (a command in the sandbox, an
// HTTP GET or a TCP connect to 127.0.0.1); decisions are health.ts's, with the injected clock.

import { connect } from "node:net";
import type { Clock } from "../../runtime/index.ts";
import { healthStep, httpStatusHealthy, initialHealthState, nextProbeDelayMs, type HealthPolicy, type HealthProbe, type HealthState } from "./health.ts";
import type { ContainerizerLogger } from "./options.ts";
import { signalPid } from "./proc.ts";
import type { HealthEvent } from "./types.ts";

export interface HealthRunnerDeps {
  containerId: string;
  policy: HealthPolicy;
  sandboxDir: string;
  env: Record<string, string>;
  /** When the task was launched (grace and delay count from here). */
  startedMs: number;
  clock: Clock;
  logger: ContainerizerLogger;
  emit: (event: HealthEvent) => void;
  shell: string;
}

export class HealthRunner {
  private state: HealthState;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly deps: HealthRunnerDeps) {
    this.state = initialHealthState(deps.startedMs);
  }

  start(): void {
    this.schedule(nextProbeDelayMs(this.deps.policy, this.deps.startedMs, this.deps.clock.nowMs(), true));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runOnce(), delayMs);
    this.timer.unref?.();
  }

  private async runOnce(): Promise<void> {
    this.timer = null;
    const healthy = await runProbe(this.deps.policy.probe, this.deps.policy.timeoutMs, this.deps).catch((error: unknown) => {
      this.deps.logger.warn({ container_id: this.deps.containerId, err: String(error) }, "health probe failed to run");
      return false;
    });
    if (this.stopped) return;
    const step = healthStep(this.state, this.deps.policy, this.deps.containerId, healthy, this.deps.clock.nowMs());
    this.state = step.state;
    if (step.event !== null) this.deps.emit(step.event);
    if (this.state.done) return;
    this.schedule(nextProbeDelayMs(this.deps.policy, this.deps.startedMs, this.deps.clock.nowMs(), false));
  }
}

export async function runProbe(
  probe: HealthProbe,
  timeoutMs: number,
  ctx: { sandboxDir: string; env: Record<string, string>; shell: string },
): Promise<boolean> {
  switch (probe.type) {
    case "COMMAND":
      return commandProbe(probe.command, timeoutMs, ctx);
    case "HTTP":
      return httpProbe(probe, timeoutMs);
    case "TCP":
      return tcpProbe(probe.port, timeoutMs);
  }
}

async function commandProbe(
  command: Extract<HealthProbe, { type: "COMMAND" }>["command"],
  timeoutMs: number,
  ctx: { sandboxDir: string; env: Record<string, string>; shell: string },
): Promise<boolean> {
  const env = { ...ctx.env };
  for (const v of command.environment?.variables ?? []) if (v.value !== undefined) env[v.name] = v.value;
  const value = command.value ?? "";
  const cmd = command.shell === false ? [value, ...(command.arguments ?? []).slice(1)] : [ctx.shell, "-c", value];
  // Its own process group, so a timeout takes whatever the check forked too.
  const child = Bun.spawn({ cmd, cwd: ctx.sandboxDir, env, stdio: ["ignore", "ignore", "ignore"], detached: true });
  const timer = setTimeout(() => signalPid(-child.pid, "SIGKILL"), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  return code === 0;
}

async function httpProbe(probe: Extract<HealthProbe, { type: "HTTP" }>, timeoutMs: number): Promise<boolean> {
  const url = `${probe.scheme}://127.0.0.1:${probe.port}${probe.path}`;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "follow",
      tls: { rejectUnauthorized: false },
    });
    await response.body?.cancel();
    return httpStatusHealthy(response.status, probe.statuses);
  } catch {
    // Refused, reset, timed out, bad TLS: every way of not answering means unhealthy.
    return false;
  }
}

function tcpProbe(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}

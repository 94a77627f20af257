// A small real cluster for end-to-end tests: a master process, agent processes, and a framework
// through the scheduler client, with helpers to wait for events.

import { existsSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { SchedulerClient } from "../../internal/framework/index.ts";
import type { FrameworkInfo, Offer, SchedulerEvent, TaskInfo, TaskStatus } from "../../internal/wire/index.ts";
import { startCluster, tempDir, type RunningCluster } from "./cluster.ts";

export interface TestMaster {
  proc: RunningCluster;
  url: string;
  address: string;
  workDir: string;
}

/** `env`: extra environment, e.g. OTEL_* to turn telemetry on (it is off by default in tests). */
export async function startTestMaster(extra: string[] = [], workDir = tempDir(), env: Record<string, string> = {}): Promise<TestMaster> {
  const defaults = ["--ip=127.0.0.1", "--port=0", `--work_dir=${workDir}`, "--allocation_interval=100ms", "--framework_heartbeat_interval=1secs"];
  const proc = await startCluster(["--mode=master", ...withOverrides(defaults, extra)], { env });
  const url = proc.urls.get("master")!;
  return { proc, url, address: new URL(url).host, workDir };
}

/** Defaults, minus those the caller gives again, then the caller's flags. */
function withOverrides(defaults: string[], extra: string[]): string[] {
  const given = new Set(extra.map((flag) => flag.split("=")[0]));
  return [...defaults.filter((flag) => !given.has(flag.split("=")[0])), ...extra];
}

export async function startTestAgent(master: string, extra: string[] = [], workDir = tempDir(), env: Record<string, string> = {}): Promise<{ proc: RunningCluster; url: string; workDir: string }> {
  const defaults = [
    "--ip=127.0.0.1",
    "--port=0",
    `--master=${master}`,
    `--work_dir=${workDir}`,
    "--isolation=posix",
    "--no-switch_user",
    "--status_update_retry_interval_min=500ms",
    "--status_update_retry_interval_max=2secs",
    "--registration_backoff_factor=100ms",
  ];
  const proc = await startCluster(["--mode=agent", ...withOverrides(defaults, extra)], { env });
  return { proc, url: proc.urls.get("agent")!, workDir };
}

/** A framework whose every event is recorded, with waits on them. */
export class TestFramework {
  readonly events: SchedulerEvent[] = [];
  readonly client: SchedulerClient;
  private waiters: Array<() => void> = [];

  constructor(masters: string[], info: Partial<FrameworkInfo> = {}, autoAcknowledge = true) {
    this.client = new SchedulerClient({
      masters,
      frameworkInfo: { user: "root", name: "e2e", failover_timeout: 60, capabilities: [{ type: "MULTI_ROLE" }], roles: ["*"], ...info } as FrameworkInfo,
      autoAcknowledge,
      onEvent: (event) => {
        this.events.push(event);
        for (const waiter of this.waiters.splice(0)) waiter();
      },
    });
  }

  async subscribe(): Promise<string> {
    await this.client.subscribe();
    return this.client.frameworkId!;
  }

  /** The first event from index `from` on that matches. */
  waitFor<T extends SchedulerEvent>(predicate: (event: SchedulerEvent) => event is T, timeoutMs = 15_000, from = 0): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.slice(from).find(predicate);
        if (found) resolve(found);
        return found !== undefined;
      };
      if (check()) return;
      const timer = setTimeout(() => reject(new Error(`timed out; events: ${this.events.map(describe).join(" ")}`)), timeoutMs);
      const waiter = (): void => {
        if (check()) clearTimeout(timer);
        else this.waiters.push(waiter);
      };
      this.waiters.push(waiter);
    });
  }

  async nextOffer(predicate: (offer: Offer) => boolean = () => true, from = this.events.length): Promise<Offer> {
    const event = await this.waitFor((e): e is Extract<SchedulerEvent, { type: "OFFERS" }> => e.type === "OFFERS" && e.offers.offers.some(predicate), 15_000, from);
    return event.offers.offers.find(predicate)!;
  }

  async status(taskId: string, state: TaskStatus["state"], timeoutMs = 15_000): Promise<TaskStatus> {
    const event = await this.waitFor(
      (e): e is Extract<SchedulerEvent, { type: "UPDATE" }> => e.type === "UPDATE" && e.update.status.task_id.value === taskId && e.update.status.state === state,
      timeoutMs,
    );
    return event.update.status;
  }

  statesOf(taskId: string): string[] {
    return this.events.flatMap((e) => (e.type === "UPDATE" && e.update.status.task_id.value === taskId ? [e.update.status.state] : []));
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function describe(event: SchedulerEvent): string {
  return event.type === "UPDATE" ? `UPDATE(${event.update.status.task_id.value}:${event.update.status.state})` : event.type;
}

/** Removes an agent's --cgroups_root from every cgroup v1 controller (and v2); its containers' cgroups must be gone. */
export function removeRootCgroups(root: string): void {
  for (const controller of readdirSync("/sys/fs/cgroup")) {
    const dir = join("/sys/fs/cgroup", controller, root);
    if (existsSync(dir) && statSync(dir).isDirectory()) rmdirSync(dir);
  }
  const v2 = join("/sys/fs/cgroup", root);
  if (existsSync(join("/sys/fs/cgroup", "cgroup.controllers")) && existsSync(v2)) rmdirSync(v2);
}

/** How much of one scalar resource an offer holds, over every role. */
export function offerScalar(offer: Offer, name: string): number {
  return offer.resources.filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

/** How many tasks of `cpus` and `memMb` each fit in an offer. */
export function tasksFitting(offer: Offer, cpus: number, memMb: number): number {
  return Math.min(Math.floor(offerScalar(offer, "cpus") / cpus + 1e-9), Math.floor(offerScalar(offer, "mem") / memMb + 1e-9));
}

export function commandTask(offer: Offer, taskId: string, command: string, resources = "cpus:0.1;mem:32"): TaskInfo {
  const role = offer.allocation_info?.role;
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources: resources.split(";").map((entry) => {
      const [name, value] = entry.split(":");
      return { name: name!, type: "SCALAR" as const, scalar: { value: Number(value) }, role: "*", ...(role ? { allocation_info: { role } } : {}) };
    }),
    command: { shell: true, value: command },
  };
}

export async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  return response.json();
}

export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

// Starts what each mode runs: wiring only. Each mode's own folder holds its start function.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentConfigFromFlags, DetectionError, setZkDetectorFactory, startAgent } from "../internal/agent/index.ts";
import { cronConfigFromFlags, startCron } from "../internal/cron/index.ts";
import { parseCommandLine, type Flags } from "../internal/flags/index.ts";
import { masterConfigFromFlags, startMaster, type Leadership, type MasterService } from "../internal/master/index.ts";
import { createRaftMaster, raftMasterConfigFromFlags } from "../internal/master/raft/index.ts";
import { version, type ProcessContext, type Service } from "../internal/process/index.ts";
import { createZkLeadership, masterInfoFor, zkMasterDetectorFactory } from "../internal/zk/client/index.ts";
import { startZkLiteMode } from "../internal/zk/index.ts";
import { noopModeObservers, type ModeObservers } from "../observability/observers/index.ts";

/** `observers`: spans and metrics of each core (observability/observers); none by default. */
export async function startMode(ctx: ProcessContext, observers: ModeObservers = noopModeObservers): Promise<Service[]> {
  const { flags } = ctx;
  switch (flags.mode) {
    case "master":
      return startMasterMode(ctx, observers);
    case "agent":
      setZkDetectorFactory(zkMasterDetectorFactory({ logger: ctx.logger, clock: ctx.clock, random: ctx.random, detectionError: (message) => new DetectionError(message) }));
      return startAgent(ctx, agentConfigFromFlags(flags), { observer: observers.agent() });
    case "cron":
      return startCron(ctx, cronConfigFromFlags(flags), { observer: observers.cron() });
    case "zk-lite":
      return startZkLiteMode(ctx, { observer: observers.zk() });
    case "dev":
      return startDev(ctx, observers);
  }
}

/** --masters: the built-in Raft among the masters; otherwise --zk or a single master. */
async function startMasterMode(ctx: ProcessContext, observers: ModeObservers): Promise<Service[]> {
  const config = masterConfigFromFlags(ctx.flags);
  const port = ctx.flags.number("port");
  const observer = observers.master({ perAgentSeries: ctx.flags.bool("metrics_per_agent") });
  const raft = raftMasterConfigFromFlags(ctx.flags);
  if (raft === undefined) return (await startMaster(ctx, config, port, { leadership: masterLeadership(ctx), observer })).services;
  const parts = createRaftMaster(ctx, raft, {
    // A removed master stops the way SIGTERM stops it; a storage failure leaves nothing to trust.
    onRemoved: () => process.kill(process.pid, "SIGTERM"),
    onFatal: () => process.exit(1),
  });
  try {
    return (await startMaster(ctx, config, port, { registry: parts.registry, leadership: parts.leadership, mount: parts.mount, observer })).services;
  } catch (error) {
    await parts.registry.close();
    throw error;
  }
}

/** --zk: ZooKeeper election as Mesos does it; otherwise a single master that always leads. */
function masterLeadership(ctx: ProcessContext): ((service: MasterService) => Leadership) | undefined {
  const zk = ctx.flags.optString("zk");
  if (zk === undefined) return undefined;
  return (service) =>
    createZkLeadership(zk, () => masterInfoFor({ id: service.ids.masterId, ...service.address, version }), {
      logger: ctx.logger,
      clock: ctx.clock,
      random: ctx.random,
      sessionTimeoutMs: ctx.flags.number("zk_session_timeout"),
    });
}

/** The master's flags at their defaults, for dev mode, which has no master flags of its own. */
function masterDefaults(workDir: string, ip: string): Flags {
  const outcome = parseCommandLine({ argv: ["--mode=master", `--work_dir=${workDir}`, `--ip=${ip}`], env: {} });
  if (outcome.kind !== "run") throw new Error("master defaults did not parse");
  return outcome.flags;
}

async function startDev(ctx: ProcessContext, observers: ModeObservers): Promise<Service[]> {
  const workDir = ctx.flags.optString("work_dir") ?? mkdtempSync(join(tmpdir(), "cluster-dev-"));
  ctx.logger.info({ work_dir: workDir }, "dev mode state directory");
  const services: Service[] = [];
  try {
    const masterFlags = masterDefaults(join(workDir, "master"), ctx.flags.string("ip"));
    const started = await startMaster(ctx, masterConfigFromFlags(masterFlags), ctx.flags.number("port"), { observer: observers.master() });
    services.push(...started.services);
    const master = new URL(started.services[0]!.url).host;
    services.push(...(await startAgent(ctx, agentConfigFromFlags(ctx.flags, { workDir: join(workDir, "agent"), master }), { observer: observers.agent() })));
    services.push(...(await startCron(ctx, cronConfigFromFlags(ctx.flags, { workDir: join(workDir, "cron"), master }), { observer: observers.cron() })));
  } catch (error) {
    for (const service of services) void service.stop();
    throw error;
  }
  return services;
}

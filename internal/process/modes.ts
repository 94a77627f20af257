// Starts what each mode runs. In this first cut every mode serves its HTTP endpoints; the master,
// agent, zk-lite and cron issues add their cores behind these same entry points.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentConfigFromFlags, startAgent } from "../agent/index.ts";
import { cronConfigFromFlags, startCron } from "../cron/index.ts";
import { masterConfigFromFlags, startMaster } from "../master/index.ts";
import type { ProcessContext, Service } from "./context.ts";
import { serveModeHttp } from "./serve-mode.ts";

export async function startMode(ctx: ProcessContext): Promise<Service[]> {
  const { flags } = ctx;
  switch (flags.mode) {
    case "master":
      return (await startMaster(ctx, masterConfigFromFlags(flags), flags.number("port"))).services;
    case "agent":
      return startAgent(ctx, agentConfigFromFlags(flags));
    case "cron":
      return startCron(ctx, cronConfigFromFlags(flags));
    case "zk-lite":
      return [serveModeHttp(ctx, "zk-lite admin", flags.number("admin_port"))];
    case "dev":
      return startDev(ctx);
  }
}

async function startDev(ctx: ProcessContext): Promise<Service[]> {
  const workDir = ctx.flags.optString("work_dir") ?? mkdtempSync(join(tmpdir(), "cluster-dev-"));
  ctx.logger.info({ work_dir: workDir }, "dev mode state directory");
  const services: Service[] = [];
  try {
    services.push(serveModeHttp(ctx, "master", ctx.flags.number("port")));
    const master = new URL(services[0]!.url).host;
    services.push(...(await startAgent(ctx, agentConfigFromFlags(ctx.flags, { workDir: join(workDir, "agent"), master }))));
    services.push(...(await startCron(ctx, cronConfigFromFlags(ctx.flags, { workDir: join(workDir, "cron"), master }))));
  } catch (error) {
    for (const service of services) void service.stop();
    throw error;
  }
  return services;
}

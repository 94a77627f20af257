// Starts what each mode runs. In this first cut every mode serves its HTTP endpoints; the master,
// agent, zk-lite and cron issues add their cores behind these same entry points.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectDefaultResources, parseAttributesFlag, parseResourcesFlag, withDefaults } from "../resources/index.ts";
import { masterConfigFromFlags, startMaster } from "../master/index.ts";
import type { ProcessContext, Service } from "./context.ts";
import { serveModeHttp } from "./serve-mode.ts";

export async function startMode(ctx: ProcessContext): Promise<Service[]> {
  const { flags } = ctx;
  switch (flags.mode) {
    case "master":
      return (await startMaster(ctx, masterConfigFromFlags(flags), flags.number("port"))).services;
    case "agent":
      logAdvertisedResources(ctx);
      return [serveModeHttp(ctx, "agent", flags.number("port"))];
    case "cron":
      return [serveModeHttp(ctx, "cron", flags.number("port"))];
    case "zk-lite":
      return [serveModeHttp(ctx, "zk-lite admin", flags.number("admin_port"))];
    case "dev":
      return startDev(ctx);
  }
}

function startDev(ctx: ProcessContext): Service[] {
  const workDir = ctx.flags.optString("work_dir") ?? mkdtempSync(join(tmpdir(), "cluster-dev-"));
  ctx.logger.info({ work_dir: workDir }, "dev mode state directory");
  const services: Service[] = [];
  try {
    services.push(serveModeHttp(ctx, "master", ctx.flags.number("port")));
    services.push(serveModeHttp(ctx, "agent", ctx.flags.number("agent_port")));
    services.push(serveModeHttp(ctx, "cron", ctx.flags.number("cron_port")));
  } catch (error) {
    for (const service of services) void service.stop();
    throw error;
  }
  return services;
}

/** Mesos semantics: resources named in --resources replace the detected ones of that name. */
function logAdvertisedResources(ctx: ProcessContext): void {
  const { flags } = ctx;
  const detected = detectDefaultResources(flags.string("work_dir"), flags.string("default_role"));
  const given = flags.optString("resources");
  const resources = given === undefined ? detected : withDefaults(parseResourcesFlag(given, { defaultRole: flags.string("default_role") }), detected);
  const attributes = parseAttributesFlag(flags.optString("attributes") ?? "");
  ctx.logger.info({ resources: resources.toText(), attributes: attributes.length }, "agent resources");
}

// Wires a master into a process: registry on disk, the Master, its timers and its HTTP routes.

import type { Hono } from "hono";
import { websocket } from "hono/bun";
import { effectiveFlagsForDisplay, serveModeHttp, versionInfo, type ProcessContext, type Service } from "../process/index.ts";
import { mountAgentSocket } from "./agent-ws.ts";
import { checkReregisterDeadline, pingTick } from "./agents.ts";
import type { MasterConfig } from "./config.ts";
import { checkFailoverDeadlines, frameworkDisconnected } from "./frameworks.ts";
import { Master } from "./master.ts";
import { mountOperatorEndpoints } from "./operator-http.ts";
import { FileRegistry } from "./registry/index.ts";
import { mountSchedulerApi } from "./scheduler-http.ts";
import { mountOperatorApi } from "./operator-v1.ts";
import { checkDrained } from "./operations.ts";
import { watchWhitelist } from "./whitelist.ts";

export interface StartedMaster {
  master: Master;
  services: Service[];
}

export async function startMaster(ctx: ProcessContext, config: MasterConfig, port: number): Promise<StartedMaster> {
  const registry = FileRegistry.open(config.workDir);
  let master: Master | undefined;
  const service = serveModeHttp(
    ctx,
    "master",
    port,
    (app: Hono) => {
      // Routes see the master through this closure; it exists before the first request is served.
      mountRoutes(app, () => master!, ctx);
    },
    websocket,
  );
  const address = new URL(service.url);
  master = new Master({
    config,
    registry,
    clock: ctx.clock,
    random: ctx.random,
    ids: ctx.ids,
    logger: ctx.logger,
    address: { hostname: config.hostname, ip: config.ip, port: Number(address.port) },
  });
  const m = master;
  m.onPingTick = () => pingTick(m);
  m.onFrameworkStreamClosed = (frameworkId, streamId) => frameworkDisconnected(m, frameworkId, streamId);
  m.addHousekeeping(() => checkFailoverDeadlines(m));
  m.addHousekeeping(() => checkReregisterDeadline(m));
  m.addHousekeeping(() => checkDrained(m));
  if (config.whitelistPath !== undefined) {
    const whitelist = watchWhitelist(m, config.whitelistPath);
    whitelist();
    m.addHousekeeping(whitelist);
  }
  await m.start();
  return {
    master: m,
    services: [
      {
        name: service.name,
        url: service.url,
        stop: async () => {
          await service.stop();
          await m.stop();
        },
      },
    ],
  };
}

function mountRoutes(app: Hono, master: () => Master, ctx: ProcessContext): void {
  const lazy = new Proxy({} as Master, { get: (_target, key) => Reflect.get(master(), key) });
  mountAgentSocket(app, lazy, () => true);
  mountSchedulerApi(app, lazy, () => undefined);
  mountOperatorApi(app, lazy, ctx.flags);
  mountOperatorEndpoints(app, lazy, {
    flags: () => effectiveFlagsForDisplay(ctx.flags),
    build: () => {
      const info = versionInfo();
      return { version: info.version, git_sha: info.git_sha, build_date: info.build_date, build_time: info.build_time, build_user: info.build_user };
    },
    leaderLocation: () => {
      const info = master().deps.address;
      return `//${info.hostname}:${info.port}`;
    },
  });
}

import type { Hono } from "hono";
import { createBaseApp } from "./base-routes.ts";
import type { ProcessContext, Service } from "./context.ts";
import { serveHttp, type ServeOptions } from "./http-server.ts";

/**
 * Builds the mode's HTTP app (base routes plus the mode's own, mounted by `mount`) and serves it
 * on ip:port. The shared shape of every mode's HTTP side.
 */
export function serveModeHttp(
  ctx: ProcessContext,
  name: string,
  port: number,
  mount: (app: Hono) => void = () => {},
  websocket?: ServeOptions["websocket"],
): Service {
  const app = createBaseApp({ flags: ctx.flags, metricsText: () => ctx.telemetry.metricsText() });
  mount(app);
  const server = serveHttp({
    ip: ctx.flags.string("ip"),
    port,
    app,
    maxRequestBodyBytes: ctx.flags.number("max_request_body_size"),
    ...(websocket ? { websocket } : {}),
  });
  ctx.logger.info({ url: server.url, service: name }, "listening");
  return { name, url: server.url, stop: () => server.stop() };
}

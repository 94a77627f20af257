// The endpoints every mode serves: /health, /metrics, /flags and /version, plus the request body
// limit. Modes mount their own routes on the app this returns.

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { formatBytes, formatDurationMs, redactUserInfo, type Flags } from "../flags/index.ts";
import { versionInfo } from "./version.ts";

export interface BaseRoutesOptions {
  flags: Flags;
  metricsText: () => Promise<string>;
  /** Extra health condition; absent means healthy whenever the process answers. */
  healthy?: () => boolean;
}

export function createBaseApp(options: BaseRoutesOptions): Hono {
  const app = new Hono();
  const maxBodyBytes = options.flags.number("max_request_body_size");
  app.use(
    "*",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        c.json({ error: `request body is larger than --max_request_body_size (${formatBytes(maxBodyBytes)})` }, 413),
    }),
  );
  app.get("/health", (c) => (options.healthy?.() === false ? c.text("", 503) : c.body(null, 200)));
  app.get("/metrics", async (c) => {
    const text = await options.metricsText();
    return c.text(text, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  app.get("/flags", (c) => c.json({ flags: effectiveFlagsForDisplay(options.flags) }));
  app.get("/version", (c) => c.json(versionInfo()));
  return app;
}

/** Mesos's /flags shape: every value as a string, secrets and URL passwords redacted. */
export function effectiveFlagsForDisplay(flags: Flags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { def, value } of flags.entries()) {
    if (value === undefined) continue;
    if (def.secret) {
      out[def.name] = "[redacted]";
    } else if (def.kind === "duration" && typeof value === "number") {
      out[def.name] = formatDurationMs(value);
    } else if (def.kind === "bytes" && typeof value === "number") {
      out[def.name] = formatBytes(value);
    } else {
      out[def.name] = redactUserInfo(String(value));
    }
  }
  return out;
}

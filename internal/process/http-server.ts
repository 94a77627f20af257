import type { WebSocketHandler } from "bun";
import type { Hono } from "hono";

export interface HttpServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export interface ServeOptions {
  ip: string;
  port: number;
  app: Hono;
  maxRequestBodyBytes: number;
  /** Bun's WebSocket handler (hono/bun `websocket`) for apps that upgrade connections. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the per-socket data type is the app's
  websocket?: WebSocketHandler<any>;
}

/** Serves a Hono app with Bun.serve; a bind failure becomes an error naming the address. */
export function serveHttp(options: ServeOptions): HttpServer {
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: options.ip,
      port: options.port,
      fetch: options.app.fetch,
      // Bun's own ceiling sits a little above the app's limit so the app's 413 (which names
      // the flag) is what clients see.
      maxRequestBodySize: options.maxRequestBodyBytes + 64 * 1024,
      idleTimeout: 0,
      ...(options.websocket ? { websocket: options.websocket } : {}),
    } as Parameters<typeof Bun.serve>[0]);
  } catch (error) {
    throw new Error(`cannot listen on ${options.ip}:${options.port}: ${(error as Error).message}`);
  }
  const port = server.port ?? options.port;
  const host = options.ip.includes(":") ? `[${options.ip}]` : options.ip;
  return {
    port,
    url: `http://${host}:${port}`,
    stop: async () => {
      await server.stop(true);
    },
  };
}

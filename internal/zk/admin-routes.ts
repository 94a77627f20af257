// ZooKeeper's AdminServer commands over HTTP: GET /commands lists them, GET /commands/<name>
// (or any alias) returns the JSON object ZooKeeper 3.8 returns, with "command" and "error" last.
// Exposed as a Hono app so the process can mount it next to its own routes.

import { Hono } from "hono";
import type { ConnectionView, FourLetterProvider } from "./four-letter.ts";

interface AdminCommand {
  readonly names: readonly string[];
  run(p: FourLetterProvider, query: Record<string, string>): Record<string, unknown>;
}

export interface AdminSource {
  commandProvider(): FourLetterProvider;
}

function connectionInfo(c: ConnectionView, brief: boolean): Record<string, unknown> {
  const info: Record<string, unknown> = {
    remote_socket_address: c.remoteLabel.replace(/^\//, ""),
    interest_ops: c.interestOps,
    outstanding_requests: c.queued,
    packets_received: c.received,
    packets_sent: c.sent,
  };
  if (!brief) {
    Object.assign(info, {
      session_id: toJsonNumber(c.sessionId),
      last_operation: c.lastOp,
      established: c.establishedMs,
      session_timeout: c.sessionTimeoutMs,
      last_cxid: c.lastCxid,
      last_zxid: c.lastZxid,
      last_response_time: c.lastResponseMs,
      last_latency: c.lastLatencyMs,
      min_latency: c.minLatencyMs,
      avg_latency: Math.round(c.avgLatencyMs),
      max_latency: c.maxLatencyMs,
    });
  }
  return info;
}

/** Session ids are 64-bit; JSON numbers lose precision past 2^53, so those become strings. */
function toJsonNumber(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

function serverStats(p: FourLetterProvider): Record<string, unknown> {
  const conf = p.conf();
  const l = p.latency();
  const sizes = p.responseSizes();
  const clientResponse = { last_buffer_size: sizes.last, min_buffer_size: sizes.min, max_buffer_size: sizes.max };
  return {
    version: p.version(),
    read_only: false,
    server_stats: {
      packets_sent: p.packetsSent(),
      packets_received: p.packetsReceived(),
      fsync_threshold_exceed_count: 0,
      client_response_stats: clientResponse,
      uptime: p.uptimeMs(),
      data_dir_size: conf.dataDirSizeBytes,
      log_dir_size: conf.dataLogSizeBytes,
      server_state: p.serverState(),
      last_processed_zxid: p.lastZxid(),
      outstanding_requests: p.outstandingRequests(),
      avg_latency: l.avg,
      max_latency: l.max,
      min_latency: l.min,
      num_alive_client_connections: p.aliveConnections(),
      auth_failed_count: p.authFailedCount(),
      non_mtlsremote_conn_count: 0,
      non_mtlslocal_conn_count: 0,
      provider_null: false,
    },
    client_response: clientResponse,
    node_count: p.nodeCount(),
  };
}

const COMMANDS: readonly AdminCommand[] = [
  { names: ["connection_stat_reset", "crst"], run: (p) => (p.resetConnectionStats(), {}) },
  {
    names: ["configuration", "conf", "config"],
    run: (p) => {
      const c = p.conf();
      return {
        client_port: c.clientPort,
        data_dir: c.dataDir,
        data_log_dir: c.dataLogDir,
        tick_time: c.tickTimeMs,
        max_client_cnxns: c.maxClientCnxns,
        min_session_timeout: c.minSessionTimeoutMs,
        max_session_timeout: c.maxSessionTimeoutMs,
        server_id: c.serverId,
        client_port_listen_backlog: -1,
      };
    },
  },
  { names: ["connections", "cons"], run: (p) => ({ connections: p.connections().map((c) => connectionInfo(c, false)), secure_connections: [] }) },
  {
    names: ["dirs"],
    run: (p) => {
      const c = p.conf();
      return { datadir_size: c.dataDirSizeBytes, logdir_size: c.dataLogSizeBytes };
    },
  },
  {
    names: ["dump"],
    run: (p) => ({
      expiry_time_to_session_ids: Object.fromEntries(p.sessionExpiry().map(([at, ids]) => [String(at), ids.map(toJsonNumber)])),
      session_id_to_ephemeral_paths: Object.fromEntries(p.ephemeralsBySession().map(([id, paths]) => [id.toString(), paths])),
    }),
  },
  { names: ["environment", "env", "envi"], run: (p) => Object.fromEntries(p.environment()) },
  { names: ["get_trace_mask", "gtmk"], run: (p) => ({ tracemask: Number(p.traceMask()) }) },
  { names: ["is_read_only", "isro"], run: () => ({ read_only: false }) },
  {
    names: ["last_snapshot", "lsnp"],
    run: (p) => {
      const s = p.lastSnapshot();
      return { zxid: s === null ? "-1" : s.zxid.toString(16), timestamp: s === null ? -1 : s.timeMs };
    },
  },
  {
    names: ["monitor", "mntr"],
    run: (p) => Object.fromEntries(p.monitorValues().map(([k, v]) => [k, typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v])),
  },
  { names: ["ruok"], run: () => ({}) },
  {
    names: ["set_trace_mask", "stmk"],
    run: (p, q) => {
      const raw = q["traceMask"];
      if (raw === undefined) return { error: "setTraceMask requires long traceMask argument" };
      if (!/^-?\d+$/.test(raw)) return { error: `setTraceMask requires long traceMask argument, got ${raw}` };
      p.setTraceMask(BigInt(raw));
      return { tracemask: Number(raw) };
    },
  },
  { names: ["server_stats", "srvr"], run: (p) => serverStats(p) },
  {
    names: ["stats", "stat"],
    run: (p) => ({ ...serverStats(p), connections: p.connections().map((c) => connectionInfo(c, true)), secure_connections: [] }),
  },
  { names: ["stat_reset", "srst"], run: (p) => (p.resetServerStats(), {}) },
  {
    names: ["watch_summary", "wchs"],
    run: (p) => {
      const w = p.dataWatchSummary();
      return { num_connections: w.connections, num_paths: w.paths, num_total_watches: w.total };
    },
  },
  {
    names: ["watches", "wchc"],
    run: (p) => ({ session_id_to_watched_paths: Object.fromEntries(p.dataWatchesBySession().map(([id, paths]) => [id.toString(), paths])) }),
  },
  {
    names: ["watches_by_path", "wchp"],
    run: (p) => ({ path_to_session_ids: Object.fromEntries(p.dataWatchesByPath().map(([path, ids]) => [path, ids.map(toJsonNumber)])) }),
  },
];

const BY_NAME = new Map<string, AdminCommand>();
for (const c of COMMANDS) for (const n of c.names) BY_NAME.set(n, c);

/** Primary names, in the order /commands lists them (alphabetical, as ZooKeeper's listing). */
export const ADMIN_COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.names[0]!).sort();

export function runAdminCommand(name: string, p: FourLetterProvider, query: Record<string, string> = {}): Record<string, unknown> {
  const cmd = BY_NAME.get(name);
  if (cmd === undefined) return { command: name, error: `Unknown command: ${name}` };
  const body = cmd.run(p, query);
  const error = typeof body["error"] === "string" ? body["error"] : null;
  delete body["error"];
  return { ...body, command: cmd.names[0], error };
}

export function zkAdminRoutes(source: AdminSource): Hono {
  const app = new Hono();
  app.get("/commands", (c) => c.html(ADMIN_COMMAND_NAMES.map((n) => `<a href="/commands/${n}">${n}</a>\n<br/>\n`).join("")));
  app.get("/commands/", (c) => c.redirect("/commands"));
  app.get("/commands/:name", (c) => {
    const p = source.commandProvider();
    return c.json(runAdminCommand(c.req.param("name"), p, c.req.query()));
  });
  return app;
}

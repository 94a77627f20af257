// `--mode=zk-lite`: the ZooKeeper-compatible server on --port, and its admin routes on the mode's
// HTTP server (--admin_port) beside /health, /metrics, /flags and /version.

import { parseFourLetterWhitelist } from "./types.ts";
import type { ZkObserver } from "./observer.ts";
import { startZkLite } from "./server.ts";
import { serveModeHttp, type ProcessContext, type Service } from "../process/index.ts";
import { secureRandom } from "../runtime/index.ts";

/** `observer`: metrics and sampled request spans (observability/observers); default none. */
export async function startZkLiteMode(ctx: ProcessContext, options: { observer?: ZkObserver } = {}): Promise<Service[]> {
  const { flags } = ctx;
  const tickTimeMs = flags.number("tick_time");
  const zk = await startZkLite(
    {
      host: flags.string("ip"),
      port: flags.number("port"),
      dataDir: flags.string("data_dir"),
      tickTimeMs,
      minSessionTimeoutMs: flags.optNumber("min_session_timeout") ?? 2 * tickTimeMs,
      maxSessionTimeoutMs: flags.optNumber("max_session_timeout") ?? 20 * tickTimeMs,
      maxClientCnxns: flags.number("max_client_cnxns"),
      juteMaxBufferBytes: flags.number("jute_max_buffer"),
      fourLetterWordWhitelist: parseFourLetterWhitelist(flags.string("4lw_whitelist")),
      snapshotEveryTxns: flags.number("snap_count"),
      adminPort: null,
    },
    // Session passwords are secrets: they come from the CSPRNG, not the injected Random.
    { clock: ctx.clock, random: secureRandom, logger: ctx.logger, ...(options.observer ? { observer: options.observer } : {}) },
  );
  const admin = serveModeHttp(ctx, "zk-lite admin", flags.number("admin_port"), (app) => {
    app.route("/", zk.adminRoutes());
  });
  return [
    { name: "zk-lite", url: `${flags.string("ip")}:${zk.port}`, stop: () => zk.close() },
    admin,
  ];
}

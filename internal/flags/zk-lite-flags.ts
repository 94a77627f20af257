import type { FlagDef } from "./types.ts";

/** Names follow ZooKeeper's zoo.cfg keys, in our flag style (tickTime -> --tick_time). */
export function zkLiteFlags(): FlagDef[] {
  return [
    { name: "data_dir", kind: "string", required: true, help: "Directory for the transaction log and snapshots." },
    { name: "admin_port", kind: "port", default: 8080, help: "HTTP port of the admin server (/commands, /health, /metrics)." },
    { name: "tick_time", kind: "integer", default: 2000, min: 1, max: 600_000, help: "ZooKeeper's tickTime in milliseconds; session timeouts are clamped to 2x..20x of it." },
    { name: "min_session_timeout", kind: "integer", min: 1, help: "Smallest session timeout granted, in milliseconds (default: 2 x --tick_time)." },
    { name: "max_session_timeout", kind: "integer", min: 1, help: "Largest session timeout granted, in milliseconds (default: 20 x --tick_time)." },
    { name: "max_client_cnxns", kind: "integer", default: 60, min: 0, max: 1_000_000, help: "Connections allowed from one IP address; 0 means no limit." },
    { name: "jute_max_buffer", kind: "bytes", default: 0xfffff, min: 1024, max: 64 * 1024 * 1024, help: "Largest request packet accepted (ZooKeeper's jute.maxbuffer)." },
    { name: "4lw_whitelist", kind: "string", default: "srvr", help: "Four-letter words answered on the client port, comma-separated, or * for all (srvr is always on)." },
    { name: "snap_count", kind: "integer", default: 100_000, min: 100, max: 100_000_000, help: "Transactions between snapshots (ZooKeeper's snapCount)." },
  ];
}

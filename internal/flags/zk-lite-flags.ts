import type { FlagDef } from "./types.ts";

export function zkLiteFlags(): FlagDef[] {
  return [
    { name: "data_dir", kind: "string", required: true, help: "Directory for the transaction log and snapshots." },
    { name: "admin_port", kind: "port", default: 8080, help: "HTTP port of the admin server (/commands, /health, /metrics)." },
  ];
}

// The flag tables: one list per mode, built from shared groups. --help, the README's flag
// reference and /flags are all generated from these, so they cannot disagree.

import { hostname } from "node:os";
import { agentFlags } from "./agent-flags.ts";
import { cronFlags } from "./cron-flags.ts";
import { devFlags } from "./dev-flags.ts";
import { masterFlags } from "./master-flags.ts";
import { zkLiteFlags } from "./zk-lite-flags.ts";
import type { FlagDef, Mode } from "./types.ts";

const defaultPorts: Record<Mode, number> = {
  master: 5050,
  agent: 5051,
  "zk-lite": 2181,
  cron: 4400,
  dev: 5050,
};

function networkFlags(mode: Mode): FlagDef[] {
  return [
    { name: "ip", kind: "string", default: "127.0.0.1", help: "IP address to listen on; use 0.0.0.0 to serve other machines." },
    {
      name: "port",
      kind: "port",
      default: defaultPorts[mode],
      help: mode === "zk-lite" ? "Client port for ZooKeeper clients (0 picks a free port)." : "HTTP port to listen on (0 picks a free port).",
    },
    { name: "hostname", kind: "string", defaultText: "the machine's hostname", default: hostname(), help: "Hostname to advertise to other processes." },
    {
      name: "max_request_body_size",
      kind: "bytes",
      default: 4 * 1024 * 1024,
      min: 1024,
      help: "Largest HTTP request body accepted; larger ones get 413.",
    },
  ];
}

const loggingFlags: FlagDef[] = [
  { name: "log_dir", kind: "string", help: "Directory for the log file cluster-<mode>.log; absent: log to stderr." },
  {
    name: "logging_level",
    kind: "enum",
    choices: ["DEBUG", "INFO", "WARNING", "ERROR"],
    default: "INFO",
    help: "Lowest level logged.",
  },
  { name: "quiet", kind: "boolean", default: false, help: "Do not log to stderr (with --log_dir the file still gets everything)." },
  { name: "log_rotate_size", kind: "bytes", default: 64 * 1024 * 1024, min: 4096, help: "Rotate the log file when it reaches this size." },
  { name: "log_rotate_files", kind: "integer", default: 10, min: 1, max: 1000, help: "Rotated log files kept; the oldest is deleted." },
  { name: "log_rotate_gzip", kind: "boolean", default: false, help: "Compress rotated log files with gzip." },
];

const configFlag: FlagDef = {
  name: "config",
  kind: "string",
  help: "JSON file of flag names to values; command line and environment take precedence over it.",
};

const modeFlag: FlagDef = {
  name: "mode",
  kind: "enum",
  choices: ["master", "agent", "zk-lite", "cron", "dev"],
  required: true,
  help: "What this process runs: master, agent, zk-lite, cron or dev.",
};

function modeSpecificFlags(mode: Mode): FlagDef[] {
  switch (mode) {
    case "master":
      return masterFlags();
    case "agent":
      return agentFlags();
    case "zk-lite":
      return zkLiteFlags();
    case "cron":
      return cronFlags();
    case "dev":
      return devFlags();
  }
}

const tables = new Map<Mode, FlagDef[]>();

/** Every flag a mode accepts, in help order. */
export function flagTable(mode: Mode): readonly FlagDef[] {
  let table = tables.get(mode);
  if (!table) {
    table = [modeFlag, configFlag, ...networkFlags(mode), ...modeSpecificFlags(mode), ...loggingFlags];
    assertUniqueNames(table);
    tables.set(mode, table);
  }
  return table;
}

function assertUniqueNames(table: FlagDef[]): void {
  const seen = new Set<string>();
  for (const def of table) {
    if (seen.has(def.name)) throw new Error(`flag table: --${def.name} defined twice`);
    seen.add(def.name);
  }
}

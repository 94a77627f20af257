// The flag tables: one list per mode, built from shared groups. --help, the README's flag
// reference and /flags are all generated from these, so they cannot disagree.

import { hostname } from "node:os";
import { parseAttributesFlag, parseResourcesFlag, ResourcesParseError, roleProblem } from "../resources/index.ts";
import { checkMasterAddress, checkZkUrl } from "./addresses.ts";
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

const workDir = (required: boolean, help: string): FlagDef => ({ name: "work_dir", kind: "string", required, help });

const masterAddress: FlagDef = {
  name: "master",
  kind: "string",
  required: true,
  check: (value) => checkMasterAddress(String(value)),
  help: "Where the masters are: host:port, a comma list of host:port, zk://host:port[,host:port]/path, or file:///path holding one of these.",
};

function modeSpecificFlags(mode: Mode): FlagDef[] {
  switch (mode) {
    case "master":
      return [
        workDir(true, "Directory for the master's registry."),
        {
          name: "zk",
          kind: "string",
          check: (value) => checkZkUrl(String(value)),
          help: "ZooKeeper URL for leader election, zk://[user:password@]host:port[,host:port]/path.",
        },
      ];
    case "agent":
      return [
        workDir(true, "Directory for sandboxes and checkpointed agent state."),
        masterAddress,
        {
          name: "resources",
          kind: "string",
          check: (value) => problemOf(() => parseResourcesFlag(String(value))),
          help: "Resources to advertise: name(role):value;... (e.g. cpus(logstash):32;mem(*):126976;ports(*):[8000-32000]), a JSON array, or file:///path. Absent: detected cpus, mem, disk and ports:[31000-32000].",
        },
        {
          name: "attributes",
          kind: "string",
          check: (value) => problemOf(() => parseAttributesFlag(String(value))),
          help: "Attributes to advertise: name:value;... (e.g. rack:r1;zone:a;level:10)." },
        {
          name: "default_role",
          kind: "string",
          default: "*",
          check: (value) => roleProblem(String(value)),
          help: "Role of resources given without one.",
        },
      ];
    case "zk-lite":
      return [
        { name: "data_dir", kind: "string", required: true, help: "Directory for the transaction log and snapshots." },
        { name: "admin_port", kind: "port", default: 8080, help: "HTTP port of the admin server (/commands, /health, /metrics)." },
      ];
    case "cron":
      return [workDir(true, "Directory for jobs, run history and framework state."), masterAddress];
    case "dev":
      return [
        workDir(false, "Directory for all state; absent: a new temporary directory."),
        { name: "agent_port", kind: "port", default: 5051, help: "HTTP port of the built-in agent (0 picks a free port)." },
        { name: "cron_port", kind: "port", default: 4400, help: "HTTP port of the built-in cron scheduler (0 picks a free port)." },
      ];
  }
}

/** Runs a parser for its errors only: the parser's message already names the token and the problem. */
function problemOf(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    if (error instanceof ResourcesParseError) return error.message;
    throw error;
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

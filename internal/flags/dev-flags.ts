import { workDirFlag } from "./shared-flags.ts";
import type { FlagDef } from "./types.ts";

export function devFlags(): FlagDef[] {
  return [
    workDirFlag(false, "Directory for all state; absent: a new temporary directory."),
    { name: "agent_port", kind: "port", default: 5051, help: "HTTP port of the built-in agent (0 picks a free port)." },
    { name: "cron_port", kind: "port", default: 4400, help: "HTTP port of the built-in cron scheduler (0 picks a free port)." },
  ];
}

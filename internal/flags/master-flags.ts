import { checkZkUrl } from "./addresses.ts";
import { workDirFlag } from "./shared-flags.ts";
import type { FlagDef } from "./types.ts";

export function masterFlags(): FlagDef[] {
  return [
    workDirFlag(true, "Directory for the master's registry."),
    {
      name: "zk",
      kind: "string",
      check: (value) => checkZkUrl(String(value)),
      help: "ZooKeeper URL for leader election, zk://[user:password@]host:port[,host:port]/path.",
    },
  ];
}

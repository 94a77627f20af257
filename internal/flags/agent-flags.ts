import { parseAttributesFlag, parseResourcesFlag, roleProblem } from "../resources/index.ts";
import { masterAddressFlag, problemOf, workDirFlag } from "./shared-flags.ts";
import type { FlagDef } from "./types.ts";

export function agentFlags(): FlagDef[] {
  return [
    workDirFlag(true, "Directory for sandboxes and checkpointed agent state."),
    masterAddressFlag,
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
      help: "Attributes to advertise: name:value;... (e.g. rack:r1;zone:a;level:10).",
    },
    {
      name: "default_role",
      kind: "string",
      default: "*",
      check: (value) => roleProblem(String(value)),
      help: "Role of resources given without one.",
    },
  ];
}

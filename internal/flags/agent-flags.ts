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
    ...registrationFlags,
    ...taskFlags,
    ...gcFlags,
    ...isolationFlags,
  ];
}

const registrationFlags: FlagDef[] = [
  {
    name: "registration_backoff_factor",
    kind: "duration",
    default: 1000,
    min: 1,
    help: "The agent waits a random time in [0, b] before (re-)registering, b doubling per retry up to 1mins; this is the first b.",
  },
  {
    name: "recover",
    kind: "enum",
    choices: ["reconnect", "cleanup"],
    default: "reconnect",
    help: "reconnect: keep the tasks that survived an agent restart; cleanup: kill them and exit (before an incompatible upgrade).",
  },
];

const taskFlags: FlagDef[] = [
  {
    name: "switch_user",
    kind: "boolean",
    default: true,
    help: "When the agent runs as root, run each task as its command's user or else its framework's user; false: as the agent's own user.",
  },
  {
    name: "task_kill_grace_period",
    kind: "duration",
    default: 3000,
    min: 0,
    help: "Time between SIGTERM and SIGKILL when killing a task whose kill policy names none.",
  },
  {
    name: "status_update_retry_interval_min",
    kind: "duration",
    default: 10_000,
    min: 1,
    help: "First wait before resending an unacknowledged status update; doubles per resend.",
  },
  {
    name: "status_update_retry_interval_max",
    kind: "duration",
    default: 600_000,
    min: 1,
    help: "Longest wait between resends of an unacknowledged status update.",
  },
];

const gcFlags: FlagDef[] = [
  {
    name: "gc_delay",
    kind: "duration",
    default: 604_800_000,
    min: 0,
    help: "Longest time a finished task's sandbox is kept; shorter when the disk fills up.",
  },
  {
    name: "gc_disk_headroom",
    kind: "number",
    default: 0.1,
    min: 0,
    max: 1,
    help: "Sandboxes older than gc_delay x max(0, 1 - gc_disk_headroom - disk usage) are removed.",
  },
  {
    name: "disk_watch_interval",
    kind: "duration",
    default: 60_000,
    min: 1,
    help: "How often the disk usage is checked and old sandboxes are pruned.",
  },
];

const isolationFlags: FlagDef[] = [
  {
    name: "isolation",
    kind: "enum",
    choices: ["auto", "cgroups", "posix"],
    default: "auto",
    help: "auto: cgroups where the machine allows, else posix; cgroups: refuse to start without them; posix: process groups only.",
  },
  { name: "cgroups_hierarchy", kind: "string", default: "/sys/fs/cgroup", help: "Where the cgroup file system is mounted." },
  { name: "cgroups_root", kind: "string", default: "cluster", help: "Name of the cgroup under which task cgroups are created." },
  {
    name: "cgroups_enable_cfs",
    kind: "boolean",
    default: false,
    help: "Enforce cpus as a hard limit with the CFS bandwidth controller (else cpus are shares).",
  },
];

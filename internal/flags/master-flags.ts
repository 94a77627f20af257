import { parseMinAllocatable } from "../allocator/index.ts";
import { readRoleScheduleFile } from "../allocator/role-schedule/index.ts";
import { checkMastersList, checkZkUrl } from "./addresses.ts";
import { parseWeights } from "./weights.ts";
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
    {
      name: "zk_session_timeout",
      kind: "duration",
      default: 10_000,
      min: 100,
      help: "ZooKeeper session timeout asked for with --zk; a leader that loses its session stops leading.",
    },
    ...raftFlags(),
    ...allocationFlags(),
    {
      name: "agent_ping_timeout",
      kind: "duration",
      default: 15_000,
      min: 1,
      help: "How long the master waits for an agent's answer to a ping before counting a miss.",
    },
    {
      name: "max_agent_ping_timeouts",
      kind: "integer",
      default: 5,
      min: 1,
      max: 1000,
      help: "Missed pings after which an agent is marked unreachable and its frameworks told.",
    },
    {
      name: "agent_reregister_timeout",
      kind: "duration",
      default: 600_000,
      min: 1,
      help: "After a master restart, how long known agents have to re-register before they are marked unreachable.",
    },
    {
      name: "offer_timeout",
      kind: "duration",
      min: 1,
      help: "Rescind offers not accepted or declined within this time; absent: offers never time out.",
    },
    {
      name: "framework_heartbeat_interval",
      kind: "duration",
      default: 15_000,
      min: 100,
      help: "Interval of HEARTBEAT events on scheduler subscriptions.",
    },
    {
      name: "whitelist",
      kind: "string",
      help: "File listing the hostnames (one per line) that may receive offers; re-read when it changes. Absent: all agents.",
    },
    {
      name: "role_schedule",
      kind: "string",
      check: (value) => {
        const file = readRoleScheduleFile(String(value));
        return file.ok ? undefined : file.problem;
      },
      help: "Role schedule file (JSON): when each role's reservations are offered, and the cpus cap; re-applied when it changes. Absent: every role always active, no cap.",
    },
    {
      name: "max_completed_frameworks",
      kind: "integer",
      default: 50,
      min: 0,
      max: 100_000,
      help: "Completed frameworks kept in memory for /master/state.",
    },
    {
      name: "max_completed_tasks_per_framework",
      kind: "integer",
      default: 1000,
      min: 0,
      max: 1_000_000,
      help: "Completed tasks kept per framework for /master/state.",
    },
  ];
}

function allocationFlags(): FlagDef[] {
  return [
    { name: "allocation_interval", kind: "duration", default: 1000, min: 1, help: "Time between allocation cycles." },
    {
      name: "weights",
      kind: "string",
      check: (value) => parseWeights(String(value)).problem,
      help: "Role weights for DRF, role=weight,... (e.g. logstash=2,spark=1); roles not listed weigh 1.",
    },
    {
      name: "min_allocatable_resources",
      kind: "string",
      default: "cpus:0.01|mem:32",
      check: (value) => {
        const parsed = parseMinAllocatable(String(value));
        return parsed.ok ? undefined : parsed.problem;
      },
      help: "An offer is made only if it holds at least one of these alternatives, separated by |.",
    },
    {
      name: "metrics_per_agent",
      kind: "boolean",
      default: true,
      help: "Export each agent's resources and oversubscription ratio as metrics (13 series per agent); with tens of thousands of agents they are most of what a metrics collection costs the leader.",
    },
  ];
}

/** --masters: the built-in Raft election among the masters (README "High availability"). */
function raftFlags(): FlagDef[] {
  return [
    {
      name: "masters",
      kind: "string",
      check: (value) => checkMastersList(String(value)),
      help: "Every master as host:port, this one included (e.g. 10.0.0.1:5050,10.0.0.2:5050,10.0.0.3:5050): the masters elect a leader by Raft and replicate the registry among themselves. Absent: a single master with its registry in --work_dir.",
    },
    {
      name: "quorum",
      kind: "integer",
      min: 1,
      max: 15,
      help: "With --masters: how many masters must hold a registry write before it counts, a majority of the list (2 of 3, 3 of 5); a different number refuses to start.",
    },
    {
      name: "join",
      kind: "boolean",
      default: false,
      help: "With --masters: join a running cluster (listed as the current masters plus this one) instead of founding one; the master asks the leader to add it, first as a learner catching up, then as a voter.",
    },
    {
      name: "raft_heartbeat_interval",
      kind: "duration",
      default: 20,
      min: 4,
      help: "With --masters: the Raft tick; the leader sends a heartbeat to each master this often.",
    },
    {
      name: "raft_election_timeout",
      kind: "duration",
      default: 200,
      min: 3,
      help: "With --masters: a master that hears nothing from the leader for between this and twice this starts an election; a leader that hears from no majority for this long steps down. At least 3 x --raft_heartbeat_interval.",
    },
    {
      name: "raft_fault_injection",
      kind: "boolean",
      default: false,
      hidden: true,
      help: "Tests only: serve POST /api/internal/raft/faults, which drops Raft messages to and from the peers it names.",
    },
  ];
}

// Flags of --mode=cron. Names follow Chronos where it has one (--failover_timeout, --task_epsilon,
// --mesos_task_cpu, --failure_retry, --disable_after_failures, --reconciliation_interval,
// --schedule_horizon) and Mesos where the idea is Mesos's (--role, --zk, --work_dir).

import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { checkZkUrl } from "./addresses.ts";
import { masterAddressFlag, workDirFlag } from "./shared-flags.ts";
import type { FlagDef } from "./types.ts";

const week = 7 * 24 * 3600 * 1000;

export function cronFlags(): FlagDef[] {
  return [
    workDirFlag(true, "Directory for jobs, run history and framework state (cron.db); cron processes sharing it elect one leader through a lock in it."),
    masterAddressFlag,
    {
      name: "zk",
      kind: "string",
      check: (value) => checkZkUrl(String(value)),
      help: "ZooKeeper URL, zk://[user:password@]host:port[,host:port]/path: elect the leader among cron processes (on any machines) and keep the state under that path, as Chronos does, instead of in --work_dir.",
    },
    {
      name: "zk_session_timeout",
      kind: "duration",
      default: 10_000,
      min: 100,
      help: "ZooKeeper session timeout asked for with --zk; a leader that dies is replaced about this long later, and one that loses its session stops leading.",
    },
    { name: "role", kind: "string", default: "*", help: "Mesos role the framework subscribes with; jobs use resources offered to it." },
    { name: "framework_name", kind: "string", default: "cron", help: "Framework name shown by the master." },
    { name: "user", kind: "string", defaultText: "the user running cron", default: currentUserName(), help: "User the framework registers as (FrameworkInfo.user); tasks run as it unless a job sets runAsUser." },
    {
      name: "failover_timeout",
      kind: "duration",
      default: week,
      min: 0,
      help: "How long the master keeps the framework and its tasks while no cron process is subscribed.",
    },
    { name: "task_epsilon", kind: "duration", default: 60_000, min: 0, help: "Default epsilon of jobs that set none: how late a run may still start; later ones are recorded as skipped." },
    { name: "mesos_task_cpu", kind: "number", default: 0.1, min: 0.001, max: 1024, help: "Default cpus of jobs that set none." },
    { name: "mesos_task_mem", kind: "number", default: 128, min: 1, max: 1024 * 1024, help: "Default mem (MB) of jobs that set none." },
    { name: "mesos_task_disk", kind: "number", default: 256, min: 0, max: 1024 * 1024 * 1024, help: "Default disk (MB) of jobs that set none." },
    { name: "failure_retry", kind: "duration", default: 60_000, min: 1, help: "Delay before the first retry of a failed run; each further retry doubles it." },
    { name: "failure_retry_max", kind: "duration", default: 600_000, min: 1, help: "Longest delay between retries of a failed run." },
    { name: "disable_after_failures", kind: "integer", default: 0, min: 0, max: 1_000_000, help: "Disable a job after this many failed runs in a row (after retries); 0 never does." },
    {
      name: "reconciliation_interval",
      kind: "duration",
      default: 600_000,
      min: 1000,
      help: "How often launched runs are reconciled with the master (also after every subscription).",
    },
    {
      name: "schedule_horizon",
      kind: "duration",
      default: 5000,
      min: 0,
      max: 3_600_000,
      help: "How long before a run is due cron asks for offers and holds them, so the run starts on time.",
    },
    { name: "max_runs_per_job", kind: "integer", default: 100, min: 1, max: 100_000, help: "Finished runs kept per job for /runs and /job/stat; older ones are deleted." },
    {
      name: "leader_poll_interval",
      kind: "duration",
      default: 1000,
      min: 10,
      max: 60_000,
      help: "How often a standby cron process tries to take the leader lock in --work_dir.",
    },
  ];
}

/**
 * The name of the user running this process. Bun's userInfo() answers "unknown" when $USER is
 * unset (containers), so the passwd entry of our uid decides then.
 */
function currentUserName(): string {
  const fromEnv = process.env["USER"] ?? process.env["LOGNAME"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const info = userInfo();
  if (info.username !== "" && info.username !== "unknown") return info.username;
  try {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((entry) => entry.split(":")[2] === String(info.uid));
    return line?.split(":")[0] || "root";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "root";
    throw error;
  }
}

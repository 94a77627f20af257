// Jobs in Chronos's JSON: parsing what clients post (defaults filled in, every problem named by its
// field) and rendering jobs back with Chronos's status fields. Pure.

import { parseCronExpression } from "./cron-expr.ts";
import { durationMs, parseIsoDuration, parseIsoSchedule, timeZoneProblem, type Parsed } from "./iso8601.ts";
import {
  argumentsMax,
  commandCharsMax,
  cpusMax,
  descriptionCharsMax,
  environmentVariablesMax,
  jobNameCharsMax,
  jobNamePattern,
  megabytesMax,
  parentsPerJobMax,
  retriesMax,
} from "./limits.ts";
import { concurrencyPolicies, type ConcurrencyPolicy, type EnvironmentVariable, type Job, type JobSpec, type Schedule } from "./types.ts";

/** Values a job gets when it does not say (Chronos's defaults, or the --mesos_task_* flags). */
export interface JobDefaults {
  cpus: number;
  memMegabytes: number;
  diskMegabytes: number;
  epsilon: string;
  retries: number;
}

export const chronosDefaults: JobDefaults = { cpus: 0.1, memMegabytes: 128, diskMegabytes: 256, epsilon: "PT60S", retries: 2 };

/** Which endpoint the job came to: /v1/scheduler/iso8601 (time-based) or /v1/scheduler/dependency. */
export type JobEndpoint = "iso8601" | "dependency";

/** A bad job: the field (a JSON path such as `environmentVariables[2].name`) and what is wrong with it. */
export class JobJsonError extends Error {
  override readonly name = "JobJsonError";
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

type Body = Record<string, unknown>;

/** Parses a posted job; throws JobJsonError naming the first bad field. */
export function parseJobJson(body: unknown, endpoint: JobEndpoint, defaults: JobDefaults, nowMs: number): JobSpec {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new JobJsonError("(body)", "must be a JSON object");
  const b = body as Body;
  const name = requiredString(b, "name", jobNameCharsMax);
  if (!jobNamePattern.test(name)) throw new JobJsonError("name", `'${name}' must match ${jobNamePattern.source.slice(1, -1)}`);
  refuseUnsupported(b);
  const scheduleTimeZone = optionalString(b, "scheduleTimeZone", 100) ?? "";
  if (scheduleTimeZone !== "") {
    const problem = timeZoneProblem(scheduleTimeZone);
    if (problem) throw new JobJsonError("scheduleTimeZone", problem);
  }
  const epsilon = optionalString(b, "epsilon", 100) ?? defaults.epsilon;
  const epsilonMs = parseEpsilon(epsilon);
  const concurrencyPolicy = parseConcurrency(b);
  return {
    name,
    command: commandOf(b),
    shell: optionalBoolean(b, "shell") ?? true,
    arguments: stringArray(b, "arguments", argumentsMax),
    description: optionalString(b, "description", descriptionCharsMax) ?? "",
    owner: optionalString(b, "owner", descriptionCharsMax) ?? "",
    ownerName: optionalString(b, "ownerName", descriptionCharsMax) ?? "",
    schedule: parseSchedule(b, endpoint, scheduleTimeZone, nowMs),
    scheduleTimeZone,
    epsilon,
    epsilonMs,
    retries: optionalNumber(b, "retries", 0, retriesMax, true) ?? defaults.retries,
    cpus: optionalNumber(b, "cpus", 0.001, cpusMax, false) ?? defaults.cpus,
    memMegabytes: optionalNumber(b, "mem", 1, megabytesMax, false) ?? defaults.memMegabytes,
    diskMegabytes: optionalNumber(b, "disk", 0, megabytesMax, false) ?? defaults.diskMegabytes,
    environmentVariables: environmentOf(b),
    disabled: optionalBoolean(b, "disabled") ?? false,
    concurrencyPolicy,
    softError: optionalBoolean(b, "softError") ?? false,
    runAsUser: nonEmpty(optionalString(b, "runAsUser", 200)),
    maxCompletionTimeSeconds: optionalNumber(b, "maxCompletionTime", 1, 10 * 365 * 86400, false),
  };
}

function commandOf(b: Body): string {
  const command = requiredString(b, "command", commandCharsMax);
  if (command.trim() === "") throw new JobJsonError("command", "must not be empty");
  return command;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text;
}

/** Chronos fields we cannot honour are refused rather than silently dropped, unless empty. */
function refuseUnsupported(b: Body): void {
  for (const field of ["container", "constraints", "fetch", "uris", "executor", "executorFlags", "taskInfoData"]) {
    const value = b[field];
    const empty = value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
    if (!empty) throw new JobJsonError(field, "is not supported by this scheduler (command jobs with the command executor only)");
  }
}

function parseEpsilon(text: string): number {
  const parsed = parseIsoDuration(text, true);
  if (!parsed.ok) throw new JobJsonError("epsilon", parsed.problem);
  const ms = durationMs(parsed.value);
  if (!ms.ok) throw new JobJsonError("epsilon", ms.problem);
  return ms.value;
}

function parseConcurrency(b: Body): ConcurrencyPolicy {
  const policy = optionalString(b, "concurrencyPolicy", 20);
  const concurrent = optionalBoolean(b, "concurrent");
  if (policy !== undefined) {
    if (!(concurrencyPolicies as readonly string[]).includes(policy)) {
      throw new JobJsonError("concurrencyPolicy", `'${policy}' must be one of ${concurrencyPolicies.join(", ")}`);
    }
    if (concurrent === true && policy !== "Allow") throw new JobJsonError("concurrent", `true contradicts concurrencyPolicy '${policy}'`);
    return policy as ConcurrencyPolicy;
  }
  return concurrent === true ? "Allow" : "Forbid";
}

function parseSchedule(b: Body, endpoint: JobEndpoint, timeZone: string, nowMs: number): Schedule {
  const iso = nonEmpty(optionalString(b, "schedule", 500));
  const cron = nonEmpty(optionalString(b, "cron", 500));
  const parents = b["parents"] === undefined || b["parents"] === null ? [] : stringArray(b, "parents", parentsPerJobMax);
  if (endpoint === "dependency") {
    if (iso !== undefined || cron !== undefined) throw new JobJsonError(iso !== undefined ? "schedule" : "cron", "a dependent job has parents instead; post time-based jobs to /v1/scheduler/iso8601");
    if (parents.length === 0) throw new JobJsonError("parents", "a dependent job needs at least one parent");
    const seen = new Set<string>();
    for (const [i, parent] of parents.entries()) {
      if (seen.has(parent)) throw new JobJsonError(`parents[${i}]`, `'${parent}' is listed twice`);
      seen.add(parent);
    }
    return { kind: "dependency", parents };
  }
  if (parents.length > 0) throw new JobJsonError("parents", "post dependent jobs to /v1/scheduler/dependency");
  if (iso !== undefined && cron !== undefined) throw new JobJsonError("cron", "give either schedule (ISO 8601) or cron, not both");
  if (cron !== undefined) {
    const parsed = parseCronExpression(cron, timeZone);
    if (!parsed.ok) throw new JobJsonError("cron", parsed.problem);
    return { kind: "cron", expression: parsed.value };
  }
  if (iso === undefined) throw new JobJsonError("schedule", "is required (R[n]/<start>/<period>), or give a cron expression in cron");
  const parsed = parseIsoSchedule(iso, timeZone, nowMs);
  if (!parsed.ok) throw new JobJsonError("schedule", parsed.problem);
  return parsed.value;
}

function environmentOf(b: Body): EnvironmentVariable[] {
  const value = b["environmentVariables"];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new JobJsonError("environmentVariables", "must be an array of {name, value}");
  if (value.length > environmentVariablesMax) throw new JobJsonError("environmentVariables", `more than ${environmentVariablesMax} entries`);
  return value.map((entry: unknown, i) => {
    const field = `environmentVariables[${i}]`;
    if (typeof entry !== "object" || entry === null) throw new JobJsonError(field, "must be an object {name, value}");
    const e = entry as Body;
    if (typeof e["name"] !== "string" || e["name"] === "") throw new JobJsonError(`${field}.name`, "must be a non-empty string");
    if (e["value"] !== undefined && typeof e["value"] !== "string") throw new JobJsonError(`${field}.value`, "must be a string");
    return { name: e["name"], value: (e["value"] as string | undefined) ?? "" };
  });
}

function requiredString(b: Body, field: string, charsMax: number): string {
  const value = optionalString(b, field, charsMax);
  if (value === undefined) throw new JobJsonError(field, "is required");
  return value;
}

function optionalString(b: Body, field: string, charsMax: number): string | undefined {
  const value = b[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new JobJsonError(field, `must be a string, got ${typeof value}`);
  if (value.length > charsMax) throw new JobJsonError(field, `is longer than ${charsMax} characters`);
  return value;
}

function optionalBoolean(b: Body, field: string): boolean | undefined {
  const value = b[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new JobJsonError(field, `must be true or false, got ${JSON.stringify(value)}`);
}

/** Chronos clients send numbers, and sometimes numbers in strings ("cpus": "0.5"). */
function optionalNumber(b: Body, field: string, min: number, max: number, integer: boolean): number | undefined {
  const raw = b[field];
  if (raw === undefined || raw === null || raw === "") return undefined;
  const value = typeof raw === "string" ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new JobJsonError(field, `must be a number, got ${JSON.stringify(raw)}`);
  if (integer && !Number.isInteger(value)) throw new JobJsonError(field, `must be a whole number, got ${value}`);
  if (value < min || value > max) throw new JobJsonError(field, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function stringArray(b: Body, field: string, itemsMax: number): string[] {
  const value = b[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new JobJsonError(field, "must be an array of strings");
  if (value.length > itemsMax) throw new JobJsonError(field, `more than ${itemsMax} entries`);
  for (const [i, item] of value.entries()) {
    if (typeof item !== "string") throw new JobJsonError(`${field}[${i}]`, "must be a string");
  }
  return value as string[];
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** ISO 8601 text of a wall-clock ms, as Chronos writes dates ("" when absent). */
export function isoTime(ms: number | undefined): string {
  return ms === undefined ? "" : new Date(ms).toISOString();
}

/** The schedule as it round-trips: the start resolved, in the zone its periods are added in. */
export function scheduleText(schedule: Extract<Schedule, { kind: "iso8601" }>): string {
  const instant = Temporal.Instant.fromEpochMilliseconds(schedule.startMs);
  const start = /^[+-]/.test(schedule.zone) ? instant.toString({ timeZone: schedule.zone }) : instant.toString();
  return `R${schedule.repeats ?? ""}/${start}/${schedule.period}`;
}

/** A job in Chronos's JSON shape with its status fields, and ours (cron, concurrencyPolicy, nextRun...). */
export function jobToJson(job: Job): Record<string, unknown> {
  const { spec, status } = job;
  const out: Record<string, unknown> = {
    name: spec.name,
    command: spec.command,
    shell: spec.shell,
    arguments: spec.arguments,
    description: spec.description,
    owner: spec.owner,
    ownerName: spec.ownerName,
    epsilon: spec.epsilon,
    retries: spec.retries,
    cpus: spec.cpus,
    mem: spec.memMegabytes,
    disk: spec.diskMegabytes,
    disabled: spec.disabled,
    concurrent: spec.concurrencyPolicy === "Allow",
    concurrencyPolicy: spec.concurrencyPolicy,
    softError: spec.softError,
    environmentVariables: spec.environmentVariables,
    executor: "",
    executorFlags: "",
    uris: [],
    fetch: [],
    constraints: [],
    async: false,
    highPriority: false,
    dataProcessingJobType: false,
    successCount: status.successCount,
    errorCount: status.errorCount,
    lastSuccess: isoTime(status.lastSuccessMs),
    lastError: isoTime(status.lastErrorMs),
    errorsSinceLastSuccess: status.errorsSinceLastSuccess,
    skippedCount: status.skippedCount,
    nextRun: isoTime(status.nextDueMs),
    scheduleTimeZone: spec.scheduleTimeZone,
  };
  if (spec.runAsUser !== undefined) out["runAsUser"] = spec.runAsUser;
  if (spec.maxCompletionTimeSeconds !== undefined) out["maxCompletionTime"] = spec.maxCompletionTimeSeconds;
  const schedule = spec.schedule;
  if (schedule.kind === "iso8601") out["schedule"] = scheduleText(schedule);
  if (schedule.kind === "cron") out["cron"] = schedule.expression;
  if (schedule.kind === "dependency") out["parents"] = schedule.parents;
  return out;
}

/** True when two specs schedule the same occurrences (an update that keeps them keeps the job's place). */
export function sameSchedule(a: JobSpec, b: JobSpec): boolean {
  return scheduleKey(a) === scheduleKey(b);
}

function scheduleKey(spec: JobSpec): string {
  const s = spec.schedule;
  switch (s.kind) {
    case "iso8601":
      return `iso|${scheduleText(s)}|${s.zone}`;
    case "cron":
      return `cron|${s.expression}|${spec.scheduleTimeZone}`;
    case "dependency":
      return `dep|${[...s.parents].sort().join(",")}`;
  }
}

export type { Parsed };

// Chronos's REST API (/v1/scheduler/...) on the cron process's HTTP port, plus our
// /v1/scheduler/job/<name>/runs. A standby answers with a 307 to the leader, as Chronos does.

import type { Context, Hono } from "hono";
import type { CronService } from "./service.ts";
import { JobNotFoundError } from "./core.ts";
import { graphCsv, graphDot } from "./graph.ts";
import { JobJsonError, isoTime, jobToJson, parseJobJson, type JobDefaults, type JobEndpoint } from "./job-json.ts";
import { runsListedMax } from "./limits.ts";
import { runStats, runToJson } from "./run-json.ts";

export interface CronApiTarget {
  /** The service while this process leads; undefined on a standby. */
  service(): CronService | undefined;
  leaderUrl(): string | undefined;
  selfUrl(): string;
  frameworkId(): string | undefined;
  jobDefaults: JobDefaults;
}

type Handler = (c: Context, service: CronService) => Response | Promise<Response>;

export function mountCronApi(app: Hono, target: CronApiTarget): void {
  const leaderOnly =
    (handler: Handler) =>
    (c: Context): Response | Promise<Response> => {
      const service = target.service();
      if (service !== undefined) return handler(c, service);
      const leader = target.leaderUrl();
      if (leader !== undefined && leader !== target.selfUrl()) {
        const url = new URL(c.req.url);
        return c.redirect(`${leader}${url.pathname}${url.search}`, 307);
      }
      return c.json({ message: "no cron leader elected yet; try again shortly" }, 503);
    };
  app.get("/leader", (c) => {
    const leader = target.leaderUrl();
    return c.json({ leader: leader === undefined ? "" : new URL(leader).host });
  });
  app.post("/v1/scheduler/iso8601", leaderOnly((c, s) => postJob(c, s, "iso8601", target)));
  app.post("/v1/scheduler/dependency", leaderOnly((c, s) => postJob(c, s, "dependency", target)));
  app.get("/v1/scheduler/jobs", leaderOnly((c, s) => c.json(s.core.jobs().sort(byName).map(jobToJson))));
  app.get("/v1/scheduler/jobs/search", leaderOnly((c, s) => c.json(search(c, s))));
  app.get("/v1/scheduler/job/stat/:name", leaderOnly(async (c, s) => withJob(c, s, async (name) => c.json(runStats(await s.runsOf(name, runsListedMax))))));
  app.get("/v1/scheduler/job/:name/runs", leaderOnly(async (c, s) => withJob(c, s, (name) => listRuns(c, s, name, target))));
  app.get("/v1/scheduler/job/:name", leaderOnly((c, s) => withJob(c, s, (name) => c.json(jobToJson(s.core.job(name)!)))));
  app.put("/v1/scheduler/job/:name", leaderOnly((c, s) => mutate(c, s, (now) => void s.core.runNow(c.req.param("name")!, now))));
  app.delete("/v1/scheduler/job/:name", leaderOnly((c, s) => mutate(c, s, (now) => s.core.deleteJob(c.req.param("name")!, now))));
  app.delete("/v1/scheduler/task/kill/:name", leaderOnly((c, s) => mutate(c, s, (now) => void s.core.killJob(c.req.param("name")!, now))));
  app.get("/v1/scheduler/graph/dot", leaderOnly((c, s) => c.text(graphDot(s.core.jobs().sort(byName)))));
  app.get("/v1/scheduler/graph/csv", leaderOnly((c, s) => c.text(graphCsv(s.core.jobs().sort(byName), (name) => s.core.currentState(name)))));
}

function byName(a: { spec: { name: string } }, b: { spec: { name: string } }): number {
  return a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0;
}

function badRequest(c: Context, message: string, field?: string): Response {
  return c.json(field === undefined ? { message, status: "Bad Request" } : { message, field, status: "Bad Request" }, 400);
}

async function postJob(c: Context, service: CronService, endpoint: JobEndpoint, target: CronApiTarget): Promise<Response> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (error) {
    return badRequest(c, `the body is not JSON: ${(error as Error).message}`);
  }
  return mutate(c, service, (now) => void service.core.putJob(parseJobJson(body, endpoint, target.jobDefaults, now), now));
}

/** Runs a core mutation; 204 once durable, 400 naming the field, 404 for an unknown job. */
async function mutate(c: Context, service: CronService, fn: (nowMs: number) => void): Promise<Response> {
  try {
    await service.mutate(fn);
  } catch (error) {
    if (error instanceof JobJsonError) return badRequest(c, error.message, error.field);
    if (error instanceof JobNotFoundError) return c.json({ message: error.message, status: "Not Found" }, 404);
    throw error;
  }
  return c.body(null, 204);
}

async function withJob(c: Context, service: CronService, fn: (name: string) => Response | Promise<Response>): Promise<Response> {
  const name = c.req.param("name")!;
  if (service.core.job(name) === undefined) return c.json({ message: `job '${name}' not found`, status: "Not Found" }, 404);
  return fn(name);
}

/** Chronos's search: lower-cased `name`, `command` or `any` (either) contained in the job's. */
function search(c: Context, service: CronService): Record<string, unknown>[] {
  const name = c.req.query("name")?.toLowerCase();
  const command = c.req.query("command")?.toLowerCase();
  const any = c.req.query("any")?.toLowerCase();
  const limit = Number(c.req.query("limit") ?? Infinity);
  const offset = Number(c.req.query("offset") ?? 0);
  const matches = service.core
    .jobs()
    .filter((job) => {
      const jobName = job.spec.name.toLowerCase();
      const jobCommand = job.spec.command.toLowerCase();
      if (name !== undefined && !jobName.includes(name)) return false;
      if (command !== undefined && !jobCommand.includes(command)) return false;
      return any === undefined || jobName.includes(any) || jobCommand.includes(any);
    })
    .sort(byName);
  return matches.slice(offset, Number.isFinite(limit) ? offset + limit : undefined).map(jobToJson);
}

async function listRuns(c: Context, service: CronService, name: string, target: CronApiTarget): Promise<Response> {
  const limitText = c.req.query("limit");
  const limit = limitText === undefined ? runsListedMax : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > runsListedMax) return badRequest(c, `limit must be a whole number from 1 to ${runsListedMax}`, "limit");
  const runs = await service.runsOf(name, limit);
  const job = service.core.job(name)!;
  return c.json({
    job: name,
    nextRun: isoTime(job.status.nextDueMs),
    runs: runs.map((run) => runToJson(run, target.frameworkId())),
  });
}

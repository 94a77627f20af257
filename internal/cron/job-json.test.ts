import { describe, expect, test } from "bun:test";
import { newStatus } from "./core-state.ts";
import { chronosDefaults, jobToJson, parseJobJson, sameSchedule, type JobEndpoint } from "./job-json.ts";

const now = Date.parse("2024-06-01T12:00:00Z");

function parse(body: unknown, endpoint: JobEndpoint = "iso8601") {
  return parseJobJson(body, endpoint, chronosDefaults, now);
}

function problem(body: unknown, endpoint: JobEndpoint = "iso8601"): string {
  try {
    parse(body, endpoint);
    return "ok";
  } catch (error) {
    return (error as Error).message;
  }
}

const minimal = { name: "job1", command: "echo hi", schedule: "R/2024-06-01T00:00:00Z/PT1H" };

describe("parsing Chronos jobs", () => {
  test("Chronos's defaults fill what the job leaves out", () => {
    const spec = parse(minimal);
    expect(spec).toMatchObject({
      shell: true,
      arguments: [],
      epsilon: "PT60S",
      epsilonMs: 60_000,
      retries: 2,
      cpus: 0.1,
      memMegabytes: 128,
      diskMegabytes: 256,
      disabled: false,
      concurrencyPolicy: "Forbid",
      softError: false,
      environmentVariables: [],
    });
    expect(spec.schedule).toMatchObject({ kind: "iso8601", repeats: undefined, startMs: Date.parse("2024-06-01T00:00:00Z"), period: "PT1H", zone: "UTC" });
  });

  test("Chronos's sample job parses, numbers in strings included", () => {
    const spec = parse({
      name: "camus_kafka2hdfs",
      command: "/srv/data-infra/kafka/camus/kafka_hdfs_job.bash",
      arguments: ["-verbose", "-debug"],
      shell: false,
      epsilon: "PT30M",
      executor: "",
      executorFlags: "",
      retries: 2,
      owner: "bofh@your-company.com",
      async: false,
      successCount: 190,
      errorCount: 3,
      lastSuccess: "2014-03-08T16:57:17.507Z",
      lastError: "2014-03-01T00:10:15.957Z",
      cpus: "1.0",
      disk: 10240,
      mem: 1024,
      disabled: false,
      fetch: [],
      schedule: "R/2014-03-08T20:00:00.000Z/PT2H",
      environmentVariables: [{ name: "JVMOPTS", value: "-Xmx1000m" }],
    });
    expect(spec).toMatchObject({ shell: false, arguments: ["-verbose", "-debug"], cpus: 1, memMegabytes: 1024, epsilonMs: 1_800_000 });
  });

  test("cron expressions and concurrencyPolicy are ours besides", () => {
    expect(parse({ name: "c", command: "x", cron: "*/5 * * * *", concurrencyPolicy: "Replace" })).toMatchObject({
      schedule: { kind: "cron", expression: "*/5 * * * *" },
      concurrencyPolicy: "Replace",
    });
    expect(parse({ ...minimal, concurrent: true }).concurrencyPolicy).toBe("Allow");
  });

  test("dependent jobs come with parents to /dependency", () => {
    expect(parse({ name: "d", command: "x", parents: ["a", "b"] }, "dependency").schedule).toEqual({ kind: "dependency", parents: ["a", "b"] });
  });

  test.each([
    [{ ...minimal, name: "bad name" }, "name: 'bad name' must match"],
    [{ ...minimal, name: undefined }, "name: is required"],
    [{ ...minimal, command: "" }, "command: must not be empty"],
    [{ ...minimal, command: 7 }, "command: must be a string"],
    [{ ...minimal, schedule: "R/2024-06-01T00:00:00Z" }, "schedule: "],
    [{ ...minimal, schedule: undefined }, "schedule: is required"],
    [{ ...minimal, cron: "* * * * *" }, "cron: give either schedule"],
    [{ name: "c", command: "x", cron: "61 * * * *" }, "cron: '61 * * * *'"],
    [{ ...minimal, scheduleTimeZone: "Mars/Base" }, "scheduleTimeZone: "],
    [{ ...minimal, epsilon: "soon" }, "epsilon: "],
    [{ ...minimal, epsilon: "P1M" }, "epsilon: years and months"],
    [{ ...minimal, retries: -1 }, "retries: must be between"],
    [{ ...minimal, retries: 1.5 }, "retries: must be a whole number"],
    [{ ...minimal, cpus: "lots" }, "cpus: must be a number"],
    [{ ...minimal, mem: 0 }, "mem: must be between"],
    [{ ...minimal, shell: "yes" }, "shell: must be true or false"],
    [{ ...minimal, arguments: ["a", 1] }, "arguments[1]: must be a string"],
    [{ ...minimal, environmentVariables: [{ value: "x" }] }, "environmentVariables[0].name"],
    [{ ...minimal, environmentVariables: [{ name: "A", value: 1 }] }, "environmentVariables[0].value"],
    [{ ...minimal, concurrencyPolicy: "Sometimes" }, "concurrencyPolicy: 'Sometimes' must be one of Allow, Forbid, Replace"],
    [{ ...minimal, concurrencyPolicy: "Forbid", concurrent: true }, "concurrent: true contradicts"],
    [{ ...minimal, container: { type: "DOCKER", image: "x" } }, "container: is not supported"],
    [{ ...minimal, parents: ["a"] }, "parents: post dependent jobs to /v1/scheduler/dependency"],
    [[1, 2], "(body): must be a JSON object"],
  ])("%j is refused naming the field", (body, expected) => {
    expect(problem(body)).toContain(expected);
  });

  test.each([
    [{ name: "d", command: "x" }, "parents: a dependent job needs at least one parent"],
    [{ name: "d", command: "x", parents: ["a", "a"] }, "parents[1]: 'a' is listed twice"],
    [{ name: "d", command: "x", parents: ["a"], schedule: "R//PT1H" }, "schedule: a dependent job has parents instead"],
  ])("dependency %j is refused naming the field", (body, expected) => {
    expect(problem(body, "dependency")).toContain(expected);
  });
});

describe("rendering", () => {
  test("a job comes back with Chronos's status fields, and its schedule round-trips", () => {
    const spec = parse({ ...minimal, schedule: "R5//PT2S" });
    const status = { ...newStatus(), successCount: 3, errorCount: 1, lastSuccessMs: now, errorsSinceLastSuccess: 0 };
    const json = jobToJson({ spec, status });
    expect(json).toMatchObject({
      name: "job1",
      successCount: 3,
      errorCount: 1,
      lastSuccess: "2024-06-01T12:00:00.000Z",
      lastError: "",
      errorsSinceLastSuccess: 0,
      softError: false,
      concurrent: false,
      schedule: "R5/2024-06-01T12:00:00Z/PT2S",
    });
    const again = parseJobJson(json, "iso8601", chronosDefaults, now + 60_000);
    expect(sameSchedule(spec, again)).toBe(true);
  });

  test("an offset start round-trips with its offset", () => {
    const spec = parse({ ...minimal, schedule: "R/2024-03-09T09:00:00+02:00/P1D" });
    expect(jobToJson({ spec, status: newStatus() })["schedule"]).toBe("R/2024-03-09T09:00:00+02:00/P1D");
  });

  test("dependent jobs show parents and no schedule", () => {
    const json = jobToJson({ spec: parse({ name: "d", command: "x", parents: ["a"] }, "dependency"), status: newStatus() });
    expect(json["parents"]).toEqual(["a"]);
    expect(json["schedule"]).toBeUndefined();
  });
});

import { describe, expect, test } from "bun:test";
import { newStatus } from "./core-state.ts";
import { graphCsv, graphDot, graphProblem, lastState } from "./graph.ts";
import { chronosDefaults, parseJobJson } from "./job-json.ts";
import type { Job, JobSpec } from "./types.ts";

const spec = (name: string, parents?: string[]): JobSpec =>
  parents === undefined
    ? parseJobJson({ name, command: "true", schedule: "R//PT1H" }, "iso8601", chronosDefaults, 0 + 1e12)
    : parseJobJson({ name, command: "true", parents }, "dependency", chronosDefaults, 1e12);

function graph(...specs: JobSpec[]): Map<string, JobSpec> {
  return new Map(specs.map((s) => [s.name, s]));
}

describe("graph checks", () => {
  const g = graph(spec("a"), spec("b", ["a"]), spec("c", ["b"]));

  test("known parents and no cycle: fine", () => {
    expect(graphProblem(spec("d", ["a", "c"]), (n) => g.get(n))).toBeUndefined();
  });

  test("an unknown parent is named with its index", () => {
    expect(graphProblem(spec("d", ["a", "zz"]), (n) => g.get(n))).toEqual({ field: "parents[1]", problem: "unknown parent job 'zz'" });
  });

  test("a cycle through an update is named with its path", () => {
    const lookup = (n: string): JobSpec | undefined => (n === "a" ? undefined : g.get(n));
    const withA = new Map(g);
    withA.delete("a");
    expect(graphProblem(spec("a", ["c"]), (n) => withA.get(n) ?? lookup(n))).toEqual({ field: "parents[0]", problem: "dependency cycle: a -> c -> b -> a" });
  });
});

describe("exports", () => {
  const job = (s: JobSpec, patch: Partial<Job["status"]> = {}): Job => ({ spec: s, status: { ...newStatus(), ...patch } });
  const jobs = [job(spec("a"), { lastSuccessMs: 10 }), job(spec("b", ["a"]), { lastErrorMs: 5 }), job(spec("c", ["a", "b"]))];

  test("last state: fresh, success or failure by the later of the two", () => {
    expect(jobs.map(lastState)).toEqual(["success", "failure", "fresh"]);
    expect(lastState(job(spec("x"), { lastSuccessMs: 1, lastErrorMs: 2 }))).toBe("failure");
  });

  test("dot has a node per job and an edge per parent", () => {
    expect(graphDot(jobs)).toBe('digraph G {\n  "a";\n  "b";\n  "c";\n  "a" -> "b";\n  "a" -> "c";\n  "b" -> "c";\n}\n');
  });

  test("csv is Chronos's node and link lines", () => {
    expect(graphCsv(jobs, (n) => (n === "a" ? "running" : "idle"))).toBe(
      "node,a,success,running\nnode,b,failure,idle\nnode,c,fresh,idle\nlink,a,b\nlink,a,c\nlink,b,c\n",
    );
  });
});

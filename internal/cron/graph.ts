// The dependency graph between jobs: checks on parents (unknown ones, cycles), the child index the
// core uses to trigger dependent jobs, and the dot and csv exports of Chronos's /graph endpoints.

import type { Job, JobSpec } from "./types.ts";

export function parentsOf(spec: JobSpec): readonly string[] {
  return spec.schedule.kind === "dependency" ? spec.schedule.parents : [];
}

/**
 * Why `spec` cannot join the graph as it is, or undefined: a parent that is not a job, or a path
 * from the job back to itself through its parents. `lookup` sees the graph without `spec`'s
 * previous version (the update replaces it).
 */
export function graphProblem(spec: JobSpec, lookup: (name: string) => JobSpec | undefined): { field: string; problem: string } | undefined {
  const parents = parentsOf(spec);
  for (const [i, parent] of parents.entries()) {
    if (parent === spec.name) return { field: `parents[${i}]`, problem: `'${parent}' is the job itself (dependency cycle)` };
    if (lookup(parent) === undefined) return { field: `parents[${i}]`, problem: `unknown parent job '${parent}'` };
  }
  for (const [i, parent] of parents.entries()) {
    const cycle = pathToAncestor(parent, spec.name, lookup);
    if (cycle !== undefined) {
      return { field: `parents[${i}]`, problem: `dependency cycle: ${[spec.name, ...cycle].join(" -> ")}` };
    }
  }
  return undefined;
}

/** The chain of parents from `from` up to `target` (`[from, ..., target]`), if `target` is an ancestor. */
function pathToAncestor(from: string, target: string, lookup: (name: string) => JobSpec | undefined): string[] | undefined {
  const cameFrom = new Map<string, string | undefined>([[from, undefined]]);
  const stack = [from];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (name === target) {
      const path: string[] = [];
      for (let at: string | undefined = name; at !== undefined; at = cameFrom.get(at)) path.push(at);
      return path.reverse();
    }
    const spec = lookup(name);
    for (const parent of spec === undefined ? [] : parentsOf(spec)) {
      if (cameFrom.has(parent)) continue;
      cameFrom.set(parent, name);
      stack.push(parent);
    }
  }
  return undefined;
}

/** Parent -> children, kept beside the jobs so a success finds its dependants without a scan. */
export class ChildIndex {
  private readonly children = new Map<string, Set<string>>();

  add(spec: JobSpec): void {
    for (const parent of parentsOf(spec)) {
      let set = this.children.get(parent);
      if (set === undefined) {
        set = new Set();
        this.children.set(parent, set);
      }
      set.add(spec.name);
    }
  }

  remove(spec: JobSpec): void {
    for (const parent of parentsOf(spec)) {
      const set = this.children.get(parent);
      set?.delete(spec.name);
      if (set?.size === 0) this.children.delete(parent);
    }
  }

  of(parent: string): readonly string[] {
    return [...(this.children.get(parent) ?? [])].sort();
  }
}

/** Chronos's last-state word for a job: success, failure or fresh. */
export function lastState(job: Job): "success" | "failure" | "fresh" {
  const { lastSuccessMs, lastErrorMs } = job.status;
  if (lastSuccessMs === undefined && lastErrorMs === undefined) return "fresh";
  if (lastErrorMs === undefined) return "success";
  if (lastSuccessMs === undefined) return "failure";
  return lastSuccessMs > lastErrorMs ? "success" : "failure";
}

function dotId(name: string): string {
  return `"${name.replace(/["\\]/g, "\\$&")}"`;
}

/** The graph in Graphviz dot: one node per job, an edge parent -> child. */
export function graphDot(jobs: readonly Job[]): string {
  const lines = ["digraph G {"];
  for (const job of jobs) lines.push(`  ${dotId(job.spec.name)};`);
  for (const job of jobs) {
    for (const parent of parentsOf(job.spec)) lines.push(`  ${dotId(parent)} -> ${dotId(job.spec.name)};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Chronos's csv: `node,<name>,<lastState>,<currentState>` lines, then `link,<parent>,<child>`. */
export function graphCsv(jobs: readonly Job[], currentState: (name: string) => string): string {
  let out = "";
  for (const job of jobs) out += `node,${job.spec.name},${lastState(job)},${currentState(job.spec.name)}\n`;
  for (const job of jobs) {
    for (const parent of parentsOf(job.spec)) out += `link,${parent},${job.spec.name}\n`;
  }
  return out;
}

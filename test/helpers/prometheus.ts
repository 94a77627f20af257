// Prometheus from Debian's `prometheus` package for tests: promtool's metric lint and rule check,
// and a real server scraping a running cluster, queried through its HTTP API.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./cluster.ts";
import { eventually } from "./e2e.ts";

export function prometheusInstalled(): boolean {
  return Bun.which("promtool") !== null && Bun.which("prometheus") !== null;
}

/** `promtool check metrics` on an exposition; returns its complaints (empty when clean). */
export function promtoolCheckMetrics(text: string): { ok: boolean; output: string } {
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** `promtool check rules` on recording rules wrapping each expression: does every one parse? */
export function promtoolCheckExpressions(expressions: readonly string[]): { ok: boolean; output: string } {
  const rules = expressions.map((expr, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(expr)}`).join("\n");
  const path = join(tempDir("promtool-"), "rules.yml");
  writeFileSync(path, `groups:\n  - name: dashboards\n    rules:\n${rules}\n`);
  const result = spawnSync("promtool", ["check", "rules", path], { encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** The scrape configuration we ship, which the README tells operators to start Prometheus with. */
export const shippedScrapeConfigPath = new URL("../../observability/prometheus/prometheus.yml", import.meta.url).pathname;

/** Each job of the shipped config with its targets (`- targets: [...]` lines, in order). */
export function shippedScrapeJobs(text = readFileSync(shippedScrapeConfigPath, "utf8")): Map<string, string[]> {
  const jobs = new Map<string, string[]>();
  let job: string | undefined;
  for (const line of text.split("\n")) {
    const name = /^\s*- job_name: (\S+)\s*$/.exec(line)?.[1];
    if (name !== undefined) jobs.set((job = name), []);
    const targets = /^\s*- targets: (\[.*\])\s*$/.exec(line)?.[1];
    if (targets !== undefined && job !== undefined) jobs.get(job)!.push(...(JSON.parse(targets) as string[]));
  }
  return jobs;
}

/**
 * The shipped config with every job's targets replaced by `targets` (job → host:port list) and
 * the intervals cut to 1 s; a job of one and not the other is a programming error.
 */
export function shippedScrapeConfig(targets: Record<string, string[]>): string {
  const text = readFileSync(shippedScrapeConfigPath, "utf8");
  const shipped = [...shippedScrapeJobs(text).keys()].sort();
  if (JSON.stringify(shipped) !== JSON.stringify(Object.keys(targets).sort())) throw new Error(`prometheus.yml has jobs ${shipped.join(", ")}; targets given for ${Object.keys(targets).join(", ")}`);
  let job: string | undefined;
  return text
    .split("\n")
    .map((line) => {
      job = /^\s*- job_name: (\S+)\s*$/.exec(line)?.[1] ?? job;
      const targetsLine = /^(\s*- targets: )\[.*\]\s*$/.exec(line);
      if (targetsLine !== null) return `${targetsLine[1]}${JSON.stringify(targets[job!])}`;
      return line.replace(/^(\s*(?:scrape|evaluation)_interval:) \S+$/, "$1 1s");
    })
    .join("\n");
}

/** `promtool check config` on a Prometheus configuration file. */
export function promtoolCheckConfig(path: string): { ok: boolean; output: string } {
  const result = spawnSync("promtool", ["check", "config", path], { encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Metric families an exposition declares (`# TYPE` lines). */
export function exposedFamilies(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]!));
}

export interface PrometheusServer {
  url: string;
  child: ChildProcess;
  query(expr: string): Promise<{ status: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string }>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/** Starts `prometheus` with the shipped scrape config, its targets replaced (job → host:port), every second. */
export async function startPrometheus(targets: Record<string, string[]>): Promise<PrometheusServer> {
  const dir = tempDir("prometheus-");
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, shippedScrapeConfig(targets));
  const port = await freePort();
  const child = spawn("prometheus", [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) || undefined, 20_000, `prometheus ready (${stderr})`);
  return {
    url,
    child,
    query: async (expr) => (await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`)).json() as never,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

// Prometheus from Debian's `prometheus` package for tests: promtool's metric lint and rule check,
// and a real server scraping a running cluster, queried through its HTTP API.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
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

/** Starts `prometheus` scraping `targets` (job → host:port) every second. */
export async function startPrometheus(targets: Record<string, string[]>): Promise<PrometheusServer> {
  const dir = tempDir("prometheus-");
  const jobs = Object.entries(targets)
    .map(([job, list]) => `  - job_name: ${job}\n    static_configs:\n      - targets: [${list.map((t) => JSON.stringify(t)).join(", ")}]`)
    .join("\n");
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}\n`);
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

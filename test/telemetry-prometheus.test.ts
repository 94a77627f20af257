// Metrics of a live cluster doing work — zk-lite electing the master, a master with a role
// schedule, an agent running tasks, a framework accepting and declining, cron running a job —
// checked by Debian's Prometheus tools: `promtool check metrics` on every mode's /metrics, every
// dashboard expression parses (`promtool check rules`) and names only metrics the cluster exports
// (so no panel is silently blank), and a real Prometheus server, started with the scrape config we
// ship (observability/prometheus/prometheus.yml, targets replaced), scrapes the cluster and answers
// offer queries and every dashboard expression.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildDashboard, dashboardExpressions, variableQueries } from "../observability/grafana/build.ts";
import { dashboards } from "../observability/grafana/dashboards.ts";
import { dashboardFiles, dashboardsDir } from "../observability/grafana/generate.ts";
import { familyCandidates, interpolateGrafanaVariables, metricNames } from "../observability/grafana/promql.ts";
import { flagTable, type Mode } from "../internal/flags/index.ts";
import { cleanupAll, startCluster, tempDir, type RunningCluster } from "./helpers/cluster.ts";
import { CronApi, startTestCron } from "./helpers/cron-cluster.ts";
import { commandTask, eventually, startTestAgent, startTestMaster, TestFramework } from "./helpers/e2e.ts";
import {
  exposedFamilies,
  prometheusInstalled,
  promtoolCheckConfig,
  promtoolCheckExpressions,
  promtoolCheckMetrics,
  shippedScrapeConfigPath,
  shippedScrapeJobs,
  startPrometheus,
  type PrometheusServer,
} from "./helpers/prometheus.ts";

setDefaultTimeout(120_000);
const telemetryOn = { OTEL_SDK_DISABLED: "false" };
const installed = prometheusInstalled();

interface Live {
  urls: Record<"master" | "agent" | "zk-lite" | "cron", string>;
  framework: TestFramework;
}
let live: Live | undefined;
const scraped = new Map<string, string>();

/** A spark window of 2 s every 4 s, so windows open and close while the test runs. */
function roleScheduleFile(): string {
  const path = join(tempDir(), "roles.json");
  writeFileSync(path, JSON.stringify({ max_oversubscription: 1.5, roles: { spark: { windows: [{ cron: "*/4 * * * * *", duration: "2s" }], on_window_end: "revoke", kill_grace_period: "1s" } } }));
  return path;
}

async function startLiveCluster(): Promise<Live> {
  const zk: RunningCluster = await startCluster(["--mode=zk-lite", "--ip=127.0.0.1", "--port=0", "--admin_port=0", `--data_dir=${tempDir()}`], { env: telemetryOn, expectUrls: 2 });
  const zkAddress = zk.urls.get("zk-lite")!;
  const master = await startTestMaster([`--zk=zk://${zkAddress}/mesos`, `--role_schedule=${roleScheduleFile()}`, "--offer_timeout=2secs"], tempDir(), telemetryOn);
  await eventually(async () => ((await (await fetch(`${master.url}/metrics/snapshot`)).json()) as Record<string, number>)["master/elected"] === 1 || undefined, 20_000, "the master elected through zk-lite");
  const agent = await startTestAgent(master.address, ["--resources=cpus:4;mem:2048;disk:1000;ports:[31000-31010];cpus(spark):1;mem(spark):256"], tempDir(), telemetryOn);
  const cron = await startTestCron(master.address, tempDir(), [], telemetryOn);
  await new CronApi(cron.url).postOk("iso8601", { name: "every2s", command: "true", schedule: "R//PT2S", cpus: 0.1, mem: 16 });
  const framework = new TestFramework([master.address], { name: "metrics-e2e", roles: ["*"] });
  await framework.subscribe();
  // Work: a long task and a short one are launched, later offers declined, one left to expire.
  const offer = await framework.nextOffer((o) => o.resources.some((r) => r.name === "cpus" && (r.scalar?.value ?? 0) >= 1), 0);
  await framework.client.launch([offer.id], [commandTask(offer, "sleeper", "sleep 120"), commandTask(offer, "quick", "true")], { refuse_seconds: 0 });
  await framework.status("sleeper", "TASK_RUNNING");
  await framework.status("quick", "TASK_FINISHED");
  const declined = await framework.nextOffer();
  await framework.client.decline([declined.id], { refuse_seconds: 0.5 });
  await framework.nextOffer();
  return { urls: { master: master.url, agent: agent.url, "zk-lite": zk.urls.get("zk-lite admin")!, cron: cron.url }, framework };
}

beforeAll(async () => {
  if (!installed) return;
  live = await startLiveCluster();
  // Long enough for an offer to expire, windows to change, cron to finish runs, zk to serve pings.
  await eventually(async () => {
    const text = await (await fetch(`${live!.urls.master}/metrics`)).text();
    const cronText = await (await fetch(`${live!.urls.cron}/metrics`)).text();
    const ready = /outcome="expired"/.test(text) && /^cluster_role_window_changes_total\{[^}]*change="closed"/m.test(text) && /^cron_run_lateness_seconds_count\{[^}]*\} [1-9]/m.test(cronText);
    return ready || undefined;
  }, 30_000, "expired offers, a closed window and finished cron runs");
  for (const [mode, url] of Object.entries(live.urls)) scraped.set(mode, await (await fetch(`${url}/metrics`)).text());
});

afterAll(async () => {
  await live?.framework.close();
  cleanupAll();
});

describe.skipIf(!installed)("promtool check metrics", () => {
  for (const mode of ["master", "agent", "zk-lite", "cron"] as const) {
    test(`${mode} /metrics`, () => {
      const text = scraped.get(mode)!;
      expect(text.length).toBeGreaterThan(1000);
      expect(promtoolCheckMetrics(text)).toEqual({ ok: true, output: "" });
    });
  }

  test("dev mode /metrics (master, agent and cron in one process)", async () => {
    const dev = await startCluster(["--mode=dev", "--ip=127.0.0.1", "--port=0", "--agent_port=0", "--cron_port=0", `--work_dir=${tempDir()}`], { env: telemetryOn, expectUrls: 3 });
    const text = await eventually(async () => {
      const body = await (await fetch(`${dev.urls.get("master")}/metrics`)).text();
      return /^cluster_agents\{state="active",[^}]*\} 1$/m.test(body) && body.includes("cron_leader") && body.includes("agent_status_updates_pending") ? body : undefined;
    }, 15_000, "dev metrics");
    expect(promtoolCheckMetrics(text)).toEqual({ ok: true, output: "" });
    expect((await dev.stop()).code).toBe(0);
  });

  test("the live cluster exports what the issue asks for", () => {
    const master = scraped.get("master")!;
    for (const pattern of [
      /^cluster_offer_created_total\{role="\*",framework_id="[^"]+",framework_name="metrics-e2e"/m,
      /^cluster_offer_ended_total\{[^}]*outcome="accepted"/m,
      /^cluster_offer_ended_total\{[^}]*outcome="declined"/m,
      /^cluster_offer_ended_total\{[^}]*outcome="expired"/m,
      /^cluster_offer_decision_duration_seconds_bucket\{/m,
      /^cluster_allocation_cycle_duration_seconds_bucket\{/m,
      /^cluster_role_cpus\{role="spark",state="reserved",[^}]*\} 1$/m,
      /^cluster_agent_oversubscription_ratio\{agent_id="[^"]+",agent_hostname="[^"]+"/m,
      /^cluster_tasks\{state="TASK_RUNNING",[^}]*\} [1-9]/m,
      /^cluster_agents\{state="active",[^}]*\} 1$/m,
      /^cluster_frameworks\{state="active",[^}]*\} 2$/m,
      /^cluster_master_elected\{[^}]*\} 1$/m,
      /^cluster_master_term\{[^}]*\} 1\d{12}$/m,
      /^cluster_role_window_open\{role="spark",[^}]*\} [01]$/m,
      /^log_lines_total\{level="info",[^}]*\} [1-9]/m,
    ]) {
      expect(master).toMatch(pattern);
    }
    const agent = scraped.get("agent")!;
    expect(agent).toMatch(/^container_cpu_time_seconds_total\{framework_id="[^"]+",executor_id="sleeper",cpu_mode="user"/m);
    expect(agent).toMatch(/^container_memory_usage_bytes\{[^}]*executor_id="sleeper"[^}]*\} [1-9]/m);
    expect(agent).toMatch(/^agent_status_update_ack_duration_seconds_count\{[^}]*\} [1-9]/m);
    expect(agent).toMatch(/^agent_task_start_duration_seconds_count\{[^}]*\} [1-9]/m);
    const zk = scraped.get("zk-lite")!;
    expect(zk).toMatch(/^zk_server_requests_total\{op="ping",[^}]*\} [1-9]/m);
    expect(zk).toMatch(/^zk_server_sessions\{[^}]*\} [1-9]/m);
    expect(zk).toMatch(/^zk_server_znodes\{[^}]*\} [1-9]/m);
    expect(scraped.get("cron")!).toMatch(/^cron_runs_finished_total\{state="succeeded",[^}]*\} [1-9]/m);
  });
});

describe("dashboards", () => {
  test("the committed JSON is what dashboards.ts builds (run observability/grafana/generate.ts)", () => {
    for (const [file, text] of dashboardFiles()) expect(readFileSync(join(dashboardsDir, file), "utf8")).toBe(text);
  });

  test("each is a Grafana dashboard on the ${datasource} Prometheus variable", () => {
    for (const spec of Object.values(dashboards)) {
      const dashboard = buildDashboard(spec) as { uid: string; templating: { list: Array<{ name: string; type: string; query: unknown }> }; panels: Array<{ type: string; datasource?: { uid: string }; targets?: unknown[] }> };
      expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(dashboard.templating.list[0]).toMatchObject({ name: "datasource", type: "datasource", query: "prometheus" });
      for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
        expect(panel.datasource?.uid).toBe("${datasource}");
        expect(panel.targets?.length).toBeGreaterThan(0);
      }
    }
  });

  test.skipIf(!installed)("every expression parses (promtool check rules)", () => {
    const expressions = Object.values(dashboards).flatMap((spec) => dashboardExpressions(buildDashboard(spec)).map(({ expr }) => interpolateGrafanaVariables(expr)));
    expect(expressions.length).toBeGreaterThan(60);
    const checked = promtoolCheckExpressions(expressions);
    expect(checked.output).toContain(`SUCCESS: ${expressions.length} rules found`);
    expect(checked.ok).toBe(true);
  });

  test.skipIf(!installed)("every metric an expression or variable names is exported by the live cluster", () => {
    const families = new Set([...scraped.values()].flatMap((text) => [...exposedFamilies(text)]));
    const missing: string[] = [];
    for (const spec of Object.values(dashboards)) {
      const dashboard = buildDashboard(spec);
      const used = [...dashboardExpressions(dashboard).flatMap(({ expr }) => metricNames(expr)), ...variableQueries(dashboard).map((q) => /label_values\((\w+)/.exec(q)?.[1] ?? q)];
      for (const name of used) if (!familyCandidates(name).some((family) => families.has(family))) missing.push(`${spec.uid}: ${name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe.skipIf(!installed)("observability/prometheus/prometheus.yml", () => {
  test("is valid (promtool check config) and scrapes every mode at its default port", () => {
    expect(promtoolCheckConfig(shippedScrapeConfigPath).ok).toBe(true);
    const port = (mode: Mode, flag: string) => flagTable(mode).find((f) => f.name === flag)?.default;
    expect(Object.fromEntries(shippedScrapeJobs())).toEqual({
      "cluster-master": [`localhost:${port("master", "port")}`],
      "cluster-agent": [`localhost:${port("agent", "port")}`],
      "cluster-zk-lite": [`localhost:${port("zk-lite", "admin_port")}`],
      "cluster-cron": [`localhost:${port("cron", "port")}`],
    });
  });
});

describe.skipIf(!installed)("a real Prometheus server scraping the cluster", () => {
  let prometheus: PrometheusServer;
  beforeAll(async () => {
    const host = (url: string) => new URL(url).host;
    prometheus = await startPrometheus({
      "cluster-master": [host(live!.urls.master)],
      "cluster-agent": [host(live!.urls.agent)],
      "cluster-zk-lite": [host(live!.urls["zk-lite"])],
      "cluster-cron": [host(live!.urls.cron)],
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
  });

  test("every mode is up and the query API returns offer metrics", async () => {
    const up = await eventually(async () => {
      const answer = await prometheus.query("up == 1");
      return (answer.data?.result.length ?? 0) >= 4 ? answer.data!.result : undefined;
    }, 20_000, "all four targets up");
    expect(up.map((r) => r.metric["job"]).sort()).toEqual(["cluster-agent", "cluster-cron", "cluster-master", "cluster-zk-lite"]);
    const created = await eventually(async () => {
      const answer = await prometheus.query('sum by (framework_name) (cluster_offer_created_total{framework_name="metrics-e2e"})');
      return answer.data?.result.length ? answer.data.result : undefined;
    }, 20_000, "cluster_offer_created_total in Prometheus");
    expect(Number(created[0]!.value[1])).toBeGreaterThan(0);
    const outcomes = await prometheus.query("sum by (outcome) (cluster_offer_ended_total)");
    expect(outcomes.status).toBe("success");
    expect(outcomes.data!.result.map((r) => r.metric["outcome"])).toEqual(expect.arrayContaining(["accepted", "declined", "expired"]));
  });

  test("every dashboard expression runs on it", async () => {
    // Two scrapes apart, so rate() has samples to work with.
    await Bun.sleep(2500);
    const failures: string[] = [];
    for (const spec of Object.values(dashboards)) {
      for (const { panel, expr } of dashboardExpressions(buildDashboard(spec))) {
        const answer = await prometheus.query(interpolateGrafanaVariables(expr));
        if (answer.status !== "success") failures.push(`${spec.uid} / ${panel}: ${answer.error}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

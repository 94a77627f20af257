// Every mode over OTLP, from a live cluster pushing to a receiver in the test: zk-lite electing the
// master, a master with a role schedule, an agent, and cron running a job. Each mode's spans arrive
// (zk.request sampled on zk-lite, master.leadership through ZooKeeper and role.window on the
// master, cron.run on cron), and every metric family a mode shows on its /metrics arrives over
// OTLP too, under the OpenTelemetry name that /metrics derives its Prometheus name from.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { zkRequestSpanSampleEvery } from "../observability/observers/index.ts";
import { prometheusBaseName } from "../observability/telemetry/prometheus-text.ts";
import { cleanupAll, startCluster, tempDir } from "./helpers/cluster.ts";
import { CronApi, startTestCron } from "./helpers/cron-cluster.ts";
import { eventually, startTestAgent, startTestMaster } from "./helpers/e2e.ts";
import { otlpEnv, startOtlpReceiver, type OtlpReceiver, type ReceivedMetric, type ReceivedSpan } from "./helpers/otlp-receiver.ts";
import { exposedFamilies } from "./helpers/prometheus.ts";
import { RawZkClient } from "./zk/raw-client.ts";

setDefaultTimeout(120_000);

type Mode = "master" | "agent" | "zk-lite" | "cron";
let receiver: OtlpReceiver;
const urls = {} as Record<Mode, string>;

/** A spark window of 2 s every 4 s, so windows open and close while the test runs. */
function roleScheduleFile(): string {
  const path = join(tempDir(), "roles.json");
  writeFileSync(path, JSON.stringify({ max_oversubscription: 1.5, roles: { spark: { windows: [{ cron: "*/4 * * * * *", duration: "2s" }], on_window_end: "revoke", kill_grace_period: "1s" } } }));
  return path;
}

beforeAll(async () => {
  receiver = startOtlpReceiver();
  const env = otlpEnv(receiver);
  const zk = await startCluster(["--mode=zk-lite", "--ip=127.0.0.1", "--port=0", "--admin_port=0", `--data_dir=${tempDir()}`], { env, expectUrls: 2 });
  const zkAddress = zk.urls.get("zk-lite")!;
  const master = await startTestMaster([`--zk=zk://${zkAddress}/mesos`, `--role_schedule=${roleScheduleFile()}`], tempDir(), env);
  const agent = await startTestAgent(master.address, ["--resources=cpus:2;mem:512;disk:1000;ports:[31000-31005];cpus(spark):1;mem(spark):64"], tempDir(), env);
  const cron = await startTestCron(master.address, tempDir(), [], env);
  await new CronApi(cron.url).postOk("iso8601", { name: "every2s", command: "true", schedule: "R//PT2S", cpus: 0.1, mem: 16, disk: 10 });
  // Enough requests of our own for zk-lite to sample at least one span, whatever else it serves.
  const client = await RawZkClient.open(Number(zkAddress.split(":")[1]));
  await client.handshake();
  for (let i = 0; i < zkRequestSpanSampleEvery; i++) await client.exists("/mesos");
  client.close();
  Object.assign(urls, { master: master.url, agent: agent.url, "zk-lite": zk.urls.get("zk-lite admin")!, cron: cron.url });
});

afterAll(async () => {
  cleanupAll();
  await receiver?.stop();
});

const spanOf = (service: string, name: string, match: (span: ReceivedSpan) => boolean = () => true) => () =>
  receiver.spans.find((s) => s.service === service && s.name === name && match(s));

describe("spans of every mode arrive over OTLP", () => {
  test("zk-lite: a sampled zk.request", async () => {
    const span = await eventually(spanOf("cluster-zk-lite", "zk.request"), 20_000, "a zk.request span");
    expect(span.attributes).toMatchObject({ "zk.op": expect.any(String), "zk.sampled_one_in": zkRequestSpanSampleEvery });
    expect(span.endMs).toBeGreaterThanOrEqual(span.startMs);
  });

  test("master: master.leadership elected through ZooKeeper, role.window opened and closed", async () => {
    const elected = await eventually(spanOf("cluster-master", "master.leadership", (s) => s.attributes["master.leading"] === true), 20_000, "master.leadership");
    expect(elected.attributes).toMatchObject({ "master.election.kind": "zookeeper", "master.epoch": expect.any(Number) });
    for (const change of ["opened", "closed"]) {
      const window = await eventually(spanOf("cluster-master", "role.window", (s) => s.attributes["role.window.change"] === change), 20_000, `a role.window ${change} span`);
      expect(window.attributes).toMatchObject({ role: "spark", "role.window.cause": expect.any(String) });
    }
  });

  test("cron: a cron.run for a run that succeeded, with its launched and running events", async () => {
    const run = await eventually(spanOf("cluster-cron", "cron.run", (s) => s.attributes["cron.run.state"] === "succeeded"), 30_000, "a succeeded cron.run span");
    expect(run.attributes).toMatchObject({ "cron.job": "every2s", "agent.id": expect.any(String) });
    expect(run.events.map((e) => e.name)).toEqual(["launched", "running"]);
    expect(run.endMs).toBeGreaterThanOrEqual(run.startMs);
  });
});

/** The Prometheus family /metrics shows for a metric pushed over OTLP (the rules of prometheus-text.ts). */
function prometheusFamily(metric: ReceivedMetric): string {
  const base = prometheusBaseName(metric.name, metric.unit, metric.kind === "counter", metric.kind === "gauge");
  return metric.kind === "counter" ? `${base}_total` : base;
}

describe("metrics of every mode arrive over OTLP", () => {
  // What the issue names, per mode; the comparison below covers everything else on /metrics.
  const named: Record<Mode, string[]> = {
    master: ["cluster_offer_created_total", "cluster_offer_ended_total", "cluster_offer_decision_duration_seconds", "cluster_allocation_cycle_duration_seconds", "cluster_cpus", "cluster_role_cpus", "cluster_agent_cpus", "cluster_agent_oversubscription_ratio", "cluster_tasks", "cluster_agents", "cluster_frameworks", "cluster_master_leader_changes_total", "cluster_master_term", "log_lines_total", "log_rotations_total"],
    agent: ["agent_tasks", "agent_status_update_retries_total", "agent_status_update_ack_duration_seconds", "agent_task_start_duration_seconds", "log_lines_total", "log_rotations_total"],
    "zk-lite": ["zk_server_requests_total", "zk_server_request_duration_seconds", "zk_server_sessions", "zk_server_znodes", "zk_server_watches", "log_lines_total", "log_rotations_total"],
    cron: ["cron_runs_finished_total", "cron_run_lateness_seconds", "log_lines_total", "log_rotations_total"],
  };

  for (const mode of ["master", "agent", "zk-lite", "cron"] as const) {
    test(`${mode}: every family on /metrics, the issue's among them`, async () => {
      // Wait for the work the named families need (offers decided, a task acknowledged, a cron run finished).
      let missing = named[mode];
      const families = await eventually(async () => {
        const found = exposedFamilies(await (await fetch(`${urls[mode]}/metrics`)).text());
        missing = named[mode].filter((name) => !found.has(name));
        return missing.length === 0 ? found : undefined;
      }, 30_000, `${mode} /metrics with ${named[mode].join(", ")}`).catch((error: unknown) => {
        throw new Error(`${String(error)}; still missing: ${missing.join(", ")}`);
      });
      families.delete("target_info");
      const pushed = await eventually(() => {
        const names = new Set(receiver.metrics.filter((m) => m.service === `cluster-${mode}`).map(prometheusFamily));
        return [...families].every((family) => names.has(family)) ? names : undefined;
      }, 10_000, `${mode}'s families over OTLP`).catch(() => new Set(receiver.metrics.filter((m) => m.service === `cluster-${mode}`).map(prometheusFamily)));
      expect([...families].filter((family) => !pushed.has(family))).toEqual([]);
      expect(receiver.rejected).toEqual([]);
    });
  }
});

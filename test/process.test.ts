// The executable as a user meets it: --version, --help per mode, every mode's base endpoints,
// clean stop on SIGTERM/SIGINT, exit 2 on bad flags, and the binary running alone.

import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { flagTable, modes } from "../internal/flags/index.ts";
import { cleanupAll, clusterBinary, runCluster, startCluster, tempDir } from "./helpers/cluster.ts";

afterAll(cleanupAll);

function argsFor(mode: string): string[] {
  const common = ["--ip=127.0.0.1", "--port=0"];
  switch (mode) {
    case "master":
      return [`--mode=master`, ...common, `--work_dir=${tempDir()}`];
    case "agent":
      return [`--mode=agent`, ...common, `--work_dir=${tempDir()}`, "--master=127.0.0.1:5050", "--resources=cpus:1;mem:128"];
    case "cron":
      return [`--mode=cron`, ...common, `--work_dir=${tempDir()}`, "--master=127.0.0.1:5050"];
    case "zk-lite":
      return [`--mode=zk-lite`, ...common, "--admin_port=0", `--data_dir=${tempDir()}`];
    default:
      return [`--mode=dev`, ...common, "--agent_port=0", "--cron_port=0", `--work_dir=${tempDir()}`];
  }
}

test("--version prints the version", () => {
  const result = runCluster(["--version"]);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^cluster \d+\.\d+\.\d+/);
});

describe("--help lists every flag with its default", () => {
  for (const mode of modes) {
    test(mode, () => {
      const result = runCluster([`--mode=${mode}`, "--help"]);
      expect(result.code).toBe(0);
      for (const def of flagTable(mode)) {
        // Hidden flags (test hooks) are accepted but not advertised.
        if (def.hidden === true) expect(result.stdout).not.toContain(`--${def.name}`);
        else expect(result.stdout).toContain(`--${def.name}`);
      }
      expect(result.stdout).toContain("default: INFO");
    });
  }
});

describe("bad command lines exit 2 with one line naming the flag", () => {
  const cases: Array<[string[], string]> = [
    [["--mode=wizard"], "--mode"],
    [["--mode=master", "--work_dir=/tmp/x", "--bogus=1"], "--bogus"],
    [["--mode=master", "--work_dir=/tmp/x", "--port=notaport"], "--port"],
    [["--mode=master"], "--work_dir"],
    [["--mode=master", "--work_dir=/tmp/x", "--allocation_nonsense"], "--allocation_nonsense"],
  ];
  for (const [args, flag] of cases) {
    test(args.join(" "), () => {
      const result = runCluster(args);
      expect(result.code).toBe(2);
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(flag);
    });
  }
});

describe("each mode serves /health, /metrics, /flags, /version and stops on a signal", () => {
  for (const mode of modes) {
    test(mode, async () => {
      const proc = await startCluster(argsFor(mode), { expectUrls: mode === "dev" ? 3 : mode === "zk-lite" ? 2 : 1 });
      for (const url of proc.urls.values()) {
        if (!url.startsWith("http://")) continue;
        expect((await fetch(`${url}/health`)).status).toBe(200);
        const metrics = await fetch(`${url}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get("content-type")).toContain("text/plain");
        const flags = (await (await fetch(`${url}/flags`)).json()) as { flags: Record<string, string> };
        expect(flags.flags.mode).toBe(mode);
        expect(flags.flags.logging_level).toBe("INFO");
        const version = (await (await fetch(`${url}/version`)).json()) as { version: string };
        expect(version.version).toMatch(/^\d+\.\d+\.\d+/);
      }
      const signal = mode === "dev" ? "SIGINT" : "SIGTERM";
      const startedMs = Date.now();
      const exit = await proc.stop(signal);
      expect(exit.code).toBe(0);
      expect(Date.now() - startedMs).toBeLessThan(5000);
    });
  }
});

test("/flags shows effective values from every source and redacts passwords", async () => {
  const dir = tempDir();
  const config = join(dir, "master.json");
  await Bun.write(config, JSON.stringify({ logging_level: "WARNING", log_rotate_files: 3 }));
  const proc = await startCluster(
    ["--mode=master", "--port=0", `--config=${config}`, "--zk=zk://alice:s3cret@127.0.0.1:2181/mesos", "--log_rotate_files=4"],
    { env: { CLUSTER_WORK_DIR: dir } },
  );
  const url = proc.urls.get("master")!;
  const { flags } = (await (await fetch(`${url}/flags`)).json()) as { flags: Record<string, string> };
  expect(flags.work_dir).toBe(dir);
  expect(flags.logging_level).toBe("WARNING");
  expect(flags.log_rotate_files).toBe("4");
  expect(flags.log_rotate_size).toBe("64MB");
  expect(flags.zk).toBe("zk://[redacted]@127.0.0.1:2181/mesos");
  expect(JSON.stringify(flags)).not.toContain("s3cret");
  await proc.stop();
});

test("a body over --max_request_body_size gets 413 naming the flag", async () => {
  const proc = await startCluster([...argsFor("master"), "--max_request_body_size=4KB"]);
  const response = await fetch(`${proc.urls.get("master")}/health`, { method: "POST", body: "x".repeat(10_000) });
  expect(response.status).toBe(413);
  expect(await response.text()).toContain("--max_request_body_size");
  await proc.stop();
});

test("--log_dir writes JSON lines to cluster-<mode>.log", async () => {
  const logDir = tempDir();
  const proc = await startCluster([...argsFor("master"), `--log_dir=${logDir}`]);
  await proc.stop();
  const file = join(logDir, "cluster-master.log");
  expect(existsSync(file)).toBe(true);
  const lines = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const started = lines.find((line) => line.msg === "started");
  expect(started).toBeDefined();
  expect(started!.mode).toBe("master");
  expect(started!.pid).toBe(proc.child.pid);
  expect(started!.level).toBe("info");
  expect(lines.at(-1)!.msg).toBe("stopped");
});

test("the executable runs alone: copied into an empty directory with nothing on PATH", async () => {
  const dir = tempDir();
  const lonely = join(dir, "cluster");
  copyFileSync(clusterBinary(), lonely);
  const proc = await startCluster(argsFor("master"), { binary: lonely, cwd: dir, env: { PATH: dir } });
  expect((await fetch(`${proc.urls.get("master")}/health`)).status).toBe(200);
  expect((await proc.stop()).code).toBe(0);
});

test("with telemetry on, /metrics has process and log metrics in Prometheus text", async () => {
  const proc = await startCluster(argsFor("master"), { env: { OTEL_SDK_DISABLED: "false" } });
  // The event loop delay gauges appear once the delay histogram has its first samples.
  let text = "";
  for (let attempt = 0; attempt < 50 && !text.includes("nodejs_eventloop_delay_p99_seconds"); attempt++) {
    await Bun.sleep(100);
    text = await (await fetch(`${proc.urls.get("master")}/metrics`)).text();
  }
  expect(text).toContain("# TYPE process_uptime_seconds gauge");
  expect(text).toMatch(/^process_memory_usage_bytes\{[^}]*\} \d+/m);
  expect(text).toMatch(/^nodejs_eventloop_delay_p99_seconds/m);
  expect(text).toMatch(/^log_lines_total\{[^}]*level="info"[^}]*\} \d+/m);
  expect(text).toContain('service_name="cluster-master"');
  expect((await proc.stop()).code).toBe(0);
});

test("a port already in use fails start-up, ending with a plain line naming the address", async () => {
  const first = await startCluster(argsFor("master"));
  const port = new URL(first.urls.get("master")!).port;
  const result = runCluster(["--mode=master", "--ip=127.0.0.1", `--port=${port}`, `--work_dir=${tempDir()}`]);
  expect(result.code).toBe(1);
  // Logs also go to stderr (as JSON); the last line is for the person at the terminal.
  expect(result.stderr.trim().split("\n").at(-1)).toStartWith(`cluster: cannot listen on 127.0.0.1:${port}`);
  await first.stop();
});

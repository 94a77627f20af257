// The ZooKeeper election plugged into the master through startMaster's `leadership` option, as
// `--zk` will do: two masters in this process on one group, against zk-lite and Apache ZooKeeper
// 3.8. The first leads; the second follows and redirects to it; when the first stops, the second
// leads. This also checks at compile time that createZkLeadership is a master Leadership.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { parseCommandLine } from "../internal/flags/index.ts";
import { masterConfigFromFlags, startMaster, type Leadership, type StartedMaster } from "../internal/master/index.ts";
import type { ProcessContext } from "../internal/process/index.ts";
import { realClock, realIds, SeededRandom } from "../internal/runtime/index.ts";
import { createZkLeadership, masterInfoFor } from "../internal/zk/client/index.ts";
import { SESSION_TIMEOUT_MS, testLogger, uniquePath } from "./zk-client/harness.ts";
import { freePort, startServer, zookeeperInstalled, type ServerKind } from "./zk/servers.ts";

const KINDS: ServerKind[] = ["zk-lite", "zookeeper"];
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function zkMaster(zkUrl: string, id: string): Promise<{ started: StartedMaster; address: string }> {
  const workDir = mkdtempSync(join(tmpdir(), "zk-master-"));
  dirs.push(workDir);
  const port = await freePort();
  const outcome = parseCommandLine({ argv: ["--mode=master", "--ip=127.0.0.1", `--port=${port}`, `--work_dir=${workDir}`], env: {} });
  if (outcome.kind !== "run") throw new Error("master flags did not parse");
  const ctx: ProcessContext = {
    flags: outcome.flags,
    logger: pino({ level: process.env["ZK_CLIENT_TEST_LOG"] === "1" ? "debug" : "silent" }),
    telemetry: { metricsText: async () => "" },
    clock: realClock,
    random: new SeededRandom(port),
    ids: realIds,
  };
  const leadership: Leadership = createZkLeadership(zkUrl, () => masterInfoFor({ id, ip: "127.0.0.1", port, hostname: "127.0.0.1" }), {
    logger: testLogger,
    clock: realClock,
    random: new SeededRandom(port),
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    retryDelayMs: 100,
  });
  const started = await startMaster(ctx, masterConfigFromFlags(outcome.flags), port, { leadership });
  return { started, address: `127.0.0.1:${port}` };
}

async function redirectOf(address: string): Promise<{ status: number; location: string | null }> {
  const response = await fetch(`http://${address}/master/redirect`, { redirect: "manual" });
  await response.body?.cancel();
  return { status: response.status, location: response.headers.get("location") };
}

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await f();
    if (ok(value) || Date.now() > deadline) return value;
    await Bun.sleep(50);
  }
}

for (const kind of KINDS) {
  describe.skipIf(kind === "zookeeper" && !zookeeperInstalled())(`master leadership through ZooKeeper (${kind})`, () => {
    test("one master leads, the other redirects to it, then takes over", async () => {
      const server = await startServer(kind, { tickTimeMs: 200 });
      const zkUrl = `zk://127.0.0.1:${server.port}${uniquePath("masters")}`;
      try {
        const m1 = await zkMaster(zkUrl, "m1");
        await eventually(async () => m1.started.service.active !== undefined, (v) => v, 5000);
        expect(m1.started.service.active).toBeDefined();
        const m2 = await zkMaster(zkUrl, "m2");
        const redirect = await eventually(() => redirectOf(m2.address), (r) => r.status === 307, 5000);
        expect(redirect).toEqual({ status: 307, location: `//127.0.0.1:${m1.address.split(":")[1]}` });
        expect(m2.started.service.active).toBeUndefined();
        await m1.started.services[0]!.stop();
        await eventually(async () => m2.started.service.active !== undefined, (v) => v, SESSION_TIMEOUT_MS * 2);
        expect(m2.started.service.active).toBeDefined();
        // The leader names itself by its own --hostname.
        expect((await redirectOf(m2.address)).location).toEndWith(`:${m2.address.split(":")[1]}`);
        await m2.started.services[0]!.stop();
      } finally {
        await server.stop("SIGTERM");
      }
    }, 30_000);
  });
}

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realClock } from "../../runtime/index.ts";
import type { HealthPolicy, HealthProbe } from "./health.ts";
import { HealthRunner, runProbe } from "./health-runner.ts";
import { eventually } from "./testing.ts";
import type { HealthEvent } from "./types.ts";

const quietLogger = { info() {}, warn() {}, error() {}, debug() {} };
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function startRunner(probe: HealthProbe, sandboxDir = tmpdir(), overrides: Partial<HealthPolicy> = {}): HealthEvent[] {
  const events: HealthEvent[] = [];
  const policy: HealthPolicy = { probe, delayMs: 0, intervalMs: 30, timeoutMs: 1000, consecutiveFailures: 3, gracePeriodMs: 0, ...overrides };
  const runner = new HealthRunner({ containerId: "c", policy, sandboxDir, env: { PATH: "/usr/bin:/bin", MARK: "task-env" }, startedMs: realClock.nowMs(), clock: realClock, logger: quietLogger, emit: (e) => events.push(e), shell: "/bin/sh" });
  runner.start();
  cleanups.push(() => runner.stop());
  return events;
}

const summary = (events: HealthEvent[]) => events.map((e) => (e.healthy ? "healthy" : e.killTask ? "kill" : `fail${e.consecutiveFailures}`));

test("HTTP: healthy on 200, unhealthy on 500 until killTask, healthy again in between", async () => {
  let status = 200;
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("x", { status }) });
  cleanups.push(() => server.stop(true));
  const events = startRunner({ type: "HTTP", scheme: "http", port: server.port!, path: "/health", statuses: [] });
  await eventually("healthy", () => events.length >= 1);
  status = 500;
  await eventually("first failure", () => events.length >= 2);
  status = 302;
  await eventually("healthy again", () => events.length >= 3);
  status = 503;
  await eventually("kill", () => events.some((e) => e.killTask));
  expect(summary(events)).toEqual(["healthy", "fail1", "healthy", "fail1", "fail2", "kill"]);
});

test("TCP: healthy while listening, failing once the port closes", async () => {
  const server: Server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const events = startRunner({ type: "TCP", port });
  await eventually("healthy", () => events.length >= 1);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await eventually("kill", () => events.some((e) => e.killTask));
  expect(summary(events)).toEqual(["healthy", "fail1", "fail2", "kill"]);
});

test("COMMAND: runs in the sandbox with the task's environment; a timeout is a failure", async () => {
  const sandbox = mkdtempSync(join(tmpdir(), "health-test-"));
  cleanups.push(() => rmSync(sandbox, { recursive: true, force: true }));
  writeFileSync(join(sandbox, "marker"), "");
  const ctx = { sandboxDir: sandbox, env: { PATH: "/usr/bin:/bin", MARK: "task-env" }, shell: "/bin/sh" };
  expect(await runProbe({ type: "COMMAND", command: { value: 'test -f marker && test "$MARK" = task-env' } }, 1000, ctx)).toBe(true);
  expect(await runProbe({ type: "COMMAND", command: { value: "exit 1" } }, 1000, ctx)).toBe(false);
  const started = performance.now();
  expect(await runProbe({ type: "COMMAND", command: { value: "sleep 10" } }, 100, ctx)).toBe(false);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(await runProbe({ type: "COMMAND", command: { value: "test", shell: false, arguments: ["test", "-f", "marker"] } }, 1000, ctx)).toBe(true);
});

test("HTTP: a closed port and a custom statuses list", async () => {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("", { status: 404 }) });
  const port = server.port!;
  expect(await runProbe({ type: "HTTP", scheme: "http", port, path: "/", statuses: [404] }, 1000, { sandboxDir: "/", env: {}, shell: "/bin/sh" })).toBe(true);
  expect(await runProbe({ type: "HTTP", scheme: "http", port, path: "/", statuses: [] }, 1000, { sandboxDir: "/", env: {}, shell: "/bin/sh" })).toBe(false);
  server.stop(true);
  expect(await runProbe({ type: "HTTP", scheme: "http", port, path: "/", statuses: [] }, 1000, { sandboxDir: "/", env: {}, shell: "/bin/sh" })).toBe(false);
});

test("the grace period hides failures until the first success", async () => {
  const events = startRunner({ type: "TCP", port: 1 }, tmpdir(), { gracePeriodMs: 60_000 });
  await Bun.sleep(200);
  expect(events).toEqual([]);
});

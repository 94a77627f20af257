// Start-up: `./cluster --mode=master` from exec to /health answering 200, median of 20 runs.
// Target: 300 ms or less. Run: npm run build && ./node_modules/.bin/bun bench/startup.ts

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const runs = Number(process.env.RUNS ?? 20);
const healthPollMs = 2;
const binary = new URL("../cluster", import.meta.url).pathname;

if (!existsSync(binary)) {
  const built = spawnSync(process.execPath, ["cmd/build.ts"], { cwd: new URL("..", import.meta.url).pathname, stdio: "inherit" });
  if (built.status !== 0) process.exit(1);
}

async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

async function oneRun(): Promise<number> {
  const port = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), "cluster-bench-startup-"));
  const started = performance.now();
  const child = spawn(binary, ["--mode=master", "--ip=127.0.0.1", `--port=${port}`, `--work_dir=${workDir}`], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  let elapsedMs = -1;
  while (elapsedMs < 0) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.status === 200) elapsedMs = performance.now() - started;
    } catch {
      // Not listening yet: that is what we are timing.
      await Bun.sleep(healthPollMs);
    }
    if (performance.now() - started > 10_000) throw new Error("master did not answer /health within 10 s");
  }
  child.kill("SIGTERM");
  await exited;
  rmSync(workDir, { recursive: true, force: true });
  return elapsedMs;
}

const samples: number[] = [];
for (let i = 0; i < runs; i++) samples.push(await oneRun());
samples.sort((a, b) => a - b);
const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
console.log(`startup exec->/health 200, ${runs} runs: median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, min ${samples[0]!.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms (target <= 300 ms)`);

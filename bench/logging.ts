// Lines per second: our rotating, batching file destination vs plain pino on
// pino.destination({ sync: false }) (sonic-boom, no rotation), same pino options and line shape.
//
//   ./node_modules/.bin/bun bench/logging.ts [--lines=2000000] [--rounds=3] [--rotate-mib=64] [--dir=/tmp]
//
// On Bun the plain side is the slower one: sonic-boom calls Buffer.byteLength on its whole pending
// chunk (up to 16 KiB) for every line it is handed; ours measures only the new line.
//
// Each side writes the same lines, yielding to the event loop every 1,000 lines as a server would,
// and the clock stops only when everything is written and the file closed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { buildPinoOptions, createLogger } from "../observability/logging/index.ts";

const linesPerYield = 1_000;
const mode = "bench";

function flag(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const found = process.argv.find((argument) => argument.startsWith(prefix));
  return found === undefined ? fallback : found.slice(prefix.length);
}

const lineCount = Number(flag("lines", "2000000"));
const rounds = Number(flag("rounds", "3"));
const rotateSizeBytes = Number(flag("rotate-mib", "64")) * 1024 * 1024;
const benchDir = fs.mkdtempSync(path.join(flag("dir", os.tmpdir()), "cluster-log-bench-"));

async function writeLines(logger: pino.Logger, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    logger.info(
      { agent_id: "a1b2c3d4-0000-4000-8000-00000000agent", task_id: `task-${index}`, cpus: 0.5, n: index },
      "task started",
    );
    if (index % linesPerYield === linesPerYield - 1) await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Run {
  seconds: number;
  bytes: number;
  rotations: number;
}

function directoryBytes(directory: string): number {
  return fs.readdirSync(directory).reduce((sum, name) => sum + fs.statSync(path.join(directory, name)).size, 0);
}

async function runRotating(directory: string): Promise<Run> {
  // Default rotateFiles (10): with a small --rotate-mib the oldest files get deleted too.
  const handle = createLogger({ mode, level: "INFO", logDir: directory, quiet: true, rotateSizeBytes });
  const started = performance.now();
  await writeLines(handle.logger, lineCount);
  await handle.close();
  const seconds = (performance.now() - started) / 1000;
  const stats = handle.stats();
  return { seconds, bytes: stats.bytesWritten, rotations: stats.rotations };
}

async function runPlainPino(directory: string): Promise<Run> {
  const destination = pino.destination({ dest: path.join(directory, `cluster-${mode}.log`), sync: false });
  await new Promise((resolve) => destination.once("ready", resolve));
  const logger = pino(buildPinoOptions({ mode, level: "info" }), destination);
  const started = performance.now();
  await writeLines(logger, lineCount);
  await new Promise<void>((resolve) => {
    destination.once("close", () => resolve());
    destination.end();
  });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, bytes: directoryBytes(directory), rotations: 0 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  console.log(`lines=${lineCount} rounds=${rounds} rotate_size_bytes=${rotateSizeBytes} dir=${benchDir}`);
  const rates: Record<"rotating" | "plain", number[]> = { rotating: [], plain: [] };
  for (let round = 1; round <= rounds; round += 1) {
    for (const side of ["rotating", "plain"] as const) {
      const directory = path.join(benchDir, `${side}-${round}`);
      fs.mkdirSync(directory);
      const run = side === "rotating" ? await runRotating(directory) : await runPlainPino(directory);
      const linesPerSecond = lineCount / run.seconds;
      rates[side].push(linesPerSecond);
      console.log(
        `round ${round} ${side.padEnd(8)} ${Math.round(linesPerSecond)} lines/s ` +
          `${run.seconds.toFixed(2)} s ${(run.bytes / 1024 / 1024).toFixed(1)} MiB rotations=${run.rotations}`,
      );
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
  const rotating = median(rates.rotating);
  const plain = median(rates.plain);
  console.log(`median rotating (ours, rotation on): ${Math.round(rotating)} lines/s`);
  console.log(`median plain pino (sonic-boom async, no rotation): ${Math.round(plain)} lines/s`);
  console.log(`ratio rotating/plain: ${(rotating / plain).toFixed(2)} (target >= 0.80)`);
  fs.rmSync(benchDir, { recursive: true, force: true });
}

await main();

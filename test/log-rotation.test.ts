// Rotation inside a `bun build --compile` executable: nothing lost, duplicated or split.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { listLogFiles, readLogLines } from "../observability/logging/index.ts";

const fixturePath = path.join(import.meta.dir, "fixtures", "log-writer.ts");
const buildTimeoutMs = 120_000;
const runTimeoutMs = 120_000;
let workDir = "";
let executablePath = "";

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "log-rotation-"));
  executablePath = path.join(workDir, "log-writer");
  // Under `bun test`, process.execPath is the bun binary itself.
  const build = Bun.spawnSync([process.execPath, "build", "--compile", fixturePath, "--outfile", executablePath], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) throw new Error(`bun build --compile failed: ${build.stderr.toString()}`);
}, buildTimeoutMs);

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface WriterStats {
  linesWritten: number;
  rotations: number;
  linesDropped: number;
}

function runWriter(logDir: string, args: string[]): WriterStats {
  const run = Bun.spawnSync([executablePath, `--dir=${logDir}`, ...args], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`log-writer exited ${run.exitCode}: ${run.stderr.toString()}`);
  expect(run.stderr.toString()).toBe("");
  return JSON.parse(run.stdout.toString()) as WriterStats;
}

/** Every line parses, and every number below lineCount appears exactly once, in order. */
function expectEachNumberOnce(logDir: string, lineCount: number): void {
  const seen = new Uint8Array(lineCount);
  let previous = -1;
  for (const line of readLogLines(logDir, "writer")) {
    const record = JSON.parse(line) as { n: number; mode: string; msg: string };
    expect(record.mode).toBe("writer");
    if (!(Number.isInteger(record.n) && record.n >= 0 && record.n < lineCount)) throw new Error(`bad n in ${line}`);
    if (seen[record.n] !== 0) throw new Error(`line ${record.n} appears twice`);
    if (record.n !== previous + 1) throw new Error(`line ${record.n} follows line ${previous}`);
    seen[record.n] = 1;
    previous = record.n;
  }
  expect(previous).toBe(lineCount - 1);
  expect(seen.every((flag) => flag === 1)).toBe(true);
}

describe("log rotation in a compiled executable", () => {
  test(
    "200,000 lines through many rotations: each number exactly once, each line valid JSON",
    () => {
      const logDir = path.join(workDir, "plain");
      const rotateSizeBytes = 256 * 1024;
      const lineCount = 200_000;
      const stats = runWriter(logDir, [`--lines=${lineCount}`, `--rotate-bytes=${rotateSizeBytes}`, "--rotate-files=1000"]);
      expect(stats.linesWritten).toBe(lineCount);
      expect(stats.linesDropped).toBe(0);
      expect(stats.rotations).toBeGreaterThan(50);
      const files = listLogFiles(logDir, "writer");
      expect(files).toHaveLength(stats.rotations + 1);
      for (const file of files) expect(fs.statSync(file).size).toBeLessThanOrEqual(rotateSizeBytes);
      expectEachNumberOnce(logDir, lineCount);
    },
    runTimeoutMs,
  );

  test(
    "gzip: rotated files compressed, nothing lost",
    () => {
      const logDir = path.join(workDir, "gzip");
      const lineCount = 100_000;
      const stats = runWriter(logDir, [`--lines=${lineCount}`, "--rotate-bytes=262144", "--rotate-files=1000", "--gzip"]);
      expect(stats.rotations).toBeGreaterThan(20);
      const names = fs.readdirSync(logDir);
      expect(names.filter((name) => name.endsWith(".gz"))).toHaveLength(stats.rotations);
      expect(names).toHaveLength(stats.rotations + 1);
      expectEachNumberOnce(logDir, lineCount);
    },
    runTimeoutMs,
  );

  test(
    "process.exit without close still writes every buffered line",
    () => {
      const logDir = path.join(workDir, "exit");
      const lineCount = 50_000;
      runWriter(logDir, [`--lines=${lineCount}`, "--rotate-bytes=262144", "--rotate-files=1000", "--exit-without-close"]);
      expectEachNumberOnce(logDir, lineCount);
    },
    runTimeoutMs,
  );
});

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { LogDirError, createLogger } from "./create-logger.ts";
import { readLogLines } from "./read-log-files.ts";
import type { LoggerOptions } from "./types.ts";

let dir = "";

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "create-logger-"));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function fileOptions(overrides: Partial<LoggerOptions> = {}): LoggerOptions {
  return { mode: "master", level: "INFO", logDir: dir, quiet: true, ...overrides };
}

function readRecords(mode = "master"): Record<string, unknown>[] {
  return readLogLines(dir, mode).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("createLogger", () => {
  test("writes one JSON object per line with the agreed fields", async () => {
    const handle = createLogger(fileOptions());
    handle.logger.info({ agent_id: "a1", task_id: "t1" }, "task started");
    await handle.close();
    const [record, ...rest] = readRecords();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({ level: "info", mode: "master", pid: process.pid, agent_id: "a1", task_id: "t1", msg: "task started" });
    expect(typeof record?.hostname).toBe("string");
    const time = String(record?.time);
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(Date.parse(time) - Date.now())).toBeLessThan(60_000);
    expect(Object.keys(record ?? {})[0]).toBe("level");
  });

  test("filters by level and labels each level the pino way", async () => {
    const handle = createLogger(fileOptions({ level: "WARNING" }));
    handle.logger.debug("d");
    handle.logger.info("i");
    handle.logger.warn("w");
    handle.logger.error("e");
    await handle.close();
    expect(readRecords().map((record) => [record.level, record.msg])).toEqual([
      ["warn", "w"],
      ["error", "e"],
    ]);
  });

  test("calls onLine per line with its level and onRotate per rotation, also for child loggers", async () => {
    const lineLevels: string[] = [];
    let rotations = 0;
    const handle = createLogger(
      fileOptions({
        level: "DEBUG",
        rotateSizeBytes: 4096,
        onLine: (level) => lineLevels.push(level),
        onRotate: () => {
          rotations += 1;
        },
      }),
    );
    const child = handle.logger.child({ framework_id: "f1" });
    for (let index = 0; index < 100; index += 1) child.debug({ n: index }, "tick");
    handle.logger.warn("w");
    handle.logger.error("e");
    await handle.close();
    expect(lineLevels).toHaveLength(102);
    expect(new Set(lineLevels)).toEqual(new Set(["debug", "warn", "error"]));
    expect(rotations).toBeGreaterThan(0);
    expect(rotations).toBe(handle.stats().rotations);
    expect(readRecords().filter((record) => record.framework_id === "f1")).toHaveLength(100);
  });

  test("passes mixin fields through to every line", async () => {
    const handle = createLogger(fileOptions({ mixin: () => ({ trace_id: "abc", span_id: "def" }) }));
    handle.logger.info("inside a span");
    await handle.close();
    expect(readRecords()[0]).toMatchObject({ trace_id: "abc", span_id: "def", msg: "inside a span" });
  });

  test("error lines reach the file at once; others wait for the batch or the timer", async () => {
    const handle = createLogger(fileOptions({ flushIntervalMs: 60_000 }));
    handle.logger.info("buffered");
    expect(fs.readFileSync(path.join(dir, "cluster-master.log"), "utf8")).toBe("");
    handle.logger.error("urgent");
    expect(readRecords().map((record) => record.msg)).toEqual(["buffered", "urgent"]);
    handle.logger.info("later");
    handle.flushSync();
    expect(readRecords()).toHaveLength(3);
    await handle.close();
  });

  test("gzip: rotated files are compressed, keep rotateFiles of them, and read back in order", async () => {
    let rotations = 0;
    const handle = createLogger(
      fileOptions({
        rotateSizeBytes: 8192,
        rotateFiles: 4,
        gzip: true,
        onRotate: () => {
          rotations += 1;
        },
      }),
    );
    const lineCount = 2000;
    for (let index = 0; index < lineCount; index += 1) {
      handle.logger.info({ n: index }, "numbered");
      if (index % 100 === 0) await Bun.sleep(1);
    }
    await handle.close();
    const names = fs.readdirSync(dir).sort();
    expect(rotations).toBeGreaterThan(4);
    expect(names).toEqual(["cluster-master.log", ...[1, 2, 3, 4].map((index) => `cluster-master.log.${index}.gz`)]);
    const newest = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, "cluster-master.log.1.gz"))).toString().split("\n")[0] ?? "");
    expect(newest.msg).toBe("numbered");
    const numbers = readRecords().map((record) => Number(record.n));
    expect(numbers.at(-1)).toBe(lineCount - 1);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, index) => lineCount - numbers.length + index));
  });

  test("gzip: files left pending by an exit without close are compressed at the next start", async () => {
    const line = (n: number): string => `${JSON.stringify({ level: "info", n, msg: "numbered" })}\n`;
    fs.writeFileSync(path.join(dir, "cluster-master.log.pending-1"), line(0) + line(1));
    fs.writeFileSync(path.join(dir, "cluster-master.log.pending-2"), line(2));
    fs.writeFileSync(path.join(dir, "cluster-master.log"), line(3));
    const handle = createLogger(fileOptions({ gzip: true }));
    handle.logger.info({ n: 4 }, "numbered");
    await handle.close();
    expect(fs.readdirSync(dir).sort()).toEqual(["cluster-master.log", "cluster-master.log.1.gz", "cluster-master.log.2.gz"]);
    expect(readRecords().map((record) => record.n)).toEqual([0, 1, 2, 3, 4]);
  });

  test("creates the log directory; an unusable one is a clear error naming the path", async () => {
    const nested = path.join(dir, "a", "b");
    const handle = createLogger(fileOptions({ logDir: nested }));
    await handle.close();
    expect(fs.existsSync(path.join(nested, "cluster-master.log"))).toBe(true);

    const blocker = path.join(dir, "plain-file");
    fs.writeFileSync(blocker, "");
    const unusable = path.join(blocker, "logs");
    expect(() => createLogger(fileOptions({ logDir: unusable }))).toThrow(LogDirError);
    expect(() => createLogger(fileOptions({ logDir: unusable }))).toThrow(unusable);
  });

  test("rejects settings that make no sense", () => {
    expect(() => createLogger(fileOptions({ mode: "a/b" }))).toThrow(/mode/);
    expect(() => createLogger(fileOptions({ rotateSizeBytes: 10 }))).toThrow(/rotateSizeBytes/);
    expect(() => createLogger(fileOptions({ rotateFiles: -1 }))).toThrow(/rotateFiles/);
  });

  test("without a log dir, quiet leaves only ERROR for stderr", async () => {
    const quiet = createLogger({ mode: "agent", level: "DEBUG", quiet: true });
    expect(quiet.logger.level).toBe("error");
    expect(quiet.logger.isLevelEnabled("warn")).toBe(false);
    await quiet.close();
    const loud = createLogger({ mode: "agent", level: "DEBUG", quiet: false });
    expect(loud.logger.level).toBe("debug");
    await loud.close();
  });

  test("stderr gets every line unless quiet; quiet without a log dir still shows errors", () => {
    const script = (options: string): string => `
      import { createLogger } from ${JSON.stringify(path.join(import.meta.dir, "index.ts"))};
      const handle = createLogger({ mode: "agent", level: "INFO", ...${options} });
      handle.logger.info("an info line");
      handle.logger.error("an error line");
      await handle.close();`;
    const stderrOf = (options: string): string => {
      const run = Bun.spawnSync([process.execPath, "-e", script(options)], { stdout: "pipe", stderr: "pipe" });
      expect(run.exitCode).toBe(0);
      return run.stderr.toString();
    };
    const messages = (text: string): unknown[] =>
      text.trim().split("\n").filter((line) => line !== "").map((line) => JSON.parse(line).msg);

    expect(messages(stderrOf(`{ quiet: false }`))).toEqual(["an info line", "an error line"]);
    expect(messages(stderrOf(`{ quiet: true }`))).toEqual(["an error line"]);
    const teeDir = JSON.stringify(path.join(dir, "tee"));
    expect(messages(stderrOf(`{ quiet: false, logDir: ${teeDir} }`))).toEqual(["an info line", "an error line"]);
    expect(readLogLines(path.join(dir, "tee"), "agent")).toHaveLength(2);
    const quietDir = JSON.stringify(path.join(dir, "quiet"));
    expect(stderrOf(`{ quiet: true, logDir: ${quietDir} }`)).toBe("");
    expect(readLogLines(path.join(dir, "quiet"), "agent")).toHaveLength(2);
  });
});

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readLogLines } from "./read-log-files.ts";
import { logFilePath, retireUncompressed } from "./rotated-files.ts";
import { RotatingFileDestination, type RotatingFileDestinationOptions } from "./rotating-file-destination.ts";

let dir = "";
let filePath = "";
const errors: Error[] = [];
let rotations = 0;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotating-destination-"));
  filePath = logFilePath(dir, "agent");
  errors.length = 0;
  rotations = 0;
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function open(overrides: Partial<RotatingFileDestinationOptions> = {}): RotatingFileDestination {
  return new RotatingFileDestination({
    filePath,
    rotateSizeBytes: 1000,
    flushIntervalMs: 10,
    writeBatchBytes: 256,
    retireFile: (live) => retireUncompressed(live, 3),
    onRotate: () => {
      rotations += 1;
    },
    onError: (error) => errors.push(error),
    ...overrides,
  });
}

/** 100 bytes including the newline, so 10 fit a 1000-byte file exactly. */
function line(number: number): string {
  return `${String(number).padStart(6, "0")} ${"x".repeat(92)}\n`;
}

describe("RotatingFileDestination", () => {
  test("rotates between lines, never past rotateSizeBytes, keeping rotateFiles older files", () => {
    const destination = open();
    for (let number = 0; number < 95; number += 1) destination.write(line(number));
    destination.end();
    // 95 lines = 9 full files + 5 lines; only the live file and 3 older ones are kept.
    expect(rotations).toBe(9);
    expect(destination.stats()).toEqual({ linesWritten: 95, bytesWritten: 9500, rotations: 9, linesDropped: 0 });
    expect(fs.readdirSync(dir).sort()).toEqual(["cluster-agent.log", "cluster-agent.log.1", "cluster-agent.log.2", "cluster-agent.log.3"]);
    for (const name of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, name)).size).toBeLessThanOrEqual(1000);
    // The oldest kept file starts at line 60: lines 0-59 went with the deleted files.
    const numbers = readLogLines(dir, "agent").map((text) => Number(text.slice(0, 6)));
    expect(numbers).toEqual(Array.from({ length: 35 }, (_, index) => 60 + index));
    expect(errors).toEqual([]);
  });

  test("appends to an existing file and counts its size toward the next rotation", () => {
    fs.writeFileSync(filePath, line(0).repeat(9));
    const destination = open();
    destination.write(line(9));
    expect(rotations).toBe(0);
    destination.write(line(10));
    expect(rotations).toBe(1);
    destination.end();
    expect(fs.readFileSync(`${filePath}.1`, "utf8").length).toBe(1000);
    expect(fs.readFileSync(filePath, "utf8")).toBe(line(10));
  });

  test("a line longer than a whole file is written alone, not split", () => {
    const destination = open();
    destination.write(line(1));
    const long = `${"y".repeat(2500)}\n`;
    destination.write(long);
    destination.write(line(2));
    destination.end();
    expect(fs.readFileSync(`${filePath}.2`, "utf8")).toBe(line(1));
    expect(fs.readFileSync(`${filePath}.1`, "utf8")).toBe(long);
    expect(fs.readFileSync(filePath, "utf8")).toBe(line(2));
  });

  test("buffers small writes and writes them after flushIntervalMs", async () => {
    const destination = open({ writeBatchBytes: 64 * 1024, rotateSizeBytes: 1024 * 1024 });
    destination.write(line(1));
    expect(fs.readFileSync(filePath, "utf8")).toBe("");
    await Bun.sleep(50);
    expect(fs.readFileSync(filePath, "utf8")).toBe(line(1));
    destination.write(line(2));
    destination.flushSync();
    expect(fs.readFileSync(filePath, "utf8")).toBe(line(1) + line(2));
    destination.end();
  });

  test("lines after end are dropped and counted", () => {
    const destination = open();
    destination.write(line(1));
    destination.end();
    destination.write(line(2));
    expect(destination.stats().linesDropped).toBe(1);
    expect(fs.readFileSync(filePath, "utf8")).toBe(line(1));
  });

  test("a failing retire is reported, logging goes on in the same file", () => {
    const destination = open({
      retireFile: () => {
        throw new Error("rename refused");
      },
    });
    for (let number = 0; number < 25; number += 1) destination.write(line(number));
    destination.end();
    expect(errors.map((error) => error.message)).toEqual(["rename refused", "rename refused"]);
    expect(rotations).toBe(0);
    expect(readLogLines(dir, "agent")).toHaveLength(25);
  });

  test("refuses a chunk that is not a whole line", () => {
    const destination = open();
    expect(() => destination.write("no newline")).toThrow();
    destination.end();
  });
});

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  listPending,
  logFilePath,
  makeRoomForNewest,
  pendingPath,
  removeRotatedBeyond,
  retireUncompressed,
  rotatedPath,
} from "./rotated-files.ts";

let dir = "";
let base = "";

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotated-files-"));
  base = logFilePath(dir, "master");
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function contentsBySuffix(): Record<string, string> {
  const contents: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) contents[name] = fs.readFileSync(path.join(dir, name), "utf8");
  return contents;
}

describe("rotated files", () => {
  test("names follow cluster-<mode>.log.<n>", () => {
    expect(base).toBe(path.join(dir, "cluster-master.log"));
    expect(rotatedPath(base, 3, ".gz")).toBe(`${base}.3.gz`);
    expect(() => logFilePath(dir, "../etc")).toThrow();
  });

  test("retiring shifts .1 -> .2 and deletes the oldest beyond rotateFiles", () => {
    for (const generation of ["a", "b", "c", "d", "e"]) {
      fs.writeFileSync(base, generation);
      retireUncompressed(base, 3);
    }
    expect(contentsBySuffix()).toEqual({
      "cluster-master.log.1": "e",
      "cluster-master.log.2": "d",
      "cluster-master.log.3": "c",
    });
  });

  test("files past a gap stay where they are", () => {
    fs.writeFileSync(rotatedPath(base, 1, ""), "one");
    fs.writeFileSync(rotatedPath(base, 3, ""), "three");
    makeRoomForNewest(base, 5, "");
    expect(contentsBySuffix()).toEqual({ "cluster-master.log.2": "one", "cluster-master.log.3": "three" });
  });

  test("rotateFiles 0 keeps nothing", () => {
    fs.writeFileSync(base, "x");
    retireUncompressed(base, 0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("start-up removes rotated files beyond the current setting, nothing else", () => {
    for (const name of ["cluster-master.log", "cluster-master.log.1", "cluster-master.log.2.gz", "cluster-master.log.3"]) {
      fs.writeFileSync(path.join(dir, name), name);
    }
    fs.writeFileSync(path.join(dir, "cluster-agent.log.9"), "other mode");
    const removed = removeRotatedBeyond(base, 1).map((file) => path.basename(file)).sort();
    expect(removed).toEqual(["cluster-master.log.2.gz", "cluster-master.log.3"]);
    expect(fs.readdirSync(dir).sort()).toEqual(["cluster-agent.log.9", "cluster-master.log", "cluster-master.log.1"]);
  });

  test("pending files are listed oldest first by sequence number", () => {
    for (const sequence of [10, 2, 1]) fs.writeFileSync(pendingPath(base, sequence), "");
    expect(listPending(base).map((file) => file.sequence)).toEqual([1, 2, 10]);
  });
});

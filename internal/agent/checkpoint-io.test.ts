import { afterAll, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readRecords, readSymlink, setSymlinkAtomic, writeJsonAtomic, readJsonFile } from "./checkpoint-io.ts";

function appendRecord(path: string, record: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${JSON.stringify(record)}\n`);
}

const dir = mkdtempSync(join(tmpdir(), "checkpoint-io-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("appended records read back in order", () => {
  const path = join(dir, "a/b/records");
  appendRecord(path, { n: 1 });
  appendRecord(path, { n: 2 });
  expect(readRecords(path)).toEqual({ records: [{ n: 1 }, { n: 2 }], corruptLines: [] });
});

test("a torn last line is cut off the file so the next append starts clean", () => {
  const path = join(dir, "torn");
  appendRecord(path, { n: 1 });
  writeFileSync(path, `${readFileSync(path, "utf8")}{"n":`, { flag: "w" });
  const read = readRecords(path);
  expect(read.records).toEqual([{ n: 1 }]);
  expect(read.tornTail?.problem).toBe("last line has no newline");
  appendRecord(path, { n: 2 });
  expect(readRecords(path).records).toEqual([{ n: 1 }, { n: 2 }]);
});

test("a complete but garbled last line is torn too; garbage in the middle is reported as corrupt", () => {
  const path = join(dir, "garbled");
  writeFileSync(path, '{"n":1}\nxx\n{"n":3}\n{"n"\n');
  const read = readRecords(path);
  expect(read.records).toEqual([{ n: 1 }, { n: 3 }]);
  expect(read.corruptLines).toEqual([2]);
  expect(read.tornTail).toBeDefined();
  expect(readFileSync(path, "utf8")).toBe('{"n":1}\nxx\n{"n":3}\n');
});

test("a missing file has no records", () => {
  expect(readRecords(join(dir, "missing"))).toEqual({ records: [], corruptLines: [] });
  expect(readJsonFile(join(dir, "missing.json"))).toBeUndefined();
  expect(readSymlink(join(dir, "missing-link"))).toBeUndefined();
});

test("atomic JSON files and symlinks replace the old ones", () => {
  const path = join(dir, "x/info.json");
  writeJsonAtomic(path, { v: 1 });
  writeJsonAtomic(path, { v: 2 });
  expect(readJsonFile(path)).toEqual({ v: 2 });
  const link = join(dir, "x/latest");
  setSymlinkAtomic(link, "one");
  setSymlinkAtomic(link, "two");
  expect(readSymlink(link)).toBe("two");
});

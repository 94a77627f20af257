// Durable files for agent recovery: the identity files (slave.info, master.epoch, framework.info,
// ...), written synchronously because they are rare and everything after them depends on them,
// and the JSON-lines reader the task journal (journal.ts) is recovered with.

import { fsyncDir, truncateAndSync } from "../runtime/index.ts";
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeSync,
} from "node:fs";
import { rename, rm, symlink } from "node:fs/promises";
export { fsyncDir as syncDir } from "../runtime/index.ts";
import { basename, dirname, join } from "node:path";

/** Creates a directory and its parents, syncing each new one's parent so the entry survives a crash. */
export function ensureDir(dir: string): void {
  if (existsSync(dir)) return;
  ensureDir(dirname(dir));
  mkdirSync(dir);
  fsyncDir(dirname(dir));
}


/** Replaces `path` with `content` so that a crash leaves either the old or the new file whole. */
export function writeFileAtomic(path: string, content: string): void {
  ensureDir(dirname(path));
  const temp = join(dirname(path), `.${basename(path)}.tmp`);
  const fd = openSync(temp, "w");
  try {
    writeAll(fd, Buffer.from(content, "utf8"));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  fsyncDir(dirname(path));
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value)}\n`);
}

/** Points the symlink `link` at `target` (a name in the same directory), atomically. */
export function setSymlinkAtomic(link: string, target: string): void {
  ensureDir(dirname(link));
  const temp = join(dirname(link), `.${basename(link)}.tmp`);
  rmSync(temp, { force: true });
  symlinkSync(target, temp);
  renameSync(temp, link);
  fsyncDir(dirname(link));
}

let replaceCount = 0;

/**
 * Points the symlink `link` at `target` atomically, without syncing and without blocking: for
 * links that only have to outlive the agent process (the sandbox's `runs/latest`). The directory
 * must exist. Concurrent calls use distinct temporary names.
 */
export async function replaceSymlink(link: string, target: string): Promise<void> {
  const temp = join(dirname(link), `.${basename(link)}.${process.pid}.${replaceCount++}.tmp`);
  await symlink(target, temp);
  try {
    await rename(temp, link);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The symlink's target, or undefined when there is no link. */
export function readSymlink(link: string): string | undefined {
  try {
    return readlinkSync(link);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

export interface RecordsRead {
  records: unknown[];
  /** Set when the file ended in a partial or unparsable line (the agent died mid-write). */
  tornTail?: { bytes: number; problem: string };
  /** Unparsable lines before the last one: these are corruption, not a torn write. */
  corruptLines: number[];
}

/**
 * Reads a JSON-lines file. A bad last line is a torn write: it is cut off the file so later
 * appends start on a fresh line. A bad line in the middle cannot come from a crash and is
 * reported (and skipped) instead.
 */
export function readRecords(path: string): RecordsRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if (isNotFound(error)) return { records: [], corruptLines: [] };
    throw error;
  }
  const out: RecordsRead = { records: [], corruptLines: [] };
  let start = 0;
  let lineNumber = 0;
  while (start < bytes.length) {
    lineNumber++;
    const newline = bytes.indexOf(0x0a, start);
    const complete = newline !== -1;
    const end = complete ? newline : bytes.length;
    const parsed = parseLine(bytes.subarray(start, end));
    if (parsed.ok && complete) {
      out.records.push(parsed.value);
    } else if (!complete || end + 1 >= bytes.length) {
      const problem = complete ? `unparsable last line: ${parsed.ok ? "" : parsed.problem}` : "last line has no newline";
      out.tornTail = { bytes: bytes.length - start, problem };
      truncateAndSync(path, start);
      break;
    } else {
      out.corruptLines.push(lineNumber);
    }
    start = end + 1;
  }
  return out;
}

function parseLine(line: Buffer): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (line.length === 0) return { ok: false, problem: "empty line" };
  try {
    return { ok: true, value: JSON.parse(line.toString("utf8")) };
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
}


/** Parses a JSON file written by writeJsonAtomic; undefined when absent. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return JSON.parse(text);
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "ENOENT";
}

import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { logFilePath } from "./rotated-files.ts";

/**
 * The files of one mode, oldest first: `.N(.gz)` ... `.1(.gz)`, then the live file. Files still
 * waiting for compression (`.pending-<n>`) are newer than every `.gz` and older than the live file.
 */
export function listLogFiles(logDir: string, mode: string): string[] {
  const baseName = path.basename(logFilePath(logDir, mode));
  const rotated: { name: string; index: number }[] = [];
  const pending: { name: string; sequence: number }[] = [];
  for (const name of fs.readdirSync(logDir)) {
    if (!name.startsWith(`${baseName}.`)) continue;
    const rest = name.slice(baseName.length + 1);
    const rotatedMatch = /^(\d+)(\.gz)?$/.exec(rest);
    if (rotatedMatch !== null) rotated.push({ name, index: Number(rotatedMatch[1]) });
    const pendingMatch = /^pending-(\d+)$/.exec(rest);
    if (pendingMatch !== null) pending.push({ name, sequence: Number(pendingMatch[1]) });
  }
  rotated.sort((a, b) => b.index - a.index);
  pending.sort((a, b) => a.sequence - b.sequence);
  const names = [...rotated.map((file) => file.name), ...pending.map((file) => file.name)];
  if (fs.existsSync(path.join(logDir, baseName))) names.push(baseName);
  return names.map((name) => path.join(logDir, name));
}

/** Every line of one mode's files, oldest first, decompressing `.gz` files. */
export function readLogLines(logDir: string, mode: string): string[] {
  const lines: string[] = [];
  for (const filePath of listLogFiles(logDir, mode)) {
    const raw = fs.readFileSync(filePath);
    const text = (filePath.endsWith(".gz") ? zlib.gunzipSync(raw) : raw).toString("utf8");
    if (text.length === 0) continue;
    const fileLines = text.split("\n");
    // Every file ends with a newline; anything after the last one would be a split line.
    if (fileLines.pop() !== "") throw new Error(`${filePath} does not end with a newline`);
    for (const line of fileLines) lines.push(line);
  }
  return lines;
}

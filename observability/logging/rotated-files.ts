// Naming and shifting of rotated log files: `cluster-<mode>.log` is the live file, `.1` the newest
// rotated one, `.N` the oldest kept (`.1.gz` ... with compression), the scheme logrotate uses.
import assert from "node:assert";
import fs from "node:fs";
import path from "node:path";

/** A mode becomes part of a file name, so keep it to characters that are safe everywhere. */
const modePattern = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidMode(mode: string): boolean {
  return modePattern.test(mode);
}

export function logFilePath(logDir: string, mode: string): string {
  assert(isValidMode(mode), `invalid mode for a log file name: ${JSON.stringify(mode)}`);
  return path.join(logDir, `cluster-${mode}.log`);
}

/** `suffix` is "" for plain rotated files and ".gz" for compressed ones. */
export function rotatedPath(basePath: string, index: number, suffix: string): string {
  assert(Number.isInteger(index) && index >= 1);
  return `${basePath}.${index}${suffix}`;
}

/**
 * Frees slot `.1` by moving `.1` -> `.2` ... ; when all `rotateFiles` slots are taken the oldest
 * is deleted first. Files past the first gap do not need to move, so a fresh directory costs one
 * `existsSync` per rotation rather than `rotateFiles` failed renames.
 */
export function makeRoomForNewest(basePath: string, rotateFiles: number, suffix: string): void {
  assert(Number.isInteger(rotateFiles) && rotateFiles >= 1);
  let freeIndex = 1;
  while (freeIndex <= rotateFiles && fs.existsSync(rotatedPath(basePath, freeIndex, suffix))) {
    freeIndex += 1;
  }
  if (freeIndex > rotateFiles) {
    freeIndex = rotateFiles;
    fs.rmSync(rotatedPath(basePath, rotateFiles, suffix), { force: true });
  }
  for (let index = freeIndex - 1; index >= 1; index -= 1) {
    fs.renameSync(rotatedPath(basePath, index, suffix), rotatedPath(basePath, index + 1, suffix));
  }
}

/** Moves the (closed) live file to `.1`, or deletes it when no rotated files are kept. */
export function retireUncompressed(basePath: string, rotateFiles: number): void {
  if (rotateFiles === 0) {
    fs.rmSync(basePath, { force: true });
    return;
  }
  makeRoomForNewest(basePath, rotateFiles, "");
  fs.renameSync(basePath, rotatedPath(basePath, 1, ""));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Deletes rotated files numbered past `rotateFiles`, left by an earlier run with a larger setting,
 * so the directory holds what the current settings promise. Returns the paths deleted.
 */
export function removeRotatedBeyond(basePath: string, rotateFiles: number): string[] {
  const pattern = new RegExp(`^${escapeRegExp(path.basename(basePath))}\\.(\\d+)(\\.gz)?$`);
  const removed: string[] = [];
  for (const name of fs.readdirSync(path.dirname(basePath))) {
    const match = pattern.exec(name);
    if (match === null || Number(match[1]) <= rotateFiles) continue;
    const filePath = path.join(path.dirname(basePath), name);
    fs.rmSync(filePath, { force: true });
    removed.push(filePath);
  }
  return removed;
}

export interface PendingFile {
  path: string;
  sequence: number;
}

export function pendingPath(basePath: string, sequence: number): string {
  return `${basePath}.pending-${sequence}`;
}

/** Rotated files still waiting for compression (left by a crash or an exit without close), oldest first. */
export function listPending(basePath: string): PendingFile[] {
  const pattern = new RegExp(`^${escapeRegExp(path.basename(basePath))}\\.pending-(\\d+)$`);
  const pending: PendingFile[] = [];
  for (const name of fs.readdirSync(path.dirname(basePath))) {
    const match = pattern.exec(name);
    if (match === null) continue;
    pending.push({ path: path.join(path.dirname(basePath), name), sequence: Number(match[1]) });
  }
  return pending.sort((a, b) => a.sequence - b.sequence);
}

// The two small durability steps every store here needs: make a directory's entries survive a
// crash, and cut a file back to its last good byte (a torn tail) for good.

import { closeSync, fsyncSync, ftruncateSync, openSync } from "node:fs";

/** fsyncs a directory, so the entries made, renamed or removed in it survive a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Truncates the file to `bytes` and fsyncs it. */
export function truncateAndSync(path: string, bytes: number): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

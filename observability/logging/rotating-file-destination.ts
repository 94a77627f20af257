// A pino destination that appends to one file, rotates it by size and batches writes.
//
// Why not pino transports: they load a worker from a file path, which a `bun build --compile`
// executable does not have. Why not sonic-boom (pino.destination) with reopen() after a rename:
// in async mode its in-flight write and the data queued behind it land in whichever file is open
// when the write completes, so the rotation point is not a line we chose, the size check is
// approximate and a file can still receive lines after we renamed (and maybe started compressing)
// it; its flushSync() during an in-flight async write can also reorder data. Here every write is
// a synchronous fs.writeSync of a whole batch of whole lines, so order is the order of write()
// calls and a rotation happens exactly between two lines. A 64 KiB write to the page cache costs
// tens of microseconds, far less than pino needs to format the ~400 lines in it.
import assert from "node:assert";
import fs from "node:fs";
import type { LineDestination, LogStats } from "./types.ts";

/** Write once this much is buffered; also the largest single write we make (unless one line is bigger). */
export const writeBatchBytesDefault = 64 * 1024;
export const flushIntervalMsDefault = 100;
const newlineCode = 10;

export interface RotatingFileDestinationOptions {
  filePath: string;
  rotateSizeBytes: number;
  flushIntervalMs: number;
  writeBatchBytes: number;
  /** Moves the closed live file out of the way (rename, or hand to the compressor). May throw. */
  retireFile: (filePath: string) => void;
  onRotate: () => void;
  onError: (error: Error) => void;
}

export class RotatingFileDestination implements LineDestination {
  private readonly options: RotatingFileDestinationOptions;
  private fd = -1;
  /** Bytes in the live file, counted by us: we are its only writer. */
  private fileBytes = 0;
  private pending = "";
  private pendingBytes = 0;
  private pendingLines = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ended = false;
  private readonly counters: LogStats = { linesWritten: 0, bytesWritten: 0, rotations: 0, linesDropped: 0 };

  /** Opens (creating or appending to) the file; throws if that fails, so start-up sees the error. */
  constructor(options: RotatingFileDestinationOptions) {
    assert(options.rotateSizeBytes > 0, "rotateSizeBytes must be positive");
    assert(options.writeBatchBytes > 0, "writeBatchBytes must be positive");
    assert(options.flushIntervalMs > 0, "flushIntervalMs must be positive");
    this.options = options;
    this.fd = fs.openSync(options.filePath, "a", 0o644);
    this.fileBytes = fs.fstatSync(this.fd).size;
  }

  write(line: string): void {
    if (this.ended) {
      this.counters.linesDropped += 1;
      return;
    }
    assert(line.charCodeAt(line.length - 1) === newlineCode, "pino hands a destination whole lines");
    const lineBytes = Buffer.byteLength(line);
    const bytesBefore = this.fileBytes + this.pendingBytes;
    // A line longer than a whole file still gets written, alone in a fresh file.
    if (bytesBefore + lineBytes > this.options.rotateSizeBytes && bytesBefore > 0) {
      this.writePending();
      this.rotate();
    }
    this.pending += line;
    this.pendingBytes += lineBytes;
    this.pendingLines += 1;
    if (this.pendingBytes >= this.options.writeBatchBytes) {
      this.writePending();
    } else if (this.timer === null) {
      this.timer = setTimeout(this.onTimer, this.options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** pino's `logger.flush(cb)` calls this. The data is written before the callback runs. */
  flush(callback?: (error?: Error) => void): void {
    this.writePending();
    callback?.();
  }

  flushSync(): void {
    this.writePending();
  }

  /** Writes what is buffered and closes the file; later lines are counted as dropped. */
  end(): void {
    if (this.ended) return;
    this.writePending();
    this.ended = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.closeFile();
  }

  stats(): LogStats {
    return { ...this.counters };
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.writePending();
  };

  private writePending(): void {
    if (this.pendingLines === 0) return;
    const text = this.pending;
    const bytes = this.pendingBytes;
    const lines = this.pendingLines;
    this.pending = "";
    this.pendingBytes = 0;
    this.pendingLines = 0;
    try {
      if (this.fd < 0) this.fd = fs.openSync(this.options.filePath, "a", 0o644);
      writeAllSync(this.fd, text, bytes);
      this.fileBytes += bytes;
      this.counters.bytesWritten += bytes;
      this.counters.linesWritten += lines;
    } catch (error) {
      // Memory stays bounded: a batch that cannot be written (disk full, I/O error) is dropped
      // and counted; the next batch tries again.
      this.counters.linesDropped += lines;
      this.options.onError(asError(error));
    }
  }

  private rotate(): void {
    this.closeFile();
    let retired = true;
    try {
      this.options.retireFile(this.options.filePath);
    } catch (error) {
      retired = false;
      this.options.onError(asError(error));
    }
    // After a failed retire we append to the same file and try again after another
    // rotateSizeBytes, rather than on every line.
    this.fileBytes = 0;
    try {
      this.fd = fs.openSync(this.options.filePath, "a", 0o644);
    } catch (error) {
      this.options.onError(asError(error));
    }
    if (!retired) return;
    this.counters.rotations += 1;
    this.options.onRotate();
  }

  private closeFile(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      fs.closeSync(fd);
    } catch (error) {
      this.options.onError(asError(error));
    }
  }
}

/** Regular files rarely take less than asked; when they do, write the rest from the bytes. */
function writeAllSync(fd: number, text: string, bytes: number): void {
  let written = fs.writeSync(fd, text);
  if (written === bytes) return;
  const buffer = Buffer.from(text);
  assert(buffer.length === bytes);
  while (written < buffer.length) {
    written += fs.writeSync(fd, buffer, written);
  }
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

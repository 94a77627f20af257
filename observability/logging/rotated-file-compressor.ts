// Compresses rotated files off the write path. A rotation only renames the live file to
// `<base>.pending-<n>` (cheap, synchronous, between two lines); this queue then gzips each pending
// file in order and only when the `.gz` is complete shifts `.1.gz` -> `.2.gz` ... and puts it at
// `.1.gz`. Files left pending by a crash or an exit without close() are picked up at start.
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { asError } from "./rotating-file-destination.ts";
import { listPending, makeRoomForNewest, pendingPath, rotatedPath } from "./rotated-files.ts";

export class RotatedFileCompressor {
  private readonly basePath: string;
  private readonly rotateFiles: number;
  private readonly onError: (error: Error) => void;
  /** Pending files not yet being compressed, oldest first. */
  private readonly waiting: string[] = [];
  private nextSequence: number;
  private running: Promise<void> | null = null;

  constructor(basePath: string, rotateFiles: number, onError: (error: Error) => void) {
    if (!(Number.isInteger(rotateFiles) && rotateFiles >= 1)) {
      throw new Error(`compression needs rotateFiles >= 1, got ${rotateFiles}`);
    }
    this.basePath = basePath;
    this.rotateFiles = rotateFiles;
    this.onError = onError;
    const leftover = listPending(basePath);
    this.waiting.push(...leftover.map((file) => file.path));
    this.nextSequence = (leftover.at(-1)?.sequence ?? 0) + 1;
    this.dropBeyondRetention();
    this.maybeStart();
  }

  /** The destination's `retireFile`: synchronous and cheap, one rename. */
  readonly retire = (filePath: string): void => {
    const target = pendingPath(this.basePath, this.nextSequence);
    this.nextSequence += 1;
    fs.renameSync(filePath, target);
    this.waiting.push(target);
    this.dropBeyondRetention();
    this.maybeStart();
  };

  /** Settles once every file retired so far is compressed (or has failed and been reported). */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /**
   * With more than rotateFiles files waiting, the oldest would be shifted out past `.N` as soon as
   * the newer ones are done, so delete them now instead of compressing them first.
   */
  private dropBeyondRetention(): void {
    while (this.waiting.length > this.rotateFiles) {
      const oldest = this.waiting.shift();
      if (oldest === undefined) break;
      try {
        fs.rmSync(oldest, { force: true });
      } catch (error) {
        this.onError(asError(error));
      }
    }
  }

  private maybeStart(): void {
    if (this.running !== null || this.waiting.length === 0) return;
    this.running = this.drain();
  }

  private async drain(): Promise<void> {
    for (let next = this.waiting.shift(); next !== undefined; next = this.waiting.shift()) {
      try {
        await this.compressIntoRotation(next);
      } catch (error) {
        // The pending file stays on disk and is retried at the next start.
        this.onError(asError(error));
      }
    }
    this.running = null;
  }

  private async compressIntoRotation(sourcePath: string): Promise<void> {
    const temporaryPath = `${rotatedPath(this.basePath, 1, ".gz")}.tmp`;
    await pipeline(fs.createReadStream(sourcePath), zlib.createGzip(), fs.createWriteStream(temporaryPath));
    makeRoomForNewest(this.basePath, this.rotateFiles, ".gz");
    fs.renameSync(temporaryPath, rotatedPath(this.basePath, 1, ".gz"));
    // A crash between the rename and this unlink compresses the file again at the next start:
    // a duplicate rotated file, never a lost one.
    fs.rmSync(sourcePath, { force: true });
  }
}

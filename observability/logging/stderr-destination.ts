import pino from "pino";
import type { LineDestination, LogStats } from "./types.ts";

/**
 * Lines to stderr, each written before `write` returns (sonic-boom in sync mode, which also
 * retries EAGAIN on a non-blocking pipe): what reaches stderr is never lost in a buffer.
 */
export class StderrDestination implements LineDestination {
  private readonly stream = pino.destination({ dest: 2, sync: true });
  private readonly counters: LogStats = { linesWritten: 0, bytesWritten: 0, rotations: 0, linesDropped: 0 };
  private ended = false;

  write(line: string): void {
    if (this.ended) {
      this.counters.linesDropped += 1;
      return;
    }
    this.stream.write(line);
    this.counters.linesWritten += 1;
    this.counters.bytesWritten += Buffer.byteLength(line);
  }

  flush(callback?: (error?: Error) => void): void {
    callback?.();
  }

  flushSync(): void {}

  /** Stops writing; fd 2 itself stays open for whoever else uses it. */
  end(): void {
    this.ended = true;
  }

  stats(): LogStats {
    return { ...this.counters };
  }
}

/** Both a file and stderr (Mesos with `--log_dir` and without `--quiet`). */
export class TeeDestination implements LineDestination {
  private readonly first: LineDestination;
  private readonly second: LineDestination;

  constructor(first: LineDestination, second: LineDestination) {
    this.first = first;
    this.second = second;
  }

  write(line: string): void {
    this.first.write(line);
    this.second.write(line);
  }

  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  flushSync(): void {
    this.first.flushSync();
    this.second.flushSync();
  }

  end(): void {
    this.first.end();
    this.second.end();
  }
}

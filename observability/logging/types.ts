import type { Logger } from "pino";

/** Log levels as Mesos names them on the command line (`--logging_level`). */
export type MesosLogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** The pino level each Mesos level maps to; also the `level` label written on each line. */
export type PinoLevelLabel = "debug" | "info" | "warn" | "error";

export interface LoggerOptions {
  /** The process role ("master", "agent", ...): a field on every line and part of the file name. */
  mode: string;
  /** Lines below this level are not written. */
  level: MesosLogLevel;
  /** Absent: lines go to stderr. Present: lines go to `<logDir>/cluster-<mode>.log`, rotated. */
  logDir?: string;
  /**
   * Mesos `--quiet`: nothing to stderr. With `logDir` the file still gets every line at `level`
   * and above. Without `logDir` there is nowhere else to write, so (like Mesos, which then raises
   * glog's minimum level) only ERROR lines and above go to stderr.
   */
  quiet: boolean;
  /** Rotate before the current file would grow past this. Default 64 MiB. */
  rotateSizeBytes?: number;
  /** How many rotated files to keep (`.1` newest ... `.N` oldest); older ones are deleted. Default 10. */
  rotateFiles?: number;
  /** Compress rotated files (`.1.gz` ...), off the write path. Default false. */
  gzip?: boolean;
  /** Buffered lines are written at the latest this long after they were logged. Default 100 ms. */
  flushIntervalMs?: number;
  /** Called once per line written, with the pino label ("debug", "info", "warn", "error", ...). */
  onLine?: (level: string) => void;
  /** Called after each rotation, once the new file is open. */
  onRotate?: () => void;
  /**
   * Called when writing, rotating or compressing fails. The logger keeps going (a log line must
   * never crash the process); default: one line on stderr per distinct failure.
   */
  onError?: (error: Error) => void;
  /** Passed to pino as `mixin`: extra fields for each line (telemetry adds trace_id/span_id). */
  mixin?: (mergeObject: object, levelNumber: number) => object;
}

export interface LogStats {
  linesWritten: number;
  bytesWritten: number;
  rotations: number;
  /** Lines lost to write errors or written after close. */
  linesDropped: number;
}

export interface LoggerHandle {
  logger: Logger;
  /** Write buffered lines to the file now (no fsync). */
  flush(): Promise<void>;
  /** The same, synchronously: for process exit paths where no promise will ever settle. */
  flushSync(): void;
  /** Flush, close the file and wait for pending compression of rotated files. Idempotent. */
  close(): Promise<void>;
  stats(): LogStats;
}

/** What pino needs from a destination; pino hands `write` one whole line per call. */
export interface LineDestination {
  write(line: string): void;
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
  end(): void;
}

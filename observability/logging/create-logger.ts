import fs from "node:fs";
import os from "node:os";
import pino from "pino";
import { effectiveStderrLevel, pinoErrorLevelNumber, pinoLevelOf } from "./levels.ts";
import { RotatedFileCompressor } from "./rotated-file-compressor.ts";
import { isValidMode, logFilePath, removeRotatedBeyond, retireUncompressed } from "./rotated-files.ts";
import {
  RotatingFileDestination,
  asError,
  flushIntervalMsDefault,
  writeBatchBytesDefault,
} from "./rotating-file-destination.ts";
import { StderrDestination, TeeDestination } from "./stderr-destination.ts";
import type { LineDestination, LoggerHandle, LoggerOptions, LogStats, PinoLevelLabel } from "./types.ts";

export const rotateSizeBytesDefault = 64 * 1024 * 1024;
export const rotateFilesDefault = 10;
/** Beyond this a rotation's shifting gets slow and the setting is more likely a typo. */
export const rotateFilesMax = 10_000;
/** Smaller files would rotate every few lines. */
export const rotateSizeBytesMin = 4 * 1024;
/** Distinct failures reported on stderr by the default error reporter, then it goes quiet. */
const reportedErrorsMax = 100;

/** Thrown at start-up when the log directory cannot be created or written. */
export class LogDirError extends Error {
  readonly logDir: string;
  constructor(logDir: string, detail: string) {
    super(`log directory ${logDir} ${detail}`);
    this.name = "LogDirError";
    this.logDir = logDir;
  }
}

export interface PinoOptionsInput {
  mode: string;
  level: PinoLevelLabel;
  mixin?: (mergeObject: object, levelNumber: number) => object;
  onLine?: (level: string) => void;
  /** Called after an error (or fatal) line is handed to the destination. */
  onErrorLine?: () => void;
}

/**
 * The line shape: `{"level":"info","time":"2025-01-01T00:00:00.000Z","mode":"master","pid":1,
 * "hostname":"h",...fields,"msg":"..."}`. `time` is an ISO 8601 UTC string rather than epoch ms so
 * that files read well with grep and less; it costs one Date.toISOString per line.
 */
export function buildPinoOptions(input: PinoOptionsInput): pino.LoggerOptions {
  const { onLine, onErrorLine } = input;
  const options: pino.LoggerOptions = {
    level: input.level,
    base: { mode: input.mode, pid: process.pid, hostname: os.hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (input.mixin !== undefined) options.mixin = input.mixin;
  if (onLine !== undefined || onErrorLine !== undefined) {
    options.hooks = {
      logMethod(args, method, levelNumber) {
        method.apply(this, args);
        onLine?.(this.levels.labels[levelNumber] ?? String(levelNumber));
        // glog flushes WARNING and above at once; we flush ERROR and above, so the lines that
        // explain a crash are on disk even if the process dies before the next timer.
        if (levelNumber >= pinoErrorLevelNumber) onErrorLine?.();
      },
    };
  }
  return options;
}

interface Sink {
  destination: LineDestination;
  stats(): LogStats;
  /** Settles when background work (compression) is done. */
  idle(): Promise<void>;
}

export function createLogger(options: LoggerOptions): LoggerHandle {
  checkOptions(options);
  const sink = options.logDir === undefined ? stderrSink() : fileSink(options, options.logDir);
  const level =
    options.logDir === undefined ? effectiveStderrLevel(options.level, options.quiet) : pinoLevelOf(options.level);
  const flushSync = (): void => sink.destination.flushSync();
  const pinoOptions = buildPinoOptions({
    mode: options.mode,
    level,
    mixin: options.mixin,
    onLine: options.onLine,
    onErrorLine: flushSync,
  });
  const logger = pino(pinoOptions, sink.destination);
  // process.exit() and the end of the event loop run 'exit' listeners synchronously: the last
  // chance to write what is buffered. Signals are the caller's business: handle them and close().
  process.on("exit", flushSync);
  let closing: Promise<void> | null = null;
  return {
    logger,
    flush: async () => flushSync(),
    flushSync,
    close: () => {
      closing ??= (async () => {
        process.off("exit", flushSync);
        sink.destination.end();
        await sink.idle();
      })();
      return closing;
    },
    stats: () => sink.stats(),
  };
}

function checkOptions(options: LoggerOptions): void {
  if (!isValidMode(options.mode)) {
    throw new Error(`mode must be 1-64 of [A-Za-z0-9_-] (it names the log file), got ${JSON.stringify(options.mode)}`);
  }
  const rotateSizeBytes = options.rotateSizeBytes ?? rotateSizeBytesDefault;
  if (!(Number.isInteger(rotateSizeBytes) && rotateSizeBytes >= rotateSizeBytesMin)) {
    throw new Error(`rotateSizeBytes must be an integer >= ${rotateSizeBytesMin}, got ${rotateSizeBytes}`);
  }
  const rotateFiles = options.rotateFiles ?? rotateFilesDefault;
  if (!(Number.isInteger(rotateFiles) && rotateFiles >= 0 && rotateFiles <= rotateFilesMax)) {
    throw new Error(`rotateFiles must be an integer in [0, ${rotateFilesMax}], got ${rotateFiles}`);
  }
  const flushIntervalMs = options.flushIntervalMs ?? flushIntervalMsDefault;
  if (!(flushIntervalMs > 0)) throw new Error(`flushIntervalMs must be positive, got ${flushIntervalMs}`);
}

function stderrSink(): Sink {
  const destination = new StderrDestination();
  return { destination, stats: () => destination.stats(), idle: () => Promise.resolve() };
}

function fileSink(options: LoggerOptions, logDir: string): Sink {
  const reportError = options.onError ?? stderrErrorReporter();
  const filePath = logFilePath(logDir, options.mode);
  prepareLogDir(logDir);
  const rotateFiles = options.rotateFiles ?? rotateFilesDefault;
  removeRotatedBeyond(filePath, rotateFiles);
  const compressor =
    options.gzip === true && rotateFiles > 0 ? new RotatedFileCompressor(filePath, rotateFiles, reportError) : null;
  let file: RotatingFileDestination;
  try {
    file = new RotatingFileDestination({
      filePath,
      rotateSizeBytes: options.rotateSizeBytes ?? rotateSizeBytesDefault,
      flushIntervalMs: options.flushIntervalMs ?? flushIntervalMsDefault,
      writeBatchBytes: writeBatchBytesDefault,
      retireFile: compressor?.retire ?? ((live) => retireUncompressed(live, rotateFiles)),
      onRotate: options.onRotate ?? (() => {}),
      onError: reportError,
    });
  } catch (error) {
    throw new LogDirError(logDir, `is not writable: cannot open ${filePath}: ${asError(error).message}`);
  }
  const destination = options.quiet ? file : new TeeDestination(file, new StderrDestination());
  return { destination, stats: () => file.stats(), idle: () => compressor?.idle() ?? Promise.resolve() };
}

function prepareLogDir(logDir: string): void {
  try {
    fs.mkdirSync(logDir, { recursive: true });
  } catch (error) {
    throw new LogDirError(logDir, `cannot be created: ${asError(error).message}`);
  }
  try {
    // Rotation renames and deletes files in the directory, so it must be writable, not just the file.
    fs.accessSync(logDir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    throw new LogDirError(logDir, `is not writable: ${asError(error).message}`);
  }
}

/** Reports each distinct failure once on stderr; a failing disk would otherwise flood it. */
function stderrErrorReporter(): (error: Error) => void {
  const reported = new Set<string>();
  return (error) => {
    const key = `${(error as NodeJS.ErrnoException).code ?? ""} ${error.message}`;
    if (reported.has(key) || reported.size >= reportedErrorsMax) return;
    reported.add(key);
    try {
      fs.writeSync(2, `cluster logging: ${error.message}\n`);
    } catch (stderrError) {
      // stderr itself failing leaves nowhere to report to; the failure is counted in stats().
      void stderrError;
    }
  };
}

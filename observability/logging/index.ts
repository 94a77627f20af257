// Structured logging for every cluster mode: pino JSON lines, one event per line, ids as fields.
//
//   const { logger, close } = createLogger({ mode: "master", level: "INFO", logDir, quiet: false });
//   logger.info({ agent_id, task_id }, "task started");
//
// Where lines go (Mesos semantics for --log_dir / --quiet / --logging_level):
//   no logDir, not quiet   stderr, at `level`
//   no logDir, quiet       stderr, ERROR only
//   logDir, not quiet      <logDir>/cluster-<mode>.log and stderr, at `level`
//   logDir, quiet          the file only, at `level`
// The file is rotated by size (`.1` newest ... `.N` oldest, `.gz` with gzip), exactly between two
// lines; writes are batched (64 KiB or 100 ms), ERROR lines and process exit flush at once.
export type { LineDestination, LoggerHandle, LoggerOptions, LogStats, MesosLogLevel, PinoLevelLabel } from "./types.ts";
export {
  LogDirError,
  buildPinoOptions,
  createLogger,
  rotateFilesDefault,
  rotateFilesMax,
  rotateSizeBytesDefault,
  rotateSizeBytesMin,
} from "./create-logger.ts";
export { effectiveStderrLevel, parseMesosLogLevel, pinoLevelOf } from "./levels.ts";
export { logFilePath, rotatedPath } from "./rotated-files.ts";
export { listLogFiles, readLogLines } from "./read-log-files.ts";

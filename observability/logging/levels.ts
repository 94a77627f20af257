import type { MesosLogLevel, PinoLevelLabel } from "./types.ts";

const pinoLevelByMesosLevel: Record<MesosLogLevel, PinoLevelLabel> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warn",
  ERROR: "error",
};

/** pino's numeric value for "error"; lines at or above it are flushed at once. */
export const pinoErrorLevelNumber = 50;

export function pinoLevelOf(level: MesosLogLevel): PinoLevelLabel {
  return pinoLevelByMesosLevel[level];
}

/** Parses a `--logging_level` flag value, case-insensitively. Returns null if it is not a level. */
export function parseMesosLogLevel(text: string): MesosLogLevel | null {
  const upper = text.trim().toUpperCase();
  switch (upper) {
    case "DEBUG":
    case "INFO":
    case "WARNING":
    case "ERROR":
      return upper;
    default:
      return null;
  }
}

/**
 * The level to give pino for what reaches stderr when there is no log file. Mesos with `--quiet`
 * and no `--log_dir` raises glog's minimum level to ERROR; we do the same.
 */
export function effectiveStderrLevel(level: MesosLogLevel, quiet: boolean): PinoLevelLabel {
  // ERROR is the highest Mesos level, so "at least ERROR" is always ERROR.
  return quiet ? "error" : pinoLevelOf(level);
}

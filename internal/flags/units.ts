// Parsers for the value forms Mesos uses on its command line: durations ("200ms", "1secs",
// "5mins", "2hrs", "1weeks", and the short "1s", "5m" forms) and byte sizes ("64MB").
// Each returns a value or a string describing what was expected, so callers can name the flag.

const durationUnitsMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const byteUnits: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

const durationPattern = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/;
const bytesPattern = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/;

/** Parses a duration into milliseconds. */
export function parseDurationMs(text: string): Parsed<number> {
  const expected = "a duration such as 200ms, 1secs, 5mins, 2hrs, 1weeks, 1s or 5m";
  const match = durationPattern.exec(text.trim().toLowerCase());
  if (!match) return { ok: false, expected };
  const unitMs = durationUnitsMs[match[2]!];
  if (unitMs === undefined) return { ok: false, expected };
  const value = Number(match[1]) * unitMs;
  if (!Number.isFinite(value)) return { ok: false, expected };
  return { ok: true, value };
}

/** Parses a byte size ("64MB", "512KB", "1GB", or plain bytes) using Mesos's 1024 multipliers. */
export function parseBytes(text: string): Parsed<number> {
  const expected = "a byte size such as 512KB, 64MB or 1GB";
  const match = bytesPattern.exec(text.trim().toLowerCase());
  if (!match) return { ok: false, expected };
  const unit = match[2] === "" ? 1 : byteUnits[match[2]!];
  if (unit === undefined) return { ok: false, expected };
  const value = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(value)) return { ok: false, expected };
  return { ok: true, value };
}

/** Formats milliseconds the way Mesos prints durations (largest unit that divides evenly). */
export function formatDurationMs(ms: number): string {
  const units: Array<[string, number]> = [
    ["weeks", 604_800_000],
    ["days", 86_400_000],
    ["hrs", 3_600_000],
    ["mins", 60_000],
    ["secs", 1000],
  ];
  for (const [name, size] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size}${name}`;
  }
  return `${ms}ms`;
}

/** Formats bytes with the largest 1024 unit that divides evenly. */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ["TB", 1024 ** 4],
    ["GB", 1024 ** 3],
    ["MB", 1024 ** 2],
    ["KB", 1024],
  ];
  for (const [name, size] of units) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${name}`;
  }
  return `${bytes}B`;
}

// The thin shell around a schedule file (--role_schedule): read it (bounded), hash it so a
// watcher can tell a real change from a touch, and parse it. Used by the flag check at start-up
// and by the master's watcher.

import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { scheduleDocumentBytesMax } from "./limits.ts";
import { parseRoleScheduleText } from "./parse.ts";
import type { Parsed, RoleSchedule } from "./types.ts";

export interface RoleScheduleFile {
  readonly schedule: RoleSchedule;
  /** Hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

export function readRoleScheduleFile(path: string): Parsed<RoleScheduleFile> {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > scheduleDocumentBytesMax) return { ok: false, problem: `'${path}' is ${size} bytes; a schedule is at most ${scheduleDocumentBytesMax}` };
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { ok: false, problem: `cannot read '${path}': ${(error as Error).message}` };
  }
  const parsed = parseRoleScheduleText(text);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { schedule: parsed.value, sha256: createHash("sha256").update(text).digest("hex") } };
}

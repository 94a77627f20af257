// Loading the role schedule when a master starts leading, and --role_schedule=path.json: the
// file is re-read when its size or mtime changes, and applied when its content differs from the
// file content last applied (a touch changes nothing, nor does an unchanged file undo a PUT). A
// file that became invalid is logged, naming the field, and the schedule in force stays.

import { statSync } from "node:fs";
import { parseRoleSchedule, readRoleScheduleFile, scheduleDocumentBytesMax } from "../allocator/role-schedule/index.ts";
import type { Master } from "./master.ts";
import type { StoredRoleSchedule } from "./role-schedule-keeper.ts";
import { checkRoleWindows, persist, replaceRoleSchedule, setInForce, storedOf } from "./role-schedule.ts";

/** Wires the schedule into a new leader: load it, look for transitions, watch the file. */
export function attachRoleSchedule(m: Master, filePath: string | undefined): void {
  loadRoleSchedule(m, filePath);
  m.beforeAllocation = (nowMs) => checkRoleWindows(m, nowMs);
  m.addHousekeeping(() => checkRoleWindows(m, m.nowMs()));
  if (filePath !== undefined) m.addHousekeeping(watchRoleScheduleFile(m, filePath));
}

function loadRoleSchedule(m: Master, filePath: string | undefined): void {
  const keeper = m.roleSchedule;
  keeper.lastCheckedMs = m.nowMs();
  const stored = storedScheduleOf(m.deps.registry.state().roleSchedule);
  const file = filePath === undefined ? undefined : readRoleScheduleFile(filePath);
  if (file !== undefined && !file.ok) m.logger.error({ path: filePath, problem: file.problem }, "role schedule file rejected; the registry's schedule stays in force");
  if (file?.ok && file.value.sha256 !== stored?.fileSha256) {
    setInForce(m, file.value.schedule, "file", file.value.sha256);
    void persist(m, storedOf(m)).catch((error: unknown) => m.logger.error({ err: error }, "could not store the role schedule in the registry"));
    m.logger.info({ path: filePath, roles: file.value.schedule.roles.size }, "role schedule loaded from its file");
    return;
  }
  if (stored === undefined || stored.document === null) {
    keeper.fileSha256 = stored?.fileSha256;
    return;
  }
  const parsed = parseRoleSchedule(stored.document);
  if (!parsed.ok) {
    m.logger.error({ problem: parsed.problem }, "the registry's role schedule is invalid; running without one");
    return;
  }
  setInForce(m, parsed.value, stored.source, stored.fileSha256);
  m.logger.info({ source: stored.source, roles: parsed.value.roles.size }, "role schedule restored from the registry");
}

/** The registry's record; a bare document (stored as given) counts as set through the API. */
function storedScheduleOf(value: unknown): StoredRoleSchedule | undefined {
  if (value === undefined || value === null) return undefined;
  const record = value as Partial<StoredRoleSchedule>;
  if (typeof record === "object" && (record.source === "file" || record.source === "api") && "document" in record) return record as StoredRoleSchedule;
  return { document: value, source: "api", setAtMs: 0 };
}

/** Returns the housekeeping step that watches the file. */
export function watchRoleScheduleFile(m: Master, path: string): () => void {
  let seen = "";
  let applying = false;
  return () => {
    if (applying) return;
    let signature: string;
    try {
      const stats = statSync(path);
      if (stats.size > scheduleDocumentBytesMax) throw new Error(`larger than ${scheduleDocumentBytesMax} bytes`);
      signature = `${stats.size}:${stats.mtimeMs}`;
    } catch (error) {
      if (seen !== "missing") m.logger.warn({ path, err: (error as Error).message }, "role schedule file unreadable; the schedule in force stays");
      seen = "missing";
      return;
    }
    if (signature === seen) return;
    seen = signature;
    const file = readRoleScheduleFile(path);
    if (!file.ok) {
      m.logger.error({ path, problem: file.problem }, "role schedule file rejected; the schedule in force stays");
      return;
    }
    if (file.value.sha256 === m.roleSchedule.fileSha256) return;
    applying = true;
    replaceRoleSchedule(m, file.value.schedule, "file", file.value.sha256)
      .then(() => m.logger.info({ path, roles: file.value.schedule.roles.size }, "role schedule file applied"))
      .catch((error: unknown) => m.logger.error({ path, err: error }, "could not apply the role schedule file"))
      .finally(() => {
        applying = false;
      });
  };
}

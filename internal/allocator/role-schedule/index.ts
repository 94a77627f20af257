// Role schedules (time-scheduled oversubscription): when each role's reservations may be
// offered, in a time zone, with cron windows; the cpus cap while a schedule is in force; what
// happens to a role's tasks when its window closes. Pure except file.ts (reads a schedule file).
// See README.md.

export type { OnWindowEnd, Parsed, RoleActivity, RoleRule, RoleSchedule, RoleWindowState, RoleWindowTransition, ScheduleWindow } from "./types.ts";
export { onWindowEndDefault, parseRoleSchedule, parseRoleScheduleText, scheduleMaxOversubscriptionDefault, scheduleTimeZoneDefault } from "./parse.ts";
export { roleActivity, roleWindowState, windowTransitions } from "./activity.ts";
export { readRoleScheduleFile, type RoleScheduleFile } from "./file.ts";
export {
  killGracePeriodMsMax,
  lookAheadMs,
  scheduleDocumentBytesMax,
  scheduledRolesMax,
  transitionsPerRoleCheckMax,
  windowDurationMsMax,
  windowDurationMsMin,
  windowsPerRoleMax,
} from "./limits.ts";

// Named limits of role schedules. Going past one in a document is an operating error: the
// document is refused with a message naming the field. Going past a look-ahead limit at run time
// is not an error: the answer says "not within the look-ahead" and is recomputed later.

/** A schedule document larger than this is surely a mistake (the wrong file). */
export const scheduleDocumentBytesMax = 1024 * 1024;

/** Roles one schedule may list. */
export const scheduledRolesMax = 1024;

/** Windows one role may have. */
export const windowsPerRoleMax = 64;

/** Shortest window: cron's resolution is one second. */
export const windowDurationMsMin = 1000;

/** Longest window. */
export const windowDurationMsMax = 31 * 24 * 60 * 60 * 1000;

/** Longest kill grace period on `revoke`. */
export const killGracePeriodMsMax = 24 * 60 * 60 * 1000;

/**
 * How far ahead a cron expression is searched for its next matching day (day-of-month 29 in
 * February only, `0 0 29 2 1`: Feb 29 on a Monday, recurs every 28 years).
 */
export const cronSearchDaysMax = 366 * 29;

/** The static overlap check looks at one year of occurrences from this wall-clock start. */
export const overlapCheckStartWallMs = Date.UTC(2024, 0, 1);
export const overlapCheckSpanMs = 366 * 24 * 60 * 60 * 1000;
/** ... or at most this many occurrences per window (a seconds cron gets a few hours). */
export const overlapCheckOccurrencesMax = 2000;

/**
 * Windows that touch or overlap are merged when finding where an active stretch ends; after this
 * many merges (or past the look-ahead) the stretch counts as "not closing within the look-ahead".
 */
export const stretchMergesMax = 512;
export const lookAheadMs = 400 * 24 * 60 * 60 * 1000;

/** Transitions one role may report between two checks; a larger clock jump reports the first ones. */
export const transitionsPerRoleCheckMax = 64;

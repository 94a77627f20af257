// ISO 8601 as Chronos schedules with it: durations (`P1DT2H`), repeating intervals
// (`R[n]/<start>/<period>`), and the occurrences of such a schedule. Pure; Temporal does the
// calendar and time zone arithmetic, so `P1D` keeps the wall-clock time across DST changes.
//
// Occurrence k is start + k x period, computed from the start each time rather than by adding the
// period to the previous occurrence: `P1M` from January 31 gives Feb 29, Mar 31, Apr 30, ... and
// never drifts to the 28th, and any occurrence can be found without walking the ones before it.

import { occurrenceSearchStepsMax, schedulePeriodMsMin } from "./limits.ts";
import type { Schedule } from "./types.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export type IsoSchedule = Extract<Schedule, { kind: "iso8601" }>;

const durationPattern = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(?:[.,]\d+)?S)?)?$/;

/** A positive (or, if allowed, zero) ISO 8601 duration (`PT60S`, `P1Y2M3DT4H5M6.5S`, `P2W`). */
export function parseIsoDuration(text: string, allowZero = false): Parsed<Temporal.Duration> {
  const trimmed = text.trim().toUpperCase();
  if (!durationPattern.test(trimmed)) return { ok: false, problem: `'${text}' is not an ISO 8601 duration such as PT60S or P1DT12H` };
  let duration: Temporal.Duration;
  try {
    duration = Temporal.Duration.from(trimmed.replace(",", "."));
  } catch (error) {
    return { ok: false, problem: `'${text}': ${(error as Error).message}` };
  }
  if (duration.blank && !allowZero) return { ok: false, problem: `'${text}' is a zero duration` };
  return { ok: true, value: duration };
}

/** True when the duration has no calendar part, so its length is the same everywhere. */
export function isExactDuration(duration: Temporal.Duration): boolean {
  return duration.years === 0 && duration.months === 0 && duration.weeks === 0 && duration.days === 0;
}

/** Milliseconds of an exact duration; days and weeks count as 24 h and 7 x 24 h; years and months are refused. */
export function durationMs(duration: Temporal.Duration): Parsed<number> {
  if (duration.years !== 0 || duration.months !== 0) return { ok: false, problem: "years and months have no fixed length here; use days or hours" };
  const days = duration.weeks * 7 + duration.days;
  const timeMs = Temporal.Duration.from({ hours: duration.hours, minutes: duration.minutes, seconds: duration.seconds, milliseconds: duration.milliseconds, microseconds: duration.microseconds, nanoseconds: duration.nanoseconds }).total({ unit: "milliseconds" });
  return { ok: true, value: Math.round(days * 86_400_000 + timeMs) };
}

/** A time zone name Temporal knows (IANA or a fixed `+hh:mm` offset); undefined if it is not one. */
export function timeZoneProblem(zone: string): string | undefined {
  try {
    Temporal.Now.zonedDateTimeISO(zone);
    return undefined;
  } catch (error) {
    return `'${zone}' is not a time zone of the tz database: ${(error as Error).message}`;
  }
}

const offsetPattern = /(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Parses `R[n]/<start>/<period>`. An empty start means `nowMs`. A start without an offset is a
 * wall-clock time in `timeZone` (UTC when that is empty). `timeZone`, when given, also decides
 * where calendar periods are added, as Chronos's scheduleTimeZone does.
 */
export function parseIsoSchedule(text: string, timeZone: string, nowMs: number): Parsed<IsoSchedule> {
  const parts = text.trim().split("/");
  if (parts.length !== 3) return { ok: false, problem: `'${text}' is not R[n]/<start>/<period>` };
  const [repeatText, startText, periodText] = parts as [string, string, string];
  const repeatMatch = /^R(\d*)$/i.exec(repeatText);
  if (!repeatMatch) return { ok: false, problem: `'${repeatText}' is not a repeat count such as R, R0 or R10` };
  const repeats = repeatMatch[1] === "" ? undefined : Number(repeatMatch[1]);
  if (repeats !== undefined && !Number.isSafeInteger(repeats)) return { ok: false, problem: `repeat count '${repeatText}' is too large` };
  const period = parseIsoDuration(periodText);
  if (!period.ok) return { ok: false, problem: `period ${period.problem}` };
  if (isExactDuration(period.value) && (durationMs(period.value) as { value: number }).value < schedulePeriodMsMin) {
    return { ok: false, problem: `period '${periodText}' is shorter than ${schedulePeriodMsMin} ms` };
  }
  const start = parseStart(startText, timeZone, nowMs);
  if (!start.ok) return start;
  const offset = offsetPattern.exec(startText.trim())?.[1];
  const zone = timeZone !== "" ? timeZone : offset === undefined || offset.toUpperCase() === "Z" ? "UTC" : normaliseOffset(offset);
  return { ok: true, value: { kind: "iso8601", text: text.trim(), repeats, startMs: start.value, period: period.value.toString(), zone } };
}

function normaliseOffset(offset: string): string {
  const digits = offset.replace(":", "");
  return digits.length === 3 ? `${digits}:00` : `${digits.slice(0, 3)}:${digits.slice(3)}`;
}

function parseStart(text: string, timeZone: string, nowMs: number): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: nowMs };
  try {
    const ms = offsetPattern.test(trimmed)
      ? Temporal.Instant.from(trimmed).epochMilliseconds
      : Temporal.PlainDateTime.from(trimmed).toZonedDateTime(timeZone === "" ? "UTC" : timeZone).epochMilliseconds;
    if (ms < 1000) return { ok: false, problem: `start '${text}' is before 1970` };
    return { ok: true, value: ms };
  } catch (error) {
    return { ok: false, problem: `start '${text}' is not an ISO 8601 date-time: ${(error as Error).message}` };
  }
}

/** Occurrence arithmetic for one parsed schedule; built once per job and reused. */
export class IsoOccurrences {
  private readonly exactPeriodMs: number | undefined;
  private readonly approxPeriodMs: number;
  private readonly period: Temporal.Duration;
  private readonly start: Temporal.ZonedDateTime | undefined;

  constructor(private readonly schedule: IsoSchedule) {
    this.period = Temporal.Duration.from(schedule.period);
    const exact = isExactDuration(this.period) ? durationMs(this.period) : undefined;
    this.exactPeriodMs = exact?.ok ? exact.value : undefined;
    this.start = this.exactPeriodMs === undefined ? Temporal.Instant.fromEpochMilliseconds(schedule.startMs).toZonedDateTimeISO(schedule.zone) : undefined;
    const p = this.period;
    const days = p.years * 365.2425 + p.months * 30.436875 + p.weeks * 7 + p.days;
    const time = Temporal.Duration.from({ hours: p.hours, minutes: p.minutes, seconds: p.seconds, milliseconds: p.milliseconds }).total({ unit: "milliseconds" });
    this.approxPeriodMs = this.exactPeriodMs ?? days * 86_400_000 + time;
  }

  /** How many occurrences there are; Infinity for `R`. */
  get count(): number {
    return this.schedule.repeats ?? Infinity;
  }

  /** Wall-clock ms of occurrence k (0-based). */
  at(k: number): number {
    if (this.exactPeriodMs !== undefined) return this.schedule.startMs + k * this.exactPeriodMs;
    const p = this.period;
    const scaled = { years: p.years * k, months: p.months * k, weeks: p.weeks * k, days: p.days * k, hours: p.hours * k, minutes: p.minutes * k, seconds: p.seconds * k, milliseconds: p.milliseconds * k };
    return this.start!.add(scaled).epochMilliseconds;
  }

  /** Index of the last occurrence at or before t, or -1 if none is. */
  indexAtOrBefore(t: number): number {
    if (this.count === 0 || t < this.schedule.startMs) return -1;
    let k = Math.max(0, Math.floor((t - this.schedule.startMs) / this.approxPeriodMs));
    if (k >= this.count) k = this.count - 1;
    for (let steps = 0; ; steps++) {
      if (steps > occurrenceSearchStepsMax) throw new Error(`occurrence search did not settle for '${this.schedule.text}'`);
      if (this.at(k) > t) {
        k -= 1;
        if (k < 0) return -1;
        continue;
      }
      if (k + 1 < this.count && this.at(k + 1) <= t) {
        k += 1;
        continue;
      }
      return k;
    }
  }

  /** The first occurrence strictly after t, or undefined when the schedule has ended. */
  nextAfter(t: number): number | undefined {
    const k = this.indexAtOrBefore(t) + 1;
    return k < this.count ? this.at(k) : undefined;
  }

  /** The last occurrence at or before t, or undefined. */
  latestAtOrBefore(t: number): number | undefined {
    const k = this.indexAtOrBefore(t);
    return k < 0 ? undefined : this.at(k);
  }

  /** Occurrences in (a, b]. */
  countBetween(a: number, b: number): number {
    return b <= a ? 0 : this.indexAtOrBefore(b) - this.indexAtOrBefore(a);
  }
}

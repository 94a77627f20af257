// A cron expression walked in wall time (see wall-clock.ts). cron-parser parses the expression
// and decides whether a day matches (`includesDate`: months, day-of-month and day-of-week with its
// OR rule, `L`, `#`); the walk from one match to the next is ours. Two reasons: cron-parser's own
// next()/prev() in a zone with daylight saving give answers that depend on where the search
// starts (from 05:31Z the New York 01:30 repeat on fall-back night is skipped, from 06:00Z it is
// returned, and prev() returns both), and each step costs 130-200 us, where this walk costs a few
// microseconds per day looked at.

import { CronExpressionParser, type CronExpression } from "cron-parser";
import { assert } from "../../runtime/index.ts";
import { cronSearchDaysMax } from "./limits.ts";
import type { Parsed } from "./types.ts";

const dayMs = 86_400_000;
const hourMs = 3_600_000;
const minuteMs = 60_000;
const secondMs = 1000;
/** Day-match answers kept per expression; the memo is emptied when it reaches this. */
const dayMemoEntriesMax = 4096;

/** Parses an expression: 5 fields (minute hour day month weekday), 6 (seconds first) or `@daily` and friends. */
export function parseCronText(text: string): Parsed<WallCron> {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, problem: "is empty" };
  const fields = trimmed.split(/\s+/);
  if (!trimmed.startsWith("@") && (fields.length < 5 || fields.length > 6)) {
    return { ok: false, problem: `'${text}' has ${fields.length} fields; expected 5 (minute hour day month weekday) or 6 (seconds first)` };
  }
  let expression: CronExpression;
  try {
    expression = CronExpressionParser.parse(trimmed, { tz: "UTC", currentDate: 0 });
  } catch (error) {
    return { ok: false, problem: `'${text}': ${(error as Error).message}` };
  }
  return { ok: true, value: new WallCron(expression) };
}

export class WallCron {
  private readonly hours: readonly number[];
  private readonly minutes: readonly number[];
  private readonly seconds: readonly number[];
  /** Earliest matching time of day, in ms. */
  private readonly firstTimeMs: number;
  private readonly lastTimeMs: number;
  private readonly dayMemo = new Map<number, boolean>();

  constructor(private readonly expression: CronExpression) {
    const sorted = (values: readonly (number | string)[]) => values.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
    this.hours = sorted(expression.fields.hour.values);
    this.minutes = sorted(expression.fields.minute.values);
    this.seconds = sorted(expression.fields.second.values);
    assert(this.hours.length > 0 && this.minutes.length > 0 && this.seconds.length > 0, `cron expression ${expression.stringify(true)} has no time of day`);
    this.firstTimeMs = this.timeMs(this.hours[0]!, this.minutes[0]!, this.seconds[0]!);
    this.lastTimeMs = this.timeMs(this.hours.at(-1)!, this.minutes.at(-1)!, this.seconds.at(-1)!);
  }

  /** The first match strictly after `wallMs`; undefined if none within cronSearchDaysMax days. */
  nextAfter(wallMs: number): number | undefined {
    const day = Math.floor(wallMs / dayMs);
    if (this.dayMatches(day)) {
      const timeMs = this.timeAfter(wallMs - day * dayMs);
      if (timeMs !== undefined) return day * dayMs + timeMs;
    }
    for (let d = day + 1; d <= day + cronSearchDaysMax; d++) if (this.dayMatches(d)) return d * dayMs + this.firstTimeMs;
    return undefined;
  }

  /** The last match at or before `wallMs`; undefined if none within cronSearchDaysMax days. */
  atOrBefore(wallMs: number): number | undefined {
    const day = Math.floor(wallMs / dayMs);
    if (this.dayMatches(day)) {
      const timeMs = this.timeAtOrBefore(wallMs - day * dayMs);
      if (timeMs !== undefined) return day * dayMs + timeMs;
    }
    for (let d = day - 1; d >= day - cronSearchDaysMax; d--) if (this.dayMatches(d)) return d * dayMs + this.lastTimeMs;
    return undefined;
  }

  private timeMs(hour: number, minute: number, second: number): number {
    return hour * hourMs + minute * minuteMs + second * secondMs;
  }

  private dayMatches(day: number): boolean {
    const known = this.dayMemo.get(day);
    if (known !== undefined) return known;
    const matches = this.expression.includesDate(new Date(day * dayMs + this.firstTimeMs));
    if (this.dayMemo.size >= dayMemoEntriesMax) this.dayMemo.clear();
    this.dayMemo.set(day, matches);
    return matches;
  }

  /** The earliest time of day strictly after `todMs`. */
  private timeAfter(todMs: number): number | undefined {
    const hour = Math.floor(todMs / hourMs);
    const minute = Math.floor((todMs % hourMs) / minuteMs);
    const second = Math.floor((todMs % minuteMs) / secondMs);
    for (const h of this.hours) {
      if (h < hour) continue;
      if (h > hour) return this.timeMs(h, this.minutes[0]!, this.seconds[0]!);
      for (const m of this.minutes) {
        if (m < minute) continue;
        if (m > minute) return this.timeMs(h, m, this.seconds[0]!);
        const s = this.seconds.find((value) => value > second);
        if (s !== undefined) return this.timeMs(h, m, s);
      }
    }
    return undefined;
  }

  /** The latest time of day at or before `todMs`. */
  private timeAtOrBefore(todMs: number): number | undefined {
    const hour = Math.floor(todMs / hourMs);
    const minute = Math.floor((todMs % hourMs) / minuteMs);
    const second = Math.floor((todMs % minuteMs) / secondMs);
    for (let i = this.hours.length - 1; i >= 0; i--) {
      const h = this.hours[i]!;
      if (h > hour) continue;
      if (h < hour) return this.timeMs(h, this.minutes.at(-1)!, this.seconds.at(-1)!);
      for (let j = this.minutes.length - 1; j >= 0; j--) {
        const m = this.minutes[j]!;
        if (m > minute) continue;
        if (m < minute) return this.timeMs(h, m, this.seconds.at(-1)!);
        const s = this.seconds.findLast((value) => value <= second);
        if (s !== undefined) return this.timeMs(h, m, s);
      }
    }
    return undefined;
  }
}

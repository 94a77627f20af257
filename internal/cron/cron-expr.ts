// Cron expressions (`*/5 * * * *`, with an optional leading seconds field, and `@daily` etc.)
// through cron-parser, evaluated in the job's time zone. cron-parser decides the DST cases: a
// wall-clock time that does not exist (spring forward) runs at the first moment after the gap, and
// one that happens twice (fall back) runs once, at the first.

import { CronExpressionParser, type CronExpression } from "cron-parser";
import type { Parsed } from "./iso8601.ts";

/** Checks an expression (and its zone) the way nextAfter will use it. */
export function parseCronExpression(expression: string, timeZone: string): Parsed<string> {
  const trimmed = expression.trim();
  if (trimmed === "") return { ok: false, problem: "is empty" };
  const fields = trimmed.split(/\s+/);
  if (!trimmed.startsWith("@") && (fields.length < 5 || fields.length > 6)) {
    return { ok: false, problem: `'${expression}' has ${fields.length} fields; expected 5 (minute hour day month weekday) or 6 (with seconds first)` };
  }
  try {
    const parsed = CronExpressionParser.parse(trimmed, { tz: timeZone === "" ? "UTC" : timeZone, currentDate: 0 });
    parsed.next();
  } catch (error) {
    return { ok: false, problem: `'${expression}': ${(error as Error).message}` };
  }
  return { ok: true, value: trimmed };
}

/**
 * Answers already computed, by expression, zone, question and time. cron-parser takes 0.1-0.3 ms
 * per step, and many jobs share an expression (`0 * * * *`): at the top of the hour they all ask
 * the same question. Pure answers, so the cache can never be wrong, only full.
 */
const memo = new Map<string, number | undefined>();
/** Memoised answers kept; the cache is simply emptied when it reaches this. */
const memoEntriesMax = 100_000;

function remember(key: string, compute: () => number | undefined): number | undefined {
  if (memo.has(key)) return memo.get(key);
  const value = compute();
  if (memo.size >= memoEntriesMax) memo.clear();
  memo.set(key, value);
  return value;
}

/** Occurrences of one expression in one zone; the parsed expression is kept and reset per query. */
export class CronOccurrences {
  private readonly parsed: CronExpression;
  private readonly key: string;

  constructor(expression: string, timeZone: string) {
    this.parsed = CronExpressionParser.parse(expression, { tz: timeZone === "" ? "UTC" : timeZone, currentDate: 0 });
    this.key = `${expression}\u0000${timeZone}`;
  }

  /** The first occurrence strictly after t; undefined if the expression never matches again. */
  nextAfter(t: number): number | undefined {
    return remember(`${this.key}\u0000n${t}`, () => {
      this.parsed.reset(new Date(t));
      try {
        return this.parsed.next().getTime();
      } catch (error) {
        return noFurtherDate(error);
      }
    });
  }

  /** The last occurrence at or before t, or undefined. */
  latestAtOrBefore(t: number): number | undefined {
    return remember(`${this.key}\u0000p${t}`, () => {
      this.parsed.reset(new Date(t + 1));
      try {
        return this.parsed.prev().getTime();
      } catch (error) {
        return noFurtherDate(error);
      }
    });
  }

  /** Occurrences in (a, b], counted up to `max` (then `max` is returned). */
  countBetween(a: number, b: number, max: number): number {
    let count = 0;
    let t = a;
    while (count < max) {
      const next = this.nextAfter(t);
      if (next === undefined || next > b) return count;
      count += 1;
      t = next;
    }
    return count;
  }
}

/** cron-parser throws when no date matches within its loop limit (e.g. `0 0 31 2 *`): no occurrence. */
function noFurtherDate(error: unknown): undefined {
  if (error instanceof Error && /loop limit|time span/i.test(error.message)) return undefined;
  throw error;
}

import { expect, test } from "bun:test";
import { CronExpressionParser } from "cron-parser";
import { SeededRandom } from "../../runtime/index.ts";
import { parseCronText, type WallCron } from "./cron-walk.ts";

// In UTC cron-parser has no daylight-saving cases, so its next() and prev() are the reference
// for our walk in wall time.
const expressions = [
  "0 2 * * *",
  "0 22 * * 1-5",
  "*/10 * * * * *",
  "0 0 L * *",
  "0 0 * * 5L",
  "30 9 * * 1#2",
  "30 9 1,15 * 1",
  "0 0 29 2 *",
  "15,45 */6 * 1-3,10 *",
  "@daily",
  "@weekly",
  "@hourly",
  "5 4 3 2 1 0",
];

function wall(text: string): WallCron {
  const parsed = parseCronText(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

test("nextAfter and atOrBefore agree with cron-parser in UTC", () => {
  const random = new SeededRandom(7);
  for (const text of expressions) {
    const cron = wall(text);
    const reference = CronExpressionParser.parse(text, { tz: "UTC", currentDate: 0 });
    for (let i = 0; i < 200; i++) {
      const at = Date.UTC(2023, 0, 1) + Math.floor(random.next() * 3 * 365 * 86_400_000);
      // Whole seconds sometimes, to hit the matches themselves.
      const wallMs = i % 3 === 0 ? at - (at % 1000) : at;
      reference.reset(new Date(wallMs));
      expect(cron.nextAfter(wallMs)).toBe(reference.next().getTime());
      reference.reset(new Date(Math.floor(wallMs / 1000) * 1000 + 1000));
      expect(cron.atOrBefore(wallMs)).toBe(reference.prev().getTime());
    }
  }
  // cron-parser, the reference, takes 0.1-0.3 ms a step: a loaded machine needs the time.
}, 30_000);

test("a match is its own atOrBefore and not its own nextAfter", () => {
  const cron = wall("0 2 * * *");
  const match = Date.UTC(2025, 2, 9, 2);
  expect(cron.atOrBefore(match)).toBe(match);
  expect(cron.atOrBefore(match - 1)).toBe(match - 86_400_000);
  expect(cron.nextAfter(match)).toBe(match + 86_400_000);
  expect(cron.nextAfter(match - 1)).toBe(match);
});

test("bad expressions name what is wrong", () => {
  expect(parseCronText("0 2 * *")).toEqual({ ok: false, problem: "'0 2 * *' has 4 fields; expected 5 (minute hour day month weekday) or 6 (seconds first)" });
  const hour = parseCronText("0 25 * * *");
  expect(hour.ok).toBe(false);
  if (!hour.ok) expect(hour.problem).toContain("'0 25 * * *'");
  expect(parseCronText(" ")).toEqual({ ok: false, problem: "is empty" });
  expect(parseCronText("0 0 30 2 *").ok).toBe(false);
});

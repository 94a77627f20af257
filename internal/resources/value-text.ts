// Parsing of the value part of `name:value`, shared by resources and attributes. Every function
// returns the problem as text instead of throwing, so the caller can name the whole token.

import { rangeBoundMax, rangesPerValueMax, setItemsPerValueMax } from "./limits.ts";
import { setItemProblem } from "./names.ts";
import { normalizeDisjoint } from "./ranges.ts";
import type { ValueRange } from "./types.ts";

export type TextParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

function fail(problem: string): { ok: false; problem: string } {
  return { ok: false, problem };
}

function countChar(text: string, char: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text[i] === char) count++;
  return count;
}

/**
 * Checks that brackets, braces and parentheses in a value are balanced the only way the grammar
 * allows: one `[...]` or one `{...}` around the whole value, or none at all.
 */
export function delimiterProblem(value: string): string | undefined {
  const opensRanges = value.startsWith("[");
  const opensSet = value.startsWith("{");
  const brackets = countChar(value, "[") + countChar(value, "]");
  const braces = countChar(value, "{") + countChar(value, "}");
  if (opensRanges ? brackets !== 2 || !value.endsWith("]") : brackets !== 0) {
    return "mismatched brackets";
  }
  if (opensSet ? braces !== 2 || !value.endsWith("}") : braces !== 0) return "mismatched braces";
  if (countChar(value, "(") + countChar(value, ")") !== 0) return "mismatched parentheses";
  return undefined;
}

/** Parses an unsigned integer range bound; decimals, signs and words are refused. */
export function parseRangeBound(text: string): TextParseResult<number> {
  if (text.length === 0) return fail("missing range bound");
  if (text.startsWith("-")) return fail("negative value");
  const lower = text.toLowerCase();
  if (lower === "nan" || lower === "inf" || lower === "infinity") {
    return fail(`range bound '${text}' is not a finite number`);
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) {
      return fail(
        text[i] === "." || text[i] === "e" || text[i] === "E"
          ? `range bound '${text}' is not an integer`
          : `range bound '${text}' is not a number`,
      );
    }
  }
  const bound = Number(text);
  if (bound > rangeBoundMax) return fail(`range bound '${text}' is too large`);
  return { ok: true, value: bound };
}

function parseOneRange(item: string): TextParseResult<ValueRange> {
  if (item.startsWith("-")) return fail("negative value");
  const dash = item.indexOf("-");
  if (dash === -1) return fail(`malformed range '${item}' (expected begin-end)`);
  const beginText = item.slice(0, dash).trim();
  const endText = item.slice(dash + 1).trim();
  if (endText.startsWith("-")) return fail("negative value");
  if (endText.includes("-")) return fail(`malformed range '${item}' (expected begin-end)`);
  const begin = parseRangeBound(beginText);
  if (!begin.ok) return begin;
  const end = parseRangeBound(endText);
  if (!end.ok) return end;
  if (begin.value > end.value) return fail(`begin > end in range '${item}'`);
  return { ok: true, value: { begin: begin.value, end: end.value } };
}

/** Parses `[a-b, c-d]` (brackets included; delimiters already checked) into canonical ranges. */
export function parseRangesText(value: string): TextParseResult<readonly ValueRange[]> {
  const body = value.slice(1, -1).trim();
  if (body.length === 0) return { ok: true, value: [] };
  const parts = body.split(",");
  if (parts.length > rangesPerValueMax) return fail(`more than ${rangesPerValueMax} ranges`);
  const ranges: ValueRange[] = [];
  for (const part of parts) {
    const item = part.trim();
    if (item.length === 0) return fail("empty range in list");
    const range = parseOneRange(item);
    if (!range.ok) return range;
    ranges.push(range.value);
  }
  const normalized = normalizeDisjoint(ranges);
  return normalized.ok ? { ok: true, value: normalized.ranges } : normalized;
}

/** Parses `{a, b}` (braces included; delimiters already checked) in the order written. */
export function parseSetText(value: string): TextParseResult<readonly string[]> {
  const body = value.slice(1, -1).trim();
  if (body.length === 0) return { ok: true, value: [] };
  const parts = body.split(",");
  if (parts.length > setItemsPerValueMax) return fail(`more than ${setItemsPerValueMax} set items`);
  const items: string[] = [];
  const seen = new Set<string>();
  for (const part of parts) {
    const item = part.trim();
    const problem = setItemProblem(item);
    if (problem !== undefined) return fail(problem);
    if (seen.has(item)) return fail(`duplicate set item '${item}'`);
    seen.add(item);
    items.push(item);
  }
  return { ok: true, value: items };
}

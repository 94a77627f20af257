// Operations on sorted, disjoint, coalesced interval lists. Each is a single linear merge so the
// allocator can add and subtract port ranges for thousands of agents per cycle cheaply.

import type { ValueRange } from "./types.ts";

/** Why a list of ranges was refused, or the canonical list. */
export type RangesCheckResult =
  | { readonly ok: true; readonly ranges: readonly ValueRange[] }
  | { readonly ok: false; readonly problem: string };

/**
 * Sorts intervals and joins adjacent ones ([1-2],[3-4] -> [1-4]); refuses overlapping ones, since
 * in a configuration they mean the same port was written twice.
 */
export function normalizeDisjoint(input: readonly ValueRange[]): RangesCheckResult {
  const sorted = input.slice().sort((a, b) => a.begin - b.begin);
  const out: ValueRange[] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && range.begin <= last.end) {
      return {
        ok: false,
        problem: `overlapping ranges '${formatRange(last)}' and '${formatRange(range)}'`,
      };
    }
    if (last !== undefined && range.begin === last.end + 1) {
      out[out.length - 1] = { begin: last.begin, end: range.end };
    } else {
      out.push(range);
    }
  }
  return { ok: true, ranges: out };
}

/** Sorts and joins intervals, merging overlapping ones too (union semantics). */
export function normalizeUnion(input: readonly ValueRange[]): ValueRange[] {
  const sorted = input.slice().sort((a, b) => a.begin - b.begin);
  const out: ValueRange[] = [];
  for (const range of sorted) appendUnion(out, range);
  return out;
}

function appendUnion(out: ValueRange[], range: ValueRange): void {
  const last = out[out.length - 1];
  if (last !== undefined && range.begin <= last.end + 1) {
    if (range.end > last.end) out[out.length - 1] = { begin: last.begin, end: range.end };
  } else {
    out.push(range);
  }
}

/** Union of two canonical lists. */
export function unionRanges(a: readonly ValueRange[], b: readonly ValueRange[]): ValueRange[] {
  const out: ValueRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.begin <= y.begin)) {
      appendUnion(out, x!);
      i++;
    } else {
      appendUnion(out, y);
      j++;
    }
  }
  return out;
}

/** `a` with every value in `b` removed; both canonical. */
export function subtractRanges(a: readonly ValueRange[], b: readonly ValueRange[]): ValueRange[] {
  const out: ValueRange[] = [];
  let j = 0;
  for (const range of a) {
    let cursor = range.begin;
    while (j < b.length && b[j]!.end < cursor) j++;
    let k = j;
    while (k < b.length && cursor <= range.end) {
      const cut = b[k]!;
      if (cut.begin > range.end) break;
      if (cut.begin > cursor) out.push({ begin: cursor, end: cut.begin - 1 });
      cursor = Math.max(cursor, cut.end + 1);
      // A cut reaching past this range may also cut the next one, so it is not consumed.
      if (cut.end > range.end) break;
      k++;
    }
    if (cursor <= range.end) out.push({ begin: cursor, end: range.end });
    j = k;
  }
  return out;
}

/** Whether every value in `inner` is in `outer`; both canonical. */
export function containsRanges(outer: readonly ValueRange[], inner: readonly ValueRange[]): boolean {
  let i = 0;
  for (const range of inner) {
    while (i < outer.length && outer[i]!.end < range.begin) i++;
    const candidate = outer[i];
    if (candidate === undefined || candidate.begin > range.begin || candidate.end < range.end) {
      return false;
    }
  }
  return true;
}

/** Whether the two canonical lists share at least one value. */
export function rangesOverlap(a: readonly ValueRange[], b: readonly ValueRange[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.end < y.begin) i++;
    else if (y.end < x.begin) j++;
    else return true;
  }
  return false;
}

export function equalRanges(a: readonly ValueRange[], b: readonly ValueRange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.begin !== b[i]!.begin || a[i]!.end !== b[i]!.end) return false;
  }
  return true;
}

/** How many values the list covers, e.g. 24001 for [8000-32000]. */
export function countRanges(ranges: readonly ValueRange[]): number {
  let total = 0;
  for (const range of ranges) total += range.end - range.begin + 1;
  return total;
}

export function formatRange(range: ValueRange): string {
  return `${range.begin}-${range.end}`;
}

/** `[8000-9000,31000-32000]`; the parser accepts this back, spaces or not. */
export function formatRanges(ranges: readonly ValueRange[]): string {
  return `[${ranges.map(formatRange).join(",")}]`;
}

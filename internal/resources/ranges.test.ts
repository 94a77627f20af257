import { describe, expect, test } from "bun:test";
import { SeededRandom } from "../runtime/index.ts";
import {
  containsRanges,
  countRanges,
  normalizeDisjoint,
  normalizeUnion,
  rangesOverlap,
  subtractRanges,
  unionRanges,
} from "./ranges.ts";
import { containsItems, firstCommonItem, normalizeItems, subtractItems, unionItems } from "./sets.ts";
import type { ValueRange } from "./types.ts";

/** Values 0..universeMax, small enough to model a range list as a plain set of numbers. */
const universeMax = 120;

function randomRanges(random: SeededRandom): ValueRange[] {
  const count = random.nextInt(5);
  const ranges: ValueRange[] = [];
  for (let i = 0; i < count; i++) {
    const begin = random.nextInt(universeMax);
    ranges.push({ begin, end: begin + random.nextInt(25) });
  }
  return normalizeUnion(ranges);
}

function toSet(ranges: readonly ValueRange[]): Set<number> {
  const values = new Set<number>();
  for (const range of ranges) for (let v = range.begin; v <= range.end; v++) values.add(v);
  return values;
}

function fromSet(values: Set<number>): ValueRange[] {
  return normalizeUnion([...values].map((v) => ({ begin: v, end: v })));
}

describe("range operations agree with a set-of-numbers model", () => {
  test("union, subtract, contains, overlap and count over 2000 seeded cases", () => {
    const random = new SeededRandom(7);
    for (let round = 0; round < 2000; round++) {
      const a = randomRanges(random);
      const b = randomRanges(random);
      const setA = toSet(a);
      const setB = toSet(b);
      expect(unionRanges(a, b)).toEqual(fromSet(new Set([...setA, ...setB])));
      expect(subtractRanges(a, b)).toEqual(fromSet(new Set([...setA].filter((v) => !setB.has(v)))));
      expect(containsRanges(a, b)).toBe([...setB].every((v) => setA.has(v)));
      expect(rangesOverlap(a, b)).toBe([...setB].some((v) => setA.has(v)));
      expect(countRanges(a)).toBe(setA.size);
    }
  });
});

describe("normalizeDisjoint", () => {
  test("sorts and joins adjacent ranges", () => {
    const result = normalizeDisjoint([{ begin: 5, end: 9 }, { begin: 1, end: 4 }, { begin: 20, end: 20 }]);
    expect(result).toEqual({ ok: true, ranges: [{ begin: 1, end: 9 }, { begin: 20, end: 20 }] });
  });

  test("refuses overlapping ranges and names both", () => {
    const result = normalizeDisjoint([{ begin: 8000, end: 32000 }, { begin: 31000, end: 31005 }]);
    expect(result).toEqual({ ok: false, problem: "overlapping ranges '8000-32000' and '31000-31005'" });
  });
});

describe("set operations", () => {
  test("union, subtract, contains and common item", () => {
    const a = normalizeItems(["c", "a", "b", "a"]);
    const b = normalizeItems(["d", "b"]);
    expect(a).toEqual(["a", "b", "c"]);
    expect(unionItems(a, b)).toEqual(["a", "b", "c", "d"]);
    expect(subtractItems(a, b)).toEqual(["a", "c"]);
    expect(containsItems(a, ["a", "c"])).toBe(true);
    expect(containsItems(a, ["a", "d"])).toBe(false);
    expect(firstCommonItem(a, b)).toBe("b");
    expect(firstCommonItem(a, ["x"])).toBeUndefined();
  });
});

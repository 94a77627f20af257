import { describe, expect, test } from "bun:test";
import { compareClients, dominantShare, refreshSortKey, type SorterClient } from "./drf.ts";

function client(name: string, allocated: number[], weight = 1, count = 0): SorterClient {
  return { name, weight, allocated: Float64Array.from(allocated), count, sortShare: 0, sortCount: 0 };
}

describe("DRF", () => {
  const totals = Float64Array.from([10_000, 100_000]); // cpus 10, mem 100

  test("the dominant share is the largest fraction, divided by the weight", () => {
    expect(dominantShare(Float64Array.from([2000, 50_000]), totals, 1)).toBe(0.5);
    expect(dominantShare(Float64Array.from([5000, 10_000]), totals, 2)).toBe(0.25);
  });

  test("a scalar with no total is ignored", () => {
    expect(dominantShare(Float64Array.from([1000, 5]), Float64Array.from([2000, 0]), 1)).toBe(0.5);
  });

  test("order: share, then allocation count, then name", () => {
    const a = client("a", [5000, 0], 1, 3);
    const b = client("b", [1000, 0], 1, 9);
    const c = client("c", [1000, 0], 1, 2);
    const d = client("d", [1000, 0], 1, 2);
    for (const x of [a, b, c, d]) refreshSortKey(x, totals);
    expect([a, b, c, d].sort(compareClients).map((x) => x.name)).toEqual(["c", "d", "b", "a"]);
  });
});

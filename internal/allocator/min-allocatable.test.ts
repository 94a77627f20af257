import { describe, expect, test } from "bun:test";
import {
  formatMinAllocatable,
  minAllocatableDefault,
  minAllocatableTextDefault,
  parseMinAllocatable,
} from "./min-allocatable.ts";

describe("parseMinAllocatable", () => {
  test("the default text gives the default alternatives", () => {
    const parsed = parseMinAllocatable(minAllocatableTextDefault);
    expect(parsed).toEqual({ ok: true, alternatives: minAllocatableDefault });
  });
  test("alternatives with several quantities, ports counted", () => {
    const parsed = parseMinAllocatable("disk:1|cpus:1;mem:32;ports:1");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.alternatives).toEqual([
      [{ name: "disk", quantityThousandths: 1000 }],
      [
        { name: "cpus", quantityThousandths: 1000 },
        { name: "mem", quantityThousandths: 32_000 },
        { name: "ports", quantityThousandths: 1000 },
      ],
    ]);
    expect(formatMinAllocatable(parsed.alternatives)).toBe("disk:1|cpus:1;mem:32;ports:1");
  });
  test("a repeated name adds up", () => {
    expect(parseMinAllocatable("cpus:1;cpus:0.5")).toEqual({
      ok: true,
      alternatives: [[{ name: "cpus", quantityThousandths: 1500 }]],
    });
  });
  test("bad tokens are named", () => {
    for (const text of ["cpus", "cpus:-1", "cpus:abc", "c pus:1", "", "cpus:1|", "cpus:NaN"]) {
      const parsed = parseMinAllocatable(text);
      expect(parsed.ok).toBe(false);
    }
  });
});

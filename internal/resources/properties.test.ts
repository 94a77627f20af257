// Seeded property tests: random Resources values through text, JSON and arithmetic. A failure
// names its seed; add that seed to `regressionSeeds` to keep it covered.

import { describe, expect, test } from "bun:test";
import { SeededRandom } from "../runtime/index.ts";
import { parseResources } from "./parse.ts";
import { normalizeUnion, subtractRanges } from "./ranges.ts";
import { Resources } from "./resources.ts";
import type { Resource, ResourceType, ValueRange } from "./types.ts";

const seedsPerProperty = 300;
const regressionSeeds: number[] = [];
const seeds = [...regressionSeeds, ...Array.from({ length: seedsPerProperty }, (_, i) => i + 1)];

const namesByType: Record<ResourceType, readonly string[]> = {
  SCALAR: ["cpus", "mem", "disk", "gpus"],
  RANGES: ["ports", "ephemeral_ports"],
  SET: ["disks", "cores"],
};
const allNames = Object.entries(namesByType).flatMap(([type, names]) => names.map((name) => ({ name, type })));
const roles = ["*", "ops", "web.prod", "a_b", "r-1", "spark", "x~y", "rôle"];
/** Keeps a and b apart so that a + b - b == a holds for ranges and sets too. */
const partitionWidth = 100_000;

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[random.nextInt(items.length)]!;
}

function randomThousandths(random: SeededRandom): number {
  switch (random.nextInt(3)) {
    case 0:
      return 1 + random.nextInt(5000);
    case 1:
      return 1000 * (1 + random.nextInt(100_000));
    default:
      return 1 + random.nextInt(1_000_000_000_000);
  }
}

function randomRanges(random: SeededRandom, base: number): ValueRange[] {
  const ranges: ValueRange[] = [];
  const count = 1 + random.nextInt(4);
  for (let i = 0; i < count; i++) {
    const begin = base + random.nextInt(1000);
    ranges.push({ begin, end: begin + random.nextInt(200) });
  }
  return normalizeUnion(ranges);
}

function randomEntry(random: SeededRandom, partition: number): Resource {
  const { name, type } = pick(random, allNames);
  const role = pick(random, roles);
  switch (type as ResourceType) {
    case "SCALAR":
      return { type: "SCALAR", name, role, thousandths: randomThousandths(random) };
    case "RANGES":
      return { type: "RANGES", name, role, ranges: randomRanges(random, partition * partitionWidth) };
    default: {
      const items = Array.from({ length: 1 + random.nextInt(4) }, () => `p${partition}-${random.nextInt(10)}`);
      return { type: "SET", name, role, items };
    }
  }
}

/** Random resources; values from one partition never overlap those from another. */
function randomResources(random: SeededRandom, partition = random.nextInt(2)): Resources {
  return Resources.fromList(Array.from({ length: random.nextInt(9) }, () => randomEntry(random, partition)));
}

/** A random part of `whole`, so that whole.contains(part) holds by construction. */
function randomPart(random: SeededRandom, whole: Resources): Resources {
  const parts: Resource[] = [];
  for (const entry of whole) {
    if (random.nextInt(3) === 0) continue;
    switch (entry.type) {
      case "SCALAR":
        parts.push({ ...entry, thousandths: random.nextInt(entry.thousandths + 1) });
        break;
      case "RANGES": {
        const first = entry.ranges[0]!;
        parts.push({ ...entry, ranges: subtractRanges(entry.ranges, randomRanges(random, first.begin)) });
        break;
      }
      case "SET":
        parts.push({ ...entry, items: entry.items.filter(() => random.nextInt(2) === 0) });
        break;
    }
  }
  return Resources.fromList(parts);
}

function forEachSeed(check: (random: SeededRandom) => void): void {
  for (const seed of seeds) {
    try {
      check(new SeededRandom(seed));
    } catch (error) {
      throw new Error(`seed=${seed}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function expectSame(actual: Resources, expected: Resources): void {
  if (!actual.equals(expected)) throw new Error(`expected ${expected.toText()} but got ${actual.toText()}`);
}

describe("round trips", () => {
  test("resources -> text -> parse gives the same value, whatever the default role", () => {
    forEachSeed((random) => {
      const resources = randomResources(random);
      expectSame(parseResources(resources.toText(), { defaultRole: pick(random, roles) }), resources);
    });
  });

  test("resources -> JSON -> parse gives the same value", () => {
    forEachSeed((random) => {
      const resources = randomResources(random);
      expectSame(parseResources(JSON.stringify(resources), { defaultRole: "ops" }), resources);
    });
  });
});

describe("arithmetic laws", () => {
  test("a + b - b == a when a and b share no ports or items", () => {
    forEachSeed((random) => {
      const a = randomResources(random, 0);
      const b = randomResources(random, 1);
      expectSame(a.plus(b).minus(b), a);
    });
  });

  test("a + b contains a and b, and a + b == b + a", () => {
    forEachSeed((random) => {
      const a = randomResources(random);
      const b = randomResources(random);
      const sum = a.plus(b);
      expect(sum.contains(a)).toBe(true);
      expect(sum.contains(b)).toBe(true);
      expectSame(b.plus(a), sum);
      expect(a.contains(sum.minus(b))).toBe(true);
    });
  });

  test("(a + b) + c == a + (b + c)", () => {
    forEachSeed((random) => {
      const a = randomResources(random);
      const b = randomResources(random);
      const c = randomResources(random);
      expectSame(a.plus(b).plus(c), a.plus(b.plus(c)));
    });
  });

  test("for a part p of a: a contains p, a - p + p == a, a - a is empty", () => {
    forEachSeed((random) => {
      const a = randomResources(random);
      const part = randomPart(random, a);
      expect(a.contains(part)).toBe(true);
      expectSame(a.minus(part).plus(part), a);
      expect(a.minus(a).isEmpty()).toBe(true);
      if (!part.equals(a)) expect(part.contains(a)).toBe(false);
    });
  });

  test("flatten keeps every scalar total and range count", () => {
    forEachSeed((random) => {
      const a = randomResources(random);
      const flat = a.flatten();
      expect(flat.roles().length).toBeLessThanOrEqual(1);
      for (const name of a.names()) {
        expect(flat.scalarThousandths(name)).toBe(a.scalarThousandths(name));
        expect(flat.rangesCount(name)).toBe(a.rangesCount(name));
      }
    });
  });
});

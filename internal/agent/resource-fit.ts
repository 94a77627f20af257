// Whether tasks fit in what the agent has free, and if not, what is missing; pure.

import {
  parseResourcesJSON,
  rangesResource,
  Resources,
  ResourcesParseError,
  setResource,
  scalarResource,
  thousandthsToNumber,
  type Resource,
  type ResourceJSON,
  type ValueRange,
} from "../resources/index.ts";

const resourceFields = ["name", "type", "role", "reservations", "scalar", "ranges", "set"] as const;

/**
 * A task's resources as a Resources value. The master may add fields we do not model
 * (allocation_info); they are dropped here, since the agent only counts quantities.
 */
export function taskResources(list: readonly ResourceJSON[]): Resources | { problem: string } {
  const trimmed = list.map((resource) => {
    const out: Record<string, unknown> = {};
    for (const field of resourceFields) {
      const value = (resource as unknown as Record<string, unknown>)[field];
      if (value !== undefined) out[field] = value;
    }
    return out;
  });
  try {
    return parseResourcesJSON(JSON.stringify(trimmed));
  } catch (error) {
    if (error instanceof ResourcesParseError) return { problem: error.message };
    throw error;
  }
}

/** What of `needed` is not in `available`, name+role by name+role (empty when it fits). */
export function missingResources(available: Resources, needed: Resources): Resources {
  const missing: Resource[] = [];
  for (const want of needed) {
    const have = available.find(want.name, want.role);
    const short = shortfall(have, want);
    if (short !== undefined) missing.push(short);
  }
  return Resources.fromList(missing);
}

function shortfall(have: Resource | undefined, want: Resource): Resource | undefined {
  if (have === undefined || have.type !== want.type) return want;
  switch (want.type) {
    case "SCALAR": {
      const haveThousandths = have.type === "SCALAR" ? have.thousandths : 0;
      const short = want.thousandths - haveThousandths;
      return short > 0 ? scalarResource(want.name, thousandthsToNumber(short), want.role) : undefined;
    }
    case "RANGES": {
      const rest = subtractRanges(want.ranges, have.type === "RANGES" ? have.ranges : []);
      return rest.length > 0 ? rangesResource(want.name, rest, want.role) : undefined;
    }
    case "SET": {
      const haveItems = new Set(have.type === "SET" ? have.items : []);
      const rest = want.items.filter((item) => !haveItems.has(item));
      return rest.length > 0 ? setResource(want.name, rest, want.role) : undefined;
    }
  }
}

/** The parts of sorted, disjoint `a` not covered by sorted, disjoint `b`. */
function subtractRanges(a: readonly ValueRange[], b: readonly ValueRange[]): ValueRange[] {
  const out: ValueRange[] = [];
  for (const range of a) {
    let begin = range.begin;
    for (const cut of b) {
      if (cut.end < begin || cut.begin > range.end) continue;
      if (cut.begin > begin) out.push({ begin, end: cut.begin - 1 });
      begin = cut.end + 1;
      if (begin > range.end) break;
    }
    if (begin <= range.end) out.push({ begin, end: range.end });
  }
  return out;
}

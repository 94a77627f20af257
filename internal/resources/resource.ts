// Operations on single Resource entries with the same name and role. Resources (resources.ts)
// calls these from its linear merges.

import { ResourcesArithmeticError } from "./errors.ts";
import { scalarThousandthsMax } from "./limits.ts";
import { containsRanges, equalRanges, formatRanges, subtractRanges, unionRanges } from "./ranges.ts";
import { formatThousandths } from "./scalar.ts";
import { containsItems, equalItems, formatItems, subtractItems, unionItems } from "./sets.ts";
import { assertNever, type Resource } from "./types.ts";

/** Orders entries by name, then role; the order Resources keeps its entries in. */
export function compareKeys(a: Resource, b: Resource): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.role !== b.role) return a.role < b.role ? -1 : 1;
  return 0;
}

/** Whether the entry holds nothing (zero scalar, no ranges, no items); such entries are dropped. */
export function isEmptyResource(resource: Resource): boolean {
  switch (resource.type) {
    case "SCALAR":
      return resource.thousandths === 0;
    case "RANGES":
      return resource.ranges.length === 0;
    case "SET":
      return resource.items.length === 0;
    default:
      return assertNever(resource);
  }
}

function describeKey(resource: Resource): string {
  return `${resource.name}(${resource.role})`;
}

function assertSameType(a: Resource, b: Resource): void {
  if (a.type !== b.type) {
    throw new ResourcesArithmeticError(
      `resource '${a.name}' is ${a.type} in one operand and ${b.type} in the other`,
    );
  }
}

/** Sum of two entries with the same key: scalars add, ranges and sets take the union. */
export function addResource(a: Resource, b: Resource): Resource {
  assertSameType(a, b);
  switch (a.type) {
    case "SCALAR": {
      const thousandths = a.thousandths + (b as typeof a).thousandths;
      if (thousandths > scalarThousandthsMax) {
        throw new ResourcesArithmeticError(`scalar '${describeKey(a)}' overflows`);
      }
      return { ...a, thousandths };
    }
    case "RANGES":
      return { ...a, ranges: unionRanges(a.ranges, (b as typeof a).ranges) };
    case "SET":
      return { ...a, items: unionItems(a.items, (b as typeof a).items) };
    default:
      return assertNever(a);
  }
}

/** Whether `outer` holds at least what `inner` holds; false when the types differ. */
export function containsResource(outer: Resource, inner: Resource): boolean {
  if (outer.type !== inner.type) return false;
  switch (outer.type) {
    case "SCALAR":
      return outer.thousandths >= (inner as typeof outer).thousandths;
    case "RANGES":
      return containsRanges(outer.ranges, (inner as typeof outer).ranges);
    case "SET":
      return containsItems(outer.items, (inner as typeof outer).items);
    default:
      return assertNever(outer);
  }
}

/** `a - b` for entries with the same key where `a` contains `b`; undefined when nothing is left. */
export function subtractResource(a: Resource, b: Resource): Resource | undefined {
  if (!containsResource(a, b)) {
    throw new ResourcesArithmeticError(
      `cannot subtract '${formatResource(b)}' from '${formatResource(a)}': not contained`,
    );
  }
  let rest: Resource;
  switch (a.type) {
    case "SCALAR":
      rest = { ...a, thousandths: a.thousandths - (b as typeof a).thousandths };
      break;
    case "RANGES":
      rest = { ...a, ranges: subtractRanges(a.ranges, (b as typeof a).ranges) };
      break;
    case "SET":
      rest = { ...a, items: subtractItems(a.items, (b as typeof a).items) };
      break;
    default:
      return assertNever(a);
  }
  return isEmptyResource(rest) ? undefined : rest;
}

export function equalResource(a: Resource, b: Resource): boolean {
  if (a.name !== b.name || a.role !== b.role || a.type !== b.type) return false;
  switch (a.type) {
    case "SCALAR":
      return a.thousandths === (b as typeof a).thousandths;
    case "RANGES":
      return equalRanges(a.ranges, (b as typeof a).ranges);
    case "SET":
      return equalItems(a.items, (b as typeof a).items);
    default:
      return assertNever(a);
  }
}

/** The value part of the text form: `4`, `[31000-32000]`, `{a,b}`. */
export function formatResourceValue(resource: Resource): string {
  switch (resource.type) {
    case "SCALAR":
      return formatThousandths(resource.thousandths);
    case "RANGES":
      return formatRanges(resource.ranges);
    case "SET":
      return formatItems(resource.items);
    default:
      return assertNever(resource);
  }
}

/** `name(role):value`, with the role always written so the text means the same under any default. */
export function formatResource(resource: Resource): string {
  return `${describeKey(resource)}:${formatResourceValue(resource)}`;
}

// The immutable Resources value: a list of entries, one per name+role, kept sorted by name then
// role. Sorting once lets add, subtract, contains and equals each run as one linear merge without
// hashing, which matters when the allocator does this for every agent and role every cycle.

import { ResourcesArithmeticError, ResourcesParseError } from "./errors.ts";
import { rangeBoundMax, scalarThousandthsMax } from "./limits.ts";
import { nameProblem, roleProblem, setItemProblem } from "./names.ts";
import { countRanges, normalizeUnion, unionRanges } from "./ranges.ts";
import {
  addResource,
  compareKeys,
  containsResource,
  equalResource,
  formatResource,
  isEmptyResource,
  subtractResource,
} from "./resource.ts";
import { thousandthsToNumber } from "./scalar.ts";
import { normalizeItems, unionItems } from "./sets.ts";
import {
  assertNever,
  unreservedRole,
  type Resource,
  type ResourceJSON,
  type ValueRange,
} from "./types.ts";

export class Resources implements Iterable<Resource> {
  static readonly EMPTY: Resources = new Resources([]);

  private constructor(private readonly entries: readonly Resource[]) {}

  /**
   * Builds a value from entries in any order, checking each one and merging entries with the same
   * name and role the way `plus` does. Throws ResourcesParseError for a bad name, role or value.
   */
  static fromList(list: Iterable<Resource>): Resources {
    const checked: Resource[] = [];
    for (const resource of list) {
      const canonical = canonicalize(resource);
      if (!isEmptyResource(canonical)) checked.push(canonical);
    }
    checked.sort(compareKeys);
    const out: Resource[] = [];
    for (const resource of checked) {
      const last = out[out.length - 1];
      if (last !== undefined && compareKeys(last, resource) === 0) {
        assertTypesMatch(last, resource, true);
        out[out.length - 1] = addResource(last, resource);
      } else {
        appendChecked(out, resource, true);
      }
    }
    return new Resources(out);
  }

  get size(): number {
    return this.entries.length;
  }

  [Symbol.iterator](): Iterator<Resource> {
    return this.entries[Symbol.iterator]();
  }

  /** The entries, sorted by name then role. */
  toArray(): readonly Resource[] {
    return this.entries;
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  equals(other: Resources): boolean {
    if (this.entries.length !== other.entries.length) return false;
    for (let i = 0; i < this.entries.length; i++) {
      if (!equalResource(this.entries[i]!, other.entries[i]!)) return false;
    }
    return true;
  }

  /** Sum: scalars add, ranges and sets take the union, per name+role. */
  plus(other: Resources): Resources {
    if (other.entries.length === 0) return this;
    if (this.entries.length === 0) return other;
    const a = this.entries;
    const b = other.entries;
    const out: Resource[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const x = a[i];
      const y = b[j];
      const order = x === undefined ? 1 : y === undefined ? -1 : compareKeys(x, y);
      if (order < 0) {
        appendChecked(out, x!, false);
        i++;
      } else if (order > 0) {
        appendChecked(out, y!, false);
        j++;
      } else {
        appendChecked(out, addResource(x!, y!), false);
        i++;
        j++;
      }
    }
    return new Resources(out);
  }

  /**
   * Whether this holds at least `other`, name+role by name+role: scalars by amount, ranges by
   * containment, sets by subset. Resources reserved for one role never cover another role.
   */
  contains(other: Resources): boolean {
    const a = this.entries;
    let i = 0;
    for (const y of other.entries) {
      while (i < a.length && compareKeys(a[i]!, y) < 0) i++;
      const x = a[i];
      if (x === undefined || compareKeys(x, y) !== 0 || !containsResource(x, y)) return false;
    }
    return true;
  }

  /** Difference; throws ResourcesArithmeticError unless `contains(other)`. */
  minus(other: Resources): Resources {
    if (other.entries.length === 0) return this;
    const a = this.entries;
    const out: Resource[] = [];
    let i = 0;
    for (const y of other.entries) {
      while (i < a.length && compareKeys(a[i]!, y) < 0) out.push(a[i++]!);
      const x = a[i];
      if (x === undefined || compareKeys(x, y) !== 0) {
        throw new ResourcesArithmeticError(
          `cannot subtract '${formatResource(y)}': no ${y.name}(${y.role}) to subtract from`,
        );
      }
      const rest = subtractResource(x, y);
      if (rest !== undefined) out.push(rest);
      i++;
    }
    while (i < a.length) out.push(a[i++]!);
    return new Resources(out);
  }

  /** Only the entries the predicate keeps. */
  filter(predicate: (resource: Resource) => boolean): Resources {
    const kept = this.entries.filter(predicate);
    return kept.length === this.entries.length ? this : new Resources(kept);
  }

  /** Entries reserved for `role` (for `*`, the unreserved ones). */
  reservedBy(role: string): Resources {
    return this.filter((resource) => resource.role === role);
  }

  /** Entries with role `*`. */
  unreserved(): Resources {
    return this.reservedBy(unreservedRole);
  }

  /** Every role present, `*` included, sorted. */
  roles(): string[] {
    const roles = new Set<string>();
    for (const resource of this.entries) roles.add(resource.role);
    return [...roles].sort();
  }

  /** Every resource name present, sorted. */
  names(): string[] {
    const names: string[] = [];
    for (const resource of this.entries) {
      if (names[names.length - 1] !== resource.name) names.push(resource.name);
    }
    return names;
  }

  /** The entry for one name and role, if present. */
  find(name: string, role: string): Resource | undefined {
    for (const resource of this.entries) {
      if (resource.name === name && resource.role === role) return resource;
    }
    return undefined;
  }

  /** Total of a scalar across all roles, in thousandths (exact). */
  scalarThousandths(name: string): number {
    let total = 0;
    for (const resource of this.entries) {
      if (resource.name === name && resource.type === "SCALAR") total += resource.thousandths;
    }
    return total;
  }

  /** Total of a scalar across all roles, as a number (`cpus` 0.1 + 0.2 gives exactly 0.3). */
  scalar(name: string): number {
    return thousandthsToNumber(this.scalarThousandths(name));
  }

  /** A scalar per role, as numbers; roles without it are absent. */
  scalarByRole(name: string): Map<string, number> {
    const byRole = new Map<string, number>();
    for (const resource of this.entries) {
      if (resource.name === name && resource.type === "SCALAR") {
        byRole.set(resource.role, thousandthsToNumber(resource.thousandths));
      }
    }
    return byRole;
  }

  /** The union of a ranges resource across all roles. */
  ranges(name: string): readonly ValueRange[] {
    let merged: readonly ValueRange[] = [];
    for (const resource of this.entries) {
      if (resource.name === name && resource.type === "RANGES") {
        merged = merged.length === 0 ? resource.ranges : unionRanges(merged, resource.ranges);
      }
    }
    return merged;
  }

  /** How many distinct values a ranges resource covers across roles (e.g. the number of ports). */
  rangesCount(name: string): number {
    return countRanges(this.ranges(name));
  }

  /** The union of a set resource's items across all roles, sorted. */
  setItems(name: string): readonly string[] {
    let merged: readonly string[] = [];
    for (const resource of this.entries) {
      if (resource.name === name && resource.type === "SET") {
        merged = unionItems(merged, resource.items);
      }
    }
    return merged;
  }

  /** Every entry re-labelled with `role` (default `*`), entries of the same name merged. */
  flatten(role: string = unreservedRole): Resources {
    const problem = roleProblem(role);
    if (problem !== undefined) throw new ResourcesArithmeticError(`flatten: ${problem}`);
    const out: Resource[] = [];
    // Entries are sorted by name first, so same-name entries are adjacent after re-labelling.
    for (const resource of this.entries) {
      const relabelled: Resource = { ...resource, role };
      const last = out[out.length - 1];
      if (last !== undefined && last.name === resource.name) {
        out[out.length - 1] = addResource(last, relabelled);
      } else {
        out.push(relabelled);
      }
    }
    return new Resources(out);
  }

  /** The text form, `name(role):value;...`, which `parseResources` turns back into this value. */
  toText(): string {
    return this.entries.map(formatResource).join(";");
  }

  toString(): string {
    return this.toText();
  }

  /** The Mesos v1 JSON array; reserved entries also carry a one-step STATIC `reservations`. */
  toJSON(): ResourceJSON[] {
    return this.entries.map(resourceToJSON);
  }
}

function resourceToJSON(resource: Resource): ResourceJSON {
  const json: ResourceJSON = { name: resource.name, type: resource.type, role: resource.role };
  switch (resource.type) {
    case "SCALAR":
      json.scalar = { value: thousandthsToNumber(resource.thousandths) };
      break;
    case "RANGES":
      json.ranges = { range: resource.ranges.map((r) => ({ begin: r.begin, end: r.end })) };
      break;
    case "SET":
      json.set = { item: resource.items.slice() };
      break;
    default:
      assertNever(resource);
  }
  if (resource.role !== unreservedRole) {
    json.reservations = [{ type: "STATIC", role: resource.role }];
  }
  return json;
}

/**
 * Appends to a sorted output, checking that a name keeps one type across roles; same-name entries
 * are adjacent, so comparing with the previous entry is enough.
 */
function appendChecked(out: Resource[], resource: Resource, fromInput: boolean): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.name === resource.name) assertTypesMatch(last, resource, fromInput);
  out.push(resource);
}

function assertTypesMatch(a: Resource, b: Resource, fromInput: boolean): void {
  if (a.type === b.type) return;
  const problem = `'${a.name}' is ${a.type} and cannot also be ${b.type}`;
  if (fromInput) throw new ResourcesParseError(formatResource(b), problem);
  throw new ResourcesArithmeticError(problem);
}

/** Checks one caller-supplied entry and returns it in canonical form. */
function canonicalize(resource: Resource): Resource {
  const problem =
    nameProblem(resource.name) ?? roleProblem(resource.role) ?? valueProblem(resource);
  if (problem !== undefined) {
    throw new ResourcesParseError(`${resource.name}(${resource.role})`, problem);
  }
  switch (resource.type) {
    case "SCALAR":
      return { type: "SCALAR", name: resource.name, role: resource.role, thousandths: resource.thousandths };
    case "RANGES":
      return { type: "RANGES", name: resource.name, role: resource.role, ranges: normalizeUnion(resource.ranges) };
    case "SET":
      return { type: "SET", name: resource.name, role: resource.role, items: normalizeItems(resource.items) };
    default:
      return assertNever(resource);
  }
}

function valueProblem(resource: Resource): string | undefined {
  switch (resource.type) {
    case "SCALAR": {
      const t = resource.thousandths;
      if (!Number.isSafeInteger(t)) return `scalar thousandths ${t} is not an integer`;
      if (t < 0) return "negative value";
      return t > scalarThousandthsMax ? "value too large" : undefined;
    }
    case "RANGES":
      for (const range of resource.ranges) {
        if (!isBound(range.begin) || !isBound(range.end)) {
          return `range bounds ${range.begin}-${range.end} must be integers in 0..${rangeBoundMax}`;
        }
        if (range.begin > range.end) return `begin > end in range '${range.begin}-${range.end}'`;
      }
      return undefined;
    case "SET":
      for (const item of resource.items) {
        const problem = setItemProblem(item);
        if (problem !== undefined) return problem;
      }
      return undefined;
    default:
      return assertNever(resource);
  }
}

function isBound(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= rangeBoundMax;
}

/** One scalar entry; `value` in natural units (cpus, MB), rounded to thousandths. */
export function scalarResource(name: string, value: number, role: string = unreservedRole): Resource {
  const thousandths = Math.round(value * 1000);
  return { type: "SCALAR", name, role, thousandths };
}

/** One ranges entry; the ranges need not be sorted (fromList normalizes them). */
export function rangesResource(
  name: string,
  ranges: readonly ValueRange[],
  role: string = unreservedRole,
): Resource {
  return { type: "RANGES", name, role, ranges };
}

/** One set entry; the items need not be sorted (fromList normalizes them). */
export function setResource(name: string, items: readonly string[], role: string = unreservedRole): Resource {
  return { type: "SET", name, role, items };
}

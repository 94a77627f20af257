// The Mesos v1 JSON array form of resources. Fields we cannot honour (disk sources, revocable,
// shared, dynamic reservations) are refused rather than dropped, since dropping them would change
// what the operator asked for without a word.

import { StrictResourcesBuilder } from "./builder.ts";
import { ResourcesParseError } from "./errors.ts";
import { clipToken, rangeBoundMax, rangesPerValueMax, setItemsPerValueMax } from "./limits.ts";
import { nameProblem, roleProblem, setItemProblem } from "./names.ts";
import { normalizeDisjoint } from "./ranges.ts";
import type { Resources } from "./resources.ts";
import { numberToThousandths } from "./scalar.ts";
import { normalizeItems } from "./sets.ts";
import { assertNever, type Resource, type ValueRange } from "./types.ts";

// `allocation_info` is what an offer to a MULTI_ROLE framework carries on each resource; frameworks
// echo it back in their TaskInfo, and the role it names is the offer's, so it changes nothing here.
const knownFields: ReadonlySet<string> = new Set(["name", "type", "role", "reservations", "scalar", "ranges", "set", "allocation_info"]);

type Fail = (problem: string) => never;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses an already-decoded JSON value (an array of Resource objects). */
export function parseResourcesJSONValue(data: unknown, defaultRole: string): Resources {
  if (!Array.isArray(data)) {
    throw new ResourcesParseError(clipToken(JSON.stringify(data) ?? String(data)), "expected a JSON array", "resources");
  }
  const builder = new StrictResourcesBuilder();
  for (const element of data) {
    const token = clipToken(JSON.stringify(element) ?? String(element));
    const fail: Fail = (problem) => {
      throw new ResourcesParseError(token, problem);
    };
    builder.add(parseElement(element, defaultRole, fail), token);
  }
  return builder.build();
}

function parseElement(element: unknown, defaultRole: string, fail: Fail): Resource {
  if (!isObject(element)) return fail("expected a JSON object");
  const name = element["name"];
  if (typeof name !== "string") return fail("missing or non-string 'name'");
  const nameIssue = nameProblem(name);
  if (nameIssue !== undefined) fail(nameIssue);
  const role = roleOf(element, defaultRole, fail);
  const type = element["type"];
  if (type !== "SCALAR" && type !== "RANGES" && type !== "SET") {
    return fail(`'type' must be SCALAR, RANGES or SET, not ${JSON.stringify(type) ?? "missing"}`);
  }
  for (const field of Object.keys(element)) {
    if (!knownFields.has(field)) fail(`unsupported field '${field}'`);
  }
  for (const other of ["scalar", "ranges", "set"]) {
    if (other !== type.toLowerCase() && element[other] !== undefined) {
      fail(`type ${type} but '${other}' is given`);
    }
  }
  switch (type) {
    case "SCALAR":
      return { type, name, role, thousandths: scalarOf(element["scalar"], fail) };
    case "RANGES":
      return { type, name, role, ranges: rangesOf(element["ranges"], fail) };
    case "SET":
      return { type, name, role, items: itemsOf(element["set"], fail) };
    default:
      return assertNever(type);
  }
}

/** The role from `role`, from the last STATIC reservation, or the default; they must agree. */
function roleOf(element: Record<string, unknown>, defaultRole: string, fail: Fail): string {
  const role = element["role"];
  if (role !== undefined && typeof role !== "string") fail("'role' must be a string");
  const reservations = element["reservations"];
  let reservedRole: string | undefined;
  if (reservations !== undefined) {
    if (!Array.isArray(reservations)) return fail("'reservations' must be an array");
    for (const reservation of reservations) reservedRole = reservationRole(reservation, fail);
  }
  if (role !== undefined && reservedRole !== undefined && role !== reservedRole) {
    fail(`role '${role}' does not match reservation role '${reservedRole}'`);
  }
  const chosen = reservedRole ?? (role as string | undefined) ?? defaultRole;
  const problem = roleProblem(chosen);
  return problem === undefined ? chosen : fail(problem);
}

function reservationRole(reservation: unknown, fail: Fail): string {
  if (!isObject(reservation)) return fail("each reservation must be an object");
  const type = reservation["type"];
  if (type === "DYNAMIC") return fail("dynamic reservations cannot be given as agent resources");
  if (type !== undefined && type !== "STATIC") return fail(`unknown reservation type ${JSON.stringify(type)}`);
  const role = reservation["role"];
  return typeof role === "string" ? role : fail("reservation without a string 'role'");
}

function scalarOf(scalar: unknown, fail: Fail): number {
  if (!isObject(scalar) || typeof scalar["value"] !== "number") {
    return fail("SCALAR needs 'scalar': {'value': <number>}");
  }
  const value = scalar["value"];
  if (value < 0) return fail("negative value");
  const thousandths = numberToThousandths(value);
  return thousandths === undefined ? fail("value too large") : thousandths;
}

/** A range bound as a number or, as protobuf JSON writes uint64, a string of digits. */
function boundOf(bound: unknown, fail: Fail): number {
  const value = typeof bound === "string" && /^[0-9]+$/.test(bound) ? Number(bound) : bound;
  if (typeof value !== "number") return fail(`range bound ${JSON.stringify(bound) ?? "missing"} is not a number`);
  if (value < 0) return fail("negative value");
  if (!Number.isInteger(value)) return fail(`range bound ${value} is not an integer`);
  return value > rangeBoundMax ? fail(`range bound ${value} is too large`) : value;
}

function rangesOf(ranges: unknown, fail: Fail): readonly ValueRange[] {
  if (!isObject(ranges)) return fail("RANGES needs 'ranges': {'range': [...]}");
  const list = ranges["range"] ?? [];
  if (!Array.isArray(list)) return fail("'ranges.range' must be an array");
  if (list.length > rangesPerValueMax) return fail(`more than ${rangesPerValueMax} ranges`);
  const parsed: ValueRange[] = [];
  for (const range of list) {
    if (!isObject(range)) return fail("each range must be an object with 'begin' and 'end'");
    const begin = boundOf(range["begin"], fail);
    const end = boundOf(range["end"], fail);
    if (begin > end) fail(`begin > end in range '${begin}-${end}'`);
    parsed.push({ begin, end });
  }
  const normalized = normalizeDisjoint(parsed);
  return normalized.ok ? normalized.ranges : fail(normalized.problem);
}

function itemsOf(set: unknown, fail: Fail): readonly string[] {
  if (!isObject(set)) return fail("SET needs 'set': {'item': [...]}");
  const list = set["item"] ?? [];
  if (!Array.isArray(list)) return fail("'set.item' must be an array");
  if (list.length > setItemsPerValueMax) return fail(`more than ${setItemsPerValueMax} set items`);
  const seen = new Set<string>();
  for (const item of list) {
    if (typeof item !== "string") return fail(`set item ${JSON.stringify(item)} is not a string`);
    const problem = setItemProblem(item);
    if (problem !== undefined) fail(problem);
    if (seen.has(item)) fail(`duplicate set item '${item}'`);
    seen.add(item);
  }
  return normalizeItems([...seen]);
}

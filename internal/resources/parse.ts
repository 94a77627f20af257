/**
 * Parsing of the agent's `--resources` flag, in either of the two forms Mesos accepts.
 *
 * Text form (whitespace around every token is ignored, empty segments such as a trailing `;` too):
 *
 *   resources : resource ( ";" resource )*
 *   resource  : name [ "(" role ")" ] ":" value
 *   value     : scalar | "[" range ( "," range )* "]" | "{" item ( "," item )* "}"
 *   scalar    : non-negative decimal, kept to three decimals (`4`, `0.5`, `126976`)
 *   range     : integer "-" integer, begin <= end (`31000-32000`; a lone `[80]` is refused)
 *   name/item : [a-zA-Z0-9_/.-]+
 *   role      : `*` (unreserved) or a Mesos role name; without `(role)` the default role applies
 *
 * e.g. `cpus:4;mem(*):126976;ports(*):[8000-32000];disks(ops):{sda,sdb}`.
 *
 * JSON form (text starting with `[`): the Mesos v1 array of Resource objects, e.g.
 * `[{"name":"cpus","type":"SCALAR","scalar":{"value":4},"role":"*"}]`; a role may be given as
 * `role` or as `reservations:[{"type":"STATIC","role":"r"}]`.
 *
 * In both forms the same name+role may appear more than once: scalars add, ranges join (but may not
 * overlap) and sets join (but may not repeat an item). One name may not have two types.
 */

import { StrictResourcesBuilder } from "./builder.ts";
import { ResourcesParseError } from "./errors.ts";
import { clipToken, flagTextCharsMax } from "./limits.ts";
import { nameProblem, roleProblem } from "./names.ts";
import { parseResourcesJSONValue } from "./parse-json.ts";
import type { Resources } from "./resources.ts";
import { parseScalarThousandths } from "./scalar.ts";
import { normalizeItems } from "./sets.ts";
import { unreservedRole, type Resource } from "./types.ts";
import { delimiterProblem, parseRangesText, parseSetText } from "./value-text.ts";

export interface ResourcesParseOptions {
  /** Role for entries that name none (Mesos `--default_role`); `*` when not given. */
  readonly defaultRole?: string;
}

/** Validates and returns the default role from the options. */
export function defaultRoleOf(options: ResourcesParseOptions | undefined): string {
  const role = options?.defaultRole ?? unreservedRole;
  const problem = roleProblem(role);
  if (problem !== undefined) throw new ResourcesParseError(role, problem, "default role");
  return role;
}

/**
 * Parses `--resources` text in either form; throws ResourcesParseError naming the bad token.
 * `file://` values must be read first (see parseResourcesFlag), since this function does no I/O.
 */
export function parseResources(text: string, options?: ResourcesParseOptions): Resources {
  const trimmed = text.trim();
  if (trimmed.length > flagTextCharsMax) {
    throw new ResourcesParseError(clipToken(trimmed), `longer than ${flagTextCharsMax} characters`, "resources");
  }
  if (trimmed.startsWith("file://")) {
    throw new ResourcesParseError(trimmed, "file:// is not allowed here (parseResourcesFlag reads the file; a file may not name another)", "resources");
  }
  if (trimmed.startsWith("[")) return parseResourcesJSON(trimmed, options);
  return parseResourcesText(trimmed, options);
}

/** Parses the JSON array form. */
export function parseResourcesJSON(text: string, options?: ResourcesParseOptions): Resources {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResourcesParseError(clipToken(text), `invalid JSON: ${reason}`, "resources");
  }
  return parseResourcesJSONValue(data, defaultRoleOf(options));
}

/** Parses the `name(role):value;...` text form. */
export function parseResourcesText(text: string, options?: ResourcesParseOptions): Resources {
  const defaultRole = defaultRoleOf(options);
  const builder = new StrictResourcesBuilder();
  for (const segment of text.split(";")) {
    const token = segment.trim();
    if (token.length === 0) continue;
    builder.add(parseSegment(token, defaultRole), clipToken(token));
  }
  return builder.build();
}

/** Parses one `name(role):value` token. */
function parseSegment(token: string, defaultRole: string): Resource {
  const fail = (problem: string): never => {
    throw new ResourcesParseError(clipToken(token), problem);
  };
  const colon = token.indexOf(":");
  if (colon === -1) return fail("missing ':' between name and value");
  if (token.indexOf(":", colon + 1) !== -1) return fail("extra ':'");
  const key = splitKey(token.slice(0, colon), defaultRole);
  if (typeof key === "string") return fail(key);
  const value = token.slice(colon + 1).trim();
  if (value.length === 0) return fail("missing value");
  const delimiters = delimiterProblem(value);
  if (delimiters !== undefined) return fail(delimiters);
  if (value.startsWith("[")) {
    const ranges = parseRangesText(value);
    return ranges.ok ? { type: "RANGES", ...key, ranges: ranges.value } : fail(ranges.problem);
  }
  if (value.startsWith("{")) {
    const items = parseSetText(value);
    return items.ok ? { type: "SET", ...key, items: normalizeItems(items.value) } : fail(items.problem);
  }
  const scalar = parseScalarThousandths(value, false);
  return scalar.ok ? { type: "SCALAR", ...key, thousandths: scalar.thousandths } : fail(scalar.problem);
}

/** Splits `name(role)` or `name`; returns the problem as a string when malformed. */
function splitKey(key: string, defaultRole: string): { name: string; role: string } | string {
  const open = key.indexOf("(");
  const close = key.indexOf(")");
  let name: string;
  let role = defaultRole;
  if (open === -1 && close === -1) {
    name = key.trim();
  } else {
    const balanced =
      open !== -1 && close > open && key.indexOf("(", open + 1) === -1 && key.indexOf(")", close + 1) === -1;
    if (!balanced) return "mismatched parentheses";
    if (key.slice(close + 1).trim().length > 0) return "unexpected text after ')'";
    name = key.slice(0, open).trim();
    role = key.slice(open + 1, close).trim();
  }
  const problem = nameProblem(name) ?? roleProblem(role);
  return problem ?? { name, role };
}

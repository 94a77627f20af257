/**
 * Agent attributes (`--attributes`): labels passed through to frameworks, not managed by the master.
 *
 *   attributes : attribute ( ";" attribute )*
 *   attribute  : name ":" value
 *   value      : "[" range ( "," range )* "]"   -> RANGES   (`keys:[1000-1500]`)
 *              | "{" item ( "," item )* "}"     -> SET      (`tags:{a,b}`)
 *              | decimal number, may be negative -> SCALAR  (`level:10`)
 *              | anything else                   -> TEXT    (`rack:r1`)
 *
 * A text starting with `[` is the Mesos v1 JSON array of Attribute objects instead. Whitespace
 * around tokens and empty segments are ignored. Unlike Mesos, which only discourages it, a name may
 * appear once: the master's JSON shows attributes as an object, which cannot hold a name twice.
 */

import { parseAttributesJSON } from "./attributes-json.ts";
import { ResourcesParseError } from "./errors.ts";
import { clipToken, flagTextCharsMax } from "./limits.ts";
import { attributeTextProblem, nameProblem } from "./names.ts";
import { formatRanges } from "./ranges.ts";
import { formatThousandths, parseScalarThousandths, thousandthsToNumber } from "./scalar.ts";
import { formatItems } from "./sets.ts";
import { assertNever, type ValueRange } from "./types.ts";
import { delimiterProblem, parseRangesText, parseSetText } from "./value-text.ts";

export type Attribute =
  | { readonly name: string; readonly type: "TEXT"; readonly text: string }
  | { readonly name: string; readonly type: "SCALAR"; readonly thousandths: number }
  | { readonly name: string; readonly type: "RANGES"; readonly ranges: readonly ValueRange[] }
  /** Items stay in the order written: attributes are labels, not quantities. */
  | { readonly name: string; readonly type: "SET"; readonly items: readonly string[] };

export type Attributes = readonly Attribute[];

/** An attribute in the Mesos v1 JSON form. */
export interface AttributeJSON {
  name: string;
  type: Attribute["type"];
  text?: { value: string };
  scalar?: { value: number };
  ranges?: { range: { begin: number; end: number }[] };
  set?: { item: string[] };
}

/** Parses `--attributes` text (or its v1 JSON array form); throws ResourcesParseError. */
export function parseAttributes(text: string): Attributes {
  const trimmed = text.trim();
  if (trimmed.length > flagTextCharsMax) {
    throw new ResourcesParseError(clipToken(trimmed), `longer than ${flagTextCharsMax} characters`, "attributes");
  }
  if (trimmed.startsWith("[")) return parseAttributesJSON(trimmed);
  const attributes: Attribute[] = [];
  const seen = new Set<string>();
  for (const segment of trimmed.split(";")) {
    const token = segment.trim();
    if (token.length === 0) continue;
    const attribute = parseAttributeToken(token);
    if (seen.has(attribute.name)) {
      throw new ResourcesParseError(clipToken(token), `duplicate attribute '${attribute.name}'`, "attribute");
    }
    seen.add(attribute.name);
    attributes.push(attribute);
  }
  return attributes;
}

function parseAttributeToken(token: string): Attribute {
  const fail = (problem: string): never => {
    throw new ResourcesParseError(clipToken(token), problem, "attribute");
  };
  const colon = token.indexOf(":");
  if (colon === -1) return fail("missing ':' between name and value");
  if (token.indexOf(":", colon + 1) !== -1) return fail("extra ':'");
  const name = token.slice(0, colon).trim();
  const value = token.slice(colon + 1).trim();
  const problem = nameProblem(name) ?? (value.length === 0 ? "missing value" : delimiterProblem(value));
  if (problem !== undefined) return fail(problem);
  if (value.startsWith("[")) {
    const ranges = parseRangesText(value);
    return ranges.ok ? { name, type: "RANGES", ranges: ranges.value } : fail(ranges.problem);
  }
  if (value.startsWith("{")) {
    const items = parseSetText(value);
    return items.ok ? { name, type: "SET", items: items.value } : fail(items.problem);
  }
  const scalar = parseScalarThousandths(value, true);
  if (scalar.ok) return { name, type: "SCALAR", thousandths: scalar.thousandths };
  if (scalar.problem === "value too large") return fail(scalar.problem);
  const textProblem = attributeTextProblem(value);
  return textProblem === undefined ? { name, type: "TEXT", text: value } : fail(textProblem);
}

/** The value part of the text form. */
export function formatAttributeValue(attribute: Attribute): string {
  switch (attribute.type) {
    case "TEXT":
      return attribute.text;
    case "SCALAR":
      return formatThousandths(attribute.thousandths);
    case "RANGES":
      return formatRanges(attribute.ranges);
    case "SET":
      return formatItems(attribute.items);
    default:
      return assertNever(attribute);
  }
}

/**
 * `name:value;...`. Parses back to the same attributes, except a TEXT value that looks like a
 * number (possible only from JSON input), which comes back as SCALAR.
 */
export function attributesToText(attributes: Attributes): string {
  return attributes.map((a) => `${a.name}:${formatAttributeValue(a)}`).join(";");
}

/**
 * The object the master shows in its state (`{"rack":"r1","level":10}`): scalars as numbers,
 * everything else as its text form.
 */
export function attributesToJSON(attributes: Attributes): Record<string, string | number> {
  const object: Record<string, string | number> = {};
  for (const attribute of attributes) {
    object[attribute.name] =
      attribute.type === "SCALAR" ? thousandthsToNumber(attribute.thousandths) : formatAttributeValue(attribute);
  }
  return object;
}

/** The Mesos v1 array of Attribute objects. */
export function attributesToJSONArray(attributes: Attributes): AttributeJSON[] {
  return attributes.map((attribute): AttributeJSON => {
    const { name, type } = attribute;
    switch (attribute.type) {
      case "TEXT":
        return { name, type, text: { value: attribute.text } };
      case "SCALAR":
        return { name, type, scalar: { value: thousandthsToNumber(attribute.thousandths) } };
      case "RANGES":
        return { name, type, ranges: { range: attribute.ranges.map((r) => ({ begin: r.begin, end: r.end })) } };
      case "SET":
        return { name, type, set: { item: attribute.items.slice() } };
      default:
        return assertNever(attribute);
    }
  });
}

/** The attribute with this name, if any. */
export function findAttribute(attributes: Attributes, name: string): Attribute | undefined {
  return attributes.find((attribute) => attribute.name === name);
}

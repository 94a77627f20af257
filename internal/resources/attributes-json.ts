// The Mesos v1 JSON array form of attributes, accepted by parseAttributes when the text starts
// with `[` so that what attributesToJSONArray writes can be read back.

import type { Attribute, Attributes } from "./attributes.ts";
import { ResourcesParseError } from "./errors.ts";
import { clipToken, rangeBoundMax, rangesPerValueMax, setItemsPerValueMax } from "./limits.ts";
import { attributeTextProblem, nameProblem, setItemProblem } from "./names.ts";
import { normalizeDisjoint } from "./ranges.ts";
import { numberToThousandths } from "./scalar.ts";
import type { ValueRange } from "./types.ts";

type Fail = (problem: string) => never;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parseAttributesJSON(text: string): Attributes {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResourcesParseError(clipToken(text), `invalid JSON: ${reason}`, "attributes");
  }
  if (!Array.isArray(data)) throw new ResourcesParseError(clipToken(text), "expected a JSON array", "attributes");
  const attributes: Attribute[] = [];
  const seen = new Set<string>();
  for (const element of data) {
    const token = clipToken(JSON.stringify(element) ?? String(element));
    const fail: Fail = (problem) => {
      throw new ResourcesParseError(token, problem, "attribute");
    };
    const attribute = parseElement(element, fail);
    if (seen.has(attribute.name)) fail(`duplicate attribute '${attribute.name}'`);
    seen.add(attribute.name);
    attributes.push(attribute);
  }
  return attributes;
}

function parseElement(element: unknown, fail: Fail): Attribute {
  if (!isObject(element)) return fail("expected a JSON object");
  const name = element["name"];
  if (typeof name !== "string") return fail("missing or non-string 'name'");
  const problem = nameProblem(name);
  if (problem !== undefined) fail(problem);
  const type = element["type"];
  switch (type) {
    case "TEXT": {
      const text = valueField(element["text"], "string", fail);
      const textProblem = attributeTextProblem(text);
      return textProblem === undefined ? { name, type, text } : fail(textProblem);
    }
    case "SCALAR": {
      const thousandths = numberToThousandths(valueField(element["scalar"], "number", fail));
      return thousandths === undefined ? fail("scalar is not a finite number in range") : { name, type, thousandths };
    }
    case "RANGES":
      return { name, type, ranges: rangesOf(element["ranges"], fail) };
    case "SET":
      return { name, type, items: itemsOf(element["set"], fail) };
    default:
      return fail(`'type' must be TEXT, SCALAR, RANGES or SET, not ${JSON.stringify(type) ?? "missing"}`);
  }
}

function valueField<K extends "string" | "number">(
  holder: unknown,
  kind: K,
  fail: Fail,
): K extends "string" ? string : number {
  if (!isObject(holder) || typeof holder["value"] !== kind) return fail(`needs {"value": <${kind}>}`);
  return holder["value"] as K extends "string" ? string : number;
}

function rangesOf(ranges: unknown, fail: Fail): readonly ValueRange[] {
  const list = isObject(ranges) ? (ranges["range"] ?? []) : undefined;
  if (!Array.isArray(list)) return fail("RANGES needs 'ranges': {'range': [...]}");
  if (list.length > rangesPerValueMax) return fail(`more than ${rangesPerValueMax} ranges`);
  const parsed: ValueRange[] = [];
  for (const range of list) {
    const begin = isObject(range) ? range["begin"] : undefined;
    const end = isObject(range) ? range["end"] : undefined;
    if (!isBound(begin) || !isBound(end)) {
      return fail(`range bounds must be integers in 0..${rangeBoundMax}`);
    }
    if (begin > end) fail(`begin > end in range '${begin}-${end}'`);
    parsed.push({ begin, end });
  }
  const normalized = normalizeDisjoint(parsed);
  return normalized.ok ? normalized.ranges : fail(normalized.problem);
}

function isBound(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= rangeBoundMax;
}

function itemsOf(set: unknown, fail: Fail): readonly string[] {
  const list = isObject(set) ? (set["item"] ?? []) : undefined;
  if (!Array.isArray(list)) return fail("SET needs 'set': {'item': [...]}");
  if (list.length > setItemsPerValueMax) return fail(`more than ${setItemsPerValueMax} set items`);
  const items: string[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    if (typeof item !== "string") return fail(`set item ${JSON.stringify(item)} is not a string`);
    const problem = setItemProblem(item);
    if (problem !== undefined) fail(problem);
    if (seen.has(item)) fail(`duplicate set item '${item}'`);
    seen.add(item);
    items.push(item);
  }
  return items;
}

// Readers for untrusted JSON that follow how Mesos turns JSON into protobuf (stout's protobuf.hpp),
// so a body Mesos accepts is accepted here too:
//   - fields the message does not have are ignored;
//   - `null` means the field is not set;
//   - a number field also takes its value as a string ("5", "1.5"), as protobuf JSON writes int64;
//   - a bool field also takes "true" / "false";
//   - a bytes field is base64 text.
// Where Mesos is more lenient than is useful we are stricter and say so: a repeated field must be a
// JSON array (stout also takes a lone element), and an unknown enum name is an error (stout drops
// it silently, which only moves the error somewhere less clear).

import { WireError, quoteValue } from "./wire-error.ts";

export type JsonObject = Record<string, unknown>;

export function fieldPath(path: string, name: string): string {
  return path.length === 0 ? name : `${path}.${name}`;
}

export function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

export function fail(path: string, problem: string): never {
  throw new WireError(path, problem);
}

/** "a string", "an array", ... for messages about a value of the wrong JSON type. */
export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function wrongType(path: string, expected: string, value: unknown): never {
  return fail(path, `expected ${expected}, got ${jsonKind(value)}`);
}

/** The value itself as an object (the body, an array item). */
export function expectObject(value: unknown, path: string): JsonObject {
  return isJsonObject(value) ? value : wrongType(path, "an object", value);
}

/** A field's value, with `null` read as absent. */
export function fieldValue(object: JsonObject, name: string): unknown {
  const value = object[name];
  return value === null ? undefined : value;
}

function missing(path: string): never {
  return fail(path, "is required");
}

export function optionalObject(object: JsonObject, path: string, name: string): JsonObject | undefined {
  const value = fieldValue(object, name);
  return value === undefined ? undefined : expectObject(value, fieldPath(path, name));
}

export function requiredObject(object: JsonObject, path: string, name: string): JsonObject {
  return optionalObject(object, path, name) ?? missing(fieldPath(path, name));
}

export function expectString(value: unknown, path: string): string {
  return typeof value === "string" ? value : wrongType(path, "a string", value);
}

export function optionalString(object: JsonObject, path: string, name: string): string | undefined {
  const value = fieldValue(object, name);
  return value === undefined ? undefined : expectString(value, fieldPath(path, name));
}

export function requiredString(object: JsonObject, path: string, name: string): string {
  return optionalString(object, path, name) ?? missing(fieldPath(path, name));
}

/** A JSON number as text, as stout accepts for number fields given as strings. */
const jsonNumberText = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

export function expectNumber(value: unknown, path: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    if (value === "Infinity") return Number.POSITIVE_INFINITY;
    if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
    if (jsonNumberText.test(value)) return Number(value);
    return fail(path, `${quoteValue(value)} is not a number`);
  }
  return wrongType(path, "a number", value);
}

export function optionalNumber(object: JsonObject, path: string, name: string): number | undefined {
  const value = fieldValue(object, name);
  return value === undefined ? undefined : expectNumber(value, fieldPath(path, name));
}

export function requiredNumber(object: JsonObject, path: string, name: string): number {
  return optionalNumber(object, path, name) ?? missing(fieldPath(path, name));
}

/** An integer field (int32/int64/uint...); `unsigned` refuses negatives as protobuf cannot hold them. */
export function optionalInteger(
  object: JsonObject,
  path: string,
  name: string,
  unsigned = false,
): number | undefined {
  const value = fieldValue(object, name);
  return value === undefined ? undefined : expectInteger(value, fieldPath(path, name), unsigned);
}

const int64Max = 9_223_372_036_854_775_807;

export function expectInteger(value: unknown, path: string, unsigned = false): number {
  const number = expectNumber(value, path);
  // int64 fields such as TimeInfo.nanoseconds hold values past 2^53 (now is about 1.8e18 ns); a
  // double keeps them to within a few hundred nanoseconds, which is all they are used for.
  if (!Number.isInteger(number) || Math.abs(number) > int64Max) return fail(path, `expected an integer, got ${number}`);
  if (unsigned && number < 0) return fail(path, `must not be negative, got ${number}`);
  return number;
}

export function requiredInteger(object: JsonObject, path: string, name: string, unsigned = false): number {
  return optionalInteger(object, path, name, unsigned) ?? missing(fieldPath(path, name));
}

export function optionalBoolean(object: JsonObject, path: string, name: string): boolean | undefined {
  const value = fieldValue(object, name);
  if (value === undefined || typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return wrongType(fieldPath(path, name), "a boolean", value);
}

/** An enum field by name. */
export function optionalEnum<T extends string>(
  object: JsonObject,
  path: string,
  name: string,
  values: readonly T[],
): T | undefined {
  const value = optionalString(object, path, name);
  if (value === undefined) return undefined;
  if ((values as readonly string[]).includes(value)) return value as T;
  return fail(fieldPath(path, name), `unknown value ${quoteValue(value)}; expected one of ${values.join(", ")}`);
}

/** A repeated field; absent reads as empty, as in protobuf. */
export function arrayField<T>(
  object: JsonObject,
  path: string,
  name: string,
  each: (item: unknown, path: string) => T,
): T[] {
  const value = fieldValue(object, name);
  if (value === undefined) return [];
  const arrayPath = fieldPath(path, name);
  if (!Array.isArray(value)) return wrongType(arrayPath, "an array", value);
  return value.map((item, index) => each(item, itemPath(arrayPath, index)));
}

/** A repeated field that may be left out entirely (kept apart from empty where that matters). */
export function optionalArrayField<T>(
  object: JsonObject,
  path: string,
  name: string,
  each: (item: unknown, path: string) => T,
): T[] | undefined {
  return fieldValue(object, name) === undefined ? undefined : arrayField(object, path, name, each);
}

export function stringItem(item: unknown, path: string): string {
  return expectString(item, path);
}

export function objectItem(item: unknown, path: string): JsonObject {
  return expectObject(item, path);
}

/** An id message (`{"value": "..."}`) as an array item or a field value. */
export function expectId(value: unknown, path: string): { value: string } {
  const object = expectObject(value, path);
  return { value: requiredString(object, path, "value") };
}

export function optionalId(object: JsonObject, path: string, name: string): { value: string } | undefined {
  const value = fieldValue(object, name);
  return value === undefined ? undefined : expectId(value, fieldPath(path, name));
}

export function requiredId(object: JsonObject, path: string, name: string): { value: string } {
  return optionalId(object, path, name) ?? missing(fieldPath(path, name));
}

const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decoded length of base64 text, or undefined when it is not base64. */
export function base64ByteLength(text: string): number | undefined {
  if (!base64Text.test(text)) return undefined;
  const body = text.replace(/=+$/, "");
  if (body.length % 4 === 1) return undefined;
  if (text.length !== body.length && text.length % 4 !== 0) return undefined;
  return Math.floor((body.length * 3) / 4);
}

/** A bytes field: base64 text, kept as text. */
export function optionalBytes(object: JsonObject, path: string, name: string): string | undefined {
  const value = optionalString(object, path, name);
  if (value === undefined) return undefined;
  if (base64ByteLength(value) === undefined) return fail(fieldPath(path, name), "is not valid base64");
  return value;
}

export function requiredBytes(object: JsonObject, path: string, name: string): string {
  return optionalBytes(object, path, name) ?? missing(fieldPath(path, name));
}

/**
 * A shallow copy without null fields, for messages we pass through: the fields we read are then
 * replaced by their checked values and the rest travels on as the client sent it.
 */
export function passThrough(object: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const [name, value] of Object.entries(object)) {
    if (value !== null) copy[name] = value;
  }
  return copy;
}

/** Sets `name` on `target` only when `value` is defined, so absent stays absent in the output. */
export function setDefined(target: JsonObject, name: string, value: unknown): void {
  if (value === undefined) delete target[name];
  else target[name] = value;
}

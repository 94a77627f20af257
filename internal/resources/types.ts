// The value types shared by resources and attributes, modelled on Mesos' Value message.

/** The role of resources that are not reserved for anyone. */
export const unreservedRole = "*";

/** An inclusive interval of unsigned integers, e.g. ports 31000-32000. */
export interface ValueRange {
  readonly begin: number;
  readonly end: number;
}

/** The three kinds of resource value (Mesos Value.Type minus TEXT, which only attributes use). */
export type ResourceType = "SCALAR" | "RANGES" | "SET";

interface ResourceKey {
  readonly name: string;
  /** `*` for unreserved, otherwise the role the resource is statically reserved for. */
  readonly role: string;
}

/** A quantity such as cpus or mem, as an exact integer count of thousandths (4 cpus = 4000). */
export interface ScalarResource extends ResourceKey {
  readonly type: "SCALAR";
  readonly thousandths: number;
}

/** Intervals such as ports; always sorted by begin, disjoint and with adjacent ones joined. */
export interface RangesResource extends ResourceKey {
  readonly type: "RANGES";
  readonly ranges: readonly ValueRange[];
}

/** Named items such as disks; always sorted and without duplicates. */
export interface SetResource extends ResourceKey {
  readonly type: "SET";
  readonly items: readonly string[];
}

/** One name+role entry of a Resources value. */
export type Resource = ScalarResource | RangesResource | SetResource;

/** A resource in the Mesos v1 JSON form (what `toJSON` emits and the JSON parser accepts). */
export interface ResourceJSON {
  name: string;
  type: ResourceType;
  role: string;
  scalar?: { value: number };
  ranges?: { range: { begin: number; end: number }[] };
  set?: { item: string[] };
  reservations?: { type: "STATIC"; role: string }[];
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

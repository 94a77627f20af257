// Metric attribute sets built once and reused: the SDK hashes an attribute object on every
// add/record, and building a fresh object per offer would add garbage on the hottest path.

import type { Attributes, Histogram, Meter } from "@opentelemetry/api";

/**
 * Distinct attribute sets kept. Label values come from roles, frameworks and outcomes, which a
 * cluster has tens to hundreds of; past this the cache starts over rather than grow without bound.
 */
export const attributeSetsCachedMax = 10_000;

export class AttributeSets {
  private readonly sets = new Map<string, Attributes>();

  /** The cached set for `key`, built by `build` the first time. */
  get(key: string, build: () => Attributes): Attributes {
    let set = this.sets.get(key);
    if (set === undefined) {
      if (this.sets.size >= attributeSetsCachedMax) this.sets.clear();
      set = Object.freeze(build());
      this.sets.set(key, set);
    }
    return set;
  }
}

/** Joins label values into a cache key; NUL cannot occur in a role, id or name we accept. */
export function keyOf(...parts: readonly string[]): string {
  return parts.join("\u0000");
}

/** Buckets (seconds) for latencies from sub-millisecond to minutes. */
export const latencyBucketsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** A histogram of durations in seconds, on latencyBucketsSeconds. */
export function latencyHistogram(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, { description, unit: "s", advice: { explicitBucketBoundaries: latencyBucketsSeconds } });
}

/** Mesos counts memory and disk in MB (mebibytes); metrics use bytes. */
export const bytesPerMb = 1024 * 1024;

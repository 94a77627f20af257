// Dominant Resource Fairness, as the Mesos DRF sorter computes it: a client's share is the
// largest fraction it holds of any scalar's cluster total, divided by its weight. Clients sort by
// share, then by how many allocations they have had (so equal shares take turns), then by name.

import type { Amounts } from "./quantities.ts";

/** A role in the role sorter or a framework in one role's framework sorter. */
export interface SorterClient {
  readonly name: string;
  readonly weight: number;
  /** Allocated plus offered, kept current as the cycle allocates. */
  readonly allocated: Amounts;
  /** Allocations so far, kept current. */
  count: number;
  /** The share and count the client is listed under; refreshed only while it is unlisted. */
  sortShare: number;
  sortCount: number;
}

/** max over scalars with a positive total of allocated / total, divided by weight. */
export function dominantShare(allocated: Amounts, totals: Amounts, weight: number): number {
  let share = 0;
  for (let slot = 0; slot < totals.length; slot++) {
    const total = totals[slot]!;
    if (total <= 0) continue;
    const fraction = allocated[slot]! / total;
    if (fraction > share) share = fraction;
  }
  return share / weight;
}

/** Sets the sort key from the live allocation; call only while the client is not listed. */
export function refreshSortKey(client: SorterClient, totals: Amounts): void {
  client.sortShare = dominantShare(client.allocated, totals, client.weight);
  client.sortCount = client.count;
}

/** DRF order on the listed keys: a total order because names are unique within a sorter. */
export function compareClients(a: SorterClient, b: SorterClient): number {
  if (a.sortShare !== b.sortShare) return a.sortShare < b.sortShare ? -1 : 1;
  if (a.sortCount !== b.sortCount) return a.sortCount < b.sortCount ? -1 : 1;
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

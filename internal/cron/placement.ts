// Which queued run goes on which offer: first fit, earliest due first, in thousandths (Mesos's
// fixed-point scalar precision) so splitting an offer never drifts. A task's resources are cut
// from the offer's own entries, keeping their role, reservations and allocation_info, so the
// master finds exactly what it offered. Pure.

import type { ResourceJSON } from "../resources/index.ts";
import type { Offer } from "../wire/index.ts";
import type { RunRecord } from "./types.ts";

export interface TaskNeed {
  cpus: number;
  memMegabytes: number;
  diskMegabytes: number;
}

export interface PlacedRun {
  run: RunRecord;
  resources: ResourceJSON[];
}

export interface Placement {
  offer: Offer;
  runs: PlacedRun[];
}

interface Slice {
  entry: ResourceJSON;
  leftMilli: number;
}

const scalarNames = ["cpus", "mem", "disk"] as const;
type ScalarName = (typeof scalarNames)[number];

function toMilli(value: number): number {
  return Math.round(value * 1000);
}

function needMilli(need: TaskNeed): Record<ScalarName, number> {
  return { cpus: toMilli(need.cpus), mem: toMilli(need.memMegabytes), disk: toMilli(need.diskMegabytes) };
}

function slicesOf(offer: Offer): Map<ScalarName, Slice[]> {
  const slices = new Map<ScalarName, Slice[]>(scalarNames.map((name) => [name, []]));
  for (const entry of offer.resources) {
    const list = slices.get(entry.name as ScalarName);
    if (list === undefined || entry.type !== "SCALAR" || entry.scalar === undefined) continue;
    list.push({ entry, leftMilli: toMilli(entry.scalar.value) });
  }
  return slices;
}

/** Takes `milli` of one resource from the slices, or returns undefined (and takes nothing) if they hold less. */
function take(slices: Slice[], milli: number): ResourceJSON[] | undefined {
  if (slices.reduce((sum, s) => sum + s.leftMilli, 0) < milli) return undefined;
  const out: ResourceJSON[] = [];
  let left = milli;
  for (const slice of slices) {
    if (left === 0) break;
    const amount = Math.min(left, slice.leftMilli);
    if (amount === 0) continue;
    slice.leftMilli -= amount;
    left -= amount;
    out.push({ ...slice.entry, scalar: { value: amount / 1000 } });
  }
  return out;
}

function fits(slices: Map<ScalarName, Slice[]>, need: Record<ScalarName, number>): boolean {
  return scalarNames.every((name) => slices.get(name)!.reduce((sum, s) => sum + s.leftMilli, 0) >= need[name]);
}

/**
 * Places `runs` (already in the order they should go) on `offers`, first fit; runs that fit
 * nowhere stay unplaced. At most `perOfferMax` runs per offer.
 */
export function placeRuns(runs: readonly RunRecord[], needOf: (run: RunRecord) => TaskNeed, offers: readonly Offer[], perOfferMax: number): { placements: Placement[]; unplaced: RunRecord[] } {
  const pools = offers.map((offer) => ({ offer, slices: slicesOf(offer), placed: [] as PlacedRun[] }));
  const unplaced: RunRecord[] = [];
  for (const run of runs) {
    const need = needMilli(needOf(run));
    const pool = pools.find((p) => p.placed.length < perOfferMax && fits(p.slices, need));
    if (pool === undefined) {
      unplaced.push(run);
      continue;
    }
    const resources = scalarNames.flatMap((name) => (need[name] === 0 ? [] : take(pool.slices.get(name)!, need[name])!));
    pool.placed.push({ run, resources });
  }
  const placements = pools.filter((p) => p.placed.length > 0).map((p) => ({ offer: p.offer, runs: p.placed }));
  return { placements, unplaced };
}

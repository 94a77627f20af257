// Resource quantities as fixed-length vectors. Each cycle numbers the resource names it cares
// about (the scalars of the cluster totals, plus any name `--min_allocatable_resources` asks for)
// so that shares, quota headroom and the minimum check are loops over a Float64Array instead of
// merges of Resources values. Values are thousandths, integers well inside a double's exact range.

import { countRanges, type Resources } from "../resources/index.ts";
import type { MinAllocatableAlternative } from "./types.ts";

export type Amounts = Float64Array;

export class QuantityIndex {
  readonly names: readonly string[];
  /** Cluster totals per slot; 0 for a counted (non-scalar) slot or a scalar no agent has. */
  readonly totals: Amounts;
  /** Slot of `cpus`, which the oversubscription cap applies to; -1 when no agent has cpus. */
  readonly cpusSlot: number;
  private readonly slots: Map<string, number>;

  constructor(totalThousandths: ReadonlyMap<string, number>, minAllocatable: readonly MinAllocatableAlternative[]) {
    const names: string[] = [...totalThousandths.keys()].sort();
    for (const alternative of minAllocatable) {
      for (const quantity of alternative) {
        if (!totalThousandths.has(quantity.name) && !names.includes(quantity.name)) names.push(quantity.name);
      }
    }
    this.names = names;
    this.slots = new Map(names.map((name, slot) => [name, slot]));
    this.totals = new Float64Array(names.length);
    for (const [name, thousandths] of totalThousandths) {
      if (!(Number.isSafeInteger(thousandths) && thousandths >= 0)) {
        throw new Error(`allocator view: cluster total of ${name} is ${thousandths} thousandths`);
      }
      this.totals[this.slots.get(name)!] = thousandths;
    }
    this.cpusSlot = this.slots.get("cpus") ?? -1;
  }

  get size(): number {
    return this.names.length;
  }

  slotOf(name: string): number | undefined {
    return this.slots.get(name);
  }

  zeros(): Amounts {
    return new Float64Array(this.names.length);
  }

  /** The quantities of `resources` as a new vector. */
  amountsOf(resources: Resources): Amounts {
    const amounts = this.zeros();
    this.addInto(amounts, resources, 1);
    return amounts;
  }

  /**
   * Adds `sign x` the quantities of `resources` into `amounts`. Scalars count their value;
   * ranges and sets their instance count, and only when a minimum alternative names them.
   * A scalar missing from the cluster totals means the view is inconsistent.
   */
  addInto(amounts: Amounts, resources: Resources, sign: 1 | -1): void {
    const entries = resources.toArray();
    for (let i = 0; i < entries.length; i++) {
      const resource = entries[i]!;
      const slot = this.slots.get(resource.name);
      switch (resource.type) {
        case "SCALAR":
          if (slot === undefined) {
            throw new Error(`allocator view: scalar '${resource.name}' is not in the cluster totals`);
          }
          amounts[slot] = amounts[slot]! + sign * resource.thousandths;
          break;
        case "RANGES":
          if (slot !== undefined) amounts[slot] = amounts[slot]! + sign * 1000 * countRanges(resource.ranges);
          break;
        case "SET":
          if (slot !== undefined) amounts[slot] = amounts[slot]! + sign * 1000 * resource.items.length;
          break;
      }
    }
  }

  /** Min-allocatable alternatives as (slot, quantity) pairs. */
  alternativesOf(minAllocatable: readonly MinAllocatableAlternative[]): readonly SlotQuantity[][] {
    return minAllocatable.map((alternative) =>
      alternative.map((quantity) => ({ slot: this.slots.get(quantity.name)!, thousandths: quantity.quantityThousandths })),
    );
  }
}

export interface SlotQuantity {
  readonly slot: number;
  readonly thousandths: number;
}

/**
 * Whether `a + b` (passed apart to save adding them into a third vector) holds every quantity of
 * at least one alternative. With no alternatives this is false: the caller then admits any
 * non-empty offer instead, which a vector cannot tell (it does not count unnamed non-scalars).
 */
export function meetsMinimum(a: Amounts, b: Amounts, alternatives: readonly SlotQuantity[][]): boolean {
  for (const alternative of alternatives) {
    let met = true;
    for (const { slot, thousandths } of alternative) {
      if (a[slot]! + b[slot]! < thousandths) {
        met = false;
        break;
      }
    }
    if (met) return true;
  }
  return false;
}

// A sorted array with binary-search insert and remove. The allocator's sorters hold at most a few
// thousand entries, where a splice beats a heap: iteration in order is what each agent needs,
// and a heap would have to be drained and rebuilt to give it.

export class SortedList<T> {
  private readonly items: T[] = [];

  /** `compare` must be a total order: no two distinct items may compare equal. */
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  at(index: number): T | undefined {
    return this.items[index];
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }

  toArray(): readonly T[] {
    return this.items;
  }

  insert(item: T): void {
    this.items.splice(this.lowerBound(item), 0, item);
  }

  /**
   * Removes `item`, found by its sort key; the key must not have changed since it was inserted
   * (callers remove, then change the key, then insert again).
   */
  remove(item: T): void {
    const index = this.lowerBound(item);
    if (this.items[index] !== item) {
      throw new Error("SortedList.remove: item not found under its key (key changed while listed?)");
    }
    this.items.splice(index, 1);
  }

  /**
   * Changes an item's key in place: finds it under its current key, lets `changeKey` update it,
   * then moves it to its new place, found by binary search. One shift of the items in between,
   * instead of a remove and an insert that each move the array's tail.
   */
  rekey(item: T, changeKey: () => void): void {
    const items = this.items;
    const from = this.lowerBound(item);
    if (items[from] !== item) {
      throw new Error("SortedList.rekey: item not found under its key (key changed while listed?)");
    }
    changeKey();
    if (from + 1 < items.length && this.compare(items[from + 1]!, item) < 0) {
      // Moves right: the new place is the last index whose left neighbours all sort before it.
      let low = from + 1;
      let high = items.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (this.compare(items[middle]!, item) < 0) low = middle + 1;
        else high = middle;
      }
      items.copyWithin(from, from + 1, low);
      items[low - 1] = item;
    } else if (from > 0 && this.compare(items[from - 1]!, item) > 0) {
      let low = 0;
      let high = from;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (this.compare(items[middle]!, item) < 0) low = middle + 1;
        else high = middle;
      }
      items.copyWithin(low + 1, low, from);
      items[low] = item;
    }
  }

  /** The first index whose item does not sort before `item`. */
  private lowerBound(item: T): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.items[middle]!, item) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

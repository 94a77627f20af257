// A binary min-heap of (due time, job name): finding the jobs due in a tick costs O(k log n) for k
// due out of n jobs, not a scan. Entries are never updated in place; a job whose due time changes
// gets a new entry, and stale ones are dropped when they reach the top (the caller says which are
// stale), so updates stay O(log n).

export interface DueEntry {
  dueMs: number;
  name: string;
}

export class DueHeap {
  private readonly items: DueEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  push(entry: DueEntry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  peek(): DueEntry | undefined {
    return this.items[0];
  }

  pop(): DueEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left;
      if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right;
      if (smallest === i) return top;
      [items[i], items[smallest]] = [items[smallest]!, items[i]!];
      i = smallest;
    }
  }

  /** Pops every entry due at or before `nowMs` that `isCurrent` accepts; stale ones are dropped. */
  popDue(nowMs: number, isCurrent: (entry: DueEntry) => boolean): DueEntry[] {
    const due: DueEntry[] = [];
    for (let top = this.peek(); top !== undefined && top.dueMs <= nowMs; top = this.peek()) {
      this.pop();
      if (isCurrent(top)) due.push(top);
    }
    return due;
  }

  /** The earliest current entry's due time, dropping stale entries on the way. */
  nextDueMs(isCurrent: (entry: DueEntry) => boolean): number | undefined {
    for (let top = this.peek(); top !== undefined; top = this.peek()) {
      if (isCurrent(top)) return top.dueMs;
      this.pop();
    }
    return undefined;
  }
}

function before(a: DueEntry, b: DueEntry): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.name < b.name);
}

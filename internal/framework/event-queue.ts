// A bounded queue between the stream reader and one async-iterating consumer. When the consumer
// falls behind, `push` waits for room, which stops reading from the socket: the master's events
// wait in TCP buffers instead of in our memory.

export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly takers: Array<(result: IteratorResult<T>) => void> = [];
  private readonly roomWaiters: Array<() => void> = [];
  private ended = false;

  constructor(private readonly itemsMax: number) {}

  /** Resolves once the item is queued or taken; false if the queue has ended. */
  async push(item: T): Promise<boolean> {
    while (!this.ended && this.takers.length === 0 && this.items.length >= this.itemsMax) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.ended) return false;
    const taker = this.takers.shift();
    if (taker !== undefined) taker({ value: item, done: false });
    else this.items.push(item);
    return true;
  }

  /** No more items; queued ones are still delivered, then iteration finishes. */
  end(): void {
    this.ended = true;
    for (const taker of this.takers.splice(0)) taker({ value: undefined, done: true });
    for (const waiter of this.roomWaiters.splice(0)) waiter();
  }

  get length(): number {
    return this.items.length;
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) {
      this.roomWaiters.shift()?.();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.takers.push(resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

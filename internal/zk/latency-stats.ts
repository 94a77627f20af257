/** Min/avg/max of integer milliseconds, the shape ZooKeeper's latency counters print. */
export class LatencyStats {
  minMs = Number.MAX_SAFE_INTEGER;
  maxMs = 0;
  totalMs = 0;
  count = 0;
  add(ms: number): void {
    this.count++;
    this.totalMs += ms;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }
  get min(): number {
    return this.count === 0 ? 0 : this.minMs;
  }
  get avg(): number {
    return this.count === 0 ? 0 : this.totalMs / this.count;
  }
  reset(): void {
    this.minMs = Number.MAX_SAFE_INTEGER;
    this.maxMs = 0;
    this.totalMs = 0;
    this.count = 0;
  }
}

import type { Clock, IdGenerator, Random } from "./types.ts";

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private currentMs = 0) {}
  nowMs(): number {
    return this.currentMs;
  }
  monotonicMs(): number {
    return this.currentMs;
  }
  advance(deltaMs: number): void {
    if (deltaMs < 0) throw new Error(`ManualClock.advance: negative delta ${deltaMs}`);
    this.currentMs += deltaMs;
  }
  set(nowMs: number): void {
    this.currentMs = nowMs;
  }
}

/** mulberry32: small, fast and good enough for shuffles and jitter; the same seed gives the same stream. */
export class SeededRandom implements Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }
}

/** Deterministic uuids drawn from a seeded Random. */
export class SeededIds implements IdGenerator {
  constructor(private readonly random: Random) {}
  uuid(): string {
    const hex: string[] = [];
    for (let i = 0; i < 16; i++) hex.push(this.random.nextInt(256).toString(16).padStart(2, "0"));
    hex[6] = "4" + hex[6]!.slice(1);
    hex[8] = ((parseInt(hex[8]!, 16) & 0x3f) | 0x80).toString(16);
    const h = hex.join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

/** Fisher-Yates shuffle driven by an injected Random; returns a new array. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

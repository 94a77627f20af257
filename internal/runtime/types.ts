// Time, randomness and ids enter the pure cores only through these interfaces, so a seeded
// simulator can drive a whole cluster in one thread and replay a failure from its seed.

export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock). */
  nowMs(): number;
  /** Milliseconds from an arbitrary origin that never goes backwards. */
  monotonicMs(): number;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number;
}

export interface IdGenerator {
  /** A random UUID (v4 form). */
  uuid(): string;
}

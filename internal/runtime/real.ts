import type { Clock, IdGenerator, Random } from "./types.ts";

export const realClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

export const realRandom: Random = {
  next: () => Math.random(),
  nextInt: (bound) => Math.floor(Math.random() * bound),
};

export const realIds: IdGenerator = {
  uuid: () => crypto.randomUUID(),
};

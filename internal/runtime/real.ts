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

/** Random from the operating system's CSPRNG: for secrets such as session passwords. */
export const secureRandom: Random = {
  next: () => {
    const words = new Uint32Array(1);
    crypto.getRandomValues(words);
    return words[0]! / 4294967296;
  },
  nextInt: (bound) => {
    const words = new Uint32Array(1);
    crypto.getRandomValues(words);
    return Math.floor((words[0]! / 4294967296) * bound);
  },
};

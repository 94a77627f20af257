export type { Clock, IdGenerator, Random } from "./types.ts";
export { realClock, realIds, realRandom, secureRandom } from "./real.ts";
export { ManualClock, SeededIds, SeededRandom, shuffled } from "./sim.ts";
export { AssertionError, assert, assertNever } from "./assert.ts";
export { fsyncDir, truncateAndSync } from "./durable-fs.ts";

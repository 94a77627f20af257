// Zxids in an ensemble, in ZooKeeper's form: epoch << 32 | counter, with the Raft term of the
// entry as the epoch. Each member derives them while applying committed entries in log order, so
// every member gives a txn the same zxid. Terms only grow along the log, so zxids only grow too,
// across leader changes. A JS number holds them exactly while the epoch stays below 2^21.

const EPOCH_UNIT = 2 ** 32;
/** The counter's largest value; the next txn moves to the next epoch (ZooKeeper forces an election). */
export const ZXID_COUNTER_MAX = 0xffffffff;
/** Largest epoch whose zxids are still exact in a JS number. */
export const ZXID_EPOCH_MAX = 2 ** 21 - 1;

export function makeZxid(epoch: number, counter: number): number {
  return epoch * EPOCH_UNIT + counter;
}

export function epochOf(zxid: number): number {
  return Math.floor(zxid / EPOCH_UNIT);
}

export function counterOf(zxid: number): number {
  return zxid % EPOCH_UNIT;
}

/**
 * The zxid after `last` for a txn in an entry of `term`: the first of the epoch when the term is
 * newer than `last`'s epoch, else the next counter (or the next epoch's first when the counter is
 * used up; the epoch then runs ahead of the term, and later terms up to it continue counting).
 */
export function nextZxid(last: number, term: number): number {
  const lastEpoch = epochOf(last);
  let zxid: number;
  if (term > lastEpoch) zxid = makeZxid(term, 1);
  else if (counterOf(last) < ZXID_COUNTER_MAX) zxid = last + 1;
  else zxid = makeZxid(lastEpoch + 1, 1);
  if (epochOf(zxid) > ZXID_EPOCH_MAX) throw new Error(`zxid epoch ${epochOf(zxid)} is past ${ZXID_EPOCH_MAX}: zxids would no longer be exact`);
  return zxid;
}

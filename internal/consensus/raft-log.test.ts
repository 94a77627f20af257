import { describe, expect, test } from "bun:test";
import { AssertionError } from "../runtime/index.ts";
import { RaftLog } from "./raft-log.ts";
import type { Entry } from "./types.ts";

const enc = new TextEncoder();

function e(term: number, index: number): Entry {
  return { term, index, kind: "normal", data: enc.encode(`${term}/${index}`) };
}

function logOf(terms: number[], commit = 0): RaftLog {
  return new RaftLog({ hardState: { term: 9, vote: null, commit }, snapshot: null, entries: terms.map((t, i) => e(t, i + 1)) });
}

function termsOf(log: RaftLog): number[] {
  const out: number[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i)!);
  return out;
}

describe("RaftLog", () => {
  test("maybeAppend checks prevIndex/prevTerm, keeps matching entries, replaces from the first conflict", () => {
    const log = logOf([1, 1, 2, 2]);
    expect(log.maybeAppend(4, 3, [e(3, 5)])).toBeUndefined();
    expect(log.maybeAppend(2, 1, [e(2, 3)])).toBe(3);
    expect(termsOf(log)).toEqual([1, 1, 2, 2]); // a matching prefix never truncates
    expect(log.maybeAppend(2, 1, [e(3, 3)])).toBe(3);
    expect(termsOf(log)).toEqual([1, 1, 3]);
    expect(log.stableIndex).toBe(2);
  });

  test("never truncates committed entries", () => {
    const log = logOf([1, 1, 2], 3);
    expect(() => log.maybeAppend(1, 1, [e(3, 2)])).toThrow(AssertionError);
  });

  test("findConflictByTerm walks back to the last index with a term at most the given one", () => {
    const log = logOf([1, 1, 2, 2, 4, 4, 4]);
    expect(log.findConflictByTerm(7, 3)).toEqual({ index: 4, term: 2 });
    expect(log.findConflictByTerm(7, 5)).toEqual({ index: 7, term: 4 });
    expect(log.findConflictByTerm(20, 1)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(7, 0)).toEqual({ index: 0, term: 0 });
  });

  test("isUpToDate compares last term, then last index (§5.4.1)", () => {
    const log = logOf([1, 2, 2]);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  test("configurations follow the log: appended, truncated away, compacted into the snapshot", () => {
    const log = new RaftLog({
      hardState: { term: 1, vote: null, commit: 1 },
      snapshot: null,
      entries: [{ term: 1, index: 1, kind: "conf", change: { type: "bootstrap", voters: ["a", "b", "c"] } }],
    });
    log.append([{ term: 2, index: 2, kind: "conf", change: { type: "addLearner", node: "d" } }]);
    expect(log.currentConf()).toEqual({ voters: ["a", "b", "c"], learners: ["d"] });
    log.maybeAppend(1, 1, [e(3, 2)]);
    expect(log.currentConf()).toEqual({ voters: ["a", "b", "c"], learners: [] });
    log.append([{ term: 3, index: 3, kind: "conf", change: { type: "remove", node: "c" } }]);
    log.commitTo(3);
    log.appliedTo(3);
    const snap = log.compact(3, enc.encode("s"));
    expect(snap.conf).toEqual({ voters: ["a", "b"], learners: [] });
    expect(log.currentConf()).toEqual({ voters: ["a", "b"], learners: [] });
    expect(log.confAt(3)).toEqual(snap.conf);
  });

  test("compaction keeps the term at the snapshot index; slices respect the byte budget", () => {
    const log = logOf([1, 1, 2, 2, 3], 5);
    log.appliedTo(4);
    log.compact(3, new Uint8Array());
    expect(log.firstIndex()).toBe(4);
    expect(log.term(3)).toBe(2);
    expect(log.term(2)).toBeUndefined();
    expect(log.slice(4, 6, 1, 10).map((x) => x.index)).toEqual([4]);
    expect(log.slice(4, 6, 1000, 10).map((x) => x.index)).toEqual([4, 5]);
    expect(() => log.compact(5, new Uint8Array())).toThrow(AssertionError);
  });
});

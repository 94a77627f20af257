import { describe, expect, test } from "bun:test";
import { applyConfChange, confChangeProblem, emptyConf, quorumSize } from "./membership.ts";
import type { ConfChange, ConfState } from "./types.ts";

const three: ConfState = { voters: ["a", "b", "c"], learners: ["d"] };

describe("single-server membership changes", () => {
  test("each change moves at most one voter", () => {
    const changes: ConfChange[] = [
      { type: "addLearner", node: "e" },
      { type: "promote", node: "d" },
      { type: "addVoter", node: "e" },
      { type: "remove", node: "a" },
      { type: "remove", node: "d" },
    ];
    for (const change of changes) {
      expect(confChangeProblem(three, change)).toBeUndefined();
      const next = applyConfChange(three, change);
      const moved = new Set([...next.voters.filter((v) => !three.voters.includes(v)), ...three.voters.filter((v) => !next.voters.includes(v))]);
      expect(moved.size).toBeLessThanOrEqual(1);
    }
  });

  test("refuses what makes no sense, saying why", () => {
    expect(confChangeProblem(three, { type: "promote", node: "a" })).toBe("a is not a learner");
    expect(confChangeProblem(three, { type: "addLearner", node: "b" })).toBe("b is already a member");
    expect(confChangeProblem(three, { type: "remove", node: "z" })).toBe("z is not a member");
    expect(confChangeProblem({ voters: ["a"], learners: [] }, { type: "remove", node: "a" })).toBe("cannot remove the last voter");
    expect(confChangeProblem(three, { type: "bootstrap", voters: ["x"] })).toBe("bootstrap on a non-empty configuration");
    expect(confChangeProblem(emptyConf, { type: "bootstrap", voters: ["x", "x"] })).toBe("bootstrap lists a voter twice");
    const full: ConfState = { voters: Array.from({ length: 15 }, (_, i) => `n${i}`), learners: [] };
    expect(confChangeProblem(full, { type: "addLearner", node: "z" })).toBe("more than 15 members");
  });

  test("quorum is a strict majority of voters; learners do not count", () => {
    expect([1, 2, 3, 4, 5].map((n) => quorumSize({ voters: Array.from({ length: n }, (_, i) => `${i}`), learners: ["x", "y"] }))).toEqual([1, 2, 2, 3, 3]);
  });
});

import { describe, expect, test } from "bun:test";
import { AssertionError, SeededRandom } from "../runtime/index.ts";
import { raftConfigDefaults } from "./limits.ts";
import { bootstrapStoredState, emptyStoredState, RaftNode } from "./raft-node.ts";

const config = { id: "a", ...raftConfigDefaults };

describe("RaftNode", () => {
  test("settings are checked at construction", () => {
    const random = new SeededRandom(1);
    expect(() => new RaftNode({ config: { ...config, electionTicks: 4, heartbeatTicks: 2 }, random, stored: emptyStoredState })).toThrow(
      "electionTicks must exceed 2 × heartbeatTicks",
    );
    expect(() => new RaftNode({ config: { ...config, heartbeatTicks: 0 }, random, stored: emptyStoredState })).toThrow(AssertionError);
    expect(() => new RaftNode({ config: { ...config, id: "" }, random, stored: emptyStoredState })).toThrow(AssertionError);
  });

  test("nothing may be stepped between ready() and advance()", () => {
    const node = new RaftNode({ config, random: new SeededRandom(1), stored: bootstrapStoredState(["a", "b"]) });
    node.campaign();
    const rd = node.ready();
    expect(() => node.tick()).toThrow("raft: tick between ready() and advance()");
    expect(() => node.propose(new Uint8Array(1))).toThrow(AssertionError);
    node.advance(rd);
    expect(() => node.advance(rd)).toThrow("raft: advance() without ready()");
  });

  test("election timeouts are drawn from [electionTicks, 2 × electionTicks)", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const node = new RaftNode({ config, random: new SeededRandom(seed), stored: bootstrapStoredState(["a", "b", "c"]) });
      let ticks = 0;
      while (node.softState().role === "follower") {
        node.tick();
        ticks += 1;
      }
      expect(ticks).toBeGreaterThanOrEqual(raftConfigDefaults.electionTicks);
      expect(ticks).toBeLessThan(2 * raftConfigDefaults.electionTicks);
      expect(node.softState().role).toBe("preCandidate");
      expect(node.hardState().term).toBe(1); // pre-vote takes no term
    }
  });

  test("a member that joins empty never campaigns before it learns the configuration", () => {
    const node = new RaftNode({ config, random: new SeededRandom(1), stored: emptyStoredState });
    for (let i = 0; i < 100; i++) node.tick();
    expect(node.softState().role).toBe("follower");
    expect(node.hasReady()).toBe(false);
  });

  test("a single voter leads, commits alone, and refuses to remove itself", () => {
    const node = new RaftNode({ config, random: new SeededRandom(1), stored: bootstrapStoredState(["a"]) });
    node.campaign();
    expect(node.softState().role).toBe("leader");
    const proposed = node.propose(new TextEncoder().encode("x"));
    expect(proposed.ok).toBe(true);
    expect(node.status().commit).toBe(3);
    const removal = node.proposeConfChange({ type: "remove", node: "a" });
    expect(removal).toMatchObject({ ok: false, reason: "confChangeInvalid", problem: "cannot remove the last voter" });
  });
});

import { describe, expect, test } from "bun:test";
import { parseResources } from "../resources/index.ts";
import { allocate } from "./allocate.ts";
import { filtersPerFrameworkAgentMax } from "./limits.ts";
import { AllocatorState, AllocatorStateError } from "./state.ts";

const r = parseResources;

function twoAgentState(): AllocatorState {
  const state = new AllocatorState();
  state.addAgent({ id: "a1", hostname: "h1", total: r("cpus:4;mem:1024;ports:[31000-31009]"), physicalCpus: 4 });
  state.addAgent({ id: "a2", hostname: "h2", total: r("cpus:2;mem:512;cpus(r1):2"), physicalCpus: 4 });
  state.addFramework({ id: "f1", roles: ["r1"] });
  return state;
}

describe("AllocatorState", () => {
  test("cluster totals follow agents in and out", () => {
    const state = twoAgentState();
    expect(state.view(1, new Set(), 1).totalThousandths).toEqual(new Map([["cpus", 8000], ["mem", 1_536_000]]));
    state.updateAgent("a2", { total: r("cpus:1;mem:512") });
    state.removeAgent("a1");
    expect(state.view(1, new Set(), 1).totalThousandths).toEqual(new Map([["cpus", 1000], ["mem", 512_000]]));
  });

  test("a view is a snapshot: later changes do not show through", () => {
    const state = twoAgentState();
    const before = state.view(1, new Set(), 1);
    state.recordOffer({ offerId: "o1", frameworkId: "f1", agentId: "a1", role: "r1", resources: r("cpus:1") });
    state.addFilter({ frameworkId: "f1", agentId: "a2", role: "r1", refused: r("cpus:1"), expiresAtMs: 10 });
    state.suppress("f1");
    expect(before.agents[0]!.available.scalar("cpus")).toBe(4);
    expect(before.outstandingOffers).toEqual([]);
    expect(before.filtersByAgent.size).toBe(0);
    expect(before.frameworks[0]!.suppressedRoles.size).toBe(0);
    const after = state.view(1, new Set(), 1);
    expect(after.agents[0]!.available.scalar("cpus")).toBe(3);
    expect(after.agents[0]!.cpusInUseThousandths).toBe(1000);
    expect(after.frameworks[0]!.outstandingOffers).toBe(1);
    expect(after.allocations).toEqual([{ frameworkId: "f1", role: "r1", resources: r("cpus:1"), allocationCount: 1 }]);
  });

  test("accept keeps the used part as tasks; recover frees it", () => {
    const state = twoAgentState();
    state.recordOffer({ offerId: "o1", frameworkId: "f1", agentId: "a1", role: "r1", resources: r("cpus:4;mem:1024") });
    state.acceptOffer("o1", r("cpus:1;mem:100"));
    expect(state.agentView("a1")!.available.toText()).toBe("cpus(*):3;mem(*):924;ports(*):[31000-31009]");
    expect(state.outstandingOffers()).toEqual([]);
    state.recover("f1", "a1", "r1", r("cpus:1;mem:100"));
    expect(state.agentView("a1")!.available.toText()).toBe("cpus(*):4;mem(*):1024;ports(*):[31000-31009]");
    expect(() => state.recover("f1", "a1", "r1", r("cpus:1"))).toThrow(AllocatorStateError);
  });

  test("removing a framework frees its offers, tasks and filters", () => {
    const state = twoAgentState();
    state.recordOffer({ offerId: "o1", frameworkId: "f1", agentId: "a1", role: "r1", resources: r("cpus:1") });
    state.recordAllocation("f1", "a2", "r1", r("cpus(r1):2"));
    state.addFilter({ frameworkId: "f1", agentId: "a2", role: "r1", refused: r("cpus:1"), expiresAtMs: 10 });
    expect(state.removeFramework("f1").map((o) => o.offerId)).toEqual(["o1"]);
    const view = state.view(1, new Set(), 1);
    expect(view.agents.map((a) => a.cpusInUseThousandths)).toEqual([0, 0]);
    expect(view.allocations).toEqual([]);
    expect(view.filtersByAgent.size).toBe(0);
  });

  test("offers and allocations must fit what the agent has", () => {
    const state = twoAgentState();
    const offer = { offerId: "o1", frameworkId: "f1", agentId: "a1", role: "r1", resources: r("cpus:5") };
    expect(() => state.recordOffer(offer)).toThrow(AllocatorStateError);
    expect(() => state.recordAllocation("f1", "a2", "r1", r("cpus(r2):1"))).toThrow(AllocatorStateError);
    state.recordAllocation("f1", "a1", "r1", r("cpus:3"));
    expect(() => state.updateAgent("a1", { total: r("cpus:2;mem:1024") })).toThrow(AllocatorStateError);
  });

  test("filters per (framework, role, agent) are bounded; the oldest goes", () => {
    const state = twoAgentState();
    for (let i = 0; i < filtersPerFrameworkAgentMax + 3; i++) {
      state.addFilter({ frameworkId: "f1", agentId: "a1", role: "r1", refused: r("cpus:1"), expiresAtMs: i });
    }
    const kept = state.filtersOn("a1");
    expect(kept.length).toBe(filtersPerFrameworkAgentMax);
    expect(kept[0]!.expiresAtMs).toBe(3);
    state.pruneFilters(10);
    expect(state.filtersOn("a1").map((f) => f.expiresAtMs)).toEqual([11, 12, 13, 14, 15, 16, 17, 18]);
    state.revive("f1");
    expect(state.filtersOn("a1")).toEqual([]);
  });

  test("clearFilters can be limited to roles", () => {
    const state = twoAgentState();
    state.updateFramework("f1", { roles: ["r1", "r2"], capabilities: { multiRole: true } });
    state.addFilter({ frameworkId: "f1", agentId: "a1", role: "r1", refused: r("cpus:1"), expiresAtMs: 99 });
    state.addFilter({ frameworkId: "f1", agentId: "a1", role: "r2", refused: r("cpus:1"), expiresAtMs: 99 });
    state.clearFilters("f1", ["r2"]);
    expect(state.filtersOn("a1").map((f) => f.role)).toEqual(["r1"]);
  });

  test("applyPlan re-checks: an offer whose resources went meanwhile is skipped", () => {
    const state = twoAgentState();
    const plan = allocate(state.view(1, new Set(), 1), 0);
    expect(plan.offers.length).toBe(2);
    state.recordAllocation("f1", "a1", "r1", r("cpus:1"));
    let next = 0;
    const made = state.applyPlan(plan, () => `o${++next}`);
    expect(made.map((o) => o.agentId)).toEqual(["a2"]);
  });

  test("weights must be positive; bad limits are refused", () => {
    const state = new AllocatorState();
    expect(() => state.setWeight("r", 0)).toThrow(AllocatorStateError);
    expect(() => state.setWeight("r", Number.NaN)).toThrow(AllocatorStateError);
    expect(() => new AllocatorState({ offersPerFrameworkMax: 0 })).toThrow(AllocatorStateError);
    expect(() => state.addAgent({ id: "a", hostname: "a", total: r("cpus:1"), physicalCpus: -1 })).toThrow(AllocatorStateError);
  });
});

// Seeded property test: random clusters driven through several cycles of allocate, apply, accept,
// decline, recover and schedule changes. After every cycle: the plan keeps every rule
// (planProblems), the same view gives the same plan, and once the plan is applied no agent holds
// offers past its cpus cap and no inactive role holds offers of its reservations.
// A failure names its seed; PROPERTY_SEED=N replays one.

import { describe, expect, test } from "bun:test";
import { parseResources } from "../resources/index.ts";
import { SeededRandom, type Random } from "../runtime/index.ts";
import { allocate } from "./allocate.ts";
import { planProblems } from "./invariants.ts";
import { minAllocatableDefault } from "./min-allocatable.ts";
import { cpusCapThousandths } from "./rescind.ts";
import { AllocatorState } from "./state.ts";
import type { AllocationPlan, AllocatorView, MinAllocatableAlternative } from "./types.ts";

const trials = 300;
const cyclesPerTrial = 6;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[random.nextInt(items.length)]!;
}

function agentResources(random: Random, roles: readonly string[]): string {
  const parts = [`cpus:${1 + random.nextInt(16)}`, `mem:${64 * (1 + random.nextInt(64))}`];
  if (random.next() < 0.5) parts.push(`ports:[31000-${31000 + random.nextInt(100)}]`);
  if (random.next() < 0.3) parts.push(`disk:${100 * random.nextInt(10)}`);
  for (let i = random.nextInt(3); i > 0; i--) {
    const role = pick(random, roles);
    parts.push(`cpus(${role}):${0.5 * (1 + random.nextInt(16))}`, `mem(${role}):${32 * (1 + random.nextInt(32))}`);
  }
  return parts.join(";");
}

interface World {
  readonly random: SeededRandom;
  readonly state: AllocatorState;
  readonly roles: readonly string[];
  readonly frameworkIds: readonly string[];
  nowMs: number;
  offerSeq: number;
}

function buildWorld(seed: number): World {
  const random = new SeededRandom(seed);
  const minAllocatable: readonly MinAllocatableAlternative[] = pick(random, [
    minAllocatableDefault,
    [],
    [[{ name: "cpus", quantityThousandths: 1000 }, { name: "ports", quantityThousandths: 2000 }]],
  ]);
  const state = new AllocatorState({ offersPerFrameworkMax: 1 + random.nextInt(6), minAllocatable });
  const roles = Array.from({ length: 1 + random.nextInt(5) }, (_, i) => `r${i}`);
  for (let i = random.nextInt(20) + 1; i > 0; i--) {
    const total = parseResources(agentResources(random, roles));
    const physicalCpus = random.next() < 0.2 ? Number.POSITIVE_INFINITY : Math.max(1, Math.round(total.scalar("cpus") * (0.4 + random.next())));
    state.addAgent({ id: `a${i}`, hostname: `h${i}`, total, physicalCpus, offerable: random.next() < 0.9 });
  }
  const frameworkIds: string[] = [];
  for (let i = random.nextInt(10) + 1; i > 0; i--) {
    frameworkIds.push(`f${i}`);
    const subscribed = [...new Set(Array.from({ length: 1 + random.nextInt(3) }, () => pick(random, roles)))];
    state.addFramework({ id: `f${i}`, roles: subscribed, capabilities: { multiRole: subscribed.length > 1 }, active: random.next() < 0.9 });
    if (random.next() < 0.2) state.suppress(`f${i}`, [pick(random, subscribed)]);
  }
  for (const role of roles) {
    if (random.next() < 0.3) state.setWeight(role, pick(random, [0.5, 2, 3]));
    if (random.next() < 0.4) state.setQuota(role, parseResources(`cpus:${random.nextInt(20)};mem:${256 * random.nextInt(16)}`));
  }
  return { random, state, roles, frameworkIds, nowMs: 0, offerSeq: 0 };
}

/** Frameworks answer a random half of their offers: accept part, decline with a filter, or drop. */
function respond(world: World): void {
  const { random, state } = world;
  for (const offer of state.outstandingOffers()) {
    const roll = random.next();
    if (roll < 0.25) {
      const used = offer.resources.filter((r) => r.type === "SCALAR" && random.next() < 0.5);
      state.acceptOffer(offer.offerId, used);
    } else if (roll < 0.45) {
      state.removeOffer(offer.offerId);
      const refused = random.next() < 0.5 ? offer.resources : offer.resources.filter((r) => r.name === "cpus");
      const { frameworkId, agentId, role } = offer;
      state.addFilter({ frameworkId, agentId, role, refused, expiresAtMs: world.nowMs + 1000 * random.nextInt(10) });
    } else if (roll < 0.5) {
      state.removeOffer(offer.offerId);
    }
  }
}

function planText(plan: AllocationPlan): string {
  const rescinds = plan.rescinds.map((r) => `${r.offerId}:${r.reason.kind}`);
  const offers = plan.offers.map((o) => `${o.frameworkId}/${o.agentId}/${o.role}/${o.resources}`);
  return [...rescinds, ...offers].join("\n");
}

/** After the plan is applied: nothing past a cap or held for an inactive role stays on offer. */
function appliedProblems(view: AllocatorView, state: AllocatorState): string[] {
  const problems: string[] = [];
  const after = state.view(0, view.inactiveRoles, view.maxOversubscription);
  for (const agent of after.agents) {
    const cap = cpusCapThousandths(agent.physicalCpus, view.maxOversubscription);
    const offered = after.outstandingOffers.filter((o) => o.agentId === agent.id && o.resources.scalar("cpus") > 0);
    if (agent.cpusInUseThousandths > cap && offered.length > 0) problems.push(`agent ${agent.id} past its cap still has cpus on offer`);
  }
  for (const offer of after.outstandingOffers) {
    if (view.inactiveRoles.has(offer.role) && offer.resources.roles().some((role) => role !== "*")) {
      problems.push(`offer ${offer.offerId} holds reservations of inactive role ${offer.role}`);
    }
  }
  return problems;
}

function runTrial(seed: number): void {
  const world = buildWorld(seed);
  const { random, state, roles } = world;
  for (let cycle = 0; cycle < cyclesPerTrial; cycle++) {
    const inactive = new Set(roles.filter(() => random.next() < 0.25));
    const view = state.view(random.nextInt(1000), inactive, pick(random, [1, 1, 1.5, 2, Number.POSITIVE_INFINITY]));
    const plan = allocate(view, world.nowMs);
    const where = `seed=${seed} cycle=${cycle}`;
    expect({ where, problems: planProblems(view, plan, world.nowMs) }).toEqual({ where, problems: [] });
    expect(planText(allocate(view, world.nowMs))).toBe(planText(plan));
    const made = state.applyPlan(plan, () => `o${++world.offerSeq}`);
    expect({ where, applied: made.length }).toEqual({ where, applied: plan.offers.length });
    expect({ where, problems: appliedProblems(view, state) }).toEqual({ where, problems: [] });
    respond(world);
    world.nowMs += 1000 * random.nextInt(4);
    if (random.next() < 0.2) state.setQuota(pick(random, roles), parseResources(`cpus:${random.nextInt(8)}`));
    if (random.next() < 0.2) state.revive(pick(random, world.frameworkIds));
  }
}

describe("allocator properties", () => {
  const only = process.env.PROPERTY_SEED;
  const seeds = only !== undefined ? [Number(only)] : Array.from({ length: trials }, (_, i) => 1000 + i);
  test(`${seeds.length} random clusters keep every rule`, () => {
    for (const seed of seeds) {
      try {
        runTrial(seed);
      } catch (error) {
        if (error instanceof Error) error.message = `seed=${seed}: ${error.message}`;
        throw error;
      }
    }
  });

  test("a role's offer joins its reservation and the unreserved part of the same names", () => {
    const state = new AllocatorState();
    state.addAgent({ id: "a", hostname: "a", total: parseResources("cpus(r):1;cpus:1;mem:64"), physicalCpus: 2 });
    state.addFramework({ id: "f", roles: ["r"] });
    const plan = allocate(state.view(1, new Set(), 1), 0);
    expect(plan.offers.map((o) => o.resources.toText())).toEqual(["cpus(*):1;cpus(r):1;mem(*):64"]);
  });
});

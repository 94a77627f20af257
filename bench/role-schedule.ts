// What role schedules add to an allocation cycle: 10,000 agents x 1,000 frameworks x 50 roles
// (bench/allocator.ts's cluster), one cycle being what Master.runAllocation does: the schedule's
// roleActivity (with a schedule), AllocatorState.view() and allocate(). Target: schedules add 5%
// or less.
//
//   ./node_modules/.bin/bun bench/role-schedule.ts [--agents=10000] [--frameworks=1000]
//                                                  [--roles=50] [--cycles=30] [--seed=1]
//
// Compared, interleaved round by round, each as a ratio to "none" in the same round:
//   - none: no schedule (Mesos: every role active, no cap);
//   - all open: a 50-role schedule (20 always, 30 with windows) at an instant when every window
//     is open, max_oversubscription 1.5: the pure overhead (activity lookups, cap checks), the
//     same offers as none;
//   - 10 closed: the same schedule at an instant when 10 roles are outside their windows (fewer
//     offers, so usually cheaper).
// Also printed: roleActivity alone (warm: the per-cycle cost; cold: right after a schedule is
// loaded, and at a window edge, when roles' answers are recomputed) and parsing the document.

import { allocate, AllocatorState } from "../internal/allocator/index.ts";
import { parseRoleSchedule, roleActivity, type RoleSchedule } from "../internal/allocator/role-schedule/index.ts";
import { parseResources, type Resources } from "../internal/resources/index.ts";

function flag(name: string, fallback: string): string {
  const found = process.argv.find((argument) => argument.startsWith(`--${name}=`));
  return found === undefined ? fallback : found.slice(name.length + 3);
}

const agentCount = Number(flag("agents", "10000"));
const frameworkCount = Number(flag("frameworks", "1000"));
const roleCount = Number(flag("roles", "50"));
const cycles = Number(flag("cycles", "30"));
const seed = Number(flag("seed", "1"));
const physicalCpus = 32;
const roleName = (i: number): string => `role-${String(i % roleCount).padStart(2, "0")}`;

/** 04:00 in Shanghai on a Monday: windows 03:00-05:00 open, 06:00-08:00 not. */
const allOpenMs = Date.parse("2025-03-09T20:00:00Z");
/** 07:00 in Shanghai the same day: roles 40..49 (03:00-05:00) closed, the others open. */
const tenClosedMs = Date.parse("2025-03-09T23:00:00Z");

function scheduleDocument(): unknown {
  const roles: Record<string, unknown> = {};
  for (let r = 0; r < roleCount; r++) {
    if (r < 20) roles[roleName(r)] = { always: true };
    else if (r < 40) roles[roleName(r)] = { windows: [{ cron: "0 3 * * *", duration: "5h" }], on_window_end: "drain" };
    else roles[roleName(r)] = { windows: [{ cron: "0 3 * * 1-5", duration: "2h" }, { cron: "0 12 * * 1-5", duration: "1h" }], on_window_end: "revoke", kill_grace_period: "30s" };
  }
  return { timezone: "Asia/Shanghai", max_oversubscription: 1.5, roles };
}

function parseSchedule(): RoleSchedule {
  const parsed = parseRoleSchedule(scheduleDocument());
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

function buildState(): AllocatorState {
  const state = new AllocatorState();
  for (let k = 0; k < frameworkCount; k++) {
    const roles = k % 10 === 0 ? [roleName(k), roleName(k + 25)] : [roleName(k)];
    state.addFramework({ id: `framework-${k}`, roles, capabilities: { multiRole: roles.length > 1 } });
  }
  const shapes = new Map<string, Resources>();
  for (let i = 0; i < agentCount; i++) {
    let text = `cpus:24;mem:114688;disk:1000000;ports:[31000-32000];cpus(${roleName(i)}):8;mem(${roleName(i)}):16384`;
    if (i % 10 === 0) text += `;cpus(${roleName(i + 25)}):16`;
    const total = shapes.get(text) ?? parseResources(text);
    shapes.set(text, total);
    state.addAgent({ id: `agent-${i}`, hostname: `host-${i}`, total, physicalCpus });
  }
  const used = parseResources("cpus:4;mem:8192;disk:1024");
  for (let i = 0; i < agentCount; i++) state.recordAllocation(`framework-${i % frameworkCount}`, `agent-${i}`, roleName(i % frameworkCount), used);
  return state;
}

function timeMs(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const percent = (ms: number, baseMs: number): string => `${ms >= baseMs ? "+" : ""}${((100 * (ms - baseMs)) / baseMs).toFixed(1)}%`;

interface Variant {
  readonly name: string;
  /** Undefined: no schedule at all. */
  readonly atMs: number | undefined;
  readonly maxOversubscription?: number;
}

const variants: readonly Variant[] = [
  { name: "none", atMs: undefined },
  { name: "all open", atMs: allOpenMs },
  { name: "10 closed", atMs: tenClosedMs },
  // Controls, to tell the parts apart: the schedule's lookups without the cap; the cap alone.
  { name: "all open, no cap", atMs: allOpenMs, maxOversubscription: Number.POSITIVE_INFINITY },
  { name: "none, cap 1.5", atMs: undefined, maxOversubscription: 1.5 },
];

/** One cycle as Master.runAllocation does it; returns the offers made. */
function cycle(state: AllocatorState, schedule: RoleSchedule, variant: Variant): number {
  const noRoles = new Set<string>();
  if (variant.atMs === undefined) return allocate(state.view(seed, noRoles, variant.maxOversubscription ?? Number.POSITIVE_INFINITY), allOpenMs).offers.length;
  const activity = roleActivity(schedule, variant.atMs);
  return allocate(state.view(seed, activity.inactiveRoles, variant.maxOversubscription ?? schedule.maxOversubscription), variant.atMs).offers.length;
}

/**
 * Each round times every variant once, rotating who goes first; a variant's cost is the median
 * over rounds of its time divided by "none"'s in the same round, which cancels the drift of a
 * shared machine better than comparing two medians.
 */
function timeVariants(state: AllocatorState, schedule: RoleSchedule): Array<{ medianMs: number; ratio: number; offers: number }> {
  const offers = variants.map((v) => cycle(state, schedule, v));
  const times: number[][] = variants.map(() => []);
  for (let round = 0; round < cycles; round++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (round + k) % variants.length;
      times[i]!.push(timeMs(() => cycle(state, schedule, variants[i]!)));
    }
  }
  return times.map((list, i) => ({ medianMs: median(list), ratio: median(list.map((ms, round) => ms / times[0]![round]!)), offers: offers[i]! }));
}

function timeActivity(): { warmUs: number; edgeMs: number; coldMs: number } {
  const schedule = parseSchedule();
  const warm = Array.from({ length: 1000 }, () => timeMs(() => roleActivity(schedule, allOpenMs)));
  const cold = Array.from({ length: 20 }, () => {
    const fresh = parseSchedule();
    return timeMs(() => roleActivity(fresh, allOpenMs));
  });
  // At 05:00 in Shanghai roles 40-49 close: only their answers are recomputed.
  const edgeMs = Date.parse("2025-03-09T21:00:00Z");
  const edge = Array.from({ length: 20 }, () => {
    const fresh = parseSchedule();
    roleActivity(fresh, edgeMs - 1000);
    return timeMs(() => roleActivity(fresh, edgeMs));
  });
  return { warmUs: median(warm) * 1000, edgeMs: median(edge), coldMs: median(cold) };
}

function main(): void {
  console.log(`role schedules: ${agentCount} agents x ${frameworkCount} frameworks x ${roleCount} roles, ${cycles} rounds`);
  const parseMs = timeMs(() => parseSchedule());
  const state = buildState();
  const schedule = parseSchedule();
  const results = timeVariants(state, schedule);
  results.forEach((result, i) => {
    const variant = variants[i]!;
    const inactive = variant.atMs === undefined ? 0 : roleActivity(schedule, variant.atMs).inactiveRoles.size;
    const versus = i === 0 ? "" : `  ${percent(result.ratio, 1)} vs none`;
    console.log(`cycle, ${variant.name.padEnd(17)} median ${result.medianMs.toFixed(1).padStart(6)} ms  ${String(result.offers).padStart(6)} offers  ${inactive} inactive${versus}`);
  });
  const activity = timeActivity();
  console.log(`roleActivity, ${roleCount} roles: warm (every cycle) ${activity.warmUs.toFixed(1)} us; at a window edge (10 roles recomputed) ${activity.edgeMs.toFixed(2)} ms; cold (first after loading) ${activity.coldMs.toFixed(2)} ms`);
  console.log(`parsing the ${roleCount}-role document (with the one-year overlap check): ${parseMs.toFixed(1)} ms first, ${timeMs(() => parseSchedule()).toFixed(1)} ms again`);
  const added = results[1]!.ratio;
  console.log(`target: a schedule (all open, cap 1.5) adds <= 5%: ${percent(added, 1)}, ${added <= 1.05 ? "met" : "NOT met"}`);
}

main();

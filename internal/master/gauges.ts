// The master's state as plain numbers for metrics: agents, frameworks and tasks by state, and
// resources total, reserved, offered and allocated for the cluster, per role and per agent. Read
// when metrics are collected (a scrape, an OTLP push), never on the allocation path: one pass over
// agents, offers and tasks, scalars only.

import { roleActivity } from "../allocator/role-schedule/index.ts";
import { unreservedRole, type Resources } from "../resources/index.ts";
import type { TaskState } from "../wire/index.ts";
import type { Master } from "./master.ts";
import type { AgentGauges, AgentGaugeState, FrameworkGaugeState, MasterGauges, ResourceAmounts, RoleGauges } from "./observer.ts";

const zero = (): ResourceAmounts => ({ cpus: 0, memMb: 0, diskMb: 0 });

function add(into: ResourceAmounts, resources: Resources): void {
  into.cpus += resources.scalar("cpus");
  into.memMb += resources.scalar("mem");
  into.diskMb += resources.scalar("disk");
}

function addReserved(into: ResourceAmounts, resources: Resources, role: string): void {
  add(into, resources.reservedBy(role));
}

interface RoleSums {
  reserved: ResourceAmounts;
  offered: ResourceAmounts;
  allocated: ResourceAmounts;
}

interface AgentSums {
  offered: ResourceAmounts;
  allocated: ResourceAmounts;
}

export function masterGauges(m: Master): MasterGauges {
  const roles = new Map<string, RoleSums>();
  const roleOf = (role: string): RoleSums => {
    let sums = roles.get(role);
    if (sums === undefined) roles.set(role, (sums = { reserved: zero(), offered: zero(), allocated: zero() }));
    return sums;
  };
  const perAgent = new Map<string, AgentSums>();
  const agentOf = (id: string): AgentSums => {
    let sums = perAgent.get(id);
    if (sums === undefined) perAgent.set(id, (sums = { offered: zero(), allocated: zero() }));
    return sums;
  };
  const cluster = { total: zero(), reserved: zero(), offered: zero(), allocated: zero() };
  for (const offer of m.offers.values()) {
    add(roleOf(offer.role).offered, offer.resources);
    add(agentOf(offer.agentId).offered, offer.resources);
    add(cluster.offered, offer.resources);
  }
  const tasksByState = new Map<TaskState, number>();
  for (const task of m.tasks.values()) {
    tasksByState.set(task.state, (tasksByState.get(task.state) ?? 0) + 1);
    if (task.released) continue;
    add(roleOf(task.role).allocated, task.resources);
    add(agentOf(task.agentId).allocated, task.resources);
    add(cluster.allocated, task.resources);
  }
  const agents = agentGauges(m, perAgent, roleOf, cluster);
  const schedule = m.roleSchedule.schedule;
  const windows = schedule === undefined ? undefined : roleActivity(schedule, m.nowMs()).perRole;
  for (const role of windows?.keys() ?? []) roleOf(role);
  const roleList: RoleGauges[] = [...roles.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([role, sums]) => ({ role, ...sums, windowOpen: windows?.get(role)?.active }));
  return {
    agentsByState: agentStates(m),
    frameworksByState: frameworkStates(m),
    tasksByState,
    taskTransitions: new Map(m.metrics.taskStates),
    outstandingOffers: m.offers.size,
    cluster,
    roles: roleList,
    agents,
    maxOversubscription: schedule?.maxOversubscription,
  };
}

/** What an agent's advertised resources amount to; its Resources object only changes when they do. */
interface StaticAmounts {
  readonly total: ResourceAmounts;
  readonly reserved: ResourceAmounts;
  readonly byRole: ReadonlyArray<readonly [string, ResourceAmounts]>;
}

// Keyed by the agent's (immutable) total, so a collection over 10,000 agents does the resource
// arithmetic only for agents whose resources changed since the last one.
const staticAmountsCache = new WeakMap<Resources, StaticAmounts>();

function staticAmounts(total: Resources): StaticAmounts {
  let amounts = staticAmountsCache.get(total);
  if (amounts !== undefined) return amounts;
  const all = zero();
  add(all, total);
  const reserved = zero();
  const byRole: Array<readonly [string, ResourceAmounts]> = [];
  for (const role of total.roles()) {
    if (role === unreservedRole) continue;
    const ofRole = zero();
    addReserved(ofRole, total, role);
    addTo(reserved, ofRole);
    byRole.push([role, ofRole]);
  }
  amounts = { total: all, reserved, byRole };
  staticAmountsCache.set(total, amounts);
  return amounts;
}

function addTo(into: ResourceAmounts, amounts: ResourceAmounts): void {
  into.cpus += amounts.cpus;
  into.memMb += amounts.memMb;
  into.diskMb += amounts.diskMb;
}

function agentGauges(m: Master, perAgent: Map<string, AgentSums>, roleOf: (role: string) => RoleSums, cluster: { total: ResourceAmounts; reserved: ResourceAmounts }): AgentGauges[] {
  const list: AgentGauges[] = [];
  const none: AgentSums = { offered: zero(), allocated: zero() };
  for (const agent of m.agents.values()) {
    if (agent.connection === "unreachable") continue;
    const { total, reserved, byRole } = staticAmounts(agent.total);
    addTo(cluster.total, total);
    addTo(cluster.reserved, reserved);
    for (const [role, amounts] of byRole) addTo(roleOf(role).reserved, amounts);
    const sums = perAgent.get(agent.record.id) ?? none;
    const physicalCpus = agent.record.physicalCpus;
    list.push({
      agentId: agent.record.id,
      hostname: agent.record.hostname,
      total,
      reserved,
      offered: sums.offered,
      allocated: sums.allocated,
      oversubscriptionRatio: physicalCpus > 0 ? sums.allocated.cpus / physicalCpus : 0,
    });
  }
  return list;
}

function agentStates(m: Master): Map<AgentGaugeState, number> {
  const counts = new Map<AgentGaugeState, number>([["active", 0], ["inactive", 0], ["disconnected", 0], ["unreachable", 0]]);
  for (const agent of m.agents.values()) {
    let state: AgentGaugeState;
    if (agent.connection === "unreachable") state = "unreachable";
    else if (agent.connection === "disconnected") state = "disconnected";
    else state = agent.record.deactivated || agent.record.draining ? "inactive" : "active";
    counts.set(state, counts.get(state)! + 1);
  }
  return counts;
}

function frameworkStates(m: Master): Map<FrameworkGaugeState, number> {
  const counts = new Map<FrameworkGaugeState, number>([["active", 0], ["inactive", 0], ["disconnected", 0]]);
  for (const framework of m.frameworks.values()) {
    const state: FrameworkGaugeState = !framework.connected ? "disconnected" : framework.active ? "active" : "inactive";
    counts.set(state, counts.get(state)! + 1);
  }
  return counts;
}

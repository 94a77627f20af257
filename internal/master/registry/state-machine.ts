// Applies registry ops to a state. Pure: the same ops in the same order give the same state, which
// is what lets a log replay (and later Raft) rebuild it.

import { assertNever } from "../../runtime/index.ts";
import type { RegistryOp, RegistryState } from "./types.ts";

/** Completed frameworks kept in the registry; older ones are forgotten. */
export const removedFrameworksMax = 1000;

export function emptyRegistryState(): RegistryState {
  return { epoch: 0, agents: {}, frameworks: {}, weights: {}, quotas: {}, maintenance: { windows: [], machines: {} } };
}

export function machineKey(machine: { hostname?: string; ip?: string }): string {
  return `${machine.hostname ?? ""}|${machine.ip ?? ""}`;
}

/** Mutates `state` in place (callers own it); returns it for convenience. */
export function applyRegistryOp(state: RegistryState, op: RegistryOp): RegistryState {
  switch (op.type) {
    case "BUMP_EPOCH":
      state.epoch += 1;
      return state;
    case "ADMIT_AGENT":
      state.agents[op.agent.id] = op.agent;
      return state;
    case "UPDATE_AGENT": {
      const agent = state.agents[op.agentId];
      if (agent) state.agents[op.agentId] = { ...agent, ...op.changes, id: agent.id };
      return state;
    }
    case "ADD_FRAMEWORK":
      state.frameworks[op.framework.id] = op.framework;
      return state;
    case "UPDATE_FRAMEWORK": {
      const framework = state.frameworks[op.frameworkId];
      if (framework) framework.info = op.info;
      return state;
    }
    case "REMOVE_FRAMEWORK":
      removeFramework(state, op.frameworkId, op.removedAtMs);
      return state;
    case "SET_WEIGHTS":
      state.weights = { ...state.weights, ...op.weights };
      return state;
    case "SET_QUOTA":
      if (op.limits === null) delete state.quotas[op.role];
      else state.quotas[op.role] = op.limits;
      return state;
    case "SET_MAINTENANCE_WINDOWS":
      state.maintenance.windows = op.windows;
      return state;
    case "SET_MACHINE_MODES":
      for (const machine of op.machines) {
        const key = machineKey(machine);
        if (op.mode === "UP") delete state.maintenance.machines[key];
        else state.maintenance.machines[key] = { ...machine, mode: op.mode };
      }
      return state;
    case "SET_ROLE_SCHEDULE":
      state.roleSchedule = op.schedule;
      return state;
    default:
      return assertNever(op);
  }
}

function removeFramework(state: RegistryState, frameworkId: string, removedAtMs: number): void {
  const framework = state.frameworks[frameworkId];
  if (!framework) return;
  framework.removedAtMs = removedAtMs;
  const removed = Object.values(state.frameworks).filter((f) => f.removedAtMs !== undefined);
  if (removed.length <= removedFrameworksMax) return;
  removed.sort((a, b) => (a.removedAtMs ?? 0) - (b.removedAtMs ?? 0));
  for (const old of removed.slice(0, removed.length - removedFrameworksMax)) delete state.frameworks[old.id];
}

// Health-check interpretation with Mesos's semantics: failures inside the grace period are ignored
// until the first success; every counted failure is reported (with the running count), the first
// success and the first success after failures are reported, and the task is to be killed once
// consecutive_failures is reached. Pure: time comes in as nowMs.

import { assert } from "../../runtime/index.ts";
import type { HealthCheck } from "../../wire/index.ts";
import type { HealthEvent } from "./types.ts";

/** Mesos's defaults for HealthCheck fields left unset. */
export const healthCheckDefaults = {
  delaySeconds: 15,
  intervalSeconds: 10,
  timeoutSeconds: 20,
  consecutiveFailures: 3,
  gracePeriodSeconds: 10,
} as const;

export type HealthProbe =
  | { type: "COMMAND"; command: NonNullable<HealthCheck["command"]> }
  | { type: "HTTP"; scheme: "http" | "https"; port: number; path: string; statuses: number[] }
  | { type: "TCP"; port: number };

export interface HealthPolicy {
  probe: HealthProbe;
  delayMs: number;
  intervalMs: number;
  timeoutMs: number;
  consecutiveFailures: number;
  gracePeriodMs: number;
}

/** Validates a HealthCheck and fills in defaults; an error string names the field. */
export function healthPolicyOf(check: HealthCheck): HealthPolicy | string {
  const probe = probeOf(check);
  if (typeof probe === "string") return probe;
  const seconds = (value: number | undefined, fallback: number, field: string): number | string => {
    const s = value ?? fallback;
    return Number.isFinite(s) && s >= 0 ? s * 1000 : `health_check.${field} must be a non-negative number`;
  };
  const delayMs = seconds(check.delay_seconds, healthCheckDefaults.delaySeconds, "delay_seconds");
  const intervalMs = seconds(check.interval_seconds, healthCheckDefaults.intervalSeconds, "interval_seconds");
  const timeoutMs = seconds(check.timeout_seconds, healthCheckDefaults.timeoutSeconds, "timeout_seconds");
  const gracePeriodMs = seconds(check.grace_period_seconds, healthCheckDefaults.gracePeriodSeconds, "grace_period_seconds");
  for (const v of [delayMs, intervalMs, timeoutMs, gracePeriodMs]) if (typeof v === "string") return v;
  const consecutiveFailures = check.consecutive_failures ?? healthCheckDefaults.consecutiveFailures;
  if (!Number.isInteger(consecutiveFailures) || consecutiveFailures < 1) {
    return "health_check.consecutive_failures must be a positive integer";
  }
  return {
    probe,
    delayMs: delayMs as number,
    intervalMs: intervalMs as number,
    timeoutMs: timeoutMs as number,
    gracePeriodMs: gracePeriodMs as number,
    consecutiveFailures,
  };
}

function probeOf(check: HealthCheck): HealthProbe | string {
  const validPort = (port: number | undefined) => port !== undefined && Number.isInteger(port) && port > 0 && port < 65536;
  switch (check.type) {
    case "COMMAND":
      if (check.command?.value === undefined || check.command.value === "") return "health_check.command.value is required";
      return { type: "COMMAND", command: check.command };
    case "HTTP": {
      const http = check.http;
      if (http === undefined || !validPort(http.port)) return "health_check.http.port must be a port number";
      const scheme = http.scheme ?? "http";
      if (scheme !== "http" && scheme !== "https") return "health_check.http.scheme must be http or https";
      const path = http.path ?? "/";
      return { type: "HTTP", scheme, port: http.port, path: path.startsWith("/") ? path : `/${path}`, statuses: http.statuses ?? [] };
    }
    case "TCP":
      if (check.tcp === undefined || !validPort(check.tcp.port)) return "health_check.tcp.port must be a port number";
      return { type: "TCP", port: check.tcp.port };
    case undefined:
    case "UNKNOWN":
      return "health_check.type must be COMMAND, HTTP or TCP";
  }
}

/** HTTP: `statuses` when given, else any 2xx or 3xx. */
export function httpStatusHealthy(status: number, statuses: readonly number[]): boolean {
  return statuses.length > 0 ? statuses.includes(status) : status >= 200 && status <= 399;
}

export interface HealthState {
  startedMs: number;
  /** No success seen yet: the grace period still applies. */
  initializing: boolean;
  consecutiveFailures: number;
  /** killTask was reported; checking stops. */
  done: boolean;
}

export function initialHealthState(startedMs: number): HealthState {
  return { startedMs, initializing: true, consecutiveFailures: 0, done: false };
}

export function healthStep(
  state: HealthState,
  policy: HealthPolicy,
  containerId: string,
  healthy: boolean,
  nowMs: number,
): { state: HealthState; event: HealthEvent | null } {
  assert(!state.done, "health step after the kill was already requested");
  if (healthy) {
    const report = state.initializing || state.consecutiveFailures > 0;
    const next = { ...state, initializing: false, consecutiveFailures: 0 };
    return { state: next, event: report ? { containerId, healthy: true, consecutiveFailures: 0, killTask: false } : null };
  }
  const inGrace = state.initializing && policy.gracePeriodMs > 0 && nowMs - state.startedMs <= policy.gracePeriodMs;
  if (inGrace) return { state, event: null };
  const consecutiveFailures = state.consecutiveFailures + 1;
  const killTask = consecutiveFailures >= policy.consecutiveFailures;
  return {
    state: { ...state, consecutiveFailures, done: killTask },
    event: { containerId, healthy: false, consecutiveFailures, killTask },
  };
}

/** When the next probe is due: delay after the launch for the first, then interval after the last. */
export function nextProbeDelayMs(policy: HealthPolicy, startedMs: number, nowMs: number, first: boolean): number {
  if (first) return Math.max(0, startedMs + policy.delayMs - nowMs);
  return policy.intervalMs;
}

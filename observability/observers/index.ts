// The OpenTelemetry side of the cores' observer interfaces (internal/*/observer.ts): spans and
// instruments for the master, agent, zk-lite and cron. cmd/ wires them; the cores never see
// OpenTelemetry. With the SDK disabled every mode gets the cores' no-op observers.

import type { Meter, Tracer } from "@opentelemetry/api";
import { noopAgentObserver, type AgentObserver } from "../../internal/agent/index.ts";
import { noopCronObserver, type CronObserver } from "../../internal/cron/index.ts";
import { noopMasterObserver, type MasterObserver } from "../../internal/master/index.ts";
import type { Clock } from "../../internal/runtime/index.ts";
import { noopZkObserver, type ZkObserver } from "../../internal/zk/index.ts";
import { createAgentObserver } from "./agent-observer.ts";
import { createCronObserver } from "./cron-observer.ts";
import { createMasterObserver } from "./master-observer.ts";
import { createZkObserver } from "./zk-observer.ts";

export { agentLaunchesPendingMax, agentUpdatesUnackedMax, containerUsageTasksMax, createAgentObserver } from "./agent-observer.ts";
export { createCronObserver } from "./cron-observer.ts";
export { createMasterObserver, launchSpanTaskIdsMax, roleWindowSpanEventsMax } from "./master-observer.ts";
export { createZkObserver, zkRequestSpanSampleEvery } from "./zk-observer.ts";

/** One observer per core a process runs; each factory is called at most once per process. */
export interface ModeObservers {
  master(options?: { perAgentSeries?: boolean }): MasterObserver;
  agent(): AgentObserver;
  zk(): ZkObserver;
  cron(): CronObserver;
}

export function createModeObservers(telemetry: { readonly enabled: boolean; readonly meter: Meter; readonly tracer: Tracer }, clock: Clock): ModeObservers {
  if (!telemetry.enabled) return noopModeObservers;
  const { meter, tracer } = telemetry;
  return {
    master: (options = {}) => createMasterObserver({ meter, tracer, clock, ...options }),
    agent: () => createAgentObserver({ meter, tracer, clock }),
    zk: () => createZkObserver({ meter, tracer, clock }),
    cron: () => createCronObserver({ meter, tracer, clock }),
  };
}

export const noopModeObservers: ModeObservers = {
  master: () => noopMasterObserver,
  agent: () => noopAgentObserver,
  zk: () => noopZkObserver,
  cron: () => noopCronObserver,
};

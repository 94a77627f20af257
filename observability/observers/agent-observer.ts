// AgentObserver with OpenTelemetry. Per task, `task.start` (RUN_TASKS received to TASK_RUNNING,
// or to the terminal state a failed launch reaches) and `task.running` (the first TASK_RUNNING)
// are children of the master's `task.launch`, whose context came in RUN_TASKS.traceparent. Both
// spans are made when the task gets there, from the time RUN_TASKS arrived: a task the agent
// forgets (the process restarts) leaves no open span behind. Metrics: status update retries and
// acknowledgement latency, task start time, tasks by state, and each running task's container
// usage as /monitor/statistics reports it.

import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type Meter, type Tracer } from "@opentelemetry/api";
import type { AgentObserver, AgentStateSource } from "../../internal/agent/index.ts";
import type { Clock } from "../../internal/runtime/index.ts";
import { isTerminalState, type TaskStatus } from "../../internal/wire/index.ts";
import { latencyHistogram } from "./attribute-sets.ts";
import { hrTimeOfMs } from "./span-time.ts";

/** Tasks waiting for TASK_RUNNING whose RUN_TASKS time is kept; the oldest go first beyond this. */
export const agentLaunchesPendingMax = 100_000;
/** Updates sent and not yet acknowledged whose first send time is kept. */
export const agentUpdatesUnackedMax = 100_000;
/** Running tasks whose container usage one collection reports; the rest are left out. */
export const containerUsageTasksMax = 5_000;

interface PendingLaunch {
  /** Wall time on the agent's clock, for the spans. */
  readonly receivedMs: number;
  /** Monotonic time on the agent's clock, for the start duration. */
  readonly receivedMonoMs: number;
  readonly parent: Context;
}

export interface AgentObserverOptions {
  meter: Meter;
  tracer: Tracer;
  /** The agent's clock: span times and durations are read from it. */
  clock: Clock;
}

export function createAgentObserver(options: AgentObserverOptions): AgentObserver {
  return new OtelAgentObserver(options.meter, options.tracer, options.clock);
}

class OtelAgentObserver implements AgentObserver {
  private readonly launches = new Map<string, PendingLaunch>();
  private readonly unacked = new Map<string, number>();
  private readonly retries;
  private readonly ackDuration;
  private readonly startDuration;

  constructor(
    private readonly meter: Meter,
    private readonly tracer: Tracer,
    private readonly clock: Clock,
  ) {
    this.retries = meter.createCounter("agent.status_update.retries", { description: "Status updates sent again for want of an acknowledgement.", unit: "{update}" });
    this.retries.add(0);
    this.ackDuration = latencyHistogram(meter, "agent.status_update.ack.duration", "Time from a status update's first send to the framework's acknowledgement reaching the agent.");
    this.startDuration = latencyHistogram(meter, "agent.task.start.duration", "Time from RUN_TASKS arriving to the task's TASK_RUNNING.");
  }

  bind(source: AgentStateSource): void {
    registerAgentGauges(this.meter, source);
  }

  runTasksReceived(frameworkId: string, taskIds: readonly string[], traceparent: string | undefined): void {
    const parent = traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, { traceparent });
    const launch: PendingLaunch = { receivedMs: this.clock.nowMs(), receivedMonoMs: this.clock.monotonicMs(), parent };
    for (const taskId of taskIds) {
      if (this.launches.size >= agentLaunchesPendingMax) this.dropOldest(this.launches);
      this.launches.set(`${frameworkId}\u0000${taskId}`, launch);
    }
  }

  statusUpdate(frameworkId: string, taskId: string, status: TaskStatus): void {
    const running = status.state === "TASK_RUNNING";
    if (!running && !isTerminalState(status.state)) return;
    const key = `${frameworkId}\u0000${taskId}`;
    const launch = this.launches.get(key);
    if (launch === undefined) return;
    this.launches.delete(key);
    const now = hrTimeOfMs(this.clock.nowMs());
    const attributes: Attributes = { "task.id": taskId, "framework.id": frameworkId, "task.state": status.state };
    const start = this.tracer.startSpan("task.start", { kind: SpanKind.CONSUMER, startTime: hrTimeOfMs(launch.receivedMs), attributes }, launch.parent);
    if (!running) start.setStatus({ code: SpanStatusCode.ERROR, message: status.message ?? status.state });
    start.end(now);
    if (!running) return;
    this.startDuration.record(Math.max(0, this.clock.monotonicMs() - launch.receivedMonoMs) / 1000);
    this.tracer.startSpan("task.running", { startTime: now, attributes }, launch.parent).end(now);
  }

  statusUpdateSent(_frameworkId: string, _taskId: string, uuid: string, resends: number): void {
    if (resends > 0) {
      this.retries.add(1);
      return;
    }
    if (this.unacked.size >= agentUpdatesUnackedMax) this.dropOldest(this.unacked);
    this.unacked.set(uuid, this.clock.monotonicMs());
  }

  statusUpdateAcknowledged(_frameworkId: string, _taskId: string, uuid: string): void {
    const sentMs = this.unacked.get(uuid);
    if (sentMs === undefined) return;
    this.unacked.delete(uuid);
    this.ackDuration.record(Math.max(0, this.clock.monotonicMs() - sentMs) / 1000);
  }

  /** Maps keep insertion order: the first key is the oldest. */
  private dropOldest(map: Map<string, unknown>): void {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}

function registerAgentGauges(meter: Meter, source: AgentStateSource): void {
  const tasks = meter.createObservableGauge("agent.tasks", { description: "Tasks on this agent, by state.", unit: "{task}" });
  const pending = meter.createObservableGauge("agent.status_updates.pending", { description: "Status updates not yet acknowledged.", unit: "{update}" });
  meter.addBatchObservableCallback(
    (result) => {
      for (const [state, count] of source.tasksByState()) result.observe(tasks, count, { state });
      result.observe(pending, source.pendingUpdates());
    },
    [tasks, pending],
  );
  // Names follow the OpenTelemetry container.* conventions; one series per running task.
  const cpuTime = meter.createObservableCounter("container.cpu.time", { description: "Cpu time used by a task's container, by mode (user, system).", unit: "s" });
  const cpuLimit = meter.createObservableGauge("container.cpu.limit", { description: "Cpus a task's container may use.", unit: "{cpu}" });
  const throttled = meter.createObservableCounter("container.cpu.throttled.time", { description: "Time a task's container was throttled by its cpu quota (cgroups).", unit: "s" });
  const memory = meter.createObservableGauge("container.memory.usage", { description: "Resident memory of a task's container.", unit: "By" });
  const memoryLimit = meter.createObservableGauge("container.memory.limit", { description: "Memory limit of a task's container.", unit: "By" });
  meter.addBatchObservableCallback(
    async (result) => {
      const usage = await source.usage();
      for (const task of usage.slice(0, containerUsageTasksMax)) {
        const labels = { "framework.id": task.frameworkId, "executor.id": task.executorId };
        const s = task.statistics;
        if (s.cpus_user_time_secs !== undefined) result.observe(cpuTime, s.cpus_user_time_secs, { ...labels, "cpu.mode": "user" });
        if (s.cpus_system_time_secs !== undefined) result.observe(cpuTime, s.cpus_system_time_secs, { ...labels, "cpu.mode": "system" });
        // Without a cpu quota (posix isolation) nothing is ever throttled.
        result.observe(throttled, s.cpus_throttled_time_secs ?? 0, labels);
        if (s.mem_rss_bytes !== undefined) result.observe(memory, s.mem_rss_bytes, labels);
        result.observe(cpuLimit, s.cpus_limit, labels);
        result.observe(memoryLimit, s.mem_limit_bytes, labels);
      }
    },
    [cpuTime, cpuLimit, throttled, memory, memoryLimit],
  );
}

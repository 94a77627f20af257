// ACCEPT and DECLINE. An ACCEPT is answered 202 at once, as in Mesos; what goes wrong with its
// operations reaches the framework as TASK_ERROR (the task is malformed or asks for more than was
// offered) or TASK_DROPPED / TASK_LOST (the offers are gone), with a message naming the problem.

import { refuseFilterDurationMs } from "../allocator/index.ts";
import { Resources, parseResourcesJSONValue, unreservedRole } from "../resources/index.ts";
import {
  validateLaunchGroup,
  validateTaskInfo,
  type ExecutorInfo,
  type Filters,
  type OfferOperation,
  type SchedulerCallOf,
  type TaskInfo,
  type TaskStatusReason,
} from "../wire/index.ts";
import { sendToAgent } from "./agents.ts";
import type { Master } from "./master.ts";
import { masterStatus } from "./status.ts";
import { reservedResources, withReservations } from "./reservations.ts";
import { addTask, hasCapability, taskResources } from "./tasks.ts";
import type { TraceRef } from "./observer.ts";
import type { FrameworkEntry, OfferEntry } from "./types.ts";
import { taskKey } from "./types.ts";

interface Launch {
  tasks: TaskInfo[];
  executor?: ExecutorInfo;
}

/** An accepted offer with the observer's handle of its ended span. */
type UsedOffer = { offer: OfferEntry; ended: TraceRef | undefined };

/** `trace`: the observer's handle of this call, when it is traced. */
export function accept(m: Master, framework: FrameworkEntry, call: SchedulerCallOf<"ACCEPT">, trace?: TraceRef): void {
  const { offer_ids: offerIds, operations, filters } = call.accept;
  const offers: OfferEntry[] = [];
  let offerProblem: string | undefined;
  for (const id of offerIds) {
    const offer = m.offers.get(id.value);
    if (!offer || offer.frameworkId !== framework.id) offerProblem ??= `Offer ${id.value} is no longer valid`;
    else offers.push(offer);
  }
  if (offers.length > 0 && offers.some((o) => o.agentId !== offers[0]!.agentId)) offerProblem ??= "Aggregated offers must belong to one agent";
  if (offers.length > 0 && offers.some((o) => o.role !== offers[0]!.role)) offerProblem ??= "Aggregated offers must be allocated to one role";
  if (offers.length === 0) offerProblem ??= "No offers to accept";
  const refuseSeconds = filters?.refuse_seconds;
  const ending = offerProblem === undefined
    ? { outcome: "accepted" as const, ...(refuseSeconds !== undefined ? { refuseSeconds } : {}), ...(trace ? { call: trace } : {}) }
    : { outcome: "invalid" as const, reason: offerProblem, ...(trace ? { call: trace } : {}) };
  // Ending an offer also frees its resources in the allocator; what the operations use is booked
  // again below, before anything else can run.
  const used = offers.flatMap((offer) => m.endOffer(offer.id, ending) ?? []);
  if (offerProblem !== undefined) {
    dropAllTasks(m, framework, operations, offerProblem);
    m.requestAllocation();
    return;
  }
  m.metrics.offersAccepted += offers.length;
  applyOperations(m, framework, used, operations, filters, trace);
}

function applyOperations(m: Master, framework: FrameworkEntry, used: UsedOffer[], operations: OfferOperation[], filters: Filters | undefined, trace: TraceRef | undefined): void {
  const offers = used.map((u) => u.offer);
  const agentId = offers[0]!.agentId;
  const role = offers[0]!.role;
  const work: AcceptWork = { agentId, remaining: offers.reduce((sum, offer) => sum.plus(offer.resources), Resources.EMPTY), launched: Resources.EMPTY, launches: [], dynamicChange: undefined };
  for (const [index, operation] of operations.entries()) {
    const path = `accept.operations[${index}]`;
    if (operation.type === "RESERVE" || operation.type === "UNRESERVE") {
      applyReservation(m, framework, work, operation, path, role);
      continue;
    }
    const launch = operationLaunch(m, framework, operation, path, agentId);
    if (!launch) continue;
    const executorResources = launch.executor?.resources ? parseResourcesJSONValue(launch.executor.resources, unreservedRole) : Resources.EMPTY;
    const needed = launch.tasks.reduce((sum, task) => sum.plus(taskResources(task)), executorResources);
    if (!work.remaining.contains(needed)) {
      for (const task of launch.tasks) taskError(m, framework, task, "REASON_TASK_INVALID", `${path}: tasks need ${needed.toText()} but the offers hold only ${work.remaining.toText()}`);
      continue;
    }
    work.remaining = work.remaining.minus(needed);
    work.launched = work.launched.plus(needed);
    work.launches.push(launch);
  }
  if (work.dynamicChange) commitReservations(m, agentId, work.dynamicChange);
  if (!work.launched.isEmpty()) m.allocator.recordAllocation(framework.id, agentId, role, work.launched);
  installFilter(m, framework.id, agentId, role, work.remaining, filters);
  for (const launch of work.launches) launchTasks(m, framework, used, launch, trace);
  m.requestAllocation();
}

interface AcceptWork {
  agentId: string;
  remaining: Resources;
  launched: Resources;
  launches: Launch[];
  /** The agent's dynamic reservations after this call, when it changes them. */
  dynamicChange: Resources | undefined;
}

/** RESERVE turns offered unreserved resources into the role's; UNRESERVE undoes dynamic ones. */
function applyReservation(m: Master, framework: FrameworkEntry, work: AcceptWork, operation: Extract<OfferOperation, { type: "RESERVE" | "UNRESERVE" }>, path: string, role: string): void {
  const resources = operation.type === "RESERVE" ? operation.reserve.resources : operation.unreserve.resources;
  const { reserved, problem } = reservedResources(resources);
  const fail = (text: string): void => {
    m.logger.warn({ framework_id: framework.id, operation: operation.type, problem: text }, "reservation refused");
    // Mesos reports a failed operation only to frameworks that gave it an id, as OPERATION_ERROR.
    if (operation.id) {
      m.sendToFramework(framework.id, { type: "UPDATE_OPERATION_STATUS", update_operation_status: { status: { operation_id: operation.id, state: "OPERATION_ERROR", message: `${path}: ${text}`, agent_id: { value: work.agentId } } } });
    }
  };
  if (problem) return fail(problem);
  if (reserved.roles().some((r) => r !== role)) return fail(`reservations must be for the offer's role '${role}'`);
  const unreserved = reserved.flatten(unreservedRole);
  const dynamic = work.dynamicChange ?? currentDynamic(m, work.agentId);
  if (operation.type === "RESERVE") {
    if (!work.remaining.contains(unreserved)) return fail(`the offers do not hold ${unreserved.toText()} unreserved`);
    work.remaining = work.remaining.minus(unreserved).plus(reserved);
    work.dynamicChange = dynamic.plus(reserved);
  } else {
    if (!dynamic.contains(reserved) || !work.remaining.contains(reserved)) return fail(`${reserved.toText()} is not dynamically reserved in the offers`);
    work.remaining = work.remaining.minus(reserved).plus(unreserved);
    work.dynamicChange = dynamic.minus(reserved);
  }
}

function currentDynamic(m: Master, agentId: string): Resources {
  const record = m.agents.get(agentId)?.record;
  return record?.dynamicReservations ? parseResourcesJSONValue(record.dynamicReservations, unreservedRole) : Resources.EMPTY;
}

/** The agent's new dynamic reservations: the allocator's total follows, and the registry keeps them. */
function commitReservations(m: Master, agentId: string, dynamic: Resources): void {
  const agent = m.agents.get(agentId);
  if (!agent) return;
  const advertised = agent.total.minus(currentDynamic(m, agentId)).plus(currentDynamic(m, agentId).flatten(unreservedRole));
  const total = withReservations(advertised, dynamic);
  if (!total) return;
  agent.total = total;
  agent.record = { ...agent.record, dynamicReservations: dynamic.toJSON() };
  m.allocator.updateAgent(agentId, { total });
  void m.deps.registry.apply({ type: "UPDATE_AGENT", agentId, changes: { dynamicReservations: dynamic.toJSON() } });
  m.logger.info({ agent_id: agentId, reservations: dynamic.toText() }, "dynamic reservations changed");
}

/** Validates one operation; returns what to launch, or undefined (after telling the framework why). */
function operationLaunch(m: Master, framework: FrameworkEntry, operation: OfferOperation, path: string, agentId: string): Launch | undefined {
  switch (operation.type) {
    case "LAUNCH": {
      const tasks: TaskInfo[] = [];
      for (const [i, task] of operation.launch.task_infos.entries()) {
        const problem = validateTaskInfo(task, { path: `${path}.launch.task_infos[${i}]`, operation: "LAUNCH", agentId, frameworkId: framework.id }) ?? duplicateProblem(m, framework, task, tasks);
        if (problem) taskError(m, framework, task, "REASON_TASK_INVALID", problem);
        else tasks.push(task);
      }
      return tasks.length === 0 ? undefined : { tasks };
    }
    case "LAUNCH_GROUP": {
      const group = operation.launch_group;
      const problem =
        validateLaunchGroup(group, { path: `${path}.launch_group`, agentId, frameworkId: framework.id }) ??
        group.task_group.tasks.map((task) => duplicateProblem(m, framework, task, [])).find((p) => p !== undefined);
      if (problem) {
        for (const task of group.task_group.tasks) taskError(m, framework, task, "REASON_TASK_GROUP_INVALID", problem);
        return undefined;
      }
      return { tasks: group.task_group.tasks, executor: group.executor };
    }
    default:
      m.logger.warn({ framework_id: framework.id, operation: operation.type, path }, "offer operation not supported; ignored");
      return undefined;
  }
}

function duplicateProblem(m: Master, framework: FrameworkEntry, task: TaskInfo, batch: TaskInfo[]): string | undefined {
  const id = task.task_id.value;
  if (m.tasks.has(taskKey(framework.id, id)) || batch.some((t) => t.task_id.value === id)) return `task_id.value: task '${id}' already exists in this framework`;
  return undefined;
}

function launchTasks(m: Master, framework: FrameworkEntry, used: UsedOffer[], launch: Launch, call: TraceRef | undefined): void {
  const { agentId, role, hostname } = used[0]!.offer;
  const executorId = launch.executor?.executor_id.value;
  for (const task of launch.tasks) {
    addTask(m, { frameworkId: framework.id, agentId, info: task, role, resources: taskResources(task), state: "TASK_STAGING", executorId: executorId ?? task.task_id.value });
    m.metrics.countTaskState("TASK_STAGING");
  }
  const taskIds = launch.tasks.map((t) => t.task_id.value);
  const trace = m.observer.taskLaunch({ offers: used, frameworkId: framework.id, frameworkName: framework.info.name, agentId, hostname, role, taskIds, call });
  let sent = false;
  try {
    sent = sendToAgent(m, agentId, {
      type: "RUN_TASKS",
      epoch: m.epoch,
      frameworkId: framework.id,
      framework: framework.info,
      tasks: launch.tasks,
      ...(launch.executor ? { executor: launch.executor } : {}),
      ...(trace.traceparent !== undefined ? { traceparent: trace.traceparent } : {}),
    });
  } finally {
    trace.end(sent);
  }
  if (!sent) m.logger.warn({ agent_id: agentId, framework_id: framework.id }, "agent disconnected before RUN_TASKS; the tasks will be reconciled when it re-registers");
  m.logger.info({ framework_id: framework.id, agent_id: agentId, tasks: taskIds, ...(trace.traceId !== undefined ? { trace_id: trace.traceId } : {}) }, "launching tasks");
}

function installFilter(m: Master, frameworkId: string, agentId: string, role: string, refused: Resources, filters: Filters | undefined): void {
  if (refused.isEmpty()) return;
  const durationMs = refuseFilterDurationMs(filters?.refuse_seconds, m.config.allocationIntervalMs);
  m.allocator.addFilter({ frameworkId, agentId, role, refused, expiresAtMs: m.nowMs() + durationMs });
}

export function decline(m: Master, framework: FrameworkEntry, call: SchedulerCallOf<"DECLINE">, trace?: TraceRef): void {
  const refuseSeconds = call.decline.filters?.refuse_seconds;
  const ending = { outcome: "declined" as const, ...(refuseSeconds !== undefined ? { refuseSeconds } : {}), ...(trace ? { call: trace } : {}) };
  for (const id of call.decline.offer_ids) {
    const offer = m.offers.get(id.value);
    if (!offer || offer.frameworkId !== framework.id) continue;
    m.endOffer(offer.id, ending);
    installFilter(m, framework.id, offer.agentId, offer.role, offer.resources, call.decline.filters);
    m.metrics.offersDeclined += 1;
  }
  m.requestAllocation();
}

function taskError(m: Master, framework: FrameworkEntry, task: unknown, reason: TaskStatusReason, message: string): void {
  const taskId = (task as TaskInfo | undefined)?.task_id?.value ?? "";
  m.metrics.countTaskState("TASK_ERROR");
  m.sendToFramework(framework.id, { type: "UPDATE", update: { status: masterStatus({ taskId, state: "TASK_ERROR", reason, message, nowMs: m.nowMs() }) } });
}

/** The offers were gone: every task of the call is dropped (lost, for frameworks not partition-aware). */
function dropAllTasks(m: Master, framework: FrameworkEntry, operations: OfferOperation[], problem: string): void {
  const state = hasCapability(framework.info, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
  for (const operation of operations) {
    const tasks = operation.type === "LAUNCH" ? operation.launch.task_infos : operation.type === "LAUNCH_GROUP" ? operation.launch_group.task_group.tasks : [];
    for (const task of tasks) {
      m.metrics.countTaskState(state);
      m.sendToFramework(framework.id, {
        type: "UPDATE",
        update: { status: masterStatus({ taskId: task.task_id?.value ?? "", state, reason: "REASON_INVALID_OFFERS", message: problem, nowMs: m.nowMs() }) },
      });
    }
  }
}

// The role schedule in force on this master, where it came from, and what its window changes
// did. Plain state and plain data: role-schedule.ts acts on it, the HTTP routes and /metrics read
// it, and observability/ may subscribe to its events (they carry no OpenTelemetry).

import { roleActivity, type OnWindowEnd, type RoleSchedule } from "../allocator/role-schedule/index.ts";

export type RoleScheduleSource = "file" | "api";

/** What the registry keeps under `roleSchedule` (SET_ROLE_SCHEDULE). */
export interface StoredRoleSchedule {
  /** The document as given; null after DELETE /master/roles/schedule. */
  document: unknown;
  source: RoleScheduleSource;
  /** SHA-256 of the --role_schedule file last applied: an unchanged file does not undo a later PUT. */
  fileSha256?: string;
  setAtMs: number;
}

export interface RoleWindowOffer {
  readonly offerId: string;
  readonly frameworkId: string;
  readonly agentId: string;
}

export interface RoleWindowTask {
  readonly taskId: string;
  readonly frameworkId: string;
  readonly agentId: string;
}

/** One window change of one role, with what the master did about it. */
export interface RoleWindowEvent {
  readonly kind: "role-window-opened" | "role-window-closed";
  readonly role: string;
  /** When the window opened or closed by the schedule (the master acts within a housekeeping tick). */
  readonly atMs: number;
  readonly observedAtMs: number;
  /** `window`: the clock passed an edge; `schedule-changed`: a new schedule made the difference. */
  readonly cause: "window" | "schedule-changed";
  /** Closed only. */
  readonly onWindowEnd: OnWindowEnd | undefined;
  readonly rescindedOffers: readonly RoleWindowOffer[];
  /** `revoke`: tasks killed (KILL_TASK sent, or queued for a disconnected agent). */
  readonly revokedTasks: readonly RoleWindowTask[];
  /** `drain`: tasks left to finish. */
  readonly drainingTasks: readonly RoleWindowTask[];
}

export interface AllocationLimits {
  readonly inactiveRoles: ReadonlySet<string>;
  readonly maxOversubscription: number;
}

/** Without a schedule the master behaves as Mesos: every role active, no cap. */
export const noAllocationLimits: AllocationLimits = { inactiveRoles: new Set(), maxOversubscription: Number.POSITIVE_INFINITY };

/** Window events kept for GET /master/roles/schedule. */
export const roleWindowEventsKeptMax = 64;

export class RoleScheduleKeeper {
  schedule: RoleSchedule | undefined;
  source: RoleScheduleSource | undefined;
  /** Of the --role_schedule file last applied (whichever schedule is in force now). */
  fileSha256: string | undefined;
  setAtMs: number | undefined;
  /** The instant window transitions were last looked for; they are looked for in (last, now]. */
  lastCheckedMs: number | undefined;
  readonly recentEvents: RoleWindowEvent[] = [];
  private readonly listeners = new Set<(event: RoleWindowEvent) => void>();

  allocationLimits(nowMs: number): AllocationLimits {
    if (this.schedule === undefined) return noAllocationLimits;
    return { inactiveRoles: roleActivity(this.schedule, nowMs).inactiveRoles, maxOversubscription: this.schedule.maxOversubscription };
  }

  /** Calls `listener` with every window event from now on; returns the unsubscribe. */
  onEvent(listener: (event: RoleWindowEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: RoleWindowEvent): void {
    this.recentEvents.push(event);
    if (this.recentEvents.length > roleWindowEventsKeptMax) this.recentEvents.splice(0, this.recentEvents.length - roleWindowEventsKeptMax);
    for (const listener of this.listeners) listener(event);
  }
}

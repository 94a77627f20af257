// A role schedule: when each role's reservations may be offered, what happens to the role's
// tasks when its window closes, and the per-agent cpus cap while a schedule is in force. The
// document is JSON (see README.md); these are its parsed, validated forms and the answers the
// core gives about them. Every instant is milliseconds since the Unix epoch.

import type { WallCron } from "./cron-walk.ts";

/** What happens to a role's running tasks (holding its reservations) when its window closes. */
export type OnWindowEnd = "revoke" | "drain";

/** One `windows[]` entry: opens at each occurrence of `cron` and stays open for `durationMs`. */
export interface ScheduleWindow {
  /** As written in the document. */
  readonly cron: string;
  readonly durationMs: number;
  /** The expression, walked in the schedule's wall time. */
  readonly matcher: WallCron;
}

export type RoleRule =
  | { readonly kind: "always" }
  | {
      readonly kind: "windows";
      /** Possibly empty: the role is never active. */
      readonly windows: readonly ScheduleWindow[];
      readonly onWindowEnd: OnWindowEnd;
      /** `revoke` only: the kill grace period; undefined leaves it to the task's kill policy. */
      readonly killGracePeriodMs: number | undefined;
    };

export interface RoleSchedule {
  /** IANA zone (or fixed offset) the cron expressions are read in. */
  readonly timeZone: string;
  /** Cap factor: allocated plus offered cpus per agent stay within physical cpus times this. */
  readonly maxOversubscription: number;
  /** Roles not listed here are always active. */
  readonly roles: ReadonlyMap<string, RoleRule>;
  /** The document as given (after JSON parsing), for GET and the registry. */
  readonly document: unknown;
}

/** A role's state at one instant. */
export interface RoleWindowState {
  readonly active: boolean;
  /**
   * The next time the role becomes active: while inactive, the start of its next window; while
   * active, the start of the first window after the current one closes. Undefined: none within
   * the look-ahead (or `always`).
   */
  readonly nextOpenMs: number | undefined;
  /**
   * The next time the role stops being active: while active, the end of the current window
   * (windows that overlap or touch count as one); while inactive, the end of the next one.
   * Undefined: none within the look-ahead (or `always`).
   */
  readonly nextCloseMs: number | undefined;
}

export interface RoleActivity {
  /** Scheduled roles outside their windows now: the allocator's `inactiveRoles`. */
  readonly inactiveRoles: ReadonlySet<string>;
  /** One entry per role the schedule lists. */
  readonly perRole: ReadonlyMap<string, RoleWindowState>;
}

/** A window of a role opened or closed at `atMs`. */
export interface RoleWindowTransition {
  readonly role: string;
  readonly kind: "opened" | "closed";
  readonly atMs: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

// Where the cron core's state lives between processes. The service writes each journal (`Ready`)
// with commit() and waits for it before it launches, kills or acknowledges anything, so what the
// store holds is always at least as new as what the cluster was told.

import type { Ready } from "./core-state.ts";
import type { Job, RunRecord } from "./types.ts";

export interface StoredState {
  /** The framework id the master gave us, kept so a restart fails over instead of registering anew. */
  frameworkId: string | undefined;
  jobs: Job[];
  /** Runs not final yet (queued, launching, running). */
  activeRuns: RunRecord[];
}

export interface CronStore {
  load(): Promise<StoredState>;
  /** Durable when the promise resolves (fsynced). */
  commit(ready: Ready): Promise<void>;
  /** undefined forgets it (the master removed the framework; the next subscription registers anew). */
  setFrameworkId(frameworkId: string | undefined): Promise<void>;
  /** The job's latest runs, newest first (active and final), at most `limit`. */
  runsOf(job: string, limit: number): Promise<RunRecord[]>;
  close(): void;
}

// Which directories /files serves, as Mesos's agent attaches them: each executor run's sandbox
// under its real path and under /frameworks/<fw>/executors/<ex>/runs/latest, and the log
// directory under /slave/log. A sandbox is detached when its last task leaves /state's history.

import type { AttachedPaths } from "./files/index.ts";
import type { TaskCheckpoint } from "./model.ts";

export class SandboxFiles {
  /** Tasks using each run sandbox (a task group's tasks share one). */
  private readonly users = new Map<string, number>();
  /** What each `runs/latest` virtual path points at now. */
  private readonly latest = new Map<string, string>();

  constructor(private readonly attached: AttachedPaths) {}

  attachLogDir(logDir: string): void {
    this.attached.attach("/slave/log", logDir);
    this.attached.attach(logDir, logDir);
  }

  attach(checkpoint: TaskCheckpoint): void {
    if (!checkpoint.launched) return;
    const real = checkpoint.runSandboxDir;
    this.users.set(real, (this.users.get(real) ?? 0) + 1);
    this.attached.attach(real, real);
    const virtual = latestVirtualPath(checkpoint);
    this.attached.attach(virtual, real);
    this.latest.set(virtual, real);
  }

  detach(checkpoint: TaskCheckpoint): void {
    if (!checkpoint.launched) return;
    const real = checkpoint.runSandboxDir;
    const left = (this.users.get(real) ?? 1) - 1;
    if (left > 0) {
      this.users.set(real, left);
      return;
    }
    this.users.delete(real);
    this.attached.detach(real);
    const virtual = latestVirtualPath(checkpoint);
    // A newer run of the same executor owns `latest` now; leave it.
    if (this.latest.get(virtual) === real) {
      this.attached.detach(virtual);
      this.latest.delete(virtual);
    }
  }
}

function latestVirtualPath(checkpoint: TaskCheckpoint): string {
  return `/frameworks/${checkpoint.frameworkId}/executors/${checkpoint.executorId}/runs/latest`;
}

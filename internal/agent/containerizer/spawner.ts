// Spawning supervisors from a worker thread. Bun.spawn returns only once the child has exec'd
// (vfork semantics), which on a busy host takes several ms, up to ~100 ms; spawning 200 tasks of
// one RUN_TASKS on the agent's own thread would stall its event loop (status updates,
// acknowledgements, pings) for seconds. The worker blocks instead; the children are still this
// process's children (threads share the process), detached and unref'd as before.

import { assert } from "../../runtime/index.ts";

export interface SpawnRequest {
  cmd: string[];
  env: Record<string, string>;
  cwd: string;
  /** Open file descriptors for the child's stdout and stderr; the caller closes them after spawn(). */
  stdoutFd: number;
  stderrFd: number;
}

/** A spawned supervisor; exitCode/signalCode are set when it ends. */
export interface SupervisorHandle {
  readonly pid: number;
  exitCode: number | null;
  signalCode: string | null;
}

type Reply =
  | { id: number; kind: "spawned"; pid: number }
  | { id: number; kind: "failed"; message: string }
  | { id: number; kind: "exited"; exitCode: number | null; signalCode: string | null };

interface Pending {
  resolve: (handle: SupervisorHandle) => void;
  reject: (error: Error) => void;
  onExit: () => void;
  handle?: SupervisorHandle;
}

/**
 * The worker's whole program. It is turned into source with toString(), so it may use only
 * globals (globalThis, Bun): no imports, no outer variables.
 */
function workerMain(): void {
  const scope = globalThis as unknown as { onmessage: ((event: MessageEvent) => void) | null; postMessage: (message: unknown) => void };
  scope.onmessage = (event: MessageEvent) => {
    const request = event.data as SpawnRequest & { id: number };
    try {
      const child = Bun.spawn({
        cmd: request.cmd,
        env: request.env,
        cwd: request.cwd,
        stdio: ["ignore", request.stdoutFd, request.stderrFd],
        detached: true,
        onExit: (_process, exitCode, signalCode) => {
          scope.postMessage({ id: request.id, kind: "exited", exitCode, signalCode: signalCode === null ? null : String(signalCode) });
        },
      });
      child.unref();
      scope.postMessage({ id: request.id, kind: "spawned", pid: child.pid });
    } catch (error) {
      scope.postMessage({ id: request.id, kind: "failed", message: error instanceof Error ? error.message : String(error) });
    }
  };
}

/** Spawns are queued to one worker; replies come back in order of completion. */
export class SupervisorSpawner {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  spawn(request: SpawnRequest, onExit: () => void): Promise<SupervisorHandle> {
    if (this.closed) return Promise.reject(new Error("containerizer closed during the launch"));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<SupervisorHandle>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onExit });
      worker.postMessage({ id, ...request });
    });
  }

  /** Stops the worker; supervisors already started live on (they are detached). */
  close(): void {
    this.closed = true;
    this.worker?.terminate();
    this.worker = null;
    for (const pending of this.pending.values()) pending.reject(new Error("containerizer closed during the launch"));
    this.pending.clear();
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const source = `(${workerMain.toString()})();`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "application/javascript" })));
    worker.onmessage = (event: MessageEvent) => this.handleReply(event.data as Reply);
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private handleReply(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    switch (reply.kind) {
      case "spawned": {
        const handle: SupervisorHandle = { pid: reply.pid, exitCode: null, signalCode: null };
        pending.handle = handle;
        pending.resolve(handle);
        return;
      }
      case "failed":
        this.pending.delete(reply.id);
        pending.reject(new Error(reply.message));
        return;
      case "exited": {
        this.pending.delete(reply.id);
        assert(pending.handle !== undefined, "a supervisor exited before it was reported spawned");
        pending.handle.exitCode = reply.exitCode;
        pending.handle.signalCode = reply.signalCode ?? (reply.exitCode === null ? "unknown" : null);
        pending.onExit();
        return;
      }
    }
  }
}

// Reliable status updates, as Mesos's status update manager: every update is appended to the
// agent's task journal and is on disk before it is sent; per task only the oldest
// unacknowledged update is in flight, resent with a doubling interval until the master relays
// the framework's acknowledgement, which is journaled too before the next update goes out.
//
// The journal commits in groups, so sends wait for the commit that holds their record: whatever
// became sendable in one turn of the event loop goes out together right after one fdatasync.

import type { Logger } from "pino";
import type { TaskStatus } from "../wire/index.ts";
import { updateRetryIntervalMs } from "./backoff.ts";
import type { JournalSink } from "./journal.ts";
import type { AgentObserver } from "./observer.ts";
import type { TaskJournalRecord } from "./task-journal.ts";
import type { AckOutcome, UpdateStream } from "./update-stream.ts";

export interface StatusUpdateManagerOptions {
  logger: Logger;
  retryIntervalMinMs: number;
  retryIntervalMaxMs: number;
  /** Where updates and acknowledgements are made durable before anything depending on them is sent. */
  journal: JournalSink<TaskJournalRecord>;
  /** Sends one update to the master; false when there is no registered connection. */
  send(frameworkId: string, status: TaskStatus): boolean;
  /** Updates made, sent, resent and acknowledged, for spans and metrics. */
  observer?: AgentObserver;
}

interface Entry {
  key: string;
  frameworkId: string;
  taskId: string;
  stream: UpdateStream;
  timer: ReturnType<typeof setTimeout> | undefined;
  resends: number;
}

export class StatusUpdateManager {
  private readonly entries = new Map<string, Entry>();
  private connected = false;

  constructor(private readonly options: StatusUpdateManagerOptions) {
    if (!(options.retryIntervalMinMs > 0 && options.retryIntervalMaxMs >= options.retryIntervalMinMs)) {
      throw new Error(
        `status update retry interval min ${options.retryIntervalMinMs}ms must be positive and at most max ${options.retryIntervalMaxMs}ms`,
      );
    }
  }

  /** Takes charge of a task's stream (new, or recovered from the journal). */
  add(key: string, frameworkId: string, taskId: string, stream: UpdateStream): void {
    if (this.entries.has(key)) throw new Error(`StatusUpdateManager.add: ${key} added twice`);
    const entry: Entry = { key, frameworkId, taskId, stream, timer: undefined, resends: 0 };
    this.entries.set(key, entry);
    if (stream.head() !== undefined) this.sendWhenDurable(entry);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  stream(key: string): UpdateStream | undefined {
    return this.entries.get(key)?.stream;
  }

  /**
   * Journals `status` and queues it; it goes out once durable when it is the task's oldest
   * pending update. Returns why it was refused, or undefined.
   */
  update(key: string, status: TaskStatus): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return "no status update stream for this task";
    const problem = entry.stream.appendProblem(status);
    if (problem !== undefined) return problem;
    this.options.journal.append({ type: "UPDATE", frameworkId: entry.frameworkId, taskId: entry.taskId, status });
    entry.stream.append(status);
    this.options.observer?.statusUpdate(entry.frameworkId, entry.taskId, status);
    if (entry.stream.pendingCount() === 1) this.sendWhenDurable(entry);
    return undefined;
  }

  /** Applies the master's acknowledgement; the ACK is on disk before the next update goes out. */
  ack(key: string, uuid: string): AckOutcome | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.stream.head()?.uuid === uuid) {
      this.options.journal.append({ type: "ACK", frameworkId: entry.frameworkId, taskId: entry.taskId, uuid });
    }
    const outcome = entry.stream.ack(uuid);
    if (outcome.kind !== "acked") return outcome;
    this.options.observer?.statusUpdateAcknowledged(entry.frameworkId, entry.taskId, uuid);
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.resends = 0;
    if (entry.stream.head() !== undefined) this.sendWhenDurable(entry);
    return outcome;
  }

  /** The link is registered: every task's pending head goes out now (once durable). */
  setConnected(connected: boolean): void {
    this.connected = connected;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.resends = 0;
      if (connected && entry.stream.head() !== undefined) this.sendWhenDurable(entry);
    }
  }

  /** Forgets a task's stream (finished, or its framework was removed). */
  remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.entries.delete(key);
  }

  pendingTotal(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.stream.pendingCount();
    return total;
  }

  close(): void {
    this.connected = false;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
  }

  /**
   * The head goes out after the journal commit that holds everything journaled so far. Several
   * requests for one entry send once: the first sets the retry timer, which the others see.
   */
  private sendWhenDurable(entry: Entry): void {
    this.options.journal.afterCommit(() => {
      if (this.connected && this.entries.get(entry.key) === entry && entry.timer === undefined) this.sendHead(entry);
    });
  }

  private sendHead(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const head = entry.stream.head();
    if (head === undefined) return;
    if (!this.options.send(entry.frameworkId, head)) return;
    this.options.observer?.statusUpdateSent(entry.frameworkId, entry.taskId, head.uuid ?? "", entry.resends);
    this.options.logger.debug(
      { framework_id: entry.frameworkId, task_id: entry.taskId, state: head.state, uuid: head.uuid, resends: entry.resends },
      "status update sent",
    );
    const intervalMs = updateRetryIntervalMs(entry.resends, this.options.retryIntervalMinMs, this.options.retryIntervalMaxMs);
    entry.timer = setTimeout(() => {
      entry.resends++;
      this.sendHead(entry);
    }, intervalMs);
  }
}

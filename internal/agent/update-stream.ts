// One task's status update stream, as Mesos's status update manager keeps it: updates in the
// order they were made, of which only the oldest unacknowledged one is in flight. Pure: the
// manager around it does the checkpointing, the timers and the sending.

import { isTerminalState, type TaskStatus } from "../wire/index.ts";

/** The update stream's part of a journal record (task-journal.ts adds the task's ids). */
export type UpdateRecord = { type: "UPDATE"; status: TaskStatus } | { type: "ACK"; uuid: string };

export type AckOutcome =
  /** The head was acknowledged; `terminal` when that ends the stream. */
  | { kind: "acked"; status: TaskStatus; terminal: boolean }
  /** An update acknowledged before (a retried ACK): nothing to do. */
  | { kind: "duplicate" }
  /** Not the update in flight: a later pending one or one this stream never had. */
  | { kind: "unexpected"; headUuid: string | undefined };

export class UpdateStream {
  private readonly pending: TaskStatus[] = [];
  private readonly ackedUuids = new Set<string>();
  private latestStatus: TaskStatus | undefined;
  private lastAckedStatus: TaskStatus | undefined;
  private terminalMade = false;
  private terminalAcked = false;

  /** Rebuilds a stream from its checkpointed records; problems are records that make no sense. */
  static replay(records: readonly unknown[]): { stream: UpdateStream; problems: string[] } {
    const stream = new UpdateStream();
    const problems: string[] = [];
    for (const [index, record] of records.entries()) {
      const problem = stream.replayRecord(record);
      if (problem !== undefined) problems.push(`record ${index + 1}: ${problem}`);
    }
    return { stream, problems };
  }

  /** Applies one checkpointed record; returns why it makes no sense, or undefined. */
  replayRecord(record: unknown): string | undefined {
    if (!isRecord(record)) return "not an UPDATE or ACK record";
    if (record.type === "UPDATE") {
      const problem = this.appendProblem(record.status);
      if (problem !== undefined) return problem;
      this.append(record.status);
      return undefined;
    }
    const outcome = this.ack(record.uuid);
    return outcome.kind === "unexpected" ? `ACK of ${record.uuid} which is not the oldest pending update` : undefined;
  }

  /** Why `status` cannot be added, or undefined. Nothing follows a terminal update. */
  appendProblem(status: TaskStatus): string | undefined {
    if (this.terminalMade) return `task already reached ${this.latestStatus?.state ?? "a terminal state"}`;
    if (status.uuid === undefined) return "update without uuid";
    return undefined;
  }

  append(status: TaskStatus): void {
    const problem = this.appendProblem(status);
    if (problem !== undefined) throw new Error(`UpdateStream.append: ${problem}`);
    this.pending.push(status);
    this.latestStatus = status;
    if (isTerminalState(status.state)) this.terminalMade = true;
  }

  ack(uuid: string): AckOutcome {
    const head = this.pending[0];
    if (head !== undefined && head.uuid === uuid) {
      this.pending.shift();
      this.ackedUuids.add(uuid);
      this.lastAckedStatus = head;
      const terminal = isTerminalState(head.state);
      if (terminal) this.terminalAcked = true;
      return { kind: "acked", status: head, terminal };
    }
    if (this.ackedUuids.has(uuid)) return { kind: "duplicate" };
    return { kind: "unexpected", headUuid: head?.uuid };
  }

  /** The update to send now, if any. */
  head(): TaskStatus | undefined {
    return this.pending[0];
  }

  pendingCount(): number {
    return this.pending.length;
  }

  pendingUpdates(): readonly TaskStatus[] {
    return this.pending;
  }

  latest(): TaskStatus | undefined {
    return this.latestStatus;
  }

  /** The newest acknowledged update: what a snapshot keeps of the acknowledged past. */
  lastAcked(): TaskStatus | undefined {
    return this.lastAckedStatus;
  }

  /** A terminal update was made: the task is over, whether or not the master knows yet. */
  isTerminated(): boolean {
    return this.terminalMade;
  }

  /** The terminal update was acknowledged: the stream is finished. */
  isFinished(): boolean {
    return this.terminalAcked;
  }
}

function isRecord(value: unknown): value is UpdateRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as { type?: unknown; status?: unknown; uuid?: unknown };
  if (record.type === "ACK") return typeof record.uuid === "string";
  if (record.type !== "UPDATE" || typeof record.status !== "object" || record.status === null) return false;
  const status = record.status as { state?: unknown; task_id?: unknown };
  return typeof status.state === "string" && typeof status.task_id === "object";
}

// A master learns of its own removal from the log only when it leads at the time: the leader
// stops replicating to a member as soon as the change is in its log, so a removed follower (or
// one that was down while it was removed) is left believing it is a member, hearing from no
// leader. This watch covers that case: after a few election timeouts without a leader, it asks
// the other masters, and when a leader at our term or later has committed a configuration
// without us, the master stops as on the driver's `removed` event.

import type { Logger } from "pino";
import { isMember } from "../../consensus/index.ts";
import type { Clock } from "../../runtime/index.ts";
import type { RaftRegistry } from "./raft-registry.ts";
import { raftStatusPath } from "./raft-http.ts";

/** Election timeouts without a leader before asking whether we were removed. */
export const removalCheckAfterElections = 3;
/** One GET /master/raft while checking. */
export const removalCheckRequestTimeoutMs = 1000;

export interface RemovalWatchOptions {
  readonly registry: RaftRegistry;
  /** --masters and the members of our own configuration: whom to ask. */
  readonly members: () => readonly string[];
  readonly electionTimeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onRemoved: () => void;
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

interface PeerView {
  role?: unknown;
  term?: unknown;
  committed_voters?: unknown;
  committed_learners?: unknown;
}

export class RemovalWatch {
  private timer: ReturnType<typeof setInterval> | undefined;
  private leaderlessSinceMs: number | undefined;
  private checking = false;
  private fired = false;

  constructor(private readonly options: RemovalWatchOptions) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.options.electionTimeoutMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    const { registry, clock } = this.options;
    const nowMs = clock.monotonicMs();
    if (registry.driver.leader() !== null || !isMember(registry.driver.conf(), registry.id)) {
      this.leaderlessSinceMs = undefined;
      return;
    }
    this.leaderlessSinceMs ??= nowMs;
    if (nowMs - this.leaderlessSinceMs < removalCheckAfterElections * this.options.electionTimeoutMs || this.checking || this.fired) return;
    this.checking = true;
    try {
      const remover = await this.findRemovingLeader();
      if (remover === undefined || this.fired) return;
      this.fired = true;
      this.stop();
      this.options.logger.warn({ leader: remover }, "the leader's committed configuration no longer includes this master");
      this.options.onRemoved();
    } finally {
      this.checking = false;
    }
  }

  /** The first member that leads at our term or later without us in its committed configuration. */
  private async findRemovingLeader(): Promise<string | undefined> {
    const { registry } = this.options;
    const others = [...new Set(this.options.members())].filter((member) => member !== registry.id);
    const views = await Promise.all(others.map(async (member) => ({ member, view: await this.ask(member) })));
    for (const { member, view } of views) {
      if (view === undefined || view.role !== "leader" || typeof view.term !== "number" || view.term < registry.driver.term()) continue;
      if (!Array.isArray(view.committed_voters) || !Array.isArray(view.committed_learners)) continue;
      const conf = { voters: view.committed_voters as string[], learners: view.committed_learners as string[] };
      if (!isMember(conf, registry.id)) return member;
    }
    return undefined;
  }

  private async ask(member: string): Promise<PeerView | undefined> {
    const doFetch = this.options.fetch ?? fetch;
    try {
      const response = await doFetch(`http://${member}${raftStatusPath}`, { signal: AbortSignal.timeout(removalCheckRequestTimeoutMs) });
      if (!response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      return (await response.json()) as PeerView;
    } catch (error) {
      this.options.logger.debug({ master: member, err: (error as Error).message }, "removal check: no answer");
      return undefined;
    }
  }
}

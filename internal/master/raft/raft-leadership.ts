// The master's Leadership from the Raft driver's leader changes. The Raft leader announces itself
// in the log (its first entry of the term) and leads, as far as the master is concerned, once that
// entry is applied: by then every earlier registry write is applied too. Followers name a leader
// only once its announcement for the current term is applied, so they never redirect agents to a
// master that is not yet serving. The epoch is the leader's term.

import type { Logger } from "pino";
import { NotLeaderError, ProposalDroppedError, type NodeId } from "../../consensus/index.ts";
import type { Clock } from "../../runtime/index.ts";
import type { LeaderAddress, Leadership, LeadershipState } from "../leadership.ts";
import type { AnnouncedLeader, RaftRegistry, RaftRegistryEvent } from "./raft-registry.ts";

/** How this master is reached, as announced to the others (asked once the HTTP port is bound). */
export type SelfAddress = Omit<AnnouncedLeader, "node" | "term">;

export interface RaftLeadershipOptions {
  readonly registry: RaftRegistry;
  readonly self: () => SelfAddress;
  readonly logger: Logger;
  readonly clock: Clock;
  /** A leader that stops hands leadership to the most caught-up voter, waiting at most this. */
  readonly handOffTimeoutMs: number;
  /** Wait before proposing the announcement again after an unknown outcome. */
  readonly announceRetryMs: number;
  /** Runs once the driver ticks (a joining master starts asking to be added). */
  readonly afterStart?: () => void;
  /** Runs first in stop(). */
  readonly beforeStop?: () => void;
}

/** How often a stopping leader looks whether its successor has taken over. */
const handOffPollMs = 5;

export class RaftLeadership implements Leadership {
  readonly kind = "raft";
  private onChange: (state: LeadershipState) => void = () => {};
  private unsubscribe: () => void = () => {};
  private lastKey = "";
  private announcingTerm = 0;
  private stopped = false;

  constructor(private readonly options: RaftLeadershipOptions) {}

  async start(onChange: (state: LeadershipState) => void): Promise<void> {
    this.onChange = onChange;
    this.unsubscribe = this.options.registry.onEvent((event) => this.handle(event));
    this.options.registry.start();
    this.report();
    this.options.afterStart?.();
  }

  /** What this master should do now, from the driver's view and the latest announcement. */
  current(): LeadershipState {
    const { registry } = this.options;
    const driver = registry.driver;
    const leader = driver.leader();
    const announced = registry.announcedLeader();
    const established = leader !== null && announced !== null && announced.node === leader && announced.term === driver.term();
    if (driver.isLeader()) return established ? { leading: true, epoch: driver.term() } : { leading: false, leader: undefined };
    return { leading: false, leader: established ? addressOf(announced) : undefined };
  }

  /** Leads no more, after handing leadership to another voter if this master leads. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.options.beforeStop?.();
    try {
      await this.handOff();
    } finally {
      this.unsubscribe();
    }
  }

  private handle(event: RaftRegistryEvent): void {
    if (this.stopped) return;
    switch (event.type) {
      case "leaderChanged":
        if (event.leader === this.options.registry.id) this.announce(event.term);
        this.report();
        return;
      case "leaderAnnounced":
      case "roleChanged":
      case "snapshotInstalled":
        this.report();
        return;
      default:
        return;
    }
  }

  private report(): void {
    if (this.stopped) return;
    const state = this.current();
    const key = JSON.stringify(state);
    if (key === this.lastKey) return;
    this.lastKey = key;
    const { driver } = this.options.registry;
    this.options.logger.info({ leading: state.leading, term: driver.term(), raft_leader: driver.leader(), leader: state.leading ? undefined : state.leader }, "raft leadership");
    this.onChange(state);
  }

  /** Proposes this leader's announcement for `term`, again after an unknown outcome. */
  private announce(term: number): void {
    if (this.announcingTerm === term) return;
    this.announcingTerm = term;
    const { registry, logger } = this.options;
    registry.announce({ ...this.options.self(), node: registry.id, term }).then(
      () => this.report(),
      (error: unknown) => {
        if (this.stopped || error instanceof NotLeaderError || error instanceof ProposalDroppedError) return;
        if (!registry.driver.isLeader() || registry.driver.term() !== term) return;
        logger.warn({ err: error, term }, "leader announcement not committed; proposing it again");
        this.announcingTerm = 0;
        setTimeout(() => this.announce(term), this.options.announceRetryMs);
      },
    );
  }

  /** Transfers leadership to the voter with the longest log and waits (bounded) for it to lead. */
  private async handOff(): Promise<void> {
    const { driver } = this.options.registry;
    const target = bestSuccessor(driver.status().progress, driver.conf().voters, driver.id);
    if (!driver.isLeader() || target === undefined) return;
    if (!driver.transferLeadership(target)) return;
    this.options.logger.info({ to: target }, "handing raft leadership over before stopping");
    const deadlineMs = this.options.clock.monotonicMs() + this.options.handOffTimeoutMs;
    while (this.options.clock.monotonicMs() < deadlineMs && driver.isLeader()) await Bun.sleep(handOffPollMs);
  }
}

function addressOf(leader: AnnouncedLeader): LeaderAddress {
  return { hostname: leader.hostname, port: leader.port, ip: leader.ip, id: leader.masterId };
}

/** The other voter with the highest match index (the leader-only progress map). */
export function bestSuccessor(progress: ReadonlyMap<NodeId, { match: number; learner: boolean }> | null, voters: readonly NodeId[], self: NodeId): NodeId | undefined {
  if (progress === null) return undefined;
  let best: NodeId | undefined;
  let bestMatch = -1;
  for (const voter of voters) {
    const pr = progress.get(voter);
    if (voter === self || pr === undefined || pr.learner) continue;
    if (pr.match > bestMatch) {
      best = voter;
      bestMatch = pr.match;
    }
  }
  return best;
}

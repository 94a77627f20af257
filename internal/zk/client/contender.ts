// LeaderContender: a master's candidacy, the ZooKeeper leader-election recipe with Mesos's
// layout. It creates the group path (persistent parents) and an ephemeral sequential
// `<path>/json.info_` znode holding MasterInfo JSON. The lowest sequence leads; every other
// contender watches only the member just before it (no herd effect when the leader goes).
// A leader stops leading at once, through the callback, when its session is lost: EXPIRED, or
// SUSPENDED with no word from ZooKeeper for `stepDownAfterSilenceMs` (by default two thirds of the
// negotiated timeout, so it has stepped down before the servers can expire the session and let a
// successor in). When a new session is up it contends again with a new znode.

import { ErrorCode } from "../constants.ts";
import type { ZkLogger } from "../types.ts";
import type { Clock } from "../../runtime/index.ts";
import { childName, joinPath } from "../paths.ts";
import type { ZkClient } from "./client.ts";
import { isZkError } from "./errors.ts";
import { zkElectionRetryDelayMs } from "./limits.ts";
import { MESOS_MASTER_LABEL, memberSequence, sortedMembers, standingOf } from "./members.ts";
import { RetryLoop } from "./retry-loop.ts";
import { OPEN_ACL_UNSAFE, type Acl, type ZkStateChange } from "./types.ts";

export interface LeaderContenderOptions {
  /** The group znode, e.g. /mesos. */
  path: string;
  /** What the member znode holds (MasterInfo JSON for masters). */
  data: Uint8Array;
  /** Member name prefix; default "json.info" (Mesos). */
  label?: string;
  acl?: readonly Acl[];
  /** Silence from ZooKeeper after which a disconnected leader steps down; default 2/3 of the negotiated timeout. */
  stepDownAfterSilenceMs?: number;
  retryDelayMs?: number;
}

export interface LeaderContenderDeps {
  logger: ZkLogger;
  clock: Clock;
}

interface OwnMember {
  readonly path: string;
  readonly name: string;
  readonly sequence: number;
  readonly sessionId: bigint;
}

export class LeaderContender {
  private leading = false;
  private own: OwnMember | undefined;
  /** A create went out and its answer was lost: our znode may exist without our knowing its name. */
  private createMaybeLost = false;
  private watched: string | undefined;
  private started = false;
  private stopped = false;
  private stepDownTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private readonly loop: RetryLoop;
  private readonly label: string;
  private readonly acl: readonly Acl[];
  private readonly onPredecessorEvent = (): void => this.loop.kick();

  constructor(
    private readonly client: ZkClient,
    private readonly options: LeaderContenderOptions,
    private readonly deps: LeaderContenderDeps,
  ) {
    this.label = options.label ?? MESOS_MASTER_LABEL;
    this.acl = options.acl ?? OPEN_ACL_UNSAFE;
    this.loop = new RetryLoop("contender", () => this.step(), options.retryDelayMs ?? zkElectionRetryDelayMs, deps.logger);
  }

  start(): void {
    if (this.started) throw new Error("LeaderContender.start called twice");
    this.started = true;
    this.unsubscribe = this.client.onStateChange((change) => this.handleState(change));
    this.loop.kick();
  }

  /** Withdraws: stops leading at once, then deletes the member znode (when connected). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stepDown("withdrawn");
    this.unsubscribe?.();
    await this.loop.stop();
    const own = this.own;
    this.own = undefined;
    this.watched = undefined;
    if (own === undefined || this.client.state !== "CONNECTED" || this.client.sessionId !== own.sessionId) return;
    try {
      await this.client.delete(own.path);
    } catch (error) {
      if (!isZkError(error, ErrorCode.NONODE)) this.deps.logger.warn({ err: error, znode: own.path }, "could not delete the member znode; it goes with the session");
    }
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Full path of our member znode, while we have one. */
  znode(): string | undefined {
    return this.own?.path;
  }

  sequence(): number | undefined {
    return this.own?.sequence;
  }

  /** The predecessor whose znode we watch (undefined while leading). */
  watching(): string | undefined {
    return this.watched;
  }

  /** Calls `listener` with true on becoming leader and false on losing it; returns an unsubscribe. */
  onChange(listener: (leading: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private handleState(change: ZkStateChange): void {
    switch (change.state) {
      case "CONNECTED":
        clearTimeout(this.stepDownTimer);
        if (this.own !== undefined && this.own.sessionId !== this.client.sessionId) this.forgetMembership();
        this.loop.kick();
        return;
      case "SUSPENDED":
        if (this.leading) this.armStepDown();
        return;
      case "EXPIRED":
        this.stepDown("ZooKeeper session expired");
        this.forgetMembership();
        return;
      case "CLOSED":
        this.stepDown("ZooKeeper client closed");
        this.forgetMembership();
        return;
      case "CONNECTING":
        return;
    }
  }

  private forgetMembership(): void {
    this.own = undefined;
    this.createMaybeLost = false;
    this.watched = undefined;
  }

  private armStepDown(): void {
    const boundMs = this.options.stepDownAfterSilenceMs ?? Math.floor((this.client.negotiatedTimeoutMs * 2) / 3);
    const remainingMs = this.client.lastHeardMonotonicMs + boundMs - this.deps.clock.monotonicMs();
    clearTimeout(this.stepDownTimer);
    if (remainingMs <= 0) {
      this.stepDown(`no word from ZooKeeper for ${boundMs} ms`);
      return;
    }
    this.stepDownTimer = setTimeout(() => {
      if (this.client.state !== "CONNECTED") this.stepDown(`no word from ZooKeeper for ${boundMs} ms`);
    }, remainingMs);
  }

  private becomeLeader(own: OwnMember): void {
    if (this.leading) return;
    this.leading = true;
    this.deps.logger.info({ znode: own.path, sequence: own.sequence, session_id: own.sessionId.toString(16) }, "elected leader through ZooKeeper");
    this.emit(true);
  }

  private stepDown(reason: string): void {
    clearTimeout(this.stepDownTimer);
    if (!this.leading) return;
    this.leading = false;
    this.deps.logger.warn({ znode: this.own?.path, reason }, "no longer the leader");
    this.emit(false);
  }

  private emit(leading: boolean): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(leading);
      } catch (error) {
        this.deps.logger.error({ err: error }, "leadership listener threw");
      }
    }
  }

  /** One pass: make sure we are a member, then lead or watch our predecessor. */
  private async step(): Promise<void> {
    if (this.stopped || this.client.state !== "CONNECTED") return;
    const sessionId = this.client.sessionId;
    if (this.own === undefined) await this.join(sessionId);
    const own = this.own;
    if (own === undefined || this.stopped) return;
    const children = await this.client.getChildren(this.options.path);
    if (this.stopped || this.client.sessionId !== sessionId || this.own !== own) return;
    const standing = standingOf(sortedMembers(children, this.label), own.name);
    switch (standing.kind) {
      case "missing":
        // Deleted under us (by an operator, or with an old session): join again.
        this.deps.logger.warn({ znode: own.path }, "our member znode is gone; contending again");
        this.stepDown("member znode deleted");
        this.forgetMembership();
        this.loop.kick();
        return;
      case "leader":
        this.watched = undefined;
        if (this.client.state === "CONNECTED") this.becomeLeader(own);
        return;
      case "follower": {
        this.stepDown(`${standing.predecessor.name} precedes us`);
        const predecessorPath = joinPath(this.options.path, standing.predecessor.name);
        this.watched = predecessorPath;
        const stat = await this.client.exists(predecessorPath, this.onPredecessorEvent);
        if (stat === null) this.loop.kick();
        return;
      }
    }
  }

  private async join(sessionId: bigint): Promise<void> {
    await this.client.ensurePath(this.options.path, this.acl);
    if (this.createMaybeLost && (await this.adoptLostCreate(sessionId))) return;
    this.createMaybeLost = true;
    let created: string;
    try {
      created = await this.client.create(joinPath(this.options.path, `${this.label}_`), this.options.data, { mode: "ephemeral_sequential", acl: this.acl });
    } catch (error) {
      if (!isZkError(error, ErrorCode.CONNECTIONLOSS)) this.createMaybeLost = false;
      throw error;
    }
    this.createMaybeLost = false;
    if (this.client.sessionId !== sessionId) return;
    const name = childName(created);
    this.own = { path: created, name, sequence: memberSequence(name, this.label) ?? -1, sessionId };
    this.deps.logger.info({ znode: created, session_id: sessionId.toString(16) }, "joined the ZooKeeper group");
  }

  /** After a create whose answer was lost: find a member this session owns and keep it. */
  private async adoptLostCreate(sessionId: bigint): Promise<boolean> {
    const members = sortedMembers(await this.client.getChildren(this.options.path), this.label);
    for (const member of members) {
      const path = joinPath(this.options.path, member.name);
      const stat = await this.client.exists(path);
      if (stat === null || stat.ephemeralOwner !== sessionId) continue;
      if (this.own === undefined) {
        this.own = { path, name: member.name, sequence: member.sequence, sessionId };
        this.deps.logger.info({ znode: path }, "found the member znode a lost create made");
      } else {
        await this.client.delete(path).catch((error: unknown) => this.deps.logger.warn({ err: error, znode: path }, "could not delete a duplicate member znode"));
      }
    }
    this.createMaybeLost = false;
    return this.own !== undefined;
  }
}

// LeaderDetector: who leads a Mesos-style group. It watches the group's children, reads the lowest
// `json.info_` member's MasterInfo (watching that znode's data too, so a rewrite is seen) and
// reports the leader, or undefined when there is none, on every change. While the connection is
// SUSPENDED it keeps the last leader it saw; once the session is EXPIRED it reports none until it
// can look again.

import { ErrorCode } from "../constants.ts";
import { joinPath } from "../paths.ts";
import type { ZkLogger } from "../types.ts";
import type { ZkClient } from "./client.ts";
import { isZkError } from "./errors.ts";
import { zkElectionRetryDelayMs } from "./limits.ts";
import { masterHostPort, parseMasterInfo, type MasterInfo } from "./master-info.ts";
import { MESOS_MASTER_LABEL, sortedMembers } from "./members.ts";
import { RetryLoop } from "./retry-loop.ts";
import type { ZkStateChange } from "./types.ts";

export interface DetectedLeader {
  readonly info: MasterInfo;
  /** host:port to reach it (undefined when its MasterInfo names no usable address). */
  readonly address: string | undefined;
  readonly znode: string;
  readonly sequence: number;
}

export interface LeaderDetectorOptions {
  path: string;
  label?: string;
  retryDelayMs?: number;
}

export class LeaderDetector {
  private current: DetectedLeader | undefined;
  private currentKey = "";
  private observedOnce = false;
  private started = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(leader: DetectedLeader | undefined) => void>();
  private readonly loop: RetryLoop;
  private readonly label: string;
  private readonly onEvent = (): void => this.loop.kick();

  constructor(
    private readonly client: ZkClient,
    private readonly options: LeaderDetectorOptions,
    private readonly deps: { logger: ZkLogger },
  ) {
    this.label = options.label ?? MESOS_MASTER_LABEL;
    this.loop = new RetryLoop("detector", () => this.step(), options.retryDelayMs ?? zkElectionRetryDelayMs, deps.logger);
  }

  start(): void {
    if (this.started) throw new Error("LeaderDetector.start called twice");
    this.started = true;
    this.unsubscribe = this.client.onStateChange((change) => this.handleState(change));
    this.loop.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.loop.stop();
  }

  leader(): DetectedLeader | undefined {
    return this.current;
  }

  /** Whether the detector has looked at the group at least once. */
  observed(): boolean {
    return this.observedOnce;
  }

  onChange(listener: (leader: DetectedLeader | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the leader once the detector has looked (or after `timeoutMs`, with what it knows). */
  whenObserved(timeoutMs: number): Promise<DetectedLeader | undefined> {
    if (this.observedOnce) return Promise.resolve(this.current);
    return new Promise((resolve) => {
      const stop = this.onChange(() => finish());
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        stop();
        resolve(this.current);
      };
    });
  }

  private handleState(change: ZkStateChange): void {
    if (change.state === "CONNECTED") this.loop.kick();
    else if (change.state === "EXPIRED" || change.state === "CLOSED") this.report(undefined);
  }

  private async step(): Promise<void> {
    if (this.stopped || this.client.state !== "CONNECTED") return;
    let children: string[];
    try {
      children = await this.client.getChildren(this.options.path, this.onEvent);
    } catch (error) {
      if (!isZkError(error, ErrorCode.NONODE)) throw error;
      // No group yet: watch for it to appear.
      if ((await this.client.exists(this.options.path, this.onEvent)) !== null) this.loop.kick();
      else this.report(undefined);
      return;
    }
    const lowest = sortedMembers(children, this.label)[0];
    if (lowest === undefined) {
      this.report(undefined);
      return;
    }
    const znode = joinPath(this.options.path, lowest.name);
    let data: Uint8Array;
    try {
      data = (await this.client.getData(znode, this.onEvent)).data;
    } catch (error) {
      if (!isZkError(error, ErrorCode.NONODE)) throw error;
      this.loop.kick(); // it went between the two reads
      return;
    }
    let info: MasterInfo;
    try {
      info = parseMasterInfo(data);
    } catch (error) {
      this.deps.logger.error({ znode, err: error }, "the leading member's MasterInfo is unusable; reporting no leader");
      this.report(undefined);
      return;
    }
    this.report({ info, address: masterHostPort(info), znode, sequence: lowest.sequence });
  }

  /** Records what the group says now; listeners hear only of a different leader (or the first look). */
  private report(leader: DetectedLeader | undefined): void {
    const first = !this.observedOnce;
    this.observedOnce = true;
    const key = leader === undefined ? "" : `${leader.znode}\n${JSON.stringify(leader.info)}`;
    if (key === this.currentKey && !first) return;
    this.current = leader;
    this.currentKey = key;
    this.deps.logger.info({ znode: leader?.znode, leader: leader?.address }, leader === undefined ? "no leading master in ZooKeeper" : "leading master detected");
    for (const listener of [...this.listeners]) {
      try {
        listener(leader);
      } catch (error) {
        this.deps.logger.error({ err: error }, "leader listener threw");
      }
    }
  }
}

// `--master=zk://...` for agents: a detector with the agent's MasterDetector shape (detect,
// description, close) over one long-lived ZooKeeper session and a LeaderDetector. It does not
// import the agent; cmd/modes.ts installs it with setZkDetectorFactory.

import type { Clock, Random } from "../../runtime/index.ts";
import type { ZkLogger } from "../types.ts";
import { ZkClient } from "./client.ts";
import { LeaderDetector, type DetectedLeader } from "./detector.ts";
import { zkDetectLeaderWaitMs } from "./limits.ts";
import type { ZkTransport } from "./transport.ts";
import { parseZkUrl, redactZkUrl } from "./url.ts";

export interface ZkMasterDetectorDeps {
  logger: ZkLogger;
  clock: Clock;
  random: Random;
  transport?: ZkTransport;
  sessionTimeoutMs?: number;
  /** How long detect() waits for a leader to appear; default 5 s. */
  leaderWaitMs?: number;
  /** Builds the error detect() rejects with (the agent passes its DetectionError). */
  detectionError?: (message: string) => Error;
}

export class ZkMasterDetector {
  readonly description: string;
  private readonly client: ZkClient;
  private readonly detector: LeaderDetector;
  private readonly path: string;
  private started = false;
  private closed = false;

  constructor(
    zkUrl: string,
    private readonly deps: ZkMasterDetectorDeps,
  ) {
    const url = parseZkUrl(zkUrl);
    this.description = redactZkUrl(zkUrl);
    this.path = url.path;
    this.client = new ZkClient(
      {
        servers: url.servers,
        ...(deps.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: deps.sessionTimeoutMs }),
        ...(url.digestCredentials === undefined ? {} : { digestCredentials: url.digestCredentials }),
      },
      deps,
    );
    this.detector = new LeaderDetector(this.client, { path: url.path }, deps);
  }

  /** The leader's host:port; rejects when none is known within the wait. */
  async detect(): Promise<string> {
    if (this.closed) throw this.error("the ZooKeeper detector is closed");
    this.ensureStarted();
    const waitMs = this.deps.leaderWaitMs ?? zkDetectLeaderWaitMs;
    const leader = this.detector.leader() ?? (await this.nextLeader(waitMs));
    if (leader?.address !== undefined) return leader.address;
    if (leader !== undefined) throw this.error(`the leading member ${leader.znode} names no usable address`);
    const why = this.client.state === "CONNECTED" ? `no json.info_ member under ${this.path}` : `not connected to ZooKeeper (${this.client.state})`;
    throw this.error(`no leading master in ${this.description}: ${why}`);
  }

  /** Calls `listener` on every change of leader, for callers that want to follow it at once. */
  onLeaderChange(listener: (leader: DetectedLeader | undefined) => void): () => void {
    this.ensureStarted();
    return this.detector.onChange(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.detector.stop().then(() => this.client.close());
  }

  private ensureStarted(): void {
    if (this.started) return;
    this.started = true;
    this.client.start();
    this.detector.start();
  }

  private nextLeader(waitMs: number): Promise<DetectedLeader | undefined> {
    return new Promise((resolve) => {
      const stop = this.detector.onChange((leader) => {
        if (leader !== undefined) finish();
      });
      const timer = setTimeout(finish, waitMs);
      const detector = this.detector;
      function finish(): void {
        clearTimeout(timer);
        stop();
        resolve(detector.leader());
      }
    });
  }

  private error(message: string): Error {
    return this.deps.detectionError?.(message) ?? new Error(message);
  }
}

/** A factory for the agent's setZkDetectorFactory. */
export function zkMasterDetectorFactory(deps: ZkMasterDetectorDeps): (zkUrl: string) => ZkMasterDetector {
  return (zkUrl) => new ZkMasterDetector(zkUrl, deps);
}

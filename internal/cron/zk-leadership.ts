// Electing one cron process through ZooKeeper, as Chronos does: each process is a contender under
// `<zk path>/leader` with the Mesos recipe (ephemeral sequential json.info_ znodes holding a
// MasterInfo-shaped record of its HTTP address; the lowest leads). The same session then carries
// the leader's state writes (zk-store.ts), each fenced by a check on our own member znode: once
// the session is gone, so is the znode, and a deposed leader can write nothing more.

import type { Logger } from "pino";
import type { Clock, Random } from "../runtime/index.ts";
import { createZkLeaderElection, masterHostPort, masterInfoFor, parseZkUrl, type MasterInfo, type ZkClient, type ZkLeaderElection } from "../zk/client/index.ts";
import type { Leadership } from "./leader-lock.ts";

export interface ZkLeadershipDeps {
  logger: Logger;
  clock: Clock;
  random: Random;
  /** Unique per process, for the member record. */
  id: string;
  sessionTimeoutMs: number;
}

/** The group znode of cron's election under the --zk path. */
export function zkLeaderPath(basePath: string): string {
  return `${basePath}/leader`;
}

export class ZkCronLeadership implements Leadership {
  private readonly election: ZkLeaderElection;
  private started = false;
  private leading = false;
  private released = false;
  private wakeAcquire: { resolve(): void; reject(error: Error): void } | undefined;
  private markLost: ((reason: string) => void) | undefined;
  readonly lost: Promise<string>;

  constructor(zkUrl: string, selfUrl: string, advertisedHost: string, deps: ZkLeadershipDeps) {
    const url = parseZkUrl(zkUrl);
    const self = new URL(selfUrl);
    const host = self.hostname === "0.0.0.0" ? advertisedHost : self.hostname;
    const port = Number(self.port);
    const info: MasterInfo = /^\d+\.\d+\.\d+\.\d+$/.test(host)
      ? masterInfoFor({ id: deps.id, ip: host, port, hostname: host })
      : { id: deps.id, ip: 0, port, hostname: host, address: { hostname: host, port } };
    const auth = url.digestCredentials === undefined ? "" : `${url.digestCredentials}@`;
    const servers = url.servers.map((s) => `${s.host}:${s.port}`).join(",");
    this.election = createZkLeaderElection(`zk://${auth}${servers}${zkLeaderPath(url.path)}`, info, { logger: deps.logger, clock: deps.clock, random: deps.random, sessionTimeoutMs: deps.sessionTimeoutMs });
    this.lost = new Promise((resolve) => (this.markLost = resolve));
    this.election.onChange((change) => {
      if (change.leading && !this.leading) {
        this.leading = true;
        this.wakeAcquire?.resolve();
        this.wakeAcquire = undefined;
      } else if (!change.leading && this.leading) {
        this.leading = false;
        this.markLost?.("lost the ZooKeeper leadership (session suspended or expired)");
      }
    });
  }

  /** The session that carries the election; the store writes through it. */
  get client(): ZkClient {
    return this.election.client;
  }

  /** Our member znode while we have one: the fencing check of every state write. */
  memberZnode(): string | undefined {
    return this.election.contender.znode();
  }

  acquire(): Promise<void> {
    if (this.released) return Promise.reject(new Error("leadership released before it was acquired"));
    if (!this.started) {
      this.started = true;
      this.election.start();
    }
    if (this.leading) return Promise.resolve();
    return new Promise((resolve, reject) => (this.wakeAcquire = { resolve, reject }));
  }

  leaderUrl(): string | undefined {
    const leader = this.election.leader();
    const hostPort = leader === undefined ? undefined : masterHostPort(leader);
    return hostPort === undefined ? undefined : `http://${hostPort}`;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.wakeAcquire?.reject(new Error("leadership released before it was acquired"));
    this.wakeAcquire = undefined;
    await this.election.stop();
  }
}

// The master's side of `--zk`: one ZooKeeper session holding a LeaderContender (our candidacy)
// and a LeaderDetector (who leads, for redirects). createZkLeadership adapts it to the master's
// Leadership interface (internal/master/leadership.ts) without importing the master.

import type { Clock, Random } from "../../runtime/index.ts";
import type { ZkLogger } from "../types.ts";
import { ZkClient } from "./client.ts";
import { LeaderContender } from "./contender.ts";
import { LeaderDetector } from "./detector.ts";
import { encodeMasterInfo, masterHostPort, type MasterInfo } from "./master-info.ts";
import type { ZkTransport } from "./transport.ts";
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE_CREATOR_ALL } from "./types.ts";
import { parseZkUrl, redactZkUrl } from "./url.ts";

export interface ZkElectionDeps {
  logger: ZkLogger;
  clock: Clock;
  random: Random;
  transport?: ZkTransport;
  /** Session timeout to ask for (Mesos's --zk_session_timeout); default 10 s. */
  sessionTimeoutMs?: number;
  reconnectDelayMaxMs?: number;
  stepDownAfterSilenceMs?: number;
  retryDelayMs?: number;
}

export interface ElectionChange {
  readonly leading: boolean;
  /** The leader's MasterInfo (ours while leading); undefined when none is known. */
  readonly leader: MasterInfo | undefined;
  /** Our member znode's sequence while leading: it grows with every new leadership of the group. */
  readonly sequence: number | undefined;
}

export interface ZkLeaderElection {
  /** Connects and contends; returns at once (leadership comes through onChange). */
  start(): void;
  /** Stops leading at once, withdraws the candidacy and closes the session. */
  stop(): Promise<void>;
  isLeader(): boolean;
  leader(): MasterInfo | undefined;
  onChange(listener: (change: ElectionChange) => void): () => void;
  readonly client: ZkClient;
  readonly contender: LeaderContender;
  readonly detector: LeaderDetector;
}

export function createZkLeaderElection(zkUrl: string, masterInfo: MasterInfo, deps: ZkElectionDeps): ZkLeaderElection {
  const url = parseZkUrl(zkUrl);
  const client = new ZkClient(
    {
      servers: url.servers,
      ...(deps.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: deps.sessionTimeoutMs }),
      ...(url.digestCredentials === undefined ? {} : { digestCredentials: url.digestCredentials }),
      ...(deps.reconnectDelayMaxMs === undefined ? {} : { reconnectDelayMaxMs: deps.reconnectDelayMaxMs }),
    },
    deps,
  );
  const contender = new LeaderContender(
    client,
    {
      path: url.path,
      data: encodeMasterInfo(masterInfo),
      acl: url.digestCredentials === undefined ? OPEN_ACL_UNSAFE : READ_ACL_UNSAFE_CREATOR_ALL,
      ...(deps.stepDownAfterSilenceMs === undefined ? {} : { stepDownAfterSilenceMs: deps.stepDownAfterSilenceMs }),
      ...(deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs }),
    },
    deps,
  );
  const detector = new LeaderDetector(client, { path: url.path, ...(deps.retryDelayMs === undefined ? {} : { retryDelayMs: deps.retryDelayMs }) }, deps);
  const listeners = new Set<(change: ElectionChange) => void>();
  let lastKey = "";
  let stopped = false;

  const leader = (): MasterInfo | undefined => {
    if (stopped) return undefined;
    if (contender.isLeader()) return masterInfo;
    const detected = detector.leader();
    // Our own znode while we do not lead: we stepped down (silence) or have not decided yet.
    if (detected === undefined || detected.znode === contender.znode()) return undefined;
    return detected.info;
  };
  const maybeEmit = (): void => {
    const change: ElectionChange = { leading: contender.isLeader(), leader: leader(), sequence: contender.isLeader() ? contender.sequence() : undefined };
    const key = JSON.stringify([change.leading, change.leader, change.sequence]);
    if (key === lastKey) return;
    lastKey = key;
    deps.logger.info({ zk: redactZkUrl(zkUrl), leading: change.leading, leader: change.leader === undefined ? undefined : masterHostPort(change.leader) }, "zk leadership");
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (error) {
        deps.logger.error({ err: error }, "election listener threw");
      }
    }
  };
  contender.onChange(maybeEmit);
  detector.onChange(maybeEmit);

  return {
    client,
    contender,
    detector,
    start: () => {
      client.start();
      contender.start();
      detector.start();
    },
    stop: async () => {
      stopped = true;
      await contender.stop();
      await detector.stop();
      await client.close();
      maybeEmit();
    },
    isLeader: () => contender.isLeader(),
    leader,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The master's LeadershipState, restated here so this folder does not import the master. */
export type ZkLeadershipState =
  | { leading: true; epoch: number | undefined }
  | { leading: false; leader: { hostname: string; port: number; ip?: string; id?: string } | undefined };

export interface ZkLeadership {
  readonly kind: "zookeeper";
  start(onChange: (state: ZkLeadershipState) => void): Promise<void>;
  stop(): Promise<void>;
  readonly election: ZkLeaderElection;
}

/**
 * The election as the master's Leadership. `masterInfo` is asked for at start(), once the HTTP
 * port is bound. While leading, the epoch is our znode's sequence: it only grows from one leader
 * of the group to the next (so agents can fence a deposed leader off), as long as the group znode
 * itself is not deleted.
 */
export function createZkLeadership(zkUrl: string, masterInfo: () => MasterInfo, deps: ZkElectionDeps): ZkLeadership {
  let election: ZkLeaderElection | undefined;
  return {
    kind: "zookeeper",
    get election(): ZkLeaderElection {
      if (election === undefined) throw new Error("ZkLeadership: not started");
      return election;
    },
    start: async (onChange) => {
      election = createZkLeaderElection(zkUrl, masterInfo(), deps);
      election.onChange((change) => {
        if (change.leading) onChange({ leading: true, epoch: change.sequence });
        else onChange({ leading: false, leader: change.leader === undefined ? undefined : leaderAddress(change.leader) });
      });
      election.start();
    },
    stop: async () => {
      await election?.stop();
    },
  };
}

function leaderAddress(info: MasterInfo): { hostname: string; port: number; ip?: string; id?: string } {
  const hostPort = masterHostPort(info);
  const ip = info.address?.ip;
  const hostname = info.address?.hostname ?? info.hostname ?? ip ?? hostPort?.slice(0, hostPort.lastIndexOf(":")) ?? "";
  return { hostname, port: info.address?.port ?? info.port, ...(ip === undefined ? {} : { ip }), id: info.id };
}

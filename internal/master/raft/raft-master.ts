// Wires --masters: the Raft log in <work_dir>/raft, the HTTP transport between masters, the
// replicated registry, the leadership, the joiner (--join) and the routes. startMaster takes the
// pieces as options; nothing else in the master knows Raft is there.

import type { Hono } from "hono";
import { catchUpTimeoutMsDefault, FileStorage, HttpTransport, isMember } from "../../consensus/index.ts";
import type { ProcessContext } from "../../process/index.ts";
import type { MasterService } from "../start.ts";
import type { RaftMasterConfig } from "./config.ts";
import { Joiner } from "./joiner.ts";
import { mountRaftMasterRoutes } from "./raft-http.ts";
import { RaftLeadership } from "./raft-leadership.ts";
import { RaftRegistry } from "./raft-registry.ts";
import { RemovalWatch } from "./removal-watch.ts";

/** Failed sends to one peer are logged once per this interval (a dead peer fails every tick). */
export const sendErrorLogIntervalMs = 10_000;
/** A --join request waits for the catch-up on the leader, and a little more. */
export const joinRequestSlackMs = 5_000;
/** Elections' worth of waiting between --join attempts the cluster could not serve. */
export const joinRetryElections = 5;

export interface RaftMasterHooks {
  /** This master's removal is committed: stop the process. */
  onRemoved(): void;
  /** Raft storage failed: the driver stopped; exit. */
  onFatal(error: Error): void;
}

export interface RaftMaster {
  readonly registry: RaftRegistry;
  readonly transport: HttpTransport;
  readonly leadership: (service: MasterService) => RaftLeadership;
  readonly mount: (app: Hono) => void;
}

/** This master's storage says it was removed from the cluster: it must not take part again as is. */
export class RemovedMemberError extends Error {}

export function createRaftMaster(ctx: ProcessContext, raft: RaftMasterConfig, hooks: RaftMasterHooks): RaftMaster {
  const logger = ctx.logger.child({ component: "raft" });
  const transport = newTransport(ctx, raft, logger);
  const registry = new RaftRegistry({
    id: raft.selfId,
    storage: FileStorage.open(raft.storageDir),
    transport,
    clock: ctx.clock,
    random: ctx.random,
    logger,
    tickIntervalMs: raft.tickIntervalMs,
    heartbeatTicks: raft.heartbeatTicks,
    electionTicks: raft.electionTicks,
    ...(raft.join ? {} : { bootstrapVoters: raft.members }),
    onClose: () => transport.close(),
  });
  refuseIfRemoved(registry, raft);
  const onRemoved = once(() => hooks.onRemoved());
  registry.onEvent((event) => {
    if (event.type === "membershipApplied") logger.info({ index: event.index, voters: event.conf.voters, learners: event.conf.learners }, "raft membership changed");
    else if (event.type === "removed") {
      logger.warn({ index: event.index }, "this master was removed from the cluster; stopping");
      onRemoved();
    } else if (event.type === "fatal") {
      logger.fatal({ err: event.error }, "raft storage failed; exiting");
      hooks.onFatal(event.error);
    }
  });
  const removal = new RemovalWatch({
    registry,
    members: () => [...raft.members, ...registry.driver.conf().voters, ...registry.driver.conf().learners],
    electionTimeoutMs: raft.electionTimeoutMs,
    clock: ctx.clock,
    logger,
    onRemoved,
  });
  const joiner = raft.join
    ? new Joiner({ registry, members: raft.members, logger, retryMs: raft.electionTimeoutMs * joinRetryElections, requestTimeoutMs: catchUpTimeoutMsDefault + joinRequestSlackMs })
    : undefined;
  const leadership = (service: MasterService): RaftLeadership =>
    new RaftLeadership({
      registry,
      self: () => ({ masterId: service.ids.masterId, hostname: service.address.hostname, ip: service.address.ip, port: service.address.port }),
      logger,
      clock: ctx.clock,
      handOffTimeoutMs: raft.electionTimeoutMs,
      announceRetryMs: raft.heartbeatIntervalMs * 5,
      afterStart: () => {
        removal.start();
        joiner?.start();
      },
      beforeStop: () => {
        removal.stop();
        void joiner?.stop();
      },
    });
  const mount = (app: Hono): void => mountRaftMasterRoutes(app, { registry, transport, faultInjection: raft.faultInjection, catchUpTimeoutMs: catchUpTimeoutMsDefault });
  return { registry, transport, leadership, mount };
}

/** The transport between masters; a peer that keeps failing is logged once per interval. */
function newTransport(ctx: ProcessContext, raft: RaftMasterConfig, logger: ProcessContext["logger"]): HttpTransport {
  const lastSendErrorMs = new Map<string, number>();
  return new HttpTransport({
    id: raft.selfId,
    random: ctx.random,
    onSendError: (peer, error) => {
      const nowMs = ctx.clock.monotonicMs();
      if (nowMs - (lastSendErrorMs.get(peer) ?? -Infinity) < sendErrorLogIntervalMs) return;
      lastSendErrorMs.set(peer, nowMs);
      logger.warn({ peer, err: error.message }, "raft messages to a master failed");
    },
  });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/**
 * A master whose log says it is not a member was removed (or is pointed at another cluster's
 * directory). Rejoining needs an empty <work_dir>/raft and --join: its old log may hold entries
 * the cluster has since overwritten.
 */
function refuseIfRemoved(registry: RaftRegistry, raft: RaftMasterConfig): void {
  const conf = registry.driver.conf();
  if (conf.voters.length === 0 && conf.learners.length === 0) return;
  if (isMember(conf, raft.selfId)) return;
  void registry.close();
  throw new RemovedMemberError(
    `this master (${raft.selfId}) is not a member of the cluster its log in ${raft.storageDir} describes (voters ${conf.voters.join(",")}); it was removed. To rejoin, empty ${raft.storageDir} and start it with --join`,
  );
}

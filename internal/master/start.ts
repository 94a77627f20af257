// Wires a master into a process: the registry on disk, the leadership (standalone, ZooKeeper or
// Raft), a Master while this process leads, and the HTTP routes, which redirect to the leader
// while it follows.

import type { Context, Hono, Next } from "hono";
import { websocket } from "hono/bun";
import { parseDurationMs } from "../flags/units.ts";
import { effectiveFlagsForDisplay, serveModeHttp, versionInfo, type ProcessContext, type Service } from "../process/index.ts";
import { mountAgentSocket } from "./agent-ws.ts";
import { checkReregisterDeadline, pingTick } from "./agents.ts";
import type { MasterConfig } from "./config.ts";
import { checkFailoverDeadlines, frameworkDisconnected } from "./frameworks.ts";
import { masterGauges } from "./gauges.ts";
import { MasterIds } from "./ids.ts";
import { epochBase, StandaloneLeadership, type LeaderAddress, type Leadership, type LeadershipState } from "./leadership.ts";
import { ipToNumber, Master } from "./master.ts";
import { checkDrained } from "./operations.ts";
import { mountOperatorEndpoints } from "./operator-http.ts";
import { mountOperatorApi } from "./operator-v1.ts";
import { noopMasterObserver, type MasterObserver } from "./observer.ts";
import { FileRegistry, type Registry } from "./registry/index.ts";
import { attachRoleSchedule } from "./role-schedule-file.ts";
import { mountRoleScheduleApi } from "./role-schedule-http.ts";
import { mountSchedulerApi } from "./scheduler-http.ts";
import { watchWhitelist } from "./whitelist.ts";

export interface StartedMaster {
  service: MasterService;
  services: Service[];
}

export interface MasterStartOptions {
  /** Builds the leadership once the service (its id and address) exists; default standalone. */
  leadership?: Leadership | ((service: MasterService) => Leadership);
  /** Defaults to the file registry in --work_dir. */
  registry?: Registry;
  /** Routes every master answers itself, leading or not (mounted before the follower's redirects). */
  mount?: (app: Hono) => void;
  /** Spans and metrics of this master process (observability/observers); default none. */
  observer?: MasterObserver;
}

/** One master process: leads (running a Master) or follows (redirecting), as its leadership says. */
export class MasterService {
  active: Master | undefined;
  leader: LeaderAddress | undefined;
  readonly ids: MasterIds;
  leadership: Leadership = new StandaloneLeadership();
  private transitions: Promise<void> = Promise.resolve();
  /** Long polls of /master/redirect?leader_not=..., woken whenever the leader changes. */
  private readonly leaderWaiters = new Set<() => void>();
  address: { hostname: string; ip: string; port: number } = { hostname: "", ip: "", port: 0 };

  constructor(
    readonly ctx: ProcessContext,
    readonly config: MasterConfig,
    readonly registry: Registry,
    readonly observer: MasterObserver = noopMasterObserver,
  ) {
    this.ids = new MasterIds(ctx.ids.uuid());
    observer.bind({
      leadership: () => ({ leading: this.active !== undefined, epoch: this.active?.epoch }),
      gauges: () => (this.active === undefined ? undefined : masterGauges(this.active)),
    });
  }

  /** Leadership changes are applied one at a time, in order. */
  onLeadership(state: LeadershipState): void {
    this.transitions = this.transitions.then(() => this.apply(state)).catch((error) => {
      this.ctx.logger.error({ err: error }, "leadership change failed");
    });
  }

  private async apply(state: LeadershipState): Promise<void> {
    try {
      await this.applyLeadership(state);
    } finally {
      for (const wake of [...this.leaderWaiters]) wake();
    }
  }

  private async applyLeadership(state: LeadershipState): Promise<void> {
    if (state.leading) {
      if (this.active) return;
      this.leader = { ...this.address, id: this.ids.masterId };
      const done = this.observer.leadershipChanging({ leading: true, kind: this.leadership.kind, masterId: this.ids.masterId, leader: undefined });
      const master = this.newMaster();
      this.active = master;
      try {
        await master.start(state.epoch === undefined ? undefined : epochBase[this.leadership.kind] + state.epoch);
        done({ epoch: master.epoch, error: undefined });
      } catch (error) {
        done({ epoch: undefined, error });
        throw error;
      }
      return;
    }
    this.leader = state.leader;
    if (!this.active) return;
    const leader = state.leader === undefined ? undefined : `${state.leader.hostname}:${state.leader.port}`;
    const done = this.observer.leadershipChanging({ leading: false, kind: this.leadership.kind, masterId: this.ids.masterId, leader });
    this.ctx.logger.warn({ leader: state.leader }, "no longer the leader; stopping the master");
    const epoch = this.active.epoch;
    this.active.stop();
    this.active = undefined;
    done({ epoch, error: undefined });
  }

  private newMaster(): Master {
    const m = new Master({
      ids: this.ids,
      config: this.config,
      registry: this.registry,
      clock: this.ctx.clock,
      random: this.ctx.random,
      uuids: this.ctx.ids,
      logger: this.ctx.logger,
      address: this.address,
      observer: this.observer,
    });
    m.roleSchedule.onEvent((event) => this.observer.roleWindowChanged(event));
    m.onPingTick = () => pingTick(m);
    m.onFrameworkStreamClosed = (frameworkId, streamId) => frameworkDisconnected(m, frameworkId, streamId);
    m.addHousekeeping(() => checkFailoverDeadlines(m));
    m.addHousekeeping(() => checkReregisterDeadline(m));
    m.addHousekeeping(() => checkDrained(m));
    attachRoleSchedule(m, this.config.roleSchedulePath);
    if (this.config.whitelistPath !== undefined) {
      const whitelist = watchWhitelist(m, this.config.whitelistPath);
      whitelist();
      m.addHousekeeping(whitelist);
    }
    return m;
  }

  /** `//host:port` of the leader, as Mesos writes redirect locations. */
  leaderLocation(): string | undefined {
    return this.leader ? `//${this.leader.hostname}:${this.leader.port}` : undefined;
  }

  /**
   * The leader's location once it is neither absent nor `notHostPort` (by hostname or ip), or
   * undefined when waitMs passes first. An agent watching for a frozen leader holds one of these
   * open on another master instead of polling it.
   */
  async leaderLocationOtherThan(notHostPort: string, waitMs: number): Promise<string | undefined> {
    const wanted = () => {
      const leader = this.leader;
      if (leader === undefined) return undefined;
      return namesOf(leader).includes(notHostPort) ? undefined : this.leaderLocation();
    };
    const deadline = performance.now() + waitMs;
    for (;;) {
      const found = wanted();
      const leftMs = deadline - performance.now();
      if (found !== undefined || leftMs <= 0) return found;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.leaderWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, leftMs);
        timer.unref();
        this.leaderWaiters.add(wake);
      });
    }
  }

  /** Whether `hostPort` names this master (by hostname or ip). */
  isSelf(hostPort: string): boolean {
    return namesOf(this.address).includes(hostPort);
  }

  async stop(): Promise<void> {
    await this.transitions;
    await this.leadership.stop();
    this.active?.stop();
    this.active = undefined;
    await this.registry.close();
  }
}

export async function startMaster(ctx: ProcessContext, config: MasterConfig, port: number, options: MasterStartOptions = {}): Promise<StartedMaster> {
  const registry = options.registry ?? FileRegistry.open(config.workDir);
  const service = new MasterService(ctx, config, registry, options.observer);
  const http = serveModeHttp(ctx, "master", port, (app) => {
    options.mount?.(app);
    mountRoutes(app, service);
  }, websocket);
  service.address = { hostname: config.hostname, ip: config.ip, port: Number(new URL(http.url).port) };
  const leadership = options.leadership;
  service.leadership = typeof leadership === "function" ? leadership(service) : (leadership ?? new StandaloneLeadership());
  await service.leadership.start((state) => service.onLeadership(state));
  return {
    service,
    services: [
      {
        name: "master",
        url: http.url,
        stop: async () => {
          await http.stop();
          await service.stop();
        },
      },
    ],
  };
}

/** Paths a follower answers itself; everything else of the master's goes to the leader. */
const followerLocalPaths = new Set(["/health", "/flags", "/version", "/metrics", "/master/redirect", "/redirect", "/master/state", "/master/state.json", "/state", "/state.json", "/metrics/snapshot"]);

function mountRoutes(app: Hono, service: MasterService): void {
  app.use("*", (c, next) => followerGate(c, next, service));
  const lazy = new Proxy({} as Master, { get: (_target, key) => Reflect.get(service.active!, key) });
  mountAgentSocket(app, lazy, () => service.active !== undefined);
  mountSchedulerApi(app, lazy, () => undefined);
  mountOperatorApi(app, lazy, service.ctx.flags);
  mountRoleScheduleApi(app, lazy);
  mountOperatorEndpoints(app, lazy, {
    flags: () => effectiveFlagsForDisplay(service.ctx.flags),
    build: buildFields,
    leaderLocation: () => service.leaderLocation(),
  });
}

function buildFields(): Record<string, unknown> {
  const info = versionInfo();
  return { version: info.version, git_sha: info.git_sha, build_date: info.build_date, build_time: info.build_time, build_user: info.build_user };
}

/** The host:port spellings of a master: by hostname and by ip. */
function namesOf(address: { hostname: string; ip?: string; port: number }): string[] {
  return [`${address.hostname}:${address.port}`, ...(address.ip === undefined ? [] : [`${address.ip}:${address.port}`])];
}

/** Longest `wait` a /master/redirect long poll may ask for. */
export const redirectWaitMaxMs = 60_000;

/**
 * `/master/redirect?leader_not=host:port&wait=30secs` (ours; Mesos has only the plain form): the
 * answer waits, up to `wait`, until this master knows a leader other than `leader_not` (named by
 * hostname or ip), then is the usual 307 to it; 304 when the wait ends without one (the leader
 * is still `leader_not`, or none is elected); 409 at once when `leader_not` is this very master
 * (an agent may know its leader by another spelling than its --master list entry, and must not
 * hold its question open on the master it watches). Agents watching their leader for a freeze
 * hold one of these open on another master instead of asking it every half second.
 */
async function redirectLongPoll(c: Context, service: MasterService, leaderNot: string): Promise<Response> {
  const waitText = c.req.query("wait") ?? "30secs";
  const wait = parseDurationMs(waitText);
  if (!wait.ok || wait.value > redirectWaitMaxMs) return c.text(`Invalid 'wait' parameter '${waitText}': expected ${wait.ok ? `at most ${redirectWaitMaxMs / 1000}secs` : wait.expected}`, 400);
  if (service.isSelf(leaderNot)) return c.text(`leader_not names this master`, 409);
  const location = await service.leaderLocationOtherThan(leaderNot, wait.value);
  return location === undefined ? c.body(null, 304) : c.body(null, 307, { Location: location });
}

/** While following: leader-only routes get 307 to the leader (503 when none); local ones a follower's view. */
async function followerGate(c: Context, next: Next, service: MasterService): Promise<Response | void> {
  const path = c.req.path;
  const leaderNot = path === "/master/redirect" || path === "/redirect" ? c.req.query("leader_not") : undefined;
  if (leaderNot !== undefined) return redirectLongPoll(c, service, leaderNot);
  if (service.active) return next();
  if (path === "/master/redirect" || path === "/redirect") {
    const location = service.leaderLocation();
    return location === undefined ? c.text("No leading master", 503) : c.body(null, 307, { Location: location });
  }
  if (path === "/metrics/snapshot") return c.json({ "master/elected": 0, "master/uptime_secs": process.uptime() });
  if (path.startsWith("/master/state") || path.startsWith("/state")) return c.json(followerState(service));
  if (followerLocalPaths.has(path)) return next();
  const location = service.leaderLocation();
  if (location === undefined) return c.text("No leading master; try again shortly", 503);
  const query = new URL(c.req.url).search;
  return c.body(null, 307, { Location: `${location}${path}${query}` });
}

function followerState(service: MasterService): Record<string, unknown> {
  const { hostname, ip, port } = service.address;
  const leader = service.leader;
  return {
    ...buildFields(),
    id: service.ids.masterId,
    pid: `master@${ip}:${port}`,
    hostname,
    ...(leader ? { leader: `master@${leader.ip ?? leader.hostname}:${leader.port}`, leader_info: { id: leader.id ?? "", hostname: leader.hostname, ip: ipToNumber(leader.ip ?? ""), port: leader.port, address: { hostname: leader.hostname, ip: leader.ip, port: leader.port } } } : {}),
    flags: effectiveFlagsForDisplay(service.ctx.flags),
    activated_slaves: 0,
    deactivated_slaves: 0,
    unreachable_slaves: 0,
    slaves: [],
    frameworks: [],
    completed_frameworks: [],
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

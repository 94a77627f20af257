// The containerizer: launches tasks under per-task supervisors (supervisor.ts) so they outlive the
// agent, isolates them with cgroups where it can (cgroups.ts) and by process tree where it cannot
// (tree.ts), learns how they ended from the files the supervisors write (meta.ts), and re-attaches
// after an agent restart.

import { closeSync, mkdirSync, readFileSync } from "node:fs";
import { assert } from "../../runtime/index.ts";
import {
  cgroupPids,
  cgroupStatistics,
  containerCgroup,
  createContainerCgroup,
  detectCgroups,
  errorText,
  killCgroup,
  listContainerCgroups,
  memoryPeakBytes,
  oomKillCount,
  removeContainerCgroup,
  type CgroupsLayout,
  type CgroupStatistics,
  type ContainerCgroup,
} from "./cgroups.ts";
import { healthPolicyOf, type HealthPolicy } from "./health.ts";
import { HealthRunner } from "./health-runner.ts";
import { ContainerMeta, currentBootId, listMetaContainerIds } from "./meta.ts";
import { resolveOptions, type ContainerizerOptions, type ResolvedOptions } from "./options.ts";
import { assertPathSafeId, containersMetaRoot } from "./paths.ts";
import { isSameProcessAlive, ProcScanner, readProcStat, signalPid, type ProcStat } from "./proc.ts";
import { alreadyRunningAs, findSupervisorTools, lookupUser, prepareSandbox, spawnSupervisor, waitForPids } from "./spawn.ts";
import { SupervisorSpawner, type SupervisorHandle } from "./spawner.ts";
import { buildTaskChain, type SupervisorTools } from "./supervisor.ts";
import { buildTermination } from "./termination.ts";
import { killTree, pageBytes, SessionSweeper, snapshotTree, treeStatistics, type ProcIdentity } from "./tree.ts";
import type {
  Containerizer,
  ContainerLimits,
  ContainerTermination,
  HealthEvent,
  KnownContainer,
  LaunchSpec,
  ResourceStatistics,
} from "./types.ts";

interface Container {
  id: string;
  meta: ContainerMeta;
  sandboxDir: string;
  limits: ContainerLimits;
  cgroup: ContainerCgroup | null;
  taskPid: number;
  taskStartTicks: number | undefined;
  supervisorPid: number;
  /**
   * Leader of the session and process group the task lives in: its supervisor, or, after a
   * restart that found the supervisor's pid held by another process, the task itself (whose
   * descendants are then all that can be found).
   */
  groupPid: number;
  /** The group leader's start time, when known: a holder of its pid that started later is not ours. */
  groupStartTicks: number | undefined;
  /** The supervisor's handle when this instance started it; null after a restart. */
  child: SupervisorHandle | null;
  health: HealthRunner | null;
  /** Tree members seen when a kill began (posix isolation): re-parented children stay reachable. */
  remembered: ProcIdentity[];
  killing: Promise<void> | null;
  finishing: boolean;
  termination: ContainerTermination | null;
  ended: Promise<ContainerTermination>;
  resolveEnded: (termination: ContainerTermination) => void;
}

export async function createContainerizer(options: ContainerizerOptions): Promise<Containerizer> {
  const resolved = resolveOptions(options);
  const tools = findSupervisorTools();
  mkdirSync(containersMetaRoot(resolved.metaDir), { recursive: true, mode: 0o700 });
  const layout = decideIsolation(resolved);
  return new SupervisedContainerizer(resolved, tools, layout);
}

/** Decided once; the reason for running without cgroups is logged once, here. */
function decideIsolation(o: ResolvedOptions): CgroupsLayout | null {
  if (o.isolation === "posix") {
    o.logger.info({ isolation: "none", reason: "isolation=posix" }, "running tasks without cgroups");
    return null;
  }
  const detection = detectCgroups(o.cgroupsHierarchy, o.cgroupsRoot);
  if (detection.layout === null) {
    if (o.isolation === "cgroups") throw new Error(`cgroups isolation was requested but is not available: ${detection.reason}`);
    o.logger.warn({ isolation: "none", reason: detection.reason }, "running tasks without cgroups");
    return null;
  }
  for (const note of detection.notes) o.logger.warn({ reason: note }, "cgroups isolation is partial");
  o.logger.info({ isolation: `cgroups-v${detection.layout.version}`, hierarchy: o.cgroupsHierarchy, root: o.cgroupsRoot }, "cgroups isolation");
  return detection.layout;
}

class SupervisedContainerizer implements Containerizer {
  readonly isolation: string;
  private readonly containers = new Map<string, Container>();
  private readonly launching = new Map<string, Promise<unknown>>();
  private readonly terminationListeners: Array<(t: ContainerTermination) => void> = [];
  private readonly healthListeners: Array<(e: HealthEvent) => void> = [];
  private readonly pendingTerminations: ContainerTermination[] = [];
  private readonly pendingHealth: HealthEvent[] = [];
  private readonly pollTimer: ReturnType<typeof setInterval>;
  private procSnapshot: { atMs: number; table: ProcStat[] } | null = null;
  private closed = false;
  private readonly scanner = new ProcScanner();
  private readonly scan = () => this.scanner.fresh();
  private readonly sweeper: SessionSweeper;
  private readonly isRoot = process.getuid?.() === 0;
  private readonly spawner = new SupervisorSpawner();
  private launchesInFlight = 0;
  private readonly launchQueue: Array<() => void> = [];

  constructor(
    private readonly o: ResolvedOptions,
    private readonly tools: SupervisorTools,
    private readonly layout: CgroupsLayout | null,
  ) {
    this.isolation = layout === null ? "none" : `cgroups-v${layout.version}`;
    this.pollTimer = setInterval(() => this.pollAll(), o.statusPollIntervalMs);
    this.pollTimer.unref();
    this.sweeper = new SessionSweeper(this.scan, o.sessionSweepDelayMs, (error) => o.logger.error({ err: errorText(error) }, "sweeping ended tasks' sessions failed"));
  }

  async launch(spec: LaunchSpec): Promise<{ pid: number; startTicks?: number }> {
    assert(!this.closed, "launch after close");
    assertPathSafeId("container id", spec.containerId);
    assert(!this.containers.has(spec.containerId) && !this.launching.has(spec.containerId), `container ${spec.containerId} already exists`);
    const launched = this.withLaunchSlot(() => this.doLaunch(spec));
    this.launching.set(spec.containerId, launched);
    try {
      return await launched;
    } finally {
      this.launching.delete(spec.containerId);
    }
  }

  /**
   * Runs `launch` once fewer than launchesInFlightMax are under way, first come first served; a
   * finished launch hands its slot straight to the next in line.
   */
  private async withLaunchSlot<T>(launch: () => Promise<T>): Promise<T> {
    if (this.launchesInFlight >= this.o.launchesInFlightMax) await new Promise<void>((resolve) => this.launchQueue.push(resolve));
    else this.launchesInFlight++;
    try {
      if (this.closed) throw new Error("the containerizer was closed before the launch began");
      return await launch();
    } finally {
      const next = this.launchQueue.shift();
      if (next !== undefined) next();
      else this.launchesInFlight--;
    }
  }

  private async doLaunch(spec: LaunchSpec): Promise<{ pid: number; startTicks?: number }> {
    const policy = spec.healthCheck === undefined ? null : healthPolicyOf(spec.healthCheck);
    if (typeof policy === "string") throw new Error(`Invalid health check: ${policy}`);
    const user = spec.user !== undefined && this.isRoot ? lookupUser(spec.user) : undefined;
    const runAs = user === undefined || alreadyRunningAs(user) ? undefined : { uid: user.uid, gid: user.gid };
    const meta = new ContainerMeta(this.o.metaDir, spec.containerId);
    const launchedAtMs = this.o.clock.nowMs();
    const cgroup = this.layout === null ? null : containerCgroup(this.layout, spec.containerId);
    let container: Container | undefined;
    const onExit = () => container !== undefined && this.check(container);
    const child = await this.startSupervisor(spec, meta, cgroup, runAs, launchedAtMs, onExit);
    const supervisorGone = () => child.exitCode !== null || child.signalCode !== null;
    const pids = await waitForPids(meta, supervisorGone, this.o.launchPidWaitMs).catch(async (error: unknown) => {
      signalPid(child.pid, "SIGKILL");
      await this.undoLaunch(meta, cgroup);
      throw error;
    });
    const taskStartTicks = this.taskStartTicksOf(pids.taskPid, pids.supervisorPid);
    // The supervisor is our unreaped child: its pid cannot have been reused.
    const groupStartTicks = readProcStat(pids.supervisorPid)?.startTicks;
    container = this.track({ id: spec.containerId, meta, sandboxDir: spec.sandboxDir, limits: spec.limits, cgroup, ...pids, taskStartTicks, groupPid: pids.supervisorPid, groupStartTicks, child });
    this.startHealth(container, policy, spec.env, launchedAtMs);
    this.o.logger.info({ container_id: spec.containerId, pid: pids.taskPid, isolation: this.isolation }, "launched task");
    this.check(container);
    return taskStartTicks === undefined ? { pid: pids.taskPid } : { pid: pids.taskPid, startTicks: taskStartTicks };
  }

  /** Sandbox, launch record, cgroup, supervisor; on any failure, undoes what was done and throws. */
  private async startSupervisor(
    spec: LaunchSpec,
    meta: ContainerMeta,
    cgroup: ContainerCgroup | null,
    runAs: { uid: number; gid: number } | undefined,
    launchedAtMs: number,
    onExit: () => void,
  ): Promise<SupervisorHandle> {
    let fds: { stdoutFd: number; stderrFd: number } | null = null;
    try {
      fds = await prepareSandbox(spec.sandboxDir, runAs);
      const record = { containerId: spec.containerId, sandboxDir: spec.sandboxDir, launchedAtMs, bootId: currentBootId(), limits: spec.limits };
      await meta.writeLaunch({ ...record, healthCheck: spec.healthCheck, env: spec.env, cgroups: cgroup !== null });
      if (cgroup !== null) createContainerCgroup(cgroup, spec.limits, this.o.enableCfs);
      const chain = buildTaskChain({ command: spec.command, env: spec.env, runAs }, this.tools);
      const procsFiles = cgroup?.procsFiles ?? [];
      const handed = fds;
      fds = null; // spawnSupervisor closes them, whatever happens
      return await spawnSupervisor(this.spawner, { tools: this.tools, meta, sandboxDir: spec.sandboxDir, procsFiles, chain, env: spec.env, onExit }, handed);
    } catch (error) {
      if (fds !== null) for (const fd of [fds.stdoutFd, fds.stderrFd]) closeSync(fd);
      await this.undoLaunch(meta, cgroup);
      throw error;
    }
  }

  private async undoLaunch(meta: ContainerMeta, cgroup: ContainerCgroup | null): Promise<void> {
    if (cgroup !== null) {
      await killCgroup(cgroup);
      await removeContainerCgroup(cgroup);
    }
    await meta.removeAsync();
  }

  /** The task's start time, but only while it is provably the supervisor's child. */
  private taskStartTicksOf(taskPid: number, supervisorPid: number): number | undefined {
    const stat = readProcStat(taskPid);
    return stat !== null && stat.ppid === supervisorPid ? stat.startTicks : undefined;
  }

  private track(fields: Pick<Container, "id" | "meta" | "sandboxDir" | "limits" | "cgroup" | "taskPid" | "supervisorPid" | "taskStartTicks" | "groupPid" | "groupStartTicks" | "child">): Container {
    let resolveEnded!: (t: ContainerTermination) => void;
    const ended = new Promise<ContainerTermination>((resolve) => (resolveEnded = resolve));
    const container: Container = { ...fields, health: null, remembered: [], killing: null, finishing: false, termination: null, ended, resolveEnded };
    this.containers.set(fields.id, container);
    return container;
  }

  private startHealth(c: Container, policy: HealthPolicy | null, env: Record<string, string>, startedMs: number): void {
    if (policy === null) return;
    c.health = new HealthRunner({
      containerId: c.id,
      policy,
      sandboxDir: c.sandboxDir,
      env,
      startedMs,
      clock: this.o.clock,
      logger: this.o.logger,
      emit: (event) => this.emitHealth(event),
      shell: this.tools.sh,
    });
    c.health.start();
  }

  async kill(containerId: string, gracePeriodMs: number): Promise<void> {
    assert(gracePeriodMs >= 0, `grace period must not be negative: ${gracePeriodMs}`);
    await this.launching.get(containerId)?.catch(() => "launch failed; nothing to kill");
    const c = this.containers.get(containerId);
    if (c === undefined) {
      this.o.logger.debug({ container_id: containerId }, "kill of an unknown container");
      return;
    }
    if (c.termination !== null) return;
    c.killing ??= this.doKill(c, gracePeriodMs);
    await c.killing;
  }

  private async doKill(c: Container, gracePeriodMs: number): Promise<void> {
    c.meta.markKilled();
    const alive = isSameProcessAlive(c.taskPid, c.taskStartTicks);
    if (c.cgroup === null) c.remembered = await snapshotTree(this.scan, c.groupPid, c.groupStartTicks);
    // The whole group: the supervisor leading it traps SIGTERM.
    if (alive) signalPid(-c.groupPid, "SIGTERM");
    this.o.logger.info({ container_id: c.id, pid: c.taskPid, grace_period_ms: gracePeriodMs }, "killing task");
    const graceful = await this.waitEnded(c, gracePeriodMs);
    if (!graceful) {
      if (c.cgroup !== null) await killCgroup(c.cgroup);
      else await killTree(this.scan, c.groupPid, c.groupStartTicks, c.remembered, c.supervisorPid);
    }
    if (await this.waitEnded(c, this.o.killSettleMs)) return;
    this.o.logger.error({ container_id: c.id, pid: c.taskPid }, "supervisor recorded no status after the kill");
    await this.finish(c, null, "the supervisor recorded no exit status after the kill");
  }

  /**
   * Waits until the container has ended or waitMs passed; true when it ended. The supervisor's exit
   * event tells about containers this instance launched; recovered ones are polled quickly.
   */
  private async waitEnded(c: Container, waitMs: number): Promise<boolean> {
    this.check(c);
    if (c.child !== null) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([c.ended, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
      return c.termination !== null;
    }
    const deadline = performance.now() + waitMs;
    for (;;) {
      this.check(c);
      if (c.termination !== null) return true;
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) return false;
      await Promise.race([c.ended, Bun.sleep(Math.min(this.o.killPollIntervalMs, leftMs))]);
    }
  }

  /**
   * Looks for the end of one container; cheap enough to run for every container every poll. While
   * the supervisor lives the status is not read: it ends the supervisor, and its exit (an event
   * for our own children, the next poll for recovered ones) brings us back here.
   */
  private check(c: Container): void {
    if (c.termination !== null || c.finishing || this.closed) return;
    try {
      // Whether it was alive is taken before the status is read: gone means the status is final.
      const alive = this.supervisorAlive(c);
      if (!alive) {
        const status = c.meta.readStatus();
        if (status !== null) {
          this.finishInBackground(c, status);
          return;
        }
      }
      if (c.cgroup !== null && !c.meta.hasMemoryLimitation() && oomKillCount(c.cgroup) > 0) {
        // Mesos destroys a container on a memory limitation, whichever process the OOM killer chose.
        this.o.logger.warn({ container_id: c.id }, "memory limit exceeded; destroying the container");
        c.meta.markMemoryLimitation();
        killCgroup(c.cgroup).catch((error: unknown) => this.o.logger.error({ container_id: c.id, err: errorText(error) }, "destroying the container failed"));
        return;
      }
      if (alive) return;
      if (!isSameProcessAlive(c.taskPid, c.taskStartTicks)) {
        this.finishInBackground(c, null, "the supervisor ended without recording the task's exit status");
      }
    } catch (error) {
      this.o.logger.error({ container_id: c.id, err: errorText(error) }, "checking container failed");
    }
  }

  private supervisorAlive(c: Container): boolean {
    if (c.child !== null) return c.child.exitCode === null && c.child.signalCode === null;
    // A reused pid would not carry our meta file in its arguments; a zombie has no cmdline at all.
    return processArguments(c.supervisorPid).includes(c.meta.path);
  }

  private finishInBackground(c: Container, shellStatus: number | null, unknownReason?: string): void {
    this.finish(c, shellStatus, unknownReason).catch((error: unknown) => {
      this.o.logger.error({ container_id: c.id, err: errorText(error) }, "finishing container failed");
    });
  }

  private async finish(c: Container, shellStatus: number | null, unknownReason?: string): Promise<void> {
    if (c.finishing || c.termination !== null) return;
    c.finishing = true;
    c.health?.stop();
    try {
      // Mesos destroys a container when its task ends: nothing the task left behind keeps running.
      // Without cgroups, a task that ended on its own has its group killed now and the rest of its
      // session by the next sweep; after a kill, the tree (with what was remembered) goes at once.
      if (c.cgroup !== null) await killCgroup(c.cgroup);
      else if (c.killing === null && c.remembered.length === 0) this.sweeper.taskEnded(c.groupPid, c.groupStartTicks);
      else await killTree(this.scan, c.groupPid, c.groupStartTicks, c.remembered);
    } catch (error) {
      this.o.logger.error({ container_id: c.id, err: errorText(error) }, "failed to kill what the task left behind");
    }
    const memoryLimitExceeded = c.meta.hasMemoryLimitation() || (c.cgroup !== null && oomKillCount(c.cgroup) > 0);
    const termination = buildTermination({
      containerId: c.id,
      shellStatus,
      memoryLimitExceeded,
      killedByAgent: c.meta.isKilled(),
      memory: c.cgroup === null ? undefined : { limitBytes: c.limits.memoryBytes, peakBytes: memoryPeakBytes(c.cgroup) },
      unknownReason,
    });
    c.termination = termination;
    c.resolveEnded(termination);
    this.o.logger.info({ container_id: c.id, exit_code: termination.exitCode, signal: termination.signal, message: termination.message }, "task ended");
    this.emitTermination(termination);
  }

  private pollAll(): void {
    for (const c of this.containers.values()) this.check(c);
  }

  async recover(known: KnownContainer[]): Promise<void> {
    assert(!this.closed, "recover after close");
    const knownIds = new Set(known.map((k) => k.containerId));
    for (const k of known) {
      if (this.containers.has(k.containerId)) continue;
      await this.recoverOne(k);
    }
    await this.destroyOrphans(knownIds);
  }

  private async recoverOne(k: KnownContainer): Promise<void> {
    const meta = new ContainerMeta(this.o.metaDir, k.containerId);
    const record = meta.readLaunch();
    const cgroup = this.layout !== null && record?.cgroups === true ? containerCgroup(this.layout, k.containerId) : null;
    const lost = (reason: string) => this.reportLost(k, meta, cgroup, reason);
    if (record === null) return lost("the containerizer has no record of it (the agent stopped during the launch)");
    if (record.bootId !== currentBootId()) return lost("the host rebooted since the launch");
    const pids = await this.pidsAfterRestart(meta, record.launchedAtMs);
    if (pids === null) return lost("the agent stopped before the task started");
    if (k.pid !== undefined && k.pid !== pids.taskPid) {
      this.o.logger.warn({ container_id: k.containerId, checkpointed_pid: k.pid, pid: pids.taskPid }, "checkpointed pid differs; using the supervisor's");
    }
    const taskStartTicks = k.startTicks ?? this.taskStartTicksOf(pids.taskPid, pids.supervisorPid);
    const group = groupAfterRestart(meta.path, pids, taskStartTicks);
    const c = this.track({ id: k.containerId, meta, sandboxDir: record.sandboxDir, limits: record.limits, cgroup, ...pids, taskStartTicks, ...group, child: null });
    if (meta.isKilled() && !meta.hasStatus()) {
      // The agent died during a kill; finish it (the grace period has long begun).
      this.kill(c.id, 0).catch((error: unknown) => this.o.logger.error({ container_id: c.id, err: errorText(error) }, "resuming a kill failed"));
    }
    const check = k.healthCheck ?? record.healthCheck;
    const policy = check === undefined ? null : healthPolicyOf(check);
    this.startHealth(c, typeof policy === "string" ? null : policy, record.env, record.launchedAtMs);
    this.o.logger.info({ container_id: c.id, pid: c.taskPid }, "recovered container");
    this.check(c);
  }

  /**
   * The pids of a recovered container. If the agent died in the middle of a launch, the task may
   * still be on its way: a launch younger than launchPidWaitMs gets the rest of that time.
   */
  private async pidsAfterRestart(meta: ContainerMeta, launchedAtMs: number): Promise<{ taskPid: number; supervisorPid: number } | null> {
    const pids = meta.readPids();
    const leftMs = launchedAtMs + this.o.launchPidWaitMs - this.o.clock.nowMs();
    if (pids !== null || leftMs <= 0 || meta.hasStatus()) return pids;
    return waitForPids(meta, () => meta.hasStatus(), leftMs).catch(() => null);
  }

  private async reportLost(k: KnownContainer, meta: ContainerMeta, cgroup: ContainerCgroup | null, reason: string): Promise<void> {
    this.o.logger.warn({ container_id: k.containerId, reason }, "container lost");
    if (cgroup !== null) await killCgroup(cgroup);
    const c = this.track({ id: k.containerId, meta, sandboxDir: k.sandboxDir, limits: k.limits, cgroup, taskPid: k.pid ?? 0, supervisorPid: 0, taskStartTicks: undefined, groupPid: 0, groupStartTicks: undefined, child: null });
    c.finishing = true;
    const termination = buildTermination({ containerId: k.containerId, shellStatus: null, memoryLimitExceeded: false, killedByAgent: meta.isKilled(), unknownReason: reason });
    c.termination = termination;
    c.resolveEnded(termination);
    this.emitTermination(termination);
  }

  /**
   * Containers in our meta directory the agent no longer knows: killed and removed, as Mesos does.
   * A cgroup under our root without a meta file is not ours (launch writes it before it makes
   * the cgroup, cleanup removes the cgroup first): another agent sharing the root, or an operator.
   * It is reported and left alone.
   */
  private async destroyOrphans(knownIds: ReadonlySet<string>): Promise<void> {
    const metaIds = listMetaContainerIds(this.o.metaDir);
    const orphanIds = metaIds.filter((id) => !knownIds.has(id) && !this.containers.has(id));
    if (this.layout !== null) {
      const ours = new Set(metaIds);
      const foreign = listContainerCgroups(this.layout).filter((id) => !ours.has(id) && !this.containers.has(id));
      if (foreign.length > 0) this.o.logger.warn({ cgroups: foreign.slice(0, 20), count: foreign.length }, "cgroups under our root that this agent did not create; leaving them");
    }
    for (const id of orphanIds) {
      this.o.logger.warn({ container_id: id }, "destroying orphan container");
      const meta = new ContainerMeta(this.o.metaDir, id);
      const pids = meta.readPids();
      const cgroup = this.layout === null ? null : containerCgroup(this.layout, id);
      if (cgroup !== null && cgroupPids(cgroup).length > 0) await killCgroup(cgroup);
      if (pids !== null && !meta.hasStatus()) {
        const group = groupAfterRestart(meta.path, pids, undefined);
        await killTree(this.scan, group.groupPid, group.groupStartTicks, []);
      }
      if (cgroup !== null) await removeContainerCgroup(cgroup);
      meta.remove();
    }
  }

  async usage(containerId: string): Promise<ResourceStatistics | undefined> {
    const c = this.containers.get(containerId);
    if (c === undefined || c.termination !== null) return undefined;
    const measured: CgroupStatistics =
      c.cgroup !== null ? cgroupStatistics(c.cgroup) : treeStatistics(await this.procTable(), c.groupPid, c.groupStartTicks, pageBytes(), c.supervisorPid);
    return { timestamp: this.o.clock.nowMs() / 1000, cpus_limit: c.limits.cpus, mem_limit_bytes: c.limits.memoryBytes, ...measured };
  }

  /** One /proc walk serves many usage() calls (the monitor asks for every container at once). */
  private async procTable(): Promise<ProcStat[]> {
    const nowMs = performance.now();
    if (this.procSnapshot === null || nowMs - this.procSnapshot.atMs > this.o.procSnapshotMaxAgeMs) {
      this.procSnapshot = { atMs: nowMs, table: await this.scan() };
    }
    return this.procSnapshot.table;
  }

  async cleanup(containerId: string): Promise<void> {
    await this.launching.get(containerId)?.catch(() => "launch failed; undoLaunch cleaned up");
    const c = this.containers.get(containerId);
    if (c !== undefined && c.termination === null) await this.kill(containerId, 0);
    c?.health?.stop();
    const meta = c?.meta ?? new ContainerMeta(this.o.metaDir, containerId);
    const cgroup = c?.cgroup ?? (this.layout !== null && meta.readLaunch()?.cgroups === true ? containerCgroup(this.layout, containerId) : null);
    if (cgroup !== null) {
      await killCgroup(cgroup);
      await removeContainerCgroup(cgroup);
    }
    // The record stays for the GC: removing it now would free an inode per task in the middle of
    // a burst of launches, each one making the next allocations slower (meta.ts).
    this.containers.delete(containerId);
  }

  recordPath(containerId: string): string {
    return new ContainerMeta(this.o.metaDir, containerId).path;
  }

  onTermination(listener: (termination: ContainerTermination) => void): void {
    this.terminationListeners.push(listener);
    for (const t of this.pendingTerminations.splice(0)) this.deliver(listener, t);
  }

  onHealth(listener: (event: HealthEvent) => void): void {
    this.healthListeners.push(listener);
    for (const e of this.pendingHealth.splice(0)) this.deliver(listener, e);
  }

  /** Events before the first listener are kept, so recover() may run before the core subscribes. */
  private emitTermination(t: ContainerTermination): void {
    if (this.closed) return;
    if (this.terminationListeners.length === 0) this.pendingTerminations.push(t);
    for (const l of this.terminationListeners) this.deliver(l, t);
  }

  private emitHealth(e: HealthEvent): void {
    if (this.closed) return;
    if (this.healthListeners.length === 0) this.pendingHealth.push(e);
    for (const l of this.healthListeners) this.deliver(l, e);
  }

  private deliver<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      this.o.logger.error({ err: errorText(error) }, "containerizer listener threw");
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    this.spawner.close();
    // Launches still waiting for a slot get one, and fail at once.
    for (const waiting of this.launchQueue.splice(0)) {
      this.launchesInFlight++;
      waiting();
    }
    this.sweeper.close();
    for (const c of this.containers.values()) c.health?.stop();
  }
}

/** A process's arguments; empty when it is gone or a zombie. */
function processArguments(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT" || (error as { code?: string }).code === "ESRCH") return [];
    throw error;
  }
}

/**
 * The group a recovered task lives in. Its supervisor leads it; a process now holding the
 * supervisor's pid is the supervisor if its arguments name our meta file (or it is a zombie, which
 * keeps its pid). No holder at all: the pid is unused, so a group or session of that id, if any,
 * is still ours. A holder that is someone else: our group is gone (a pid is not reused while a
 * group or session names it), and only the task's own descendants can be found.
 */
function groupAfterRestart(
  metaPath: string,
  pids: { taskPid: number; supervisorPid: number },
  taskStartTicks: number | undefined,
): { groupPid: number; groupStartTicks: number | undefined } {
  const holder = readProcStat(pids.supervisorPid);
  if (holder === null) return { groupPid: pids.supervisorPid, groupStartTicks: undefined };
  if (holder.state === "Z" || holder.state === "X" || processArguments(pids.supervisorPid).includes(metaPath)) {
    return { groupPid: pids.supervisorPid, groupStartTicks: holder.startTicks };
  }
  return { groupPid: pids.taskPid, groupStartTicks: taskStartTicks };
}

// The cron store in ZooKeeper, as Chronos keeps its state there, for cron processes on several
// machines (--zk). Layout under `<zk path>/state`:
//
//   framework_id          the framework id
//   jobs/job-<name>       the job as posted (normalised JobSpec JSON); written when it changes
//   status/job-<name>     its JobStatus JSON (counters, next due, dependency progress)
//   active/<run id>       each run not final yet
//   history/job-<name>    the job's last --max_runs_per_job final runs, newest first (one JSON array)
//   journal/<id>-<i>      a commit too large for one multi, while it is being applied
//
// One journal is one ZooKeeper `multi`, so it is atomic, and every multi starts with a check that
// our election member znode still exists: a leader whose session is gone can write nothing. A
// journal larger than `zkCommitBytesMax` is first written whole as journal chunks plus a commit
// marker (the atomic point), then applied in several multis, then deleted; a leader that finds a
// marked journal at load applies it again (its writes are final values, so replaying is harmless)
// and discards an unmarked one.

import { ErrorCode } from "../zk/index.ts";
import { isZkError, type MultiOp, type ZkClient } from "../zk/client/index.ts";
import type { Ready } from "./core-state.ts";
import type { CronStore, StoredState } from "./store.ts";
import { isFinalRunState, type Job, type JobSpec, type JobStatus, type RunRecord } from "./types.ts";

/** Bytes of ops per multi: well under ZooKeeper's jute.maxbuffer (1 MiB). */
export const zkCommitBytesMax = 512 * 1024;
/** Concurrent reads while loading. */
const zkLoadBatch = 500;

type StoreOp = { put: string; data: string } | { del: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface ZkStoreOptions {
  runHistoryMax: number;
  /** Our election member znode; undefined once we have none (then nothing may be written). */
  fence: () => string | undefined;
}

export class ZkStore implements CronStore {
  private readonly state: string;
  /** Spec JSON per job as stored, to write a spec only when it changed. */
  private readonly specs = new Map<string, string>();
  private readonly active = new Map<string, RunRecord>();
  /** Final runs per job as stored (read on first need). */
  private readonly history = new Map<string, RunRecord[]>();
  /** Znodes known to exist: seen at load or written by us. The single leader keeps this exact. */
  private readonly existing = new Set<string>();
  private broken: Error | undefined;

  constructor(
    private readonly client: ZkClient,
    basePath: string,
    private readonly options: ZkStoreOptions,
  ) {
    this.state = `${basePath}/state`;
  }

  async load(): Promise<StoredState> {
    for (const dir of ["jobs", "status", "active", "history", "journal"]) await this.client.ensurePath(`${this.state}/${dir}`);
    await this.recoverJournal();
    const frameworkId = await this.readText(`${this.state}/framework_id`);
    if (frameworkId !== undefined) this.existing.add(`${this.state}/framework_id`);
    const jobNames = (await this.client.getChildren(`${this.state}/jobs`)).filter((n) => n.startsWith("job-"));
    const jobs: Job[] = [];
    for (const batch of chunks(jobNames, zkLoadBatch)) {
      const read = await Promise.all(batch.map(async (node) => [await this.readText(`${this.state}/jobs/${node}`), await this.readText(`${this.state}/status/${node}`)] as const));
      for (const [spec, status] of read) {
        if (spec === undefined || status === undefined) continue;
        const job: Job = { spec: JSON.parse(spec) as JobSpec, status: JSON.parse(status) as JobStatus };
        this.specs.set(job.spec.name, spec);
        this.existing.add(`${this.state}/jobs/job-${job.spec.name}`);
        this.existing.add(`${this.state}/status/job-${job.spec.name}`);
        jobs.push(job);
      }
    }
    for (const node of await this.client.getChildren(`${this.state}/history`)) this.existing.add(`${this.state}/history/${node}`);
    const runIds = await this.client.getChildren(`${this.state}/active`);
    for (const batch of chunks(runIds, zkLoadBatch)) {
      for (const text of await Promise.all(batch.map((id) => this.readText(`${this.state}/active/${id}`)))) {
        if (text === undefined) continue;
        const run = JSON.parse(text) as RunRecord;
        this.active.set(run.id, run);
        this.existing.add(`${this.state}/active/${run.id}`);
      }
    }
    return { frameworkId: frameworkId === "" ? undefined : frameworkId, jobs, activeRuns: [...this.active.values()] };
  }

  async commit(ready: Ready): Promise<void> {
    if (this.broken) throw this.broken;
    if (ready.jobs.size === 0 && ready.runs.size === 0) return;
    try {
      const ops = await this.opsFor(ready);
      const bytes = ops.reduce((sum, op) => sum + opBytes(op), 0);
      if (bytes <= zkCommitBytesMax) await this.multi(ops);
      else await this.commitJournaled(ops);
    } catch (error) {
      // Our caches now describe writes that may not have happened: this store is done for; the
      // next leader (perhaps us again) loads afresh.
      this.broken = error instanceof Error ? error : new Error(String(error));
      throw this.broken;
    }
  }

  /** The writes of one journal, with the caches updated to what they will be. */
  private async opsFor(ready: Ready): Promise<StoreOp[]> {
    const ops: StoreOp[] = [];
    const touchedHistory = new Set<string>();
    for (const run of ready.runs.values()) {
      if (!isFinalRunState(run.state)) {
        this.active.set(run.id, run);
        ops.push({ put: `${this.state}/active/${run.id}`, data: JSON.stringify(run) });
        continue;
      }
      if (this.active.delete(run.id)) ops.push({ del: `${this.state}/active/${run.id}` });
      const list = (await this.historyOf(run.job)).filter((r) => r.id !== run.id);
      list.unshift(run);
      list.sort((a, b) => b.scheduledMs - a.scheduledMs || b.attempt - a.attempt);
      this.history.set(run.job, list.slice(0, this.options.runHistoryMax));
      touchedHistory.add(run.job);
    }
    for (const job of touchedHistory) {
      if (ready.jobs.has(job) && ready.jobs.get(job) === undefined) continue; // deleted with its job
      ops.push({ put: `${this.state}/history/job-${job}`, data: JSON.stringify(this.history.get(job)) });
    }
    for (const [name, job] of ready.jobs) ops.push(...this.jobOps(name, job));
    return ops;
  }

  private jobOps(name: string, job: Job | undefined): StoreOp[] {
    const paths = ["jobs", "status", "history"].map((dir) => `${this.state}/${dir}/job-${name}`);
    if (job === undefined) {
      this.specs.delete(name);
      this.history.delete(name);
      return paths.filter((path) => this.existing.has(path)).map((path) => ({ del: path }));
    }
    const ops: StoreOp[] = [];
    const spec = JSON.stringify(job.spec);
    if (this.specs.get(name) !== spec) ops.push({ put: paths[0]!, data: spec });
    this.specs.set(name, spec);
    ops.push({ put: paths[1]!, data: JSON.stringify(job.status) });
    return ops;
  }

  private async historyOf(job: string): Promise<RunRecord[]> {
    const cached = this.history.get(job);
    if (cached !== undefined) return cached;
    const path = `${this.state}/history/job-${job}`;
    const text = this.existing.has(path) ? await this.readText(path) : undefined;
    const list = text === undefined ? [] : (JSON.parse(text) as RunRecord[]);
    this.history.set(job, list);
    return list;
  }

  /** A journal too big for one multi: chunks, the commit marker, the writes, then cleanup. */
  private async commitJournaled(ops: StoreOp[]): Promise<void> {
    const id = `j${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const text = JSON.stringify(ops);
    const chunkChars = Math.floor(zkCommitBytesMax / 2);
    const names: string[] = [];
    for (let i = 0, at = 0; at < text.length; i++, at += chunkChars) {
      names.push(`${id}-${i}`);
      await this.multi([{ put: `${this.state}/journal/${id}-${i}`, data: text.slice(at, at + chunkChars) }]);
    }
    await this.multi([{ put: `${this.state}/journal/${id}-commit`, data: String(names.length) }]);
    await this.applyInBatches(ops);
    await this.multi([...names, `${id}-commit`].map((n) => ({ del: `${this.state}/journal/${n}` })));
  }

  private async applyInBatches(ops: StoreOp[]): Promise<void> {
    let batch: StoreOp[] = [];
    let bytes = 0;
    for (const op of ops) {
      if (bytes + opBytes(op) > zkCommitBytesMax && batch.length > 0) {
        await this.multi(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(op);
      bytes += opBytes(op);
    }
    if (batch.length > 0) await this.multi(batch);
  }

  /** One multi, fenced by a check on our member znode; a put creates what is not known to exist. */
  private async multi(ops: StoreOp[]): Promise<void> {
    const fence = this.options.fence();
    if (fence === undefined) throw new Error("no ZooKeeper leadership: refusing to write cron state");
    const zkOps: MultiOp[] = [{ kind: "check", path: fence, version: -1 }];
    for (const op of ops) {
      if ("del" in op) zkOps.push({ kind: "delete", path: op.del });
      else if (this.existing.has(op.put)) zkOps.push({ kind: "setData", path: op.put, data: encoder.encode(op.data) });
      else zkOps.push({ kind: "create", path: op.put, data: encoder.encode(op.data) });
    }
    await this.client.multi(zkOps);
    for (const op of ops) {
      if ("put" in op) this.existing.add(op.put);
      else this.existing.delete(op.del);
    }
  }

  /** A journal left by a leader that died while applying it: finish it if it was committed. */
  private async recoverJournal(): Promise<void> {
    const dir = `${this.state}/journal`;
    const nodes = await this.client.getChildren(dir);
    const marked = new Set(nodes.filter((n) => n.endsWith("-commit")).map((n) => n.slice(0, -"-commit".length)));
    for (const id of marked) {
      const count = Number(await this.readText(`${dir}/${id}-commit`));
      let text = "";
      for (let i = 0; i < count; i++) text += (await this.readText(`${dir}/${id}-${i}`)) ?? "";
      for (const op of JSON.parse(text) as StoreOp[]) await this.applyOne(op);
    }
    for (const node of nodes) await this.deleteIfThere(`${dir}/${node}`);
  }

  private async applyOne(op: StoreOp): Promise<void> {
    if ("del" in op) return this.deleteIfThere(op.del);
    try {
      await this.client.setData(op.put, op.data);
    } catch (error) {
      if (!isZkError(error, ErrorCode.NONODE)) throw error;
      await this.client.create(op.put, op.data);
    }
  }

  private async deleteIfThere(path: string): Promise<void> {
    try {
      await this.client.delete(path);
    } catch (error) {
      if (!isZkError(error, ErrorCode.NONODE)) throw error;
    }
  }

  private async readText(path: string): Promise<string | undefined> {
    try {
      return decoder.decode((await this.client.getData(path)).data);
    } catch (error) {
      if (isZkError(error, ErrorCode.NONODE)) return undefined;
      throw error;
    }
  }

  setFrameworkId(frameworkId: string | undefined): Promise<void> {
    return this.multi([{ put: `${this.state}/framework_id`, data: frameworkId ?? "" }]);
  }

  async runsOf(job: string, limit: number): Promise<RunRecord[]> {
    const active = [...this.active.values()].filter((r) => r.job === job);
    const all = [...active, ...(await this.historyOf(job))];
    all.sort((a, b) => b.scheduledMs - a.scheduledMs || b.attempt - a.attempt);
    return all.slice(0, limit);
  }

  close(): void {
    // Nothing to release: the ZooKeeper session belongs to the leadership, which closes it.
  }
}

function opBytes(op: StoreOp): number {
  return "del" in op ? op.del.length + 32 : op.put.length + op.data.length * 3 + 32;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

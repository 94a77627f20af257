// The cron store in one SQLite file, `<work_dir>/cron.db`: WAL journal with synchronous=FULL, so
// every commit is fsynced before it returns, and each journal (a run and the job counters and
// dependency notes it changed) is one transaction: a crash keeps all of it or none.
//
// Why SQLite rather than an append-only log of our own: the state is a set of records updated in
// place (100,000 jobs whose next-due time moves at every run) plus a history queried per job; a
// log would need compaction and an index we would have to write, SQLite has both, fsyncs
// correctly, and ships inside Bun.

import { Database, type Statement } from "bun:sqlite";
import { join } from "node:path";
import type { Ready } from "./core-state.ts";
import type { CronStore, StoredState } from "./store.ts";
import { isFinalRunState, type Job, type JobSpec, type JobStatus, type RunRecord } from "./types.ts";

export const cronDatabaseFile = "cron.db";
const schemaVersion = 1;

export interface SqliteStoreOptions {
  /** Final runs kept per job; older ones are deleted as new ones finish. */
  runHistoryMax: number;
}

export class SqliteStore implements CronStore {
  private readonly db: Database;
  private readonly putJob: Statement;
  private readonly deleteJob: Statement;
  private readonly deleteJobRuns: Statement;
  private readonly putRun: Statement;
  private readonly pruneRuns: Statement;
  private readonly setMeta: Statement;

  constructor(
    path: string,
    private readonly options: SqliteStoreOptions,
  ) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = FULL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.migrate();
    this.putJob = this.db.prepare("INSERT INTO jobs (name, spec, status) VALUES ($name, $spec, $status) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, status = excluded.status");
    this.deleteJob = this.db.prepare("DELETE FROM jobs WHERE name = $name");
    this.deleteJobRuns = this.db.prepare("DELETE FROM runs WHERE job = $job AND final = 1");
    this.putRun = this.db.prepare(
      "INSERT INTO runs (id, job, scheduled_ms, attempt, final, record) VALUES ($id, $job, $scheduled, $attempt, $final, $record) ON CONFLICT(id) DO UPDATE SET final = excluded.final, record = excluded.record",
    );
    this.pruneRuns = this.db.prepare(
      "DELETE FROM runs WHERE job = $job AND final = 1 AND scheduled_ms < (SELECT scheduled_ms FROM runs WHERE job = $job AND final = 1 ORDER BY scheduled_ms DESC LIMIT 1 OFFSET $keep)",
    );
    this.setMeta = this.db.prepare("INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  }

  static open(workDir: string, options: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(join(workDir, cronDatabaseFile), options);
  }

  private migrate(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, spec TEXT NOT NULL, status TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY, job TEXT NOT NULL, scheduled_ms INTEGER NOT NULL, attempt INTEGER NOT NULL,
        final INTEGER NOT NULL, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job, scheduled_ms);
      CREATE INDEX IF NOT EXISTS runs_active ON runs (final) WHERE final = 0;
    `);
    const row = this.db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'schema_version'").get();
    if (row === null) this.db.query("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(schemaVersion));
    else if (Number(row.value) !== schemaVersion) throw new Error(`${cronDatabaseFile} has schema version ${row.value}; this build reads ${schemaVersion}`);
  }

  load(): Promise<StoredState> {
    const jobs = this.db
      .query<{ spec: string; status: string }, []>("SELECT spec, status FROM jobs")
      .all()
      .map((row): Job => ({ spec: JSON.parse(row.spec) as JobSpec, status: JSON.parse(row.status) as JobStatus }));
    const activeRuns = this.db
      .query<{ record: string }, []>("SELECT record FROM runs WHERE final = 0")
      .all()
      .map((row) => JSON.parse(row.record) as RunRecord);
    const framework = this.db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'framework_id'").get();
    return Promise.resolve({ frameworkId: framework?.value, jobs, activeRuns });
  }

  commit(ready: Ready): Promise<void> {
    if (ready.jobs.size === 0 && ready.runs.size === 0) return Promise.resolve();
    this.db.transaction(() => this.write(ready))();
    return Promise.resolve();
  }

  private write(ready: Ready): void {
    const finished = new Set<string>();
    for (const run of ready.runs.values()) {
      const final = isFinalRunState(run.state);
      this.putRun.run({ id: run.id, job: run.job, scheduled: run.scheduledMs, attempt: run.attempt, final: final ? 1 : 0, record: JSON.stringify(run) });
      if (final) finished.add(run.job);
    }
    for (const [name, job] of ready.jobs) {
      if (job === undefined) {
        this.deleteJob.run({ name });
        this.deleteJobRuns.run({ job: name });
      } else this.putJob.run({ name, spec: JSON.stringify(job.spec), status: JSON.stringify(job.status) });
    }
    for (const job of finished) this.pruneRuns.run({ job, keep: this.options.runHistoryMax - 1 });
  }

  setFrameworkId(frameworkId: string | undefined): Promise<void> {
    if (frameworkId === undefined) this.db.query("DELETE FROM meta WHERE key = 'framework_id'").run();
    else this.setMeta.run({ key: "framework_id", value: frameworkId });
    return Promise.resolve();
  }

  runsOf(job: string, limit: number): Promise<RunRecord[]> {
    const rows = this.db
      .query<{ record: string }, { job: string; limit: number }>("SELECT record FROM runs WHERE job = $job ORDER BY scheduled_ms DESC, attempt DESC LIMIT $limit")
      .all({ job, limit });
    return Promise.resolve(rows.map((row) => JSON.parse(row.record) as RunRecord));
  }

  close(): void {
    this.db.close();
  }
}

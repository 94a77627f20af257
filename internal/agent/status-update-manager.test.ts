import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { TaskState, TaskStatus } from "../wire/index.ts";
import { Journal } from "./journal.ts";
import { StatusUpdateManager } from "./status-update-manager.ts";
import type { TaskJournalRecord } from "./task-journal.ts";
import { UpdateStream } from "./update-stream.ts";

const dir = mkdtempSync(join(tmpdir(), "status-updates-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function status(taskId: string, state: TaskState, uuid: string): TaskStatus {
  return { task_id: { value: taskId }, state, uuid, timestamp: 1 };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
}

function setUp(name: string) {
  const sent: Array<{ status: TaskStatus; onDisk: string }> = [];
  const path = join(dir, `${name}.journal`);
  const journal = new Journal<TaskJournalRecord>({ path, snapshot: () => [], onFatal: (error) => { throw error; } });
  let connected = true;
  const manager = new StatusUpdateManager({
    logger: pino({ level: "silent" }),
    retryIntervalMinMs: 20,
    retryIntervalMaxMs: 40,
    journal,
    send: (_frameworkId, s) => {
      if (!connected) return false;
      sent.push({ status: s, onDisk: readFileSync(path, "utf8") });
      return true;
    },
  });
  manager.add("fw/t", "fw", "t", new UpdateStream());
  return { manager, sent, path, setLink: (up: boolean) => ((connected = up), manager.setConnected(up)) };
}

test("an update is on disk before it is sent, and resent until acknowledged", async () => {
  const { manager, sent, setLink } = setUp("resend");
  setLink(true);
  expect(manager.update("fw/t", status("t", "TASK_STARTING", "u1"))).toBeUndefined();
  expect(sent).toEqual([]);
  await until(() => sent.length >= 1);
  expect(sent[0]?.onDisk).toContain('"uuid":"u1"');
  await until(() => sent.length >= 3);
  expect(sent.every((s) => s.status.uuid === "u1")).toBe(true);
  manager.close();
});

test("updates go out in order, the next only after the previous is acknowledged", async () => {
  const { manager, sent, setLink, path } = setUp("order");
  setLink(true);
  manager.update("fw/t", status("t", "TASK_STARTING", "a"));
  manager.update("fw/t", status("t", "TASK_RUNNING", "b"));
  manager.update("fw/t", status("t", "TASK_FINISHED", "c"));
  await until(() => sent.length >= 2);
  expect(new Set(sent.map((s) => s.status.uuid))).toEqual(new Set(["a"]));
  expect(manager.ack("fw/t", "a")?.kind).toBe("acked");
  await until(() => sent.some((s) => s.status.uuid === "b"));
  expect(sent.some((s) => s.status.uuid === "c")).toBe(false);
  manager.ack("fw/t", "b");
  await until(() => sent.some((s) => s.status.uuid === "c"));
  expect(manager.ack("fw/t", "c")).toMatchObject({ kind: "acked", terminal: true });
  await Bun.sleep(10);
  const records = readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { type: string; taskId: string });
  expect(records.map((r) => r.type)).toEqual(["UPDATE", "UPDATE", "UPDATE", "ACK", "ACK", "ACK"]);
  expect(records.every((r) => r.taskId === "t")).toBe(true);
  manager.close();
});

test("while disconnected nothing is sent; on connection every pending head goes out at once", async () => {
  const { manager, sent, setLink } = setUp("reconnect");
  setLink(false);
  manager.add("fw/u", "fw", "u", new UpdateStream());
  manager.update("fw/t", status("t", "TASK_STARTING", "t1"));
  manager.update("fw/u", status("u", "TASK_STARTING", "u1"));
  await Bun.sleep(10);
  expect(sent).toEqual([]);
  setLink(true);
  await until(() => sent.length >= 2);
  expect(sent.slice(0, 2).map((s) => s.status.uuid).sort()).toEqual(["t1", "u1"]);
  expect(manager.pendingTotal()).toBe(2);
  manager.close();
});

test("updates made in one turn go out together after one commit, each already on disk", async () => {
  const sent: Array<{ uuid: string; onDisk: string }> = [];
  const path = join(dir, "batch.journal");
  const journal = new Journal<TaskJournalRecord>({ path, snapshot: () => [], onFatal: (error) => { throw error; } });
  const manager = new StatusUpdateManager({
    logger: pino({ level: "silent" }),
    retryIntervalMinMs: 1000,
    retryIntervalMaxMs: 1000,
    journal,
    send: (_frameworkId, s) => (sent.push({ uuid: s.uuid!, onDisk: readFileSync(path, "utf8") }), true),
  });
  manager.setConnected(true);
  for (let i = 0; i < 50; i++) {
    manager.add(`fw/t${i}`, "fw", `t${i}`, new UpdateStream());
    manager.update(`fw/t${i}`, status(`t${i}`, "TASK_STARTING", `u${i}`));
  }
  await until(() => sent.length === 50);
  expect(journal.stats.commits).toBe(1);
  expect(sent.every((s) => s.onDisk.includes(`"uuid":"${s.uuid}"`))).toBe(true);
  manager.close();
  journal.close();
});

import { afterAll, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRecords } from "./checkpoint-io.ts";
import { Journal } from "./journal.ts";

const dir = mkdtempSync(join(tmpdir(), "journal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Rec = { n: number; pad?: string };

function journalAt(name: string, snapshot: () => Rec[] = () => [], compactBytesMin?: number): Journal<Rec> {
  return new Journal<Rec>({
    path: join(dir, name),
    snapshot,
    onFatal: (error) => {
      throw error;
    },
    ...(compactBytesMin === undefined ? {} : { compactBytesMin }),
  });
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(2);
  }
}

function lines(name: string): Rec[] {
  return readRecords(join(dir, name)).records as Rec[];
}

test("records of one turn are one commit; callbacks run once they are in the file, never synchronously", async () => {
  const journal = journalAt("group");
  const seen: number[][] = [];
  for (let n = 1; n <= 100; n++) {
    journal.append({ n });
    journal.afterCommit(() => seen.push(lines("group").map((r) => r.n)));
  }
  expect(seen).toEqual([]);
  await until(() => seen.length === 100);
  expect(seen.every((onDisk) => onDisk.length === 100)).toBe(true);
  expect(journal.stats.commits).toBe(1);
  journal.close();
});

test("records appended while a commit is in flight form the next batch; their callbacks wait for it", async () => {
  const journal = journalAt("pipeline");
  const order: string[] = [];
  journal.append({ n: 1 });
  journal.afterCommit(() => {
    order.push(`first sees ${lines("pipeline").length}`);
    journal.append({ n: 3 });
    journal.afterCommit(() => order.push(`third sees ${lines("pipeline").length}`));
  });
  await new Promise((resolve) => setImmediate(resolve));
  journal.append({ n: 2 });
  journal.afterCommit(() => order.push(`second sees ${lines("pipeline").length}`));
  await until(() => order.length === 3);
  // n=3 joins the batch n=2 is in (both were appended while n=1 was being synced).
  expect(order).toEqual(["first sees 1", "second sees 3", "third sees 3"]);
  expect(journal.stats.commits).toBe(2);
  expect(lines("pipeline").map((r) => r.n)).toEqual([1, 2, 3]);
  journal.close();
});

test("afterCommit with nothing appended still runs, on a later turn", async () => {
  const journal = journalAt("empty");
  let ran = false;
  journal.afterCommit(() => (ran = true));
  expect(ran).toBe(false);
  await until(() => ran);
  journal.close();
});

test("past the size limit the journal is rewritten as the snapshot, and appends continue after it", async () => {
  const live = new Map<number, Rec>();
  const journal = journalAt("compact", () => [...live.values()], 4096);
  const pad = "x".repeat(200);
  for (let n = 0; n < 100; n++) {
    // Each record replaces the previous one of its key: only 5 keys are live at any time.
    live.set(n % 5, { n, pad });
    journal.append({ n, pad });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise<void>((resolve) => journal.afterCommit(resolve));
  expect(journal.stats.compactions).toBeGreaterThan(0);
  expect(statSync(join(dir, "compact")).size).toBeLessThan(4096 * 2);
  expect(existsSync(join(dir, "compact.tmp"))).toBe(false);
  const replayed = new Map<number, Rec>();
  for (const record of lines("compact")) replayed.set(record.n % 5, record);
  expect([...replayed.values()].map((r) => r.n).sort()).toEqual([95, 96, 97, 98, 99]);
  journal.close();
});

test("a torn tail is cut on reading, and a new journal appends after the last whole record", async () => {
  const first = journalAt("torn");
  first.append({ n: 1 });
  first.append({ n: 2 });
  first.close();
  appendFileSync(join(dir, "torn"), '{"n":3,"pa');
  const read = readRecords(join(dir, "torn"));
  expect(read.records).toEqual([{ n: 1 }, { n: 2 }]);
  expect(read.tornTail?.problem).toBe("last line has no newline");
  const second = journalAt("torn");
  second.append({ n: 3 });
  await new Promise<void>((resolve) => second.afterCommit(resolve));
  expect(readFileSync(join(dir, "torn"), "utf8")).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  second.close();
});

test("SIGKILLed mid-batch: every record whose callback ran (a message sent) is in the journal after the crash", async () => {
  const path = join(dir, "killed");
  const child = Bun.spawn({
    cmd: [process.execPath, join(import.meta.dir, "testdata", "journal-writer.ts"), path],
    stdio: ["ignore", "pipe", "inherit"],
  });
  const sent: number[] = [];
  const reader = child.stdout.getReader();
  let text = "";
  while (sent.length < 2000) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    const parts = text.split("\n");
    text = parts.pop() ?? "";
    for (const part of parts) if (part !== "") sent.push(Number(part));
  }
  child.kill("SIGKILL");
  await child.exited;
  const onDisk = new Set((readRecords(path).records as Rec[]).map((r) => r.n));
  expect(sent.length).toBeGreaterThanOrEqual(2000);
  expect(sent.filter((n) => !onDisk.has(n))).toEqual([]);
});

test("close: what is open is made durable; callbacks run only when the journal is replaced; later appends are dropped", async () => {
  const stopping = journalAt("close-stop");
  let ran = false;
  stopping.append({ n: 1 });
  stopping.afterCommit(() => (ran = true));
  stopping.close();
  stopping.append({ n: 2 });
  await Bun.sleep(5);
  expect(ran).toBe(false);
  expect(lines("close-stop")).toEqual([{ n: 1 }]);
  const replaced = journalAt("close-replace");
  replaced.append({ n: 1 });
  replaced.afterCommit(() => (ran = true));
  replaced.close({ runCallbacks: true });
  expect(ran).toBe(true);
});

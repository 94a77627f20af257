import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Entry, HardState, Ready, Snapshot } from "../types.ts";
import { FileStorage, StorageCorruptError } from "./file-storage.ts";
import { MemoryStorage } from "./memory-storage.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "raft-storage-"));
  dirs.push(dir);
  return dir;
}

const enc = new TextEncoder();

function entry(term: number, index: number, text = `e${index}`): Entry {
  return { term, index, kind: "normal", data: enc.encode(text) };
}

function ready(parts: Partial<Ready>): Ready {
  return {
    softState: null,
    hardState: null,
    snapshot: null,
    entries: [],
    committedEntries: [],
    messages: [],
    mustSync: true,
    ...parts,
  };
}

function texts(entries: readonly Entry[]): string[] {
  return entries.map((e) => `${e.term}/${e.index}:${e.kind === "normal" ? new TextDecoder().decode(e.data) : e.change.type}`);
}

const hs = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });

describe("FileStorage", () => {
  test("starts empty, then keeps hard state and entries across reopen", () => {
    const dir = tempDir();
    const s = FileStorage.open(dir);
    expect(s.load()).toEqual({ hardState: hs(0, null, 0), snapshot: null, entries: [] });
    s.save(ready({ hardState: hs(1, "a", 0), entries: [entry(1, 1), entry(1, 2)] }));
    s.save(ready({ hardState: hs(1, "a", 2), mustSync: false }));
    s.save(ready({ entries: [{ term: 1, index: 3, kind: "conf", change: { type: "addLearner", node: "d" } }] }));
    s.close();
    const again = FileStorage.open(dir).load();
    expect(again.hardState).toEqual(hs(1, "a", 2));
    expect(texts(again.entries)).toEqual(["1/1:e1", "1/2:e2", "1/3:addLearner"]);
  });

  test("an entry replaces the stored entry at its index and everything after it", () => {
    const dir = tempDir();
    const s = FileStorage.open(dir);
    s.save(ready({ hardState: hs(2, null, 1), entries: [entry(1, 1), entry(1, 2), entry(1, 3), entry(1, 4)] }));
    s.save(ready({ hardState: hs(3, null, 1), entries: [entry(3, 3, "x")] }));
    s.close();
    expect(texts(FileStorage.open(dir).load().entries)).toEqual(["1/1:e1", "1/2:e2", "3/3:x"]);
  });

  test("cuts off a torn last record and keeps the rest", () => {
    const dir = tempDir();
    const s = FileStorage.open(dir);
    s.save(ready({ hardState: hs(1, "a", 0), entries: [entry(1, 1), entry(1, 2)] }));
    s.close();
    const wal = join(dir, readdirSync(dir).find((n) => n.startsWith("wal-"))!);
    appendFileSync(wal, '1234abcd {"t":"e","term":1,"index":3,"k":"n","d":"ZT');
    const again = FileStorage.open(dir);
    expect(texts(again.load().entries)).toEqual(["1/1:e1", "1/2:e2"]);
    // The repaired log takes new writes and reads back cleanly.
    again.save(ready({ entries: [entry(1, 3)] }));
    again.close();
    expect(texts(FileStorage.open(dir).load().entries)).toEqual(["1/1:e1", "1/2:e2", "1/3:e3"]);
  });

  test("refuses to start on damage before the tail", () => {
    const dir = tempDir();
    const s = FileStorage.open(dir);
    s.save(ready({ hardState: hs(1, "a", 0), entries: [entry(1, 1), entry(1, 2), entry(1, 3)] }));
    s.close();
    const wal = join(dir, readdirSync(dir).find((n) => n.startsWith("wal-"))!);
    const lines = readFileSync(wal, "utf8").split("\n");
    lines[2] = lines[2]!.replace(`"index":2`, `"index":7`);
    writeFileSync(wal, lines.join("\n"));
    expect(() => FileStorage.open(dir)).toThrow(StorageCorruptError);
  });

  test("a local snapshot drops the segments it covers; restart starts from it", () => {
    const dir = tempDir();
    const s = FileStorage.open(dir);
    const entries = Array.from({ length: 10 }, (_, i) => entry(1, i + 1));
    s.save(ready({ hardState: hs(1, "a", 10), entries }));
    const snap: Snapshot = { index: 8, term: 1, conf: { voters: ["a", "b"], learners: [] }, data: enc.encode("state@8") };
    s.saveSnapshot(snap);
    s.save(ready({ entries: [entry(2, 11)], hardState: hs(2, null, 10) }));
    s.close();
    // The first segment held entries up to 10 > 8, so it stays until the next snapshot.
    const loaded = FileStorage.open(dir).load();
    expect(loaded.snapshot?.index).toBe(8);
    expect(new TextDecoder().decode(loaded.snapshot!.data)).toBe("state@8");
    expect(loaded.snapshot!.conf).toEqual({ voters: ["a", "b"], learners: [] });
    expect(texts(loaded.entries)).toEqual(["1/9:e9", "1/10:e10", "2/11:e11"]);
    expect(loaded.hardState).toEqual(hs(2, null, 10));

    const s2 = FileStorage.open(dir);
    s2.saveSnapshot({ ...snap, index: 11, term: 2, data: enc.encode("state@11") });
    s2.close();
    const names = readdirSync(dir).sort();
    expect(names.filter((n) => n.startsWith("wal-")).length).toBe(1);
    expect(names.filter((n) => n.endsWith(".snap"))).toEqual(["snap-0000000000000008.snap", "snap-0000000000000011.snap"]);
    const last = FileStorage.open(dir).load();
    expect(last.snapshot?.index).toBe(11);
    expect(last.entries).toEqual([]);
    expect(last.hardState).toEqual(hs(2, null, 10));
  });

  test("an installed snapshot replaces the log", () => {
    const dir = tempDir();
    const s = FileStorage.open(dir);
    s.save(ready({ hardState: hs(1, null, 1), entries: [entry(1, 1), entry(1, 2), entry(1, 3)] }));
    const snap: Snapshot = { index: 20, term: 3, conf: { voters: ["a"], learners: [] }, data: enc.encode("s") };
    s.save(ready({ snapshot: snap, hardState: hs(3, null, 20) }));
    s.save(ready({ entries: [entry(3, 21)] }));
    s.close();
    const loaded = FileStorage.open(dir).load();
    expect(loaded.snapshot?.index).toBe(20);
    expect(texts(loaded.entries)).toEqual(["3/21:e21"]);
  });

  test("a damaged snapshot file stops start-up", () => {
    const dir = tempDir();
    const s = FileStorage.open(dir);
    s.save(ready({ hardState: hs(1, null, 1), entries: [entry(1, 1)] }));
    s.saveSnapshot({ index: 1, term: 1, conf: { voters: ["a"], learners: [] }, data: enc.encode("s") });
    s.close();
    writeFileSync(join(dir, "snap-0000000000000001.snap"), "garbage\n");
    expect(() => FileStorage.open(dir)).toThrow(StorageCorruptError);
  });
});

describe("MemoryStorage", () => {
  test("a crash loses what was never synced, keeps what was", () => {
    const s = new MemoryStorage();
    s.save(ready({ hardState: hs(1, "a", 0), entries: [entry(1, 1)] }));
    s.save(ready({ hardState: hs(1, "a", 1), mustSync: false }));
    s.crash();
    expect(s.load().hardState).toEqual(hs(1, "a", 0));
    s.save(ready({ hardState: hs(1, "a", 1), mustSync: false }));
    s.save(ready({ entries: [entry(1, 2)] }));
    s.crash();
    expect(s.load().hardState).toEqual(hs(1, "a", 1));
    expect(texts(s.load().entries)).toEqual(["1/1:e1", "1/2:e2"]);
  });
});

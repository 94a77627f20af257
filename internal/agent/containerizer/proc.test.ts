import { expect, test } from "bun:test";
import { parseProcStat, readProcStat, taskTree, type ProcStat } from "./proc.ts";
import { treeStatistics, treeTargets } from "./tree.ts";

test("parses /proc/<pid>/stat, including a command name with spaces and parentheses", () => {
  const text = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 2 0 12345 1000000 250 18446744073709551615";
  expect(parseProcStat(42, text)).toEqual({ pid: 42, state: "S", ppid: 1, pgrp: 42, session: 42, utimeTicks: 7, stimeTicks: 3, threads: 2, startTicks: 12345, rssPages: 250 });
});

test("reads this process", () => {
  const me = readProcStat(process.pid);
  expect(me?.pid).toBe(process.pid);
  expect(me?.threads).toBeGreaterThan(0);
  expect(readProcStat(2 ** 22 + 1)).toBeNull();
});

const p = (pid: number, ppid: number, session: number, startTicks = pid, state = "S"): ProcStat => ({
  pid, ppid, session, pgrp: session, state, startTicks, utimeTicks: 10, stimeTicks: 5, threads: 1, rssPages: 100,
});

test("the tree is the task's session plus descendants; zombies and strangers are left out", () => {
  const table = [
    p(1, 0, 1),
    p(100, 1, 100), // the task
    p(101, 100, 100), // child
    p(102, 1, 100), // orphaned child, still in the session
    p(103, 101, 103), // grandchild that called setsid
    p(104, 100, 100, 104, "Z"), // zombie
    p(200, 1, 200), // someone else
  ];
  expect(taskTree(table, 100).map((x) => x.pid).sort()).toEqual([100, 101, 102, 103]);
});

test("a reused leader pid does not pull in the newcomer's session", () => {
  // Our leader (started at 50) is gone; pid 100 now belongs to a newer process started at 500.
  const table = [p(100, 1, 100, 500), p(102, 1, 100, 60), p(150, 100, 100, 600)];
  expect(taskTree(table, 100, 50).map((x) => x.pid)).toEqual([102]);
});

test("kill targets include remembered processes only while their start time matches", () => {
  const table = [p(100, 1, 100), p(300, 1, 300, 300), p(301, 1, 301, 999)];
  const remembered = [{ pid: 300, startTicks: 300 }, { pid: 301, startTicks: 301 }];
  expect(treeTargets(table, 100, 100, remembered).sort()).toEqual([100, 300]);
});

test("tree statistics sum CPU ticks, rss pages and threads", () => {
  const table = [p(100, 1, 100), p(101, 100, 100)];
  expect(treeStatistics(table, 100, 100, 4096)).toEqual({ cpus_user_time_secs: 0.2, cpus_system_time_secs: 0.1, mem_rss_bytes: 2 * 100 * 4096, processes: 2, threads: 2 });
});

import { describe, expect, test } from "bun:test";
import { EventType } from "./constants.ts";
import { WatchManager, WatchMode, type Notification } from "./watch-manager.ts";

function fire(m: WatchManager, type: (typeof EventType)[keyof typeof EventType], path: string): string[] {
  const out: Notification[] = [];
  m.trigger(type, path, out);
  return out.map((n) => `${n.watcher}:${n.type}:${n.path}`);
}

describe("watch manager", () => {
  test("standard watches fire once", () => {
    const m = new WatchManager();
    m.data.add("/a", 1, WatchMode.STANDARD);
    m.child.add("/a", 2, WatchMode.STANDARD);
    expect(fire(m, EventType.NodeDataChanged, "/a")).toEqual([`1:3:/a`]);
    expect(fire(m, EventType.NodeDataChanged, "/a")).toEqual([]);
    expect(fire(m, EventType.NodeChildrenChanged, "/a")).toEqual([`2:4:/a`]);
    expect(m.watchCount).toBe(0);
  });

  test("a deleted node tells a watcher with data and child watches once", () => {
    const m = new WatchManager();
    m.data.add("/a", 1, WatchMode.STANDARD);
    m.child.add("/a", 1, WatchMode.STANDARD);
    m.child.add("/a", 2, WatchMode.STANDARD);
    expect(fire(m, EventType.NodeDeleted, "/a").sort()).toEqual([`1:2:/a`, `2:2:/a`]);
    expect(m.watchCount).toBe(0);
  });

  test("persistent watches stay; recursive ones see descendants but not child lists", () => {
    const m = new WatchManager();
    m.addPersistent("/p", 1, false);
    m.addPersistent("/r", 2, true);
    expect(fire(m, EventType.NodeDataChanged, "/p")).toEqual([`1:3:/p`]);
    expect(fire(m, EventType.NodeDataChanged, "/p")).toEqual([`1:3:/p`]);
    expect(fire(m, EventType.NodeChildrenChanged, "/p")).toEqual([`1:4:/p`]);
    expect(fire(m, EventType.NodeCreated, "/p/x")).toEqual([]);
    expect(fire(m, EventType.NodeCreated, "/r/x/y")).toEqual([`2:1:/r/x/y`]);
    expect(fire(m, EventType.NodeChildrenChanged, "/r/x")).toEqual([]);
    expect(fire(m, EventType.NodeDeleted, "/r")).toEqual([`2:2:/r`]);
    expect(m.watchCount).toBe(4);
  });

  test("a standard watch below a recursive one still fires once; the same watcher hears an event once", () => {
    const m = new WatchManager();
    m.addPersistent("/", 1, true);
    m.data.add("/a", 1, WatchMode.STANDARD);
    m.data.add("/a", 2, WatchMode.STANDARD);
    expect(fire(m, EventType.NodeDataChanged, "/a").sort()).toEqual([`1:3:/a`, `2:3:/a`]);
    expect(m.data.has("/a", 2)).toBe(false);
    expect(fire(m, EventType.NodeDataChanged, "/a")).toEqual([`1:3:/a`]);
  });

  test("removing a watcher drops all its watches", () => {
    const m = new WatchManager();
    m.data.add("/a", 1, WatchMode.STANDARD);
    m.child.add("/b", 1, WatchMode.STANDARD);
    m.addPersistent("/c", 1, true);
    m.data.add("/a", 2, WatchMode.STANDARD);
    expect(m.watchCountOf(1)).toBe(4);
    m.removeWatcher(1);
    expect(m.watchCountOf(1)).toBe(0);
    expect(m.watchCount).toBe(1);
    expect(fire(m, EventType.NodeCreated, "/c/x")).toEqual([]);
    expect(m.data.remove("/a", 2)).toBe(true);
    expect(m.data.remove("/a", 2)).toBe(false);
  });
});

import { expect, test } from "bun:test";
import type { WatchEvent } from "./types.ts";
import { WatchRegistry } from "./watch-registry.ts";

test("watches fire once, for the event kinds ZooKeeper's client maps them to", () => {
  const registry = new WatchRegistry();
  const fired: string[] = [];
  const a = (e: WatchEvent) => fired.push(`a:${e.type}`);
  const b = (e: WatchEvent) => fired.push(`b:${e.type}`);
  registry.add("data", "/n", a);
  registry.add("data", "/n", a);
  registry.add("child", "/n", b);
  registry.add("exist", "/m", b);
  expect(registry.take({ type: "NodeChildrenChanged", path: "/n" })).toEqual([b]);
  expect(registry.take({ type: "NodeChildrenChanged", path: "/n" })).toEqual([]);
  expect(registry.take({ type: "NodeDataChanged", path: "/n" })).toEqual([a]);
  expect(registry.paths()).toEqual({ data: [], exist: ["/m"], child: [] });
  expect(registry.take({ type: "NodeCreated", path: "/m" })).toEqual([b]);
  registry.add("data", "/d", a);
  registry.add("child", "/d", b);
  expect(registry.take({ type: "NodeDeleted", path: "/d" })).toEqual([a, b]);
  expect(registry.pathCount()).toBe(0);
  void fired;
});

import { describe, expect, test } from "bun:test";
import { SeededRandom } from "../runtime/index.ts";
import { SortedList } from "./sorted-list.ts";

interface Item {
  key: number;
  name: string;
}

const byKeyThenName = (a: Item, b: Item): number =>
  a.key !== b.key ? a.key - b.key : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

describe("SortedList", () => {
  test("keeps order through random inserts, removes and re-keys", () => {
    const random = new SeededRandom(42);
    const list = new SortedList<Item>(byKeyThenName);
    const items: Item[] = [];
    for (let i = 0; i < 200; i++) {
      const item = { key: random.nextInt(20), name: `n${i}` };
      items.push(item);
      list.insert(item);
    }
    for (let step = 0; step < 1000; step++) {
      const item = items[random.nextInt(items.length)]!;
      list.remove(item);
      item.key += random.nextInt(5);
      list.insert(item);
    }
    const sorted = items.slice().sort(byKeyThenName);
    expect(list.toArray()).toEqual(sorted);
    expect(list.size).toBe(200);
  });
  test("rekey moves an item both ways and keeps the order", () => {
    const random = new SeededRandom(7);
    const list = new SortedList<Item>(byKeyThenName);
    const items: Item[] = [];
    for (let i = 0; i < 100; i++) {
      const item = { key: random.nextInt(10), name: `n${i}` };
      items.push(item);
      list.insert(item);
    }
    for (let step = 0; step < 2000; step++) {
      const item = items[random.nextInt(items.length)]!;
      list.rekey(item, () => (item.key += random.nextInt(7) - 3));
    }
    expect(list.toArray()).toEqual(items.slice().sort(byKeyThenName));
  });

  test("removing an item whose key changed is caught", () => {
    const list = new SortedList<Item>(byKeyThenName);
    const a = { key: 1, name: "a" };
    list.insert(a);
    list.insert({ key: 2, name: "b" });
    a.key = 5;
    expect(() => list.remove(a)).toThrow();
  });
});

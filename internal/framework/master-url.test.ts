import { expect, test } from "bun:test";
import { backoffDelayMs } from "./backoff.ts";
import { EventQueue } from "./event-queue.ts";
import { masterOrigin, resolveRedirect, schedulerUrl } from "./master-url.ts";
import { SeededRandom } from "../runtime/index.ts";

test("masterOrigin takes host:port or a URL", () => {
  expect(masterOrigin("m1:5050")).toBe("http://m1:5050");
  expect(masterOrigin(" http://m1:5050/ ")).toBe("http://m1:5050");
  expect(masterOrigin("https://m1:5050")).toBe("https://m1:5050");
  expect(schedulerUrl("http://m1:5050")).toBe("http://m1:5050/api/v1/scheduler");
  expect(() => masterOrigin(" ")).toThrow(/empty/);
});

test("resolveRedirect reads every Location form a master may send", () => {
  const asked = "http://m1:5050/api/v1/scheduler";
  const cases: Array<[string, string]> = [
    ["//m2:5050/api/v1/scheduler", "http://m2:5050/api/v1/scheduler"],
    ["m2:5050", "http://m2:5050/api/v1/scheduler"],
    ["m2:5050/api/v1/scheduler", "http://m2:5050/api/v1/scheduler"],
    ["http://m2:5050/api/v1/scheduler", "http://m2:5050/api/v1/scheduler"],
    ["/api/v1/scheduler", "http://m1:5050/api/v1/scheduler"],
  ];
  for (const [location, expected] of cases) expect(resolveRedirect(location, asked)).toBe(expected);
  expect(resolveRedirect("//m2:5050/api/v1/scheduler", "https://m1:5050/api/v1/scheduler")).toBe("https://m2:5050/api/v1/scheduler");
});

test("backoff doubles up to the cap, with jitter in the upper half", () => {
  const random = new SeededRandom(7);
  const settings = { initialMs: 100, maxMs: 1000 };
  for (const [attempt, ceiling] of [[0, 100], [1, 200], [2, 400], [3, 800], [4, 1000], [40, 1000]] as const) {
    for (let i = 0; i < 20; i++) {
      const delay = backoffDelayMs(attempt, settings, random);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  }
});

test("EventQueue hands items over in order and holds the producer when full", async () => {
  const queue = new EventQueue<number>(2);
  await queue.push(1);
  await queue.push(2);
  let thirdQueued = false;
  const third = queue.push(3).then((queued) => {
    thirdQueued = queued;
  });
  await Bun.sleep(5);
  expect(thirdQueued).toBe(false);
  expect(await queue.next()).toEqual({ value: 1, done: false });
  await third;
  expect(thirdQueued).toBe(true);
  queue.end();
  const rest: number[] = [];
  for await (const item of queue) rest.push(item);
  expect(rest).toEqual([2, 3]);
  expect(await queue.push(4)).toBe(false);
});

test("EventQueue wakes a waiting consumer", async () => {
  const queue = new EventQueue<string>(1);
  const next = queue.next();
  await queue.push("a");
  expect(await next).toEqual({ value: "a", done: false });
  const pending = queue.next();
  queue.end();
  expect(await pending).toEqual({ value: undefined, done: true });
});

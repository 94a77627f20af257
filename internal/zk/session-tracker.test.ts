import { describe, expect, test } from "bun:test";
import { ManualClock } from "../runtime/index.ts";
import { SessionTracker } from "./session-tracker.ts";

describe("session tracker", () => {
  test("deadlines round up to the next tick and expire once", () => {
    const clock = new ManualClock(10_000);
    const t = new SessionTracker(2000, clock.nowMs());
    const id = t.allocateId();
    t.add(id, 4000, clock.nowMs());
    expect(t.get(id)?.expiresAtMs).toBe(16_000);
    clock.advance(5_999);
    expect(t.takeExpired(clock.nowMs())).toEqual([]);
    clock.advance(1);
    expect(t.takeExpired(clock.nowMs())).toEqual([id]);
    expect(t.takeExpired(clock.nowMs())).toEqual([]);
    expect(t.isActive(id)).toBe(false);
  });

  test("touching pushes the deadline; closing sessions cannot be touched", () => {
    const clock = new ManualClock(0);
    const t = new SessionTracker(1000, clock.nowMs());
    const a = t.allocateId();
    t.add(a, 3000, 0);
    clock.advance(2500);
    expect(t.touch(a, clock.nowMs())).toBe(true);
    expect(t.get(a)?.expiresAtMs).toBe(6000);
    expect(t.nextDeadlineMs()).toBe(6000);
    t.setClosing(a);
    expect(t.touch(a, clock.nowMs())).toBe(false);
    expect(t.touch(12345n, clock.nowMs())).toBe(false);
  });

  test("ids carry the time and server id 1 like a standalone ZooKeeper, and never repeat", () => {
    const t = new SessionTracker(2000, 1_700_000_000_000);
    const a = t.allocateId();
    expect(a >> 56n).toBe(1n);
    t.add(a + 1n, 4000, 0); // e.g. restored from a snapshot
    const b = t.allocateId();
    expect(b).toBe(a + 2n);
    const restarted = new SessionTracker(2000, 1_700_000_000_000);
    restarted.reserveAbove(b);
    expect(restarted.allocateId()).toBe(b + 1n);
  });

  test("in an ensemble, another server's ids (another top byte) do not move this server's next id", () => {
    const t = new SessionTracker(2000, 1_700_000_000_000, 2);
    const a = t.allocateId();
    expect(a >> 56n).toBe(2n);
    t.add((3n << 56n) | 5n, 4000, 0); // a session server 3 created, applied here
    expect(t.allocateId()).toBe(a + 1n);
  });
});

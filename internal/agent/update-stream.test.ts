import { expect, test } from "bun:test";
import type { TaskState, TaskStatus } from "../wire/index.ts";
import { UpdateStream } from "./update-stream.ts";

function status(state: TaskState, uuid: string): TaskStatus {
  return { task_id: { value: "t" }, state, uuid, timestamp: 1 };
}

test("only the oldest pending update is in flight; an ack of it brings the next", () => {
  const stream = new UpdateStream();
  stream.append(status("TASK_STARTING", "a"));
  stream.append(status("TASK_RUNNING", "b"));
  expect(stream.head()?.uuid).toBe("a");
  expect(stream.ack("b")).toEqual({ kind: "unexpected", headUuid: "a" });
  expect(stream.ack("a")).toMatchObject({ kind: "acked", terminal: false });
  expect(stream.ack("a")).toEqual({ kind: "duplicate" });
  expect(stream.head()?.uuid).toBe("b");
  expect(stream.latest()?.state).toBe("TASK_RUNNING");
});

test("nothing follows a terminal update; acking it finishes the stream", () => {
  const stream = new UpdateStream();
  stream.append(status("TASK_FAILED", "x"));
  expect(stream.isTerminated()).toBe(true);
  expect(stream.appendProblem(status("TASK_RUNNING", "y"))).toContain("TASK_FAILED");
  expect(stream.isFinished()).toBe(false);
  expect(stream.ack("x")).toMatchObject({ kind: "acked", terminal: true });
  expect(stream.isFinished()).toBe(true);
});

test("replay rebuilds pending updates from UPDATE and ACK records and reports nonsense", () => {
  const { stream, problems } = UpdateStream.replay([
    { type: "UPDATE", status: status("TASK_STARTING", "a") },
    { type: "ACK", uuid: "a" },
    { type: "UPDATE", status: status("TASK_RUNNING", "b") },
    { type: "ACK", uuid: "zzz" },
    { type: "bogus" },
    { type: "UPDATE", status: status("TASK_KILLING", "c") },
  ]);
  expect(stream.pendingUpdates().map((s) => s.uuid)).toEqual(["b", "c"]);
  expect(stream.latest()?.state).toBe("TASK_KILLING");
  expect(problems).toHaveLength(2);
});

import { expect, test } from "bun:test";
import { parseResources } from "../resources/index.ts";
import type { FrameworkInfo, TaskInfo } from "../wire/index.ts";
import { planRunTasks, type RunTasks } from "./run-plan.ts";

const framework: FrameworkInfo = { user: "u", name: "fw" };

function task(id: string, resources: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: "a" },
    resources: parseResources(resources).toJSON(),
    command: { value: "true" },
    ...extra,
  };
}

function run(tasks: TaskInfo[], extra: Partial<RunTasks> = {}): RunTasks {
  return { type: "RUN_TASKS", epoch: 1, frameworkId: "f", framework, tasks, ...extra };
}

const free = parseResources("cpus:2;mem:1024;ports:[31000-31010]");
const none = (): boolean => false;

test("plain tasks take their share one by one; the one that does not fit is lost with what is missing", () => {
  const plan = planRunTasks({ message: run([task("a", "cpus:1.5;mem:512"), task("b", "cpus:1;mem:256"), task("c", "cpus:0.5")]), free, isKnown: none });
  expect(plan.map((d) => d.kind)).toEqual(["launch", "refuse", "launch"]);
  const refused = plan[1]!;
  expect(refused.kind === "refuse" && refused.state).toBe("TASK_LOST");
  expect(refused.kind === "refuse" && refused.reason).toBe("REASON_RESOURCES_UNKNOWN");
  expect(refused.kind === "refuse" && refused.message).toContain("missing cpus(*):0.5");
});

test("PARTITION_AWARE frameworks get TASK_DROPPED instead of TASK_LOST", () => {
  const aware: FrameworkInfo = { ...framework, capabilities: [{ type: "PARTITION_AWARE" }] };
  const plan = planRunTasks({ message: run([task("a", "cpus:4")], { framework: aware }), free, isKnown: none });
  expect(plan[0]!.kind === "refuse" && plan[0]!.state).toBe("TASK_DROPPED");
});

test("a task group fits as a whole or not at all", () => {
  const executor = { executor_id: { value: "ex" } };
  const fits = planRunTasks({ message: run([task("a", "cpus:1"), task("b", "cpus:1")], { executor }), free, isKnown: none });
  expect(fits.map((d) => d.kind)).toEqual(["launch", "launch"]);
  const tooBig = planRunTasks({ message: run([task("a", "cpus:1"), task("b", "cpus:1.5")], { executor }), free, isKnown: none });
  expect(tooBig.map((d) => d.kind)).toEqual(["refuse", "refuse"]);
});

test("an invalid task errors the whole group; unusable ids and duplicates are ignored", () => {
  const executor = { executor_id: { value: "ex" } };
  const group = planRunTasks({ message: run([task("a", "cpus:1"), task("b", "cpus:1", { command: {} })], { executor }), free, isKnown: none });
  expect(group.map((d) => d.kind === "refuse" && d.reason)).toEqual(["REASON_TASK_GROUP_INVALID", "REASON_TASK_GROUP_INVALID"]);
  const plain = planRunTasks({ message: run([task("../x", "cpus:1"), task("dup", "cpus:1")]), free, isKnown: (id) => id === "dup" });
  expect(plain.map((d) => d.kind)).toEqual(["ignore", "ignore"]);
});

test("custom executors and tasks without command are TASK_ERROR", () => {
  const plan = planRunTasks({
    message: run([task("a", "cpus:1", { executor: { executor_id: { value: "e" } } }), task("b", "cpus:1", { command: { value: "" } })]),
    free,
    isKnown: none,
  });
  expect(plan.map((d) => d.kind === "refuse" && d.state)).toEqual(["TASK_ERROR", "TASK_ERROR"]);
});

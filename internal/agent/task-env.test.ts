import { expect, test } from "bun:test";
import { taskEnvironment } from "./task-env.ts";

const base = {
  sandboxDir: "/w/slaves/a/frameworks/f/executors/t/runs/c",
  taskId: "t",
  agentId: "a",
  frameworkId: "f",
  executorId: "t",
  hostname: "node1",
  command: { value: "true" },
};

test("Mesos ids with CLUSTER_ twins, HOST, and PORT variables from the task's ranges", () => {
  const env = taskEnvironment({ ...base, portRanges: [{ begin: 31000, end: 31001 }, { begin: 31005, end: 31005 }] });
  expect(env.MESOS_SANDBOX).toBe(base.sandboxDir);
  expect(env.CLUSTER_SANDBOX).toBe(base.sandboxDir);
  expect(env.MESOS_DIRECTORY).toBe(base.sandboxDir);
  expect(env.MESOS_TASK_ID).toBe("t");
  expect(env.CLUSTER_AGENT_ID).toBe("a");
  expect(env.MESOS_FRAMEWORK_ID).toBe("f");
  expect(env.MESOS_EXECUTOR_ID).toBe("t");
  expect(env.HOST).toBe("node1");
  expect([env.PORT0, env.PORT1, env.PORT2, env.PORT]).toEqual(["31000", "31001", "31005", "31000"]);
  expect(env.PORTS).toBe("31000,31001,31005");
});

test("no ports: no PORT variables; the command's own variables win", () => {
  const env = taskEnvironment({
    ...base,
    portRanges: [],
    command: { value: "true", environment: { variables: [{ name: "HOST", value: "mine" }, { name: "X", value: "1" }] } },
  });
  expect(env.PORT).toBeUndefined();
  expect(env.PORTS).toBeUndefined();
  expect(env.HOST).toBe("mine");
  expect(env.X).toBe("1");
});

import { describe, expect, test } from "bun:test";
import { validateGroupExecutor, validateLaunchGroup, validateTaskInfo } from "./validate-task.ts";

const path = "task_infos[0]";

function task(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "t",
    task_id: { value: "t1" },
    agent_id: { value: "a1" },
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 0.5 }, role: "*", allocation_info: { role: "web" } },
      { name: "mem", type: "SCALAR", scalar: { value: 64 }, role: "*", allocation_info: { role: "web" } },
    ],
    command: { value: "sleep 1" },
    ...overrides,
  };
}

const executor = {
  type: "DEFAULT",
  executor_id: { value: "e1" },
  resources: [
    { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
    { name: "mem", type: "SCALAR", scalar: { value: 32 } },
    { name: "disk", type: "SCALAR", scalar: { value: 10 } },
  ],
};

describe("validateTaskInfo for LAUNCH", () => {
  const cases: Array<[string, Record<string, unknown>, string | undefined]> = [
    ["a plain command task", {}, undefined],
    ["a custom executor task", { command: undefined, executor: { executor_id: { value: "e" }, command: { value: "./exec" } } }, undefined],
    ["empty task id", { task_id: { value: "" } }, "task_infos[0].task_id.value: must not be empty"],
    ["task id with a slash", { task_id: { value: "a/b" } }, "task_infos[0].task_id.value: must not contain '/'"],
    ["task id with a backslash", { task_id: { value: "a\\b" } }, "task_infos[0].task_id.value: must not contain '\\'"],
    ["task id '.'", { task_id: { value: "." } }, "task_infos[0].task_id.value: must not be '.'"],
    ["task id '..'", { task_id: { value: ".." } }, "task_infos[0].task_id.value: must not be '..'"],
    ["task id with a newline", { task_id: { value: "a\nb" } }, "task_infos[0].task_id.value: must not contain control characters"],
    ["task id too long", { task_id: { value: "x".repeat(256) } }, "task_infos[0].task_id.value: must not be longer than 255 characters"],
    ["agent id with a slash", { agent_id: { value: "a/1" } }, "task_infos[0].agent_id.value: must not contain '/'"],
    ["missing name (structural)", { name: undefined }, "task_infos[0].name: is required"],
    ["task_id a number (structural)", { task_id: { value: 3 } }, "task_infos[0].task_id.value: expected a string, got a number"],
    ["negative kill grace", { kill_policy: { grace_period: { nanoseconds: -1 } } }, "task_infos[0].kill_policy.grace_period.nanoseconds: must not be negative"],
    ["negative max completion", { max_completion_time: { nanoseconds: -5 } }, "task_infos[0].max_completion_time.nanoseconds: must not be negative"],
    ["no resources", { resources: [] }, "task_infos[0].resources: the task uses no resources"],
    ["negative cpus", { resources: [{ name: "cpus", type: "SCALAR", scalar: { value: -1 } }] }, "task_infos[0].resources: invalid resource"],
    ["scalar without scalar", { resources: [{ name: "cpus", type: "SCALAR" }] }, "task_infos[0].resources: invalid resource"],
    ["two allocation roles", { resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 1 }, allocation_info: { role: "a" } },
      { name: "mem", type: "SCALAR", scalar: { value: 1 }, allocation_info: { role: "b" } },
    ] }, "task_infos[0].resources: resources are allocated to more than one role (a, b)"],
    ["dynamically reserved resources pass", { resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 1 }, reservations: [{ type: "DYNAMIC", role: "web", principal: "p" }] },
    ] }, undefined],
    ["neither command nor executor", { command: undefined }, "task_infos[0]: a task needs exactly one of 'command' and 'executor'"],
    ["both command and executor", { executor: { executor_id: { value: "e" }, command: { value: "x" } } }, "task_infos[0]: a task needs exactly one of 'command' and 'executor'"],
    ["executor of type DEFAULT", { command: undefined, executor: { type: "DEFAULT", executor_id: { value: "e" }, command: { value: "x" } } }, "task_infos[0].executor.type: must be CUSTOM for a task's own executor"],
    ["executor without command", { command: undefined, executor: { executor_id: { value: "e" } } }, "task_infos[0].executor.command: is required"],
    ["executor id '..'", { command: undefined, executor: { executor_id: { value: ".." }, command: { value: "x" } } }, "task_infos[0].executor.executor_id.value: must not be '..'"],
    ["executor of another framework", { command: undefined, executor: { executor_id: { value: "e" }, framework_id: { value: "other" }, command: { value: "x" } } }, "task_infos[0].executor.framework_id.value: names framework 'other', not 'fw'"],
    ["shell command without value", { command: { shell: true } }, "task_infos[0].command.value: is required (the shell command to run)"],
    ["exec command without value", { command: { shell: false, arguments: ["a"] } }, "task_infos[0].command.value: is required (the executable to run)"],
    ["VALUE variable without value", { command: { value: "x", environment: { variables: [{ name: "A" }] } } }, "task_infos[0].command.environment.variables[0].value: is required for a VALUE variable"],
    ["SECRET variable", { command: { value: "x", environment: { variables: [{ name: "A", type: "SECRET", secret: {} }] } } }, "task_infos[0].command.environment.variables[0].type: SECRET variables are not supported"],
    ["health check without type", { health_check: { command: { value: "true" } } }, "task_infos[0].health_check.type: is required"],
    ["COMMAND health check without command", { health_check: { type: "COMMAND" } }, "task_infos[0].health_check.command: is required for a COMMAND health check"],
    ["COMMAND health check without value", { health_check: { type: "COMMAND", command: {} } }, "task_infos[0].health_check.command.value: is required (the shell command to run)"],
    ["HTTP health check with ftp", { health_check: { type: "HTTP", http: { port: 80, scheme: "ftp" } } }, "task_infos[0].health_check.http.scheme: must be http or https, not 'ftp'"],
    ["HTTP health check with relative path", { health_check: { type: "HTTP", http: { port: 80, path: "health" } } }, "task_infos[0].health_check.http.path: must start with '/'"],
    ["TCP health check without tcp", { health_check: { type: "TCP" } }, "task_infos[0].health_check.tcp: is required for a TCP health check"],
    ["negative health check delay", { health_check: { type: "TCP", tcp: { port: 1 }, delay_seconds: -1 } }, "task_infos[0].health_check.delay_seconds: must not be negative"],
    ["a good HTTP health check", { health_check: { type: "HTTP", http: { port: 80, path: "/health", scheme: "https" }, interval_seconds: 5 } }, undefined],
    ["limits within requests", { limits: { cpus: { value: 1 }, mem: { value: "Infinity" } } }, undefined],
    ["a disk limit", { limits: { disk: { value: 1 } } }, "task_infos[0].limits.disk: only cpus and mem may have a limit"],
    ["a cpus limit below the request", { limits: { cpus: { value: 0.25 } } }, "task_infos[0].limits.cpus.value: the limit 0.25 is below the request 0.5"],
    ["a limit without request", { resources: [{ name: "mem", type: "SCALAR", scalar: { value: 64 } }], limits: { cpus: { value: 1 } } }, "task_infos[0].limits.cpus: a cpus limit needs a cpus request in resources"],
    ["a limit that is not a scalar", { limits: { cpus: 2 } }, "task_infos[0].limits.cpus: expected an object, got a number"],
    ["task on another agent", { agent_id: { value: "a2" } }, "task_infos[0].agent_id.value: the task names agent 'a2' but the offers are for agent 'a1'"],
  ];
  for (const [name, overrides, expected] of cases) {
    test(name, () => {
      const problem = validateTaskInfo(task(overrides), { path, operation: "LAUNCH", agentId: "a1", frameworkId: "fw" });
      if (expected === undefined) expect(problem).toBeUndefined();
      else expect(problem ?? "").toStartWith(expected);
    });
  }

  test("not an object", () => {
    expect(validateTaskInfo("task", { path, operation: "LAUNCH" })).toBe("task_infos[0]: expected an object, got a string");
  });
});

describe("validateTaskInfo for LAUNCH_GROUP tasks", () => {
  const context = { path: "launch_group.task_group.tasks[0]", operation: "LAUNCH_GROUP" as const, groupExecutor: executor as never };
  test("a command task without executor", () => {
    expect(validateTaskInfo(task(), context)).toBeUndefined();
  });
  test("a task carrying the group's executor", () => {
    expect(validateTaskInfo(task({ executor }), context)).toBeUndefined();
  });
  test("a task without command", () => {
    expect(validateTaskInfo(task({ command: undefined }), context)).toBe(
      "launch_group.task_group.tasks[0].command: is required for a task in a group",
    );
  });
  test("a task with another executor", () => {
    expect(validateTaskInfo(task({ executor: { ...executor, executor_id: { value: "x" } } }), context)).toBe(
      "launch_group.task_group.tasks[0].executor.executor_id.value: differs from the group's executor",
    );
  });
});

describe("validateGroupExecutor and validateLaunchGroup", () => {
  const at = "accept.operations[0].launch_group.executor";
  const cases: Array<[string, Record<string, unknown>, string | undefined]> = [
    ["a good DEFAULT executor", {}, undefined],
    ["no type", { type: undefined }, `${at}.type: is required (DEFAULT or CUSTOM)`],
    ["UNKNOWN type", { type: "UNKNOWN" }, `${at}.type: UNKNOWN is not an executor type`],
    ["CUSTOM without command", { type: "CUSTOM" }, `${at}.command: is required`],
    ["too few cpus", { resources: [{ name: "mem", type: "SCALAR", scalar: { value: 32 } }, { name: "disk", type: "SCALAR", scalar: { value: 1 } }] }, `${at}.resources: the executor uses 0 cpus, less than the minimum 0.01`],
    ["too little mem", { resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 } }, { name: "mem", type: "SCALAR", scalar: { value: 16 } }, { name: "disk", type: "SCALAR", scalar: { value: 1 } }] }, `${at}.resources: the executor uses 16 MB of mem, less than the minimum 32`],
    ["no disk", { resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 } }, { name: "mem", type: "SCALAR", scalar: { value: 32 } }] }, `${at}.resources: the executor uses no disk`],
    ["executor id with a slash", { executor_id: { value: "e/1" } }, `${at}.executor_id.value: must not contain '/'`],
  ];
  for (const [name, overrides, expected] of cases) {
    test(name, () => {
      const problem = validateGroupExecutor({ ...executor, ...overrides }, at);
      if (expected === undefined) expect(problem).toBeUndefined();
      else expect(problem).toBe(expected);
    });
  }

  const groupPath = "accept.operations[0].launch_group";
  test("a good group", () => {
    expect(validateLaunchGroup({ executor, task_group: { tasks: [task(), task({ task_id: { value: "t2" } })] } }, { path: groupPath })).toBeUndefined();
  });
  test("an empty group", () => {
    expect(validateLaunchGroup({ executor, task_group: { tasks: [] } }, { path: groupPath })).toBe(
      `${groupPath}.task_group.tasks: a task group needs at least one task`,
    );
  });
  test("a task id used twice", () => {
    expect(validateLaunchGroup({ executor, task_group: { tasks: [task(), task()] } }, { path: groupPath })).toBe(
      `${groupPath}.task_group.tasks[1].task_id.value: 't1' is used twice in the group`,
    );
  });
  test("a bad task is named by its index", () => {
    expect(validateLaunchGroup({ executor, task_group: { tasks: [task(), task({ task_id: { value: "a/b" } })] } }, { path: groupPath })).toBe(
      `${groupPath}.task_group.tasks[1].task_id.value: must not contain '/'`,
    );
  });
});

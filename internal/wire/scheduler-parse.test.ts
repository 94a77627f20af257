import { describe, expect, test } from "bun:test";
import { validateFrameworkInfo, validateFrameworkUpdate, validateSuppressedRoles } from "./mesos-parse.ts";
import { effectiveRefuseSeconds, parseSchedulerCall, parseSchedulerCallText } from "./scheduler-parse.ts";
import { WireError } from "./wire-error.ts";

const fw = { value: "fw-1" };
const uuid16 = Buffer.alloc(16, 7).toString("base64");

function task(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "t",
    task_id: { value: "t1" },
    agent_id: { value: "a1" },
    resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 } }],
    command: { value: "sleep 1" },
    ...overrides,
  };
}

function accept(operations: unknown[]): Record<string, unknown> {
  return { type: "ACCEPT", framework_id: fw, accept: { offer_ids: [{ value: "o1" }], operations } };
}

function errorOf(body: unknown): WireError {
  try {
    parseSchedulerCall(body);
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error(`expected a WireError for ${JSON.stringify(body)}`);
}

describe("parseSchedulerCall accepts", () => {
  test("SUBSCRIBE with a framework_info and suppressed roles", () => {
    const call = parseSchedulerCall({
      type: "SUBSCRIBE",
      subscribe: {
        framework_info: { user: "root", name: "marathon", roles: ["web"], capabilities: [{ type: "MULTI_ROLE" }] },
        suppressed_roles: ["web"],
      },
    });
    expect(call).toEqual({
      type: "SUBSCRIBE",
      subscribe: {
        framework_info: { user: "root", name: "marathon", roles: ["web"], capabilities: [{ type: "MULTI_ROLE" }] },
        suppressed_roles: ["web"],
      },
    });
  });

  test("re-SUBSCRIBE with matching framework_id", () => {
    const call = parseSchedulerCall({
      type: "SUBSCRIBE",
      framework_id: fw,
      subscribe: { framework_info: { user: "u", name: "n", id: fw, failover_timeout: 60 } },
    });
    expect(call.type === "SUBSCRIBE" && call.framework_id).toEqual(fw);
  });

  test("ACCEPT with LAUNCH, LAUNCH_GROUP, RESERVE, UNRESERVE and an unsupported CREATE", () => {
    const call = parseSchedulerCall({
      ...accept([
        { type: "LAUNCH", launch: { task_infos: [task()] } },
        {
          type: "LAUNCH_GROUP",
          launch_group: {
            executor: { type: "DEFAULT", executor_id: { value: "e" }, resources: [] },
            task_group: { tasks: [task({ task_id: { value: "t2" } })] },
          },
        },
        { type: "RESERVE", reserve: { resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 }, reservations: [{ type: "DYNAMIC", role: "r" }] }] } },
        { type: "UNRESERVE", unreserve: { resources: [] } },
        { type: "CREATE", create: { volumes: [] } },
      ]),
      accept: {
        offer_ids: [{ value: "o1" }],
        operations: [{ type: "LAUNCH", launch: { task_infos: [task()] } }, { type: "CREATE", create: { volumes: [] } }],
        filters: { refuse_seconds: 30 },
      },
    });
    if (call.type !== "ACCEPT") throw new Error("not ACCEPT");
    expect(call.framework_id).toEqual(fw);
    expect(call.accept.filters).toEqual({ refuse_seconds: 30 });
    expect(call.accept.operations.map((operation) => operation.type)).toEqual(["LAUNCH", "CREATE"]);
    const create = call.accept.operations[1];
    expect(create !== undefined && "payload" in create && create.payload).toEqual({ volumes: [] });
  });

  test("every operation kind in one ACCEPT", () => {
    const call = parseSchedulerCall(
      accept([
        { type: "LAUNCH", launch: { task_infos: [task()] } },
        {
          type: "LAUNCH_GROUP",
          launch_group: {
            executor: { type: "DEFAULT", executor_id: { value: "e" } },
            task_group: { tasks: [task({ task_id: { value: "t2" } })] },
          },
        },
        { type: "RESERVE", reserve: { resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 } }] } },
        { type: "UNRESERVE", unreserve: { resources: [] } },
      ]),
    );
    if (call.type !== "ACCEPT") throw new Error("not ACCEPT");
    expect(call.accept.operations.map((operation) => operation.type)).toEqual(["LAUNCH", "LAUNCH_GROUP", "RESERVE", "UNRESERVE"]);
  });

  test("unknown fields are ignored at the top and kept inside TaskInfo", () => {
    const call = parseSchedulerCall({ ...accept([{ type: "LAUNCH", launch: { task_infos: [task({ extra: 1 })] } }]), bogus: true });
    if (call.type !== "ACCEPT") throw new Error("not ACCEPT");
    expect(call).not.toHaveProperty("bogus");
    const launch = call.accept.operations[0];
    expect(launch?.type === "LAUNCH" && (launch.launch.task_infos[0] as unknown as Record<string, unknown>)["extra"]).toBe(1);
  });

  test("numbers and booleans given as strings, nulls as absent (stout's rules)", () => {
    const call = parseSchedulerCall({
      type: "DECLINE",
      framework_id: fw,
      decline: { offer_ids: [{ value: "o" }], filters: { refuse_seconds: "2.5" } },
      kill: null,
    });
    expect(call).toEqual({ type: "DECLINE", framework_id: fw, decline: { offer_ids: [{ value: "o" }], filters: { refuse_seconds: 2.5 } } });
    const sub = parseSchedulerCall({ type: "SUBSCRIBE", subscribe: { framework_info: { user: "u", name: "n", checkpoint: "true", id: null } } });
    expect(sub.type === "SUBSCRIBE" && sub.subscribe.framework_info.checkpoint).toBe(true);
  });

  test("the rest of the calls", () => {
    const calls: Array<Record<string, unknown>> = [
      { type: "TEARDOWN" },
      { type: "REVIVE" },
      { type: "REVIVE", revive: { roles: ["a"] } },
      { type: "SUPPRESS", suppress: {} },
      { type: "KILL", kill: { task_id: { value: "t" }, kill_policy: { grace_period: { nanoseconds: 5 } } } },
      { type: "SHUTDOWN", shutdown: { executor_id: { value: "e" }, agent_id: { value: "a" } } },
      { type: "ACKNOWLEDGE", acknowledge: { agent_id: { value: "a" }, task_id: { value: "t" }, uuid: uuid16 } },
      { type: "RECONCILE", reconcile: { tasks: [] } },
      { type: "RECONCILE", reconcile: { tasks: [{ task_id: { value: "t" }, agent_id: { value: "a" } }] } },
      { type: "MESSAGE", message: { agent_id: { value: "a" }, executor_id: { value: "e" }, data: "aGk=" } },
      { type: "REQUEST", request: { requests: [{ agent_id: { value: "a" } }] } },
      { type: "UPDATE_FRAMEWORK", update_framework: { framework_info: { user: "u", name: "n", id: fw }, suppressed_roles: [] } },
      { type: "ACCEPT_INVERSE_OFFERS", accept_inverse_offers: { inverse_offer_ids: [{ value: "i" }] } },
      { type: "DECLINE_INVERSE_OFFERS", decline_inverse_offers: { inverse_offer_ids: [] } },
      { type: "ACKNOWLEDGE_OPERATION_STATUS", acknowledge_operation_status: { agent_id: { value: "a" }, uuid: uuid16, operation_id: { value: "op" } } },
      { type: "RECONCILE_OPERATIONS", reconcile_operations: { operations: [{ operation_id: { value: "op" } }] } },
    ];
    for (const body of calls) {
      const call = parseSchedulerCall({ ...body, framework_id: fw });
      expect(call.type).toBe(body["type"] as typeof call.type);
      expect(call.framework_id).toEqual(fw);
    }
  });

  test("a JSON text", () => {
    expect(parseSchedulerCallText('{"type":"TEARDOWN","framework_id":{"value":"x"}}')).toEqual({ type: "TEARDOWN", framework_id: { value: "x" } });
    expect(() => parseSchedulerCallText("{nope")).toThrow(/not valid JSON/);
  });
});

describe("parseSchedulerCall refuses, naming the field", () => {
  const launch = (t: unknown): unknown => accept([{ type: "LAUNCH", launch: { task_infos: [task(), t] } }]);
  const cases: Array<[string, unknown, string, RegExp?]> = [
    ["not an object", [], "", /JSON object, got an array/],
    ["a string body", "SUBSCRIBE", "", /got a string/],
    ["null body", null, "", /got null/],
    ["missing type", { framework_id: fw }, "type", /is required/],
    ["non-string type", { type: 3 }, "type", /expected a string/],
    ["unknown type", { type: "LAUNCH" }, "type", /unknown call type "LAUNCH"/],
    ["UNKNOWN type", { type: "UNKNOWN" }, "type"],
    ["no framework_id", { type: "TEARDOWN" }, "framework_id", /is required/],
    ["framework_id a string", { type: "TEARDOWN", framework_id: "fw" }, "framework_id", /expected an object, got a string/],
    ["framework_id.value a number", { type: "TEARDOWN", framework_id: { value: 1 } }, "framework_id.value", /expected a string/],
    ["SUBSCRIBE without subscribe", { type: "SUBSCRIBE" }, "subscribe", /is required/],
    ["SUBSCRIBE without framework_info", { type: "SUBSCRIBE", subscribe: {} }, "subscribe.framework_info"],
    ["framework_info without user", { type: "SUBSCRIBE", subscribe: { framework_info: { name: "n" } } }, "subscribe.framework_info.user"],
    ["framework_info without name", { type: "SUBSCRIBE", subscribe: { framework_info: { user: "u" } } }, "subscribe.framework_info.name"],
    ["roles not an array", { type: "SUBSCRIBE", subscribe: { framework_info: { user: "u", name: "n", roles: "a" } } }, "subscribe.framework_info.roles"],
    ["roles item a number", { type: "SUBSCRIBE", subscribe: { framework_info: { user: "u", name: "n", roles: ["a", 1] } } }, "subscribe.framework_info.roles[1]"],
    ["failover_timeout text", { type: "SUBSCRIBE", subscribe: { framework_info: { user: "u", name: "n", failover_timeout: "soon" } } }, "subscribe.framework_info.failover_timeout", /not a number/],
    ["checkpoint a number", { type: "SUBSCRIBE", subscribe: { framework_info: { user: "u", name: "n", checkpoint: 1 } } }, "subscribe.framework_info.checkpoint", /boolean/],
    ["framework_id without framework_info.id", { type: "SUBSCRIBE", framework_id: fw, subscribe: { framework_info: { user: "u", name: "n" } } }, "framework_id", /differs/],
    ["framework_id differing", { type: "SUBSCRIBE", framework_id: fw, subscribe: { framework_info: { user: "u", name: "n", id: { value: "x" } } } }, "framework_id", /differs/],
    ["suppressed_roles an object", { type: "SUBSCRIBE", subscribe: { framework_info: { user: "u", name: "n" }, suppressed_roles: {} } }, "subscribe.suppressed_roles"],
    ["ACCEPT without accept", { type: "ACCEPT", framework_id: fw }, "accept", /is required/],
    ["offer_ids not an array", { type: "ACCEPT", framework_id: fw, accept: { offer_ids: { value: "o" } } }, "accept.offer_ids", /expected an array/],
    ["offer id a string", { type: "ACCEPT", framework_id: fw, accept: { offer_ids: ["o"] } }, "accept.offer_ids[0]"],
    ["offer id value missing", { type: "ACCEPT", framework_id: fw, accept: { offer_ids: [{}] } }, "accept.offer_ids[0].value", /is required/],
    ["operations an object", { type: "ACCEPT", framework_id: fw, accept: { offer_ids: [], operations: {} } }, "accept.operations"],
    ["operation without type", accept([{ launch: {} }]), "accept.operations[0].type", /is required/],
    ["unknown operation", accept([{ type: "EXPLODE" }]), "accept.operations[0].type", /unknown operation type "EXPLODE"/],
    ["LAUNCH without launch", accept([{ type: "LAUNCH" }]), "accept.operations[0].launch", /is required/],
    ["task_infos a string", accept([{ type: "LAUNCH", launch: { task_infos: "t" } }]), "accept.operations[0].launch.task_infos"],
    ["task_id.value a number", launch(task({ task_id: { value: 7 } })), "accept.operations[0].launch.task_infos[1].task_id.value"],
    ["task without name", launch({ task_id: { value: "x" }, agent_id: { value: "a" } }), "accept.operations[0].launch.task_infos[1].name"],
    ["task without agent_id", launch({ name: "x", task_id: { value: "x" } }), "accept.operations[0].launch.task_infos[1].agent_id"],
    ["resources an object", launch(task({ resources: { cpus: 1 } })), "accept.operations[0].launch.task_infos[1].resources"],
    ["resource without name", launch(task({ resources: [{ type: "SCALAR" }] })), "accept.operations[0].launch.task_infos[1].resources[0].name"],
    ["resource of unknown type", launch(task({ resources: [{ name: "cpus", type: "FLOAT" }] })), "accept.operations[0].launch.task_infos[1].resources[0].type"],
    ["scalar value text", launch(task({ resources: [{ name: "cpus", type: "SCALAR", scalar: { value: "one" } }] })), "accept.operations[0].launch.task_infos[1].resources[0].scalar.value"],
    ["command a string", launch(task({ command: "sleep 1" })), "accept.operations[0].launch.task_infos[1].command"],
    ["command.shell a string", launch(task({ command: { shell: "yes", value: "x" } })), "accept.operations[0].launch.task_infos[1].command.shell"],
    ["env variable without name", launch(task({ command: { value: "x", environment: { variables: [{ value: "v" }] } } })), "accept.operations[0].launch.task_infos[1].command.environment.variables[0].name"],
    ["executor without executor_id", launch(task({ command: undefined, executor: { command: { value: "x" } } })), "accept.operations[0].launch.task_infos[1].executor.executor_id"],
    ["kill_policy nanoseconds text", launch(task({ kill_policy: { grace_period: { nanoseconds: "x" } } })), "accept.operations[0].launch.task_infos[1].kill_policy.grace_period.nanoseconds"],
    ["health check port negative", launch(task({ health_check: { type: "TCP", tcp: { port: -1 } } })), "accept.operations[0].launch.task_infos[1].health_check.tcp.port"],
    ["health check unknown type", launch(task({ health_check: { type: "PING" } })), "accept.operations[0].launch.task_infos[1].health_check.type"],
    ["data not base64", launch(task({ data: "!!" })), "accept.operations[0].launch.task_infos[1].data", /base64/],
    ["LAUNCH_GROUP without executor", accept([{ type: "LAUNCH_GROUP", launch_group: { task_group: { tasks: [] } } }]), "accept.operations[0].launch_group.executor"],
    ["LAUNCH_GROUP without task_group", accept([{ type: "LAUNCH_GROUP", launch_group: { executor: { executor_id: { value: "e" } } } }]), "accept.operations[0].launch_group.task_group"],
    ["LAUNCH_GROUP task id a number", accept([{ type: "LAUNCH_GROUP", launch_group: { executor: { executor_id: { value: "e" } }, task_group: { tasks: [task({ task_id: { value: 1 } })] } } }]), "accept.operations[0].launch_group.task_group.tasks[0].task_id.value"],
    ["RESERVE without reserve", accept([{ type: "RESERVE" }]), "accept.operations[0].reserve"],
    ["RESERVE source an object", accept([{ type: "RESERVE", reserve: { resources: [], source: {} } }]), "accept.operations[0].reserve.source"],
    ["UNRESERVE resource a string", accept([{ type: "UNRESERVE", unreserve: { resources: ["cpus"] } }]), "accept.operations[0].unreserve.resources[0]"],
    ["refuse_seconds an object", { type: "DECLINE", framework_id: fw, decline: { offer_ids: [], filters: { refuse_seconds: {} } } }, "decline.filters.refuse_seconds"],
    ["accept.filters an array", { type: "ACCEPT", framework_id: fw, accept: { offer_ids: [], filters: [] } }, "accept.filters"],
    ["DECLINE without decline", { type: "DECLINE", framework_id: fw }, "decline"],
    ["REVIVE roles a string", { type: "REVIVE", framework_id: fw, revive: { roles: "a" } }, "revive.roles"],
    ["SUPPRESS an array", { type: "SUPPRESS", framework_id: fw, suppress: [] }, "suppress"],
    ["KILL without task_id", { type: "KILL", framework_id: fw, kill: {} }, "kill.task_id"],
    ["KILL agent_id a string", { type: "KILL", framework_id: fw, kill: { task_id: { value: "t" }, agent_id: "a" } }, "kill.agent_id"],
    ["SHUTDOWN without agent_id", { type: "SHUTDOWN", framework_id: fw, shutdown: { executor_id: { value: "e" } } }, "shutdown.agent_id"],
    ["ACKNOWLEDGE without uuid", { type: "ACKNOWLEDGE", framework_id: fw, acknowledge: { agent_id: { value: "a" }, task_id: { value: "t" } } }, "acknowledge.uuid"],
    ["ACKNOWLEDGE uuid not base64", { type: "ACKNOWLEDGE", framework_id: fw, acknowledge: { agent_id: { value: "a" }, task_id: { value: "t" }, uuid: "not base64!" } }, "acknowledge.uuid", /base64/],
    ["ACKNOWLEDGE uuid too short", { type: "ACKNOWLEDGE", framework_id: fw, acknowledge: { agent_id: { value: "a" }, task_id: { value: "t" }, uuid: "aGk=" } }, "acknowledge.uuid", /16-byte/],
    ["RECONCILE task without task_id", { type: "RECONCILE", framework_id: fw, reconcile: { tasks: [{ agent_id: { value: "a" } }] } }, "reconcile.tasks[0].task_id"],
    ["RECONCILE without reconcile", { type: "RECONCILE", framework_id: fw }, "reconcile"],
    ["MESSAGE without data", { type: "MESSAGE", framework_id: fw, message: { agent_id: { value: "a" }, executor_id: { value: "e" } } }, "message.data"],
    ["REQUEST requests an object", { type: "REQUEST", framework_id: fw, request: { requests: {} } }, "request.requests"],
    ["UPDATE_FRAMEWORK id differs", { type: "UPDATE_FRAMEWORK", framework_id: fw, update_framework: { framework_info: { user: "u", name: "n" } } }, "framework_id", /update_framework\.framework_info\.id/],
    ["UPDATE_FRAMEWORK without framework_info", { type: "UPDATE_FRAMEWORK", framework_id: fw, update_framework: {} }, "update_framework.framework_info"],
    ["ACKNOWLEDGE_OPERATION_STATUS without agent", { type: "ACKNOWLEDGE_OPERATION_STATUS", framework_id: fw, acknowledge_operation_status: { uuid: uuid16, operation_id: { value: "o" } } }, "acknowledge_operation_status.agent_id"],
  ];
  for (const [name, body, field, problem] of cases) {
    test(name, () => {
      const error = errorOf(body);
      expect(error.field).toBe(field);
      if (problem !== undefined) expect(error.problem).toMatch(problem);
      expect(error.message).toBe(field.length > 0 ? `${field}: ${error.problem}` : error.problem);
    });
  }
});

describe("validateFrameworkInfo (Mesos's role rules)", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp | undefined]> = [
    ["plain framework", { role: "web" }, undefined],
    ["default role", {}, undefined],
    ["MULTI_ROLE with roles", { roles: ["a", "b"], capabilities: [{ type: "MULTI_ROLE" }] }, undefined],
    ["MULTI_ROLE with role", { role: "a", capabilities: [{ type: "MULTI_ROLE" }] }, /framework_info\.role: must not be set/],
    ["roles without MULTI_ROLE", { roles: ["a"] }, /framework_info\.roles: must not be set/],
    ["duplicate roles", { roles: ["a", "a"], capabilities: [{ type: "MULTI_ROLE" }] }, /framework_info\.roles\[1\]: duplicate role 'a'/],
    ["invalid role", { role: "a b" }, /framework_info\.role: invalid role/],
    ["id with a slash", { id: { value: "a/b" } }, /framework_info\.id\.value: must not contain '\/'/],
    ["huge failover_timeout", { failover_timeout: 1e30 }, /failover_timeout/],
  ];
  for (const [name, fields, expected] of cases) {
    test(name, () => {
      const problem = validateFrameworkInfo({ user: "u", name: "n", ...fields });
      if (expected === undefined) expect(problem).toBeUndefined();
      else expect(problem ?? "").toMatch(expected);
    });
  }
});

test("effectiveRefuseSeconds reads filters as Mesos's allocator does", () => {
  expect(effectiveRefuseSeconds(undefined)).toBe(5);
  expect(effectiveRefuseSeconds({})).toBe(5);
  expect(effectiveRefuseSeconds({ refuse_seconds: -3 })).toBe(5);
  expect(effectiveRefuseSeconds({ refuse_seconds: 0 })).toBe(0);
  expect(effectiveRefuseSeconds({ refuse_seconds: 120 })).toBe(120);
  expect(effectiveRefuseSeconds({ refuse_seconds: Number.POSITIVE_INFINITY })).toBe(365 * 86400);
});

test("validateFrameworkUpdate keeps principal, user and checkpoint", () => {
  const before = { user: "u", name: "n", principal: "p", checkpoint: true };
  expect(validateFrameworkUpdate(before, { ...before, name: "renamed", failover_timeout: 9 })).toBeUndefined();
  expect(validateFrameworkUpdate(before, { ...before, principal: "q" })).toMatch(/^framework_info\.principal: /);
  expect(validateFrameworkUpdate(before, { ...before, user: "root" })).toMatch(/^framework_info\.user: cannot change from 'u' to 'root'/);
  expect(validateFrameworkUpdate(before, { ...before, checkpoint: false })).toMatch(/^framework_info\.checkpoint: /);
});

test("validateSuppressedRoles wants roles of the framework", () => {
  const info = { user: "u", name: "n", roles: ["a", "b"], capabilities: [{ type: "MULTI_ROLE" }] };
  expect(validateSuppressedRoles(info, ["a"], "subscribe.suppressed_roles")).toBeUndefined();
  expect(validateSuppressedRoles(info, ["c", "a", "d"], "subscribe.suppressed_roles")).toBe(
    "subscribe.suppressed_roles: 'c', 'd' are not among the framework's roles",
  );
  expect(validateSuppressedRoles({ user: "u", name: "n" }, ["*"], "s")).toBeUndefined();
});

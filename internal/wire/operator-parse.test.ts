import { describe, expect, test } from "bun:test";
import {
  machineKey,
  parseMachineIdsBody,
  parseMaintenanceScheduleBody,
  parseOperatorCall,
  parseOperatorCallText,
  parseWeightInfos,
  protobufDurationMs,
} from "./operator-parse.ts";
import { WireError } from "./wire-error.ts";

function errorOf(parse: () => unknown): WireError {
  try {
    parse();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error("expected a WireError");
}

// Loosely typed on purpose: the tables feed it bad machines and unavailabilities too.
const window = (machines: unknown[], unavailability: unknown = { start: { nanoseconds: 1 }, duration: { nanoseconds: 3600e9 } }): never =>
  ({ machine_ids: machines, unavailability }) as never;

describe("parseOperatorCall accepts", () => {
  test("calls without payload", () => {
    for (const type of [
      "GET_HEALTH", "GET_FLAGS", "GET_VERSION", "GET_LOGGING_LEVEL", "GET_STATE", "GET_AGENTS", "GET_FRAMEWORKS",
      "GET_EXECUTORS", "GET_TASKS", "GET_ROLES", "GET_WEIGHTS", "GET_MASTER", "GET_QUOTA", "GET_MAINTENANCE_STATUS",
      "GET_MAINTENANCE_SCHEDULE",
    ]) {
      expect(parseOperatorCall({ type })).toEqual({ type } as never);
    }
  });

  test("GET_METRICS with and without a timeout", () => {
    expect(parseOperatorCall({ type: "GET_METRICS" })).toEqual({ type: "GET_METRICS" });
    expect(parseOperatorCall({ type: "GET_METRICS", get_metrics: { timeout: { nanoseconds: "5000000000" } } })).toEqual({
      type: "GET_METRICS",
      get_metrics: { timeout: { nanoseconds: 5e9 } },
    });
  });

  test("UPDATE_WEIGHTS trims roles", () => {
    expect(parseOperatorCall({ type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ role: " web ", weight: 2.5 }] } })).toEqual({
      type: "UPDATE_WEIGHTS",
      update_weights: { weight_infos: [{ role: "web", weight: 2.5 }] },
    });
  });

  test("UPDATE_QUOTA with guarantees and limits", () => {
    const call = parseOperatorCall({
      type: "UPDATE_QUOTA",
      update_quota: { force: false, quota_configs: [{ role: "dev", guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 4 }, mem: { value: 2048 } } }] },
    });
    expect(call).toEqual({
      type: "UPDATE_QUOTA",
      update_quota: { force: false, quota_configs: [{ role: "dev", guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 4 }, mem: { value: 2048 } } }] },
    });
  });

  test("SET_QUOTA and REMOVE_QUOTA", () => {
    const set = parseOperatorCall({
      type: "SET_QUOTA",
      set_quota: { quota_request: { role: "dev", guarantee: [{ name: "cpus", type: "SCALAR", scalar: { value: 2 } }] } },
    });
    expect(set.type).toBe("SET_QUOTA");
    expect(parseOperatorCall({ type: "REMOVE_QUOTA", remove_quota: { role: "dev" } })).toEqual({ type: "REMOVE_QUOTA", remove_quota: { role: "dev" } });
  });

  test("maintenance calls", () => {
    const schedule = { windows: [window([{ hostname: "h1" }, { ip: "10.0.0.1" }]), window([{ hostname: "h2", ip: "10.0.0.2" }])] };
    expect(parseOperatorCall({ type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: { schedule } })).toEqual({
      type: "UPDATE_MAINTENANCE_SCHEDULE",
      update_maintenance_schedule: { schedule },
    });
    expect(parseOperatorCall({ type: "START_MAINTENANCE", start_maintenance: { machines: [{ hostname: "h1" }] } })).toEqual({
      type: "START_MAINTENANCE",
      start_maintenance: { machines: [{ hostname: "h1" }] },
    });
    expect(parseOperatorCall({ type: "STOP_MAINTENANCE", stop_maintenance: { machines: [{ ip: "10.0.0.1" }] } }).type).toBe("STOP_MAINTENANCE");
  });

  test("agent calls", () => {
    const agent = { agent_id: { value: "a1" } };
    const drain = parseOperatorCall({ type: "DRAIN_AGENT", drain_agent: { ...agent, max_grace_period: { seconds: 600 }, mark_gone: false } });
    expect(drain).toEqual({ type: "DRAIN_AGENT", drain_agent: { ...agent, max_grace_period: { seconds: 600 }, mark_gone: false } });
    if (drain.type === "DRAIN_AGENT" && drain.drain_agent.max_grace_period !== undefined) {
      expect(protobufDurationMs(drain.drain_agent.max_grace_period)).toBe(600_000);
    }
    expect(parseOperatorCall({ type: "DEACTIVATE_AGENT", deactivate_agent: agent })).toEqual({ type: "DEACTIVATE_AGENT", deactivate_agent: agent });
    expect(parseOperatorCall({ type: "REACTIVATE_AGENT", reactivate_agent: agent })).toEqual({ type: "REACTIVATE_AGENT", reactivate_agent: agent });
    expect(parseOperatorCall({ type: "MARK_AGENT_GONE", mark_agent_gone: agent })).toEqual({ type: "MARK_AGENT_GONE", mark_agent_gone: agent });
    expect(parseOperatorCall({ type: "TEARDOWN", teardown: { framework_id: { value: "f" } } })).toEqual({ type: "TEARDOWN", teardown: { framework_id: { value: "f" } } });
  });

  test("Mesos calls we do not implement are named, not refused as unknown", () => {
    expect(parseOperatorCall({ type: "READ_FILE", read_file: { path: "/x", offset: 0 } })).toEqual({ type: "READ_FILE", unimplemented: true });
    expect(parseOperatorCall({ type: "SUBSCRIBE" })).toEqual({ type: "SUBSCRIBE", unimplemented: true });
  });

  test("a JSON text", () => {
    expect(parseOperatorCallText('{"type":"GET_HEALTH"}')).toEqual({ type: "GET_HEALTH" });
    expect(errorOf(() => parseOperatorCallText("GET_HEALTH")).problem).toMatch(/not valid JSON/);
  });
});

describe("parseOperatorCall refuses, naming the field", () => {
  const cases: Array<[string, unknown, string, RegExp?]> = [
    ["an array", [], "", /JSON object/],
    ["no type", {}, "type", /is required/],
    ["type a number", { type: 9 }, "type", /expected a string/],
    ["unknown type", { type: "GET_EVERYTHING" }, "type", /unknown call type/],
    ["GET_METRICS timeout negative", { type: "GET_METRICS", get_metrics: { timeout: { nanoseconds: -1 } } }, "get_metrics.timeout.nanoseconds"],
    ["GET_METRICS timeout text", { type: "GET_METRICS", get_metrics: { timeout: { nanoseconds: "soon" } } }, "get_metrics.timeout.nanoseconds", /not a number/],
    ["UPDATE_WEIGHTS without payload", { type: "UPDATE_WEIGHTS" }, "update_weights", /is required/],
    ["weight_infos an object", { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: {} } }, "update_weights.weight_infos"],
    ["weight missing", { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ role: "a" }] } }, "update_weights.weight_infos[0].weight"],
    ["weight zero", { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ role: "a", weight: 0 }] } }, "update_weights.weight_infos[0].weight", /positive/],
    ["weight role empty", { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ weight: 1 }] } }, "update_weights.weight_infos[0].role", /invalid role/],
    ["weight role with a space", { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ role: "a b", weight: 1 }] } }, "update_weights.weight_infos[0].role"],
    ["UPDATE_QUOTA without payload", { type: "UPDATE_QUOTA" }, "update_quota"],
    ["quota config without role", { type: "UPDATE_QUOTA", update_quota: { quota_configs: [{}] } }, "update_quota.quota_configs[0].role", /is required/],
    ["quota limit negative", { type: "UPDATE_QUOTA", update_quota: { quota_configs: [{ role: "r", limits: { cpus: { value: -1 } } }] } }, "update_quota.quota_configs[0].limits.cpus.value", /negative/],
    ["quota limit not an object", { type: "UPDATE_QUOTA", update_quota: { quota_configs: [{ role: "r", limits: { cpus: 4 } }] } }, "update_quota.quota_configs[0].limits.cpus"],
    ["quota limit infinite", { type: "UPDATE_QUOTA", update_quota: { quota_configs: [{ role: "r", limits: { cpus: { value: "Infinity" } } }] } }, "update_quota.quota_configs[0].limits.cpus.value", /finite/],
    ["quota mem over an exabyte", { type: "UPDATE_QUOTA", update_quota: { quota_configs: [{ role: "r", limits: { mem: { value: 2 ** 41 } } }] } }, "update_quota.quota_configs[0].limits.mem.value", /largest supported/],
    ["guarantee over limit", { type: "UPDATE_QUOTA", update_quota: { quota_configs: [{ role: "r", guarantees: { cpus: { value: 5 } }, limits: { cpus: { value: 4 } } }] } }, "update_quota.quota_configs[0].guarantees.cpus.value", /more than the limit/],
    ["role twice", { type: "UPDATE_QUOTA", update_quota: { quota_configs: [{ role: "r" }, { role: "r" }] } }, "update_quota.quota_configs[1].role", /twice/],
    ["SET_QUOTA without request", { type: "SET_QUOTA", set_quota: {} }, "set_quota.quota_request"],
    ["SET_QUOTA empty guarantee", { type: "SET_QUOTA", set_quota: { quota_request: { role: "r", guarantee: [] } } }, "set_quota.quota_request.guarantee", /empty/],
    ["SET_QUOTA ranges", { type: "SET_QUOTA", set_quota: { quota_request: { role: "r", guarantee: [{ name: "ports", type: "RANGES", ranges: { range: [] } }] } } }, "set_quota.quota_request.guarantee[0]", /scalar/],
    ["SET_QUOTA reserved", { type: "SET_QUOTA", set_quota: { quota_request: { role: "r", guarantee: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 }, reservations: [{ role: "r" }] }] } } }, "set_quota.quota_request.guarantee[0]", /reservation/],
    ["REMOVE_QUOTA without role", { type: "REMOVE_QUOTA", remove_quota: {} }, "remove_quota.role"],
    ["UPDATE_MAINTENANCE_SCHEDULE without schedule", { type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: {} }, "update_maintenance_schedule.schedule"],
    ["window without machines", { type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: { schedule: { windows: [window([])] } } }, "update_maintenance_schedule.schedule.windows[0].machine_ids", /empty/],
    ["machine without hostname or ip", { type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: { schedule: { windows: [window([{ hostname: "" }])] } } }, "update_maintenance_schedule.schedule.windows[0].machine_ids[0]", /hostname or an ip/],
    ["machine with a bad ip", { type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: { schedule: { windows: [window([{ ip: "10.0.0.300" }])] } } }, "update_maintenance_schedule.schedule.windows[0].machine_ids[0].ip", /IPv4/],
    ["window without unavailability", { type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: "h" }] }] } } }, "update_maintenance_schedule.schedule.windows[0].unavailability", /is required/],
    ["unavailability without start", { type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: { schedule: { windows: [window([{ hostname: "h" }], { duration: { nanoseconds: 1 } })] } } }, "update_maintenance_schedule.schedule.windows[0].unavailability.start"],
    ["negative duration", { type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: { schedule: { windows: [window([{ hostname: "h" }], { start: { nanoseconds: 0 }, duration: { nanoseconds: -1 } })] } } }, "update_maintenance_schedule.schedule.windows[0].unavailability.duration.nanoseconds", /negative/],
    ["machine in two windows (hostname case ignored)", { type: "UPDATE_MAINTENANCE_SCHEDULE", update_maintenance_schedule: { schedule: { windows: [window([{ hostname: "h" }]), window([{ hostname: "H" }])] } } }, "update_maintenance_schedule.schedule.windows[1].machine_ids[0]", /more than one window/],
    ["START_MAINTENANCE without machines", { type: "START_MAINTENANCE", start_maintenance: {} }, "start_maintenance.machines", /empty/],
    ["START_MAINTENANCE machine twice", { type: "START_MAINTENANCE", start_maintenance: { machines: [{ hostname: "h" }, { hostname: "h" }] } }, "start_maintenance.machines[1]", /twice/],
    ["STOP_MAINTENANCE machines an object", { type: "STOP_MAINTENANCE", stop_maintenance: { machines: { hostname: "h" } } }, "stop_maintenance.machines", /array/],
    ["DRAIN_AGENT without agent", { type: "DRAIN_AGENT", drain_agent: {} }, "drain_agent.agent_id"],
    ["DRAIN_AGENT negative grace", { type: "DRAIN_AGENT", drain_agent: { agent_id: { value: "a" }, max_grace_period: { seconds: -1 } } }, "drain_agent.max_grace_period", /negative/],
    ["DRAIN_AGENT mark_gone a number", { type: "DRAIN_AGENT", drain_agent: { agent_id: { value: "a" }, mark_gone: 1 } }, "drain_agent.mark_gone", /boolean/],
    ["DEACTIVATE_AGENT without payload", { type: "DEACTIVATE_AGENT" }, "deactivate_agent"],
    ["REACTIVATE_AGENT agent a string", { type: "REACTIVATE_AGENT", reactivate_agent: { agent_id: "a" } }, "reactivate_agent.agent_id"],
    ["MARK_AGENT_GONE agent value missing", { type: "MARK_AGENT_GONE", mark_agent_gone: { agent_id: {} } }, "mark_agent_gone.agent_id.value"],
    ["TEARDOWN without framework", { type: "TEARDOWN", teardown: {} }, "teardown.framework_id"],
  ];
  for (const [name, body, field, problem] of cases) {
    test(name, () => {
      const error = errorOf(() => parseOperatorCall(body));
      expect(error.field).toBe(field);
      if (problem !== undefined) expect(error.problem).toMatch(problem);
    });
  }
});

describe("v0 endpoint bodies", () => {
  test("/master/machine/down body", () => {
    expect(parseMachineIdsBody([{ hostname: "h1", ip: "10.0.0.1" }, { hostname: "h2" }])).toEqual([
      { hostname: "h1", ip: "10.0.0.1" },
      { hostname: "h2" },
    ]);
    expect(errorOf(() => parseMachineIdsBody({ hostname: "h" })).problem).toMatch(/array/);
    expect(errorOf(() => parseMachineIdsBody([])).problem).toMatch(/empty/);
    expect(errorOf(() => parseMachineIdsBody([{ hostname: "h" }, "x"])).field).toBe("[1]");
  });

  test("/master/maintenance/schedule body", () => {
    const schedule = { windows: [window([{ hostname: "h1" }])] };
    expect(parseMaintenanceScheduleBody(schedule)).toEqual(schedule);
    expect(parseMaintenanceScheduleBody({})).toEqual({ windows: [] });
    expect(errorOf(() => parseMaintenanceScheduleBody({ windows: [window([{ ip: "x" }])] })).field).toBe("windows[0].machine_ids[0].ip");
  });

  test("real int64 nanosecond times (past 2^53), as numbers or strings", () => {
    const start = 1_735_689_600_000_000_000;
    const parsed = parseMaintenanceScheduleBody({ windows: [window([{ hostname: "h1" }], { start: { nanoseconds: String(start) }, duration: { nanoseconds: 3.6e12 } })] });
    expect(parsed.windows[0]?.unavailability.start.nanoseconds).toBe(start);
    expect(errorOf(() => parseMaintenanceScheduleBody({ windows: [window([{ hostname: "h1" }], { start: { nanoseconds: 1.5 } })] })).field).toBe(
      "windows[0].unavailability.start.nanoseconds",
    );
  });

  test("PUT /weights body", () => {
    expect(parseWeightInfos([{ role: "a", weight: 2 }])).toEqual([{ role: "a", weight: 2 }]);
    expect(errorOf(() => parseWeightInfos([{ role: "a", weight: -2 }])).field).toBe("[0].weight");
  });

  test("machineKey ignores hostname case", () => {
    expect(machineKey({ hostname: "Node-1", ip: "10.0.0.1" })).toBe(machineKey({ hostname: "node-1", ip: "10.0.0.1" }));
    expect(machineKey({ hostname: "node-1" })).not.toBe(machineKey({ hostname: "node-1", ip: "10.0.0.1" }));
  });
});

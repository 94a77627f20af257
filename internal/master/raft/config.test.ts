import { expect, test } from "bun:test";
import { FlagError } from "../../flags/index.ts";
import { majorityOf, resolveRaftMasterConfig, type MastersInput } from "./config.ts";
import { parseMembersChange } from "./raft-http.ts";

const base: MastersInput = {
  masters: "127.0.0.1:5050,127.0.0.1:5060,127.0.0.1:5070",
  quorum: 2,
  join: false,
  ip: "127.0.0.1",
  hostname: "m1.example",
  port: 5060,
  workDir: "/var/lib/cluster",
  zk: undefined,
  heartbeatIntervalMs: 20,
  electionTimeoutMs: 200,
  faultInjection: false,
  localAddresses: ["127.0.0.1", "10.0.0.7"],
};

function problem(input: Partial<MastersInput>): string {
  try {
    resolveRaftMasterConfig({ ...base, ...input });
  } catch (error) {
    expect(error).toBeInstanceOf(FlagError);
    return (error as Error).message;
  }
  throw new Error("expected a FlagError");
}

test("finds itself by --ip:--port; ticks from the two timeouts; raft storage under --work_dir", () => {
  const config = resolveRaftMasterConfig(base);
  expect(config.selfId).toBe("127.0.0.1:5060");
  expect(config.members).toEqual(["127.0.0.1:5050", "127.0.0.1:5060", "127.0.0.1:5070"]);
  expect(config.tickIntervalMs).toBe(5);
  expect(config.heartbeatTicks).toBe(4);
  expect(config.electionTicks).toBe(40);
  expect(config.storageDir).toBe("/var/lib/cluster/raft");
});

test("by --hostname:--port, and by any local address when listening on 0.0.0.0", () => {
  expect(resolveRaftMasterConfig({ ...base, masters: "m1.example:5060,m2.example:5060,m3.example:5060" }).selfId).toBe("m1.example:5060");
  expect(resolveRaftMasterConfig({ ...base, ip: "0.0.0.0", masters: "10.0.0.7:5060,10.0.0.8:5060,10.0.0.9:5060" }).selfId).toBe("10.0.0.7:5060");
});

test("--quorum must be the majority of the list, and is required", () => {
  expect(majorityOf(1)).toBe(1);
  expect(majorityOf(3)).toBe(2);
  expect(majorityOf(4)).toBe(3);
  expect(majorityOf(5)).toBe(3);
  expect(problem({ quorum: 3 })).toBe("bad value for flag --quorum: a majority of the 3 masters in --masters is 2, got 3");
  expect(problem({ quorum: 1 })).toContain("flag --quorum");
  expect(problem({ quorum: undefined })).toBe("missing flag --quorum: --masters lists 3 masters, so --quorum=2");
});

test("a master not in the list, or in it twice, refuses to start naming --masters", () => {
  expect(problem({ port: 5080 })).toStartWith("bad value for flag --masters: this master, 127.0.0.1:5080");
  expect(problem({ masters: "127.0.0.1:5060,m1.example:5060,127.0.0.1:5070" })).toContain("listed more than once");
});

test("not with --zk; the election timeout at least three heartbeats", () => {
  expect(problem({ zk: "zk://127.0.0.1:2181/cluster" })).toContain("flag --masters: cannot be combined with --zk");
  expect(problem({ electionTimeoutMs: 50 })).toContain("flag --raft_election_timeout: must be at least 3 x --raft_heartbeat_interval");
});

test("membership bodies: one of add and remove, as host:port; the problem names the field", () => {
  expect(parseMembersChange({ add: "10.0.0.4:5050" })).toEqual({ kind: "add", node: "10.0.0.4:5050" });
  expect(parseMembersChange({ remove: "m3:5050" })).toEqual({ kind: "remove", node: "m3:5050" });
  expect(parseMembersChange({ add: "m3" })).toBe('add: expected host:port, got "m3"');
  expect(parseMembersChange({ add: "a:1", remove: "b:1" })).toContain("exactly one");
  expect(parseMembersChange([])).toContain("body:");
  expect(parseMembersChange({ grow: "a:1" })).toContain("exactly one");
});

import { expect, test } from "bun:test";
import { memberSequence, sortedMembers, standingOf } from "./members.ts";

test("only label_<10 digits> children are members, lowest first", () => {
  const children = ["json.info_0000000012", "log_replicas", "info_0000000001", "json.info_0000000003", "json.info_x", "json.info_-2147483648"];
  expect(sortedMembers(children, "json.info").map((m) => m.name)).toEqual(["json.info_-2147483648", "json.info_0000000003", "json.info_0000000012"]);
  expect(memberSequence("json.info_0000000012", "json.info")).toBe(12);
  expect(memberSequence("json.info_12", "json.info")).toBeUndefined();
});

test("the lowest leads; each other follows the one just before it", () => {
  const members = sortedMembers(["json.info_0000000005", "json.info_0000000001", "json.info_0000000009"], "json.info");
  expect(standingOf(members, "json.info_0000000001")).toEqual({ kind: "leader" });
  expect(standingOf(members, "json.info_0000000009")).toEqual({ kind: "follower", predecessor: { name: "json.info_0000000005", sequence: 5 } });
  expect(standingOf(members, "json.info_0000000005")).toEqual({ kind: "follower", predecessor: { name: "json.info_0000000001", sequence: 1 } });
  expect(standingOf(members, "json.info_0000000002")).toEqual({ kind: "missing" });
});

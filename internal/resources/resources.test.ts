import { describe, expect, test } from "bun:test";
import { ResourcesArithmeticError, ResourcesParseError } from "./errors.ts";
import { parseResources } from "./parse.ts";
import { Resources, rangesResource, scalarResource, setResource } from "./resources.ts";

const r = (text: string): Resources => parseResources(text);

describe("arithmetic", () => {
  test("plus adds scalars and joins ranges and sets per name+role", () => {
    const sum = r("cpus:1;ports:[1-5];disks:{a}").plus(r("cpus:2;cpus(ops):1;ports:[6-9,20-30];disks:{b}"));
    expect(sum.toText()).toBe("cpus(*):3;cpus(ops):1;disks(*):{a,b};ports(*):[1-9,20-30]");
  });

  test("minus takes away exactly and drops what reaches zero", () => {
    const rest = r("cpus:4;mem:1024;ports:[1-10];disks:{a,b}").minus(r("cpus:4;mem:24;ports:[3-4];disks:{a}"));
    expect(rest.toText()).toBe("disks(*):{b};mem(*):1000;ports(*):[1-2,5-10]");
  });

  test("minus throws when the subtrahend is not contained", () => {
    expect(() => r("cpus:1").minus(r("cpus:2"))).toThrow(ResourcesArithmeticError);
    expect(() => r("cpus:1").minus(r("mem:1"))).toThrow("no mem(*) to subtract from");
    expect(() => r("cpus(ops):1").minus(r("cpus:1"))).toThrow(ResourcesArithmeticError);
    expect(() => r("ports:[1-5]").minus(r("ports:[5-6]"))).toThrow("not contained");
    expect(() => r("disks:{a}").minus(r("disks:{b}"))).toThrow("not contained");
  });

  test("contains works per name+role, by amount, containment and subset", () => {
    const whole = r("cpus:4;cpus(ops):2;ports:[1-10,20-30];disks:{a,b,c}");
    expect(whole.contains(r("cpus:4;cpus(ops):1.5"))).toBe(true);
    expect(whole.contains(r("cpus:4.001"))).toBe(false);
    expect(whole.contains(r("cpus(web):1"))).toBe(false);
    expect(whole.contains(r("ports:[2-3,25-30]"))).toBe(true);
    expect(whole.contains(r("ports:[9-21]"))).toBe(false);
    expect(whole.contains(r("disks:{a,c}"))).toBe(true);
    expect(whole.contains(r("disks:{d}"))).toBe(false);
    expect(whole.contains(Resources.EMPTY)).toBe(true);
    expect(Resources.EMPTY.contains(r("cpus:0.001"))).toBe(false);
  });

  test("a name keeps one type: mixing types is an arithmetic error", () => {
    const ranges = r("ports:[1-2]");
    const scalar = Resources.fromList([scalarResource("ports", 3, "ops")]);
    expect(() => ranges.plus(scalar)).toThrow(ResourcesArithmeticError);
    expect(ranges.contains(Resources.fromList([scalarResource("ports", 3)]))).toBe(false);
  });

  test("0.1 + 0.2 - 0.3 is exactly empty", () => {
    expect(r("cpus:0.1").plus(r("cpus:0.2")).minus(r("cpus:0.3")).isEmpty()).toBe(true);
  });
});

describe("views", () => {
  const resources = r("cpus:1;cpus(ops):2;cpus(web):0.5;mem(ops):100;ports:[1-10];ports(ops):[5-20];disks(web):{x}");

  test("reservedBy, unreserved and roles", () => {
    expect(resources.reservedBy("ops").toText()).toBe("cpus(ops):2;mem(ops):100;ports(ops):[5-20]");
    expect(resources.unreserved().toText()).toBe("cpus(*):1;ports(*):[1-10]");
    expect(resources.roles()).toEqual(["*", "ops", "web"]);
    expect(resources.names()).toEqual(["cpus", "disks", "mem", "ports"]);
  });

  test("scalar totals and per-role amounts", () => {
    expect(resources.scalar("cpus")).toBe(3.5);
    expect(resources.scalarThousandths("cpus")).toBe(3500);
    expect(resources.scalar("gpus")).toBe(0);
    expect([...resources.scalarByRole("cpus")]).toEqual([["*", 1], ["ops", 2], ["web", 0.5]]);
  });

  test("ranges are merged across roles and counted once", () => {
    expect(resources.ranges("ports")).toEqual([{ begin: 1, end: 20 }]);
    expect(resources.rangesCount("ports")).toBe(20);
    expect(resources.setItems("disks")).toEqual(["x"]);
  });

  test("flatten re-labels everything to one role and merges", () => {
    expect(resources.flatten().toText()).toBe("cpus(*):3.5;disks(*):{x};mem(*):100;ports(*):[1-20]");
    expect(resources.flatten("ops").roles()).toEqual(["ops"]);
    expect(() => resources.flatten("a/b")).toThrow(ResourcesArithmeticError);
  });

  test("filter keeps what the predicate keeps", () => {
    expect(resources.filter((e) => e.type === "SCALAR" && e.role !== "*").toText()).toBe(
      "cpus(ops):2;cpus(web):0.5;mem(ops):100",
    );
  });

  test("find, size and iteration", () => {
    expect(resources.find("mem", "ops")).toEqual({ type: "SCALAR", name: "mem", role: "ops", thousandths: 100000 });
    expect(resources.find("mem", "*")).toBeUndefined();
    expect(resources.size).toBe(7);
    expect([...resources].length).toBe(7);
  });
});

describe("fromList", () => {
  test("normalizes, merges and drops empty entries", () => {
    const resources = Resources.fromList([
      rangesResource("ports", [{ begin: 10, end: 20 }, { begin: 1, end: 12 }]),
      setResource("disks", ["b", "a", "b"]),
      scalarResource("cpus", 0.1),
      scalarResource("cpus", 0.2),
      scalarResource("gpus", 0),
    ]);
    expect(resources.toText()).toBe("cpus(*):0.3;disks(*):{a,b};ports(*):[1-20]");
  });

  test("refuses bad entries with a parse error", () => {
    expect(() => Resources.fromList([scalarResource("cpus", -1)])).toThrow(ResourcesParseError);
    expect(() => Resources.fromList([scalarResource("cpus", Number.NaN)])).toThrow("not an integer");
    expect(() => Resources.fromList([scalarResource("cpus", 1, "")])).toThrow("empty role");
    expect(() => Resources.fromList([rangesResource("ports", [{ begin: 5, end: 1 }])])).toThrow("begin > end");
    expect(() => Resources.fromList([setResource("disks", ["a b"])])).toThrow("invalid character");
    expect(() =>
      Resources.fromList([rangesResource("ports", [{ begin: 1, end: 2 }]), scalarResource("ports", 1, "x")]),
    ).toThrow("'ports' is RANGES and cannot also be SCALAR");
  });

  test("equals compares values, not history", () => {
    expect(r("cpus:1;cpus:1").equals(r("cpus:2"))).toBe(true);
    expect(r("ports:[1-2];ports:[3-4]").equals(r("ports:[1-4]"))).toBe(true);
    expect(r("cpus:1").equals(r("cpus(a):1"))).toBe(false);
  });
});

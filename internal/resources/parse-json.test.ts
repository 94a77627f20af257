import { describe, expect, test } from "bun:test";
import { ResourcesParseError } from "./errors.ts";
import { parseResources } from "./parse.ts";

function parseError(text: string): ResourcesParseError {
  try {
    parseResources(text);
  } catch (error) {
    if (error instanceof ResourcesParseError) return error;
    throw error;
  }
  throw new Error(`expected '${text}' to be refused`);
}

describe("JSON form", () => {
  test("the example from the issue", () => {
    const resources = parseResources(
      `[{"name":"cpus","type":"SCALAR","scalar":{"value":4},"role":"*"},
        {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":32000}]}},
        {"name":"disks","type":"SET","set":{"item":["a"]}}]`,
    );
    expect(resources.toText()).toBe("cpus(*):4;disks(*):{a};ports(*):[31000-32000]");
  });

  test("a role may come from STATIC reservations, the way v1 writes it", () => {
    const resources = parseResources(
      `[{"name":"cpus","type":"SCALAR","scalar":{"value":2},"reservations":[{"type":"STATIC","role":"ops"}]},
        {"name":"mem","type":"SCALAR","scalar":{"value":64},"role":"ops","reservations":[{"type":"STATIC","role":"ops"}]}]`,
    );
    expect(resources.toText()).toBe("cpus(ops):2;mem(ops):64");
  });

  test("entries without a role get the default role", () => {
    const resources = parseResources(`[{"name":"cpus","type":"SCALAR","scalar":{"value":1}}]`, { defaultRole: "web" });
    expect(resources.toText()).toBe("cpus(web):1");
  });

  test("range bounds may be written as strings, as protobuf JSON does for uint64", () => {
    const resources = parseResources(`[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":"1","end":"9"}]}}]`);
    expect(resources.rangesCount("ports")).toBe(9);
  });

  test("repeated entries add up under the same rules as text", () => {
    const resources = parseResources(
      `[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1}},{"name":"cpus","type":"SCALAR","scalar":{"value":0.2}}]`,
    );
    expect(resources.scalar("cpus")).toBe(0.3);
  });

  test("toJSON writes role and, for reserved entries, reservations", () => {
    const resources = parseResources("cpus:1.5;ports(ops):[1-2];disks:{x}");
    expect(JSON.parse(JSON.stringify(resources))).toEqual([
      { name: "cpus", type: "SCALAR", role: "*", scalar: { value: 1.5 } },
      { name: "disks", type: "SET", role: "*", set: { item: ["x"] } },
      {
        name: "ports",
        type: "RANGES",
        role: "ops",
        ranges: { range: [{ begin: 1, end: 2 }] },
        reservations: [{ type: "STATIC", role: "ops" }],
      },
    ]);
  });

  const table: [input: string, problem: string][] = [
    ["[", "invalid JSON"],
    [`[{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}]`, "negative value"],
    [`[{"name":"cpus","type":"SCALAR","scalar":{"value":"4"}}]`, "SCALAR needs 'scalar'"],
    [`[{"name":"cpus","type":"SCALAR"}]`, "SCALAR needs 'scalar'"],
    [`[{"name":"cpus","type":"TEXT","text":{"value":"x"}}]`, "'type' must be SCALAR, RANGES or SET"],
    [`[{"name":"cpus","scalar":{"value":1}}]`, "'type' must be SCALAR, RANGES or SET, not missing"],
    [`[{"type":"SCALAR","scalar":{"value":1}}]`, "missing or non-string 'name'"],
    [`[{"name":"","type":"SCALAR","scalar":{"value":1}}]`, "empty name"],
    [`[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"ranges":{"range":[]}}]`, "type SCALAR but 'ranges' is given"],
    [`[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":9,"end":3}]}}]`, "begin > end"],
    [`[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":5},{"begin":4,"end":6}]}}]`, "overlapping ranges"],
    [`[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1.5,"end":5}]}}]`, "not an integer"],
    [`[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":-1,"end":5}]}}]`, "negative value"],
    [`[{"name":"disks","type":"SET","set":{"item":["a","a"]}}]`, "duplicate set item 'a'"],
    [`[{"name":"disks","type":"SET","set":{"item":[1]}}]`, "is not a string"],
    [`[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a/b"}]`, "must not contain '/'"],
    [`[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"a","reservations":[{"type":"STATIC","role":"b"}]}]`, "does not match"],
    [`[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"b"}]}]`, "dynamic reservations"],
    [`[{"name":"disk","type":"SCALAR","scalar":{"value":1},"disk":{"source":{"type":"MOUNT"}}}]`, "unsupported field 'disk'"],
    [`[{"name":"ports","type":"RANGES","ranges":{"range":[]}},{"name":"ports","type":"SCALAR","scalar":{"value":3}}]`, "already RANGES"],
    [`[1]`, "expected a JSON object"],
  ];

  test.each(table)("%s is refused: %s", (input, problem) => {
    const error = parseError(input);
    expect(error.problem).toContain(problem);
    expect(error.message).toContain(error.token);
  });

  test("the token of a bad element is that element", () => {
    const error = parseError(`[{"name":"mem","type":"SCALAR","scalar":{"value":1}},{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}]`);
    expect(error.token).toBe(`{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}`);
    expect(error.message).toBe(`invalid resource '{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}': negative value`);
  });

  test("a JSON value that is not an array is refused", () => {
    expect(() => parseResources(`[1]x`)).toThrow(ResourcesParseError);
  });
});

import { describe, expect, test } from "bun:test";
import { SeededRandom } from "../runtime/index.ts";
import {
  attributesToJSON,
  attributesToJSONArray,
  attributesToText,
  findAttribute,
  parseAttributes,
  type Attribute,
} from "./attributes.ts";
import { ResourcesParseError } from "./errors.ts";

function parseError(text: string): ResourcesParseError {
  try {
    parseAttributes(text);
  } catch (error) {
    if (error instanceof ResourcesParseError) return error;
    throw error;
  }
  throw new Error(`expected '${text}' to be refused`);
}

describe("attributes text form", () => {
  const attributes = parseAttributes("rack:r1;zone:a;level:10;keys:[1000-1500];tags:{a,b}");

  test("each value gets the type Mesos would give it", () => {
    expect(attributes).toEqual([
      { name: "rack", type: "TEXT", text: "r1" },
      { name: "zone", type: "TEXT", text: "a" },
      { name: "level", type: "SCALAR", thousandths: 10000 },
      { name: "keys", type: "RANGES", ranges: [{ begin: 1000, end: 1500 }] },
      { name: "tags", type: "SET", items: ["a", "b"] },
    ]);
  });

  test("the master's JSON object form", () => {
    expect(attributesToJSON(attributes)).toEqual({
      rack: "r1",
      zone: "a",
      level: 10,
      keys: "[1000-1500]",
      tags: "{a,b}",
    });
  });

  test("the v1 array form, which parses back", () => {
    const array = attributesToJSONArray(attributes);
    expect(array[0]).toEqual({ name: "rack", type: "TEXT", text: { value: "r1" } });
    expect(array[2]).toEqual({ name: "level", type: "SCALAR", scalar: { value: 10 } });
    expect(array[3]).toEqual({ name: "keys", type: "RANGES", ranges: { range: [{ begin: 1000, end: 1500 }] } });
    expect(array[4]).toEqual({ name: "tags", type: "SET", set: { item: ["a", "b"] } });
    expect(parseAttributes(JSON.stringify(array))).toEqual(attributes);
  });

  test("text parses back to the same attributes", () => {
    expect(attributesToText(attributes)).toBe("rack:r1;zone:a;level:10;keys:[1000-1500];tags:{a,b}");
    expect(parseAttributes(attributesToText(attributes))).toEqual(attributes);
  });

  test("numbers may be negative or fractional; non-numbers stay text", () => {
    expect(parseAttributes("t:-3.5;u:1e2;v:1a;w:0x10;x:NaN;y:ubuntu 22.04;z:10.0.0.1")).toEqual([
      { name: "t", type: "SCALAR", thousandths: -3500 },
      { name: "u", type: "SCALAR", thousandths: 100000 },
      { name: "v", type: "TEXT", text: "1a" },
      { name: "w", type: "TEXT", text: "0x10" },
      { name: "x", type: "TEXT", text: "NaN" },
      { name: "y", type: "TEXT", text: "ubuntu 22.04" },
      { name: "z", type: "TEXT", text: "10.0.0.1" },
    ]);
  });

  test("whitespace and empty segments are ignored; findAttribute looks one up", () => {
    const parsed = parseAttributes(" rack : r1 ;; tags : { b , a } ;");
    expect(findAttribute(parsed, "tags")).toEqual({ name: "tags", type: "SET", items: ["b", "a"] });
    expect(findAttribute(parsed, "zone")).toBeUndefined();
    expect(parseAttributes("")).toEqual([]);
  });

  const table: [input: string, token: string, problem: string][] = [
    ["rack", "rack", "missing ':'"],
    ["rack:a:b", "rack:a:b", "extra ':'"],
    [":r1", ":r1", "empty name"],
    ["rack:", "rack:", "missing value"],
    ["keys:[1-2", "keys:[1-2", "mismatched brackets"],
    ["keys:[5-1]", "keys:[5-1]", "begin > end"],
    ["keys:[1-5,3-4]", "keys:[1-5,3-4]", "overlapping ranges"],
    ["tags:{a,b", "tags:{a,b", "mismatched braces"],
    ["tags:{a,a}", "tags:{a,a}", "duplicate set item 'a'"],
    ["rack:r(1)", "rack:r(1)", "mismatched parentheses"],
    ["rack:r1;rack:r2", "rack:r2", "duplicate attribute 'rack'"],
    ["level:1e400", "level:1e400", "value too large"],
  ];

  test.each(table)("%s is refused", (input, token, problem) => {
    const error = parseError(input);
    expect(error.token).toBe(token);
    expect(error.problem).toContain(problem);
    expect(error.message).toBe(`invalid attribute '${token}': ${error.problem}`);
  });

  test("bad JSON array elements are refused", () => {
    expect(parseError(`[{"name":"a","type":"TEXT","text":{"value":"x;y"}}]`).problem).toContain("';'");
    expect(parseError(`[{"name":"a","type":"SCALAR","scalar":{"value":"1"}}]`).problem).toContain("needs");
    expect(parseError(`[{"name":"a","type":"BOOL"}]`).problem).toContain("'type' must be");
    expect(parseError(`[{"name":"a","type":"TEXT","text":{"value":"x"}},{"name":"a","type":"TEXT","text":{"value":"y"}}]`).problem).toBe(
      "duplicate attribute 'a'",
    );
  });
});

describe("attributes round trip (seeded)", () => {
  test("random attributes -> text -> parse and -> v1 JSON -> parse", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = new SeededRandom(seed);
      const attributes: Attribute[] = [];
      const count = random.nextInt(6);
      for (let i = 0; i < count; i++) {
        const name = `attr${i}`;
        switch (random.nextInt(4)) {
          case 0:
            attributes.push({ name, type: "TEXT", text: `rack-${random.nextInt(100)}.a` });
            break;
          case 1:
            attributes.push({ name, type: "SCALAR", thousandths: random.nextInt(2_000_000) - 1_000_000 });
            break;
          case 2: {
            const begin = random.nextInt(1000);
            attributes.push({ name, type: "RANGES", ranges: [{ begin, end: begin + random.nextInt(50) }] });
            break;
          }
          default:
            attributes.push({ name, type: "SET", items: [`b${random.nextInt(5)}`, `a${random.nextInt(5)}`] });
        }
      }
      const context = `seed=${seed}`;
      expect([context, parseAttributes(attributesToText(attributes))]).toEqual([context, attributes]);
      expect([context, parseAttributes(JSON.stringify(attributesToJSONArray(attributes)))]).toEqual([context, attributes]);
    }
  });
});

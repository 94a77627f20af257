import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ResourcesParseError } from "./errors.ts";
import { parseAttributesFlag, parseResourcesFlag } from "./flag-file.ts";

let dir = "";

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "resources-flag-"));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true });
});

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return `file://${file}`;
}

describe("file:// flag values", () => {
  test("text form in a file, trailing newline and all", () => {
    const flag = write("resources.txt", "cpus:4;mem(*):1024;\nports:[31000-32000]\n");
    expect(parseResourcesFlag(flag, { defaultRole: "ops" }).toText()).toBe(
      "cpus(ops):4;mem(*):1024;ports(ops):[31000-32000]",
    );
  });

  test("JSON form in a file", () => {
    const flag = write("resources.json", `[{"name":"cpus","type":"SCALAR","scalar":{"value":2}}]\n`);
    expect(parseResourcesFlag(flag).toText()).toBe("cpus(*):2");
  });

  test("attributes in a file", () => {
    const flag = write("attributes.txt", "rack:r1;level:3\n");
    expect(parseAttributesFlag(flag)).toEqual([
      { name: "rack", type: "TEXT", text: "r1" },
      { name: "level", type: "SCALAR", thousandths: 3000 },
    ]);
  });

  test("plain values pass straight through", () => {
    expect(parseResourcesFlag("cpus:1").toText()).toBe("cpus(*):1");
  });

  test("a missing file is a parse error naming the flag value", () => {
    const flag = `file://${path.join(dir, "absent.txt")}`;
    let caught: unknown;
    try {
      parseResourcesFlag(flag);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ResourcesParseError);
    expect((caught as ResourcesParseError).token).toBe(flag);
    expect((caught as ResourcesParseError).problem).toContain("cannot read file");
  });

  test("errors inside the file name the bad token", () => {
    const flag = write("bad.txt", "cpus:1;mem:-5");
    expect(() => parseResourcesFlag(flag)).toThrow("invalid resource 'mem:-5': negative value");
  });

  test("a file may not point at another file", () => {
    const inner = write("inner.txt", "cpus:1");
    const outer = write("outer.txt", inner);
    expect(() => parseResourcesFlag(outer)).toThrow(ResourcesParseError);
  });
});

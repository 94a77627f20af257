import { describe, expect, test } from "bun:test";
import { ResourcesParseError } from "./errors.ts";
import { parseResources } from "./parse.ts";

const seed003 =
  "cpus(logstash):32;cpus(common):4;cpus(kibana):4;cpus(ops):4;cpus(spark):16;cpus(storm):16;" +
  "cpus(rebuild):32;cpus(mysos):16;cpus(others):16;cpus(universe):1;cpus(test):8;" +
  "mem(*):126976;ports(*):[8000-32000]";

/** The error parseResources throws for `text`; fails the test if it parses. */
function parseError(text: string, defaultRole?: string): ResourcesParseError {
  try {
    parseResources(text, defaultRole === undefined ? undefined : { defaultRole });
  } catch (error) {
    if (error instanceof ResourcesParseError) return error;
    throw error;
  }
  throw new Error(`expected '${text}' to be refused`);
}

describe("seed 003 --resources string", () => {
  const resources = parseResources(seed003);

  test("every one of the eleven roles gets its cpus", () => {
    expect(Object.fromEntries(resources.scalarByRole("cpus"))).toEqual({
      logstash: 32,
      common: 4,
      kibana: 4,
      ops: 4,
      spark: 16,
      storm: 16,
      rebuild: 32,
      mysos: 16,
      others: 16,
      universe: 1,
      test: 8,
    });
    expect(resources.roles().filter((role) => role !== "*")).toHaveLength(11);
  });

  test("totals: 149 cpus, 126976 MB, 24001 ports, all mem and ports unreserved", () => {
    expect(resources.scalar("cpus")).toBe(149);
    expect(resources.scalar("mem")).toBe(126976);
    expect(resources.rangesCount("ports")).toBe(24001);
    expect(resources.unreserved().toText()).toBe("mem(*):126976;ports(*):[8000-32000]");
    expect(resources.reservedBy("spark").toText()).toBe("cpus(spark):16");
  });
});

describe("text form", () => {
  test("scalars, ranges and sets with roles", () => {
    const resources = parseResources("cpus:4;mem(*):126976;ports(*):[8000-9000, 31000-31005];disks(ops):{b,a}");
    expect(resources.toText()).toBe("cpus(*):4;disks(ops):{a,b};mem(*):126976;ports(*):[8000-9000,31000-31005]");
  });

  test("the default role applies only where no role is written", () => {
    const resources = parseResources("cpus:2;mem(*):10;disk(ops):5", { defaultRole: "web" });
    expect(resources.toText()).toBe("cpus(web):2;disk(ops):5;mem(*):10");
  });

  test("whitespace around tokens and empty segments are ignored", () => {
    const resources = parseResources("  cpus ( ops ) : 1.5 ;; ports : [ 1 - 2 , 5-6 ] ; disks:{ a , b } ; ");
    expect(resources.toText()).toBe("cpus(ops):1.5;disks(*):{a,b};ports(*):[1-2,5-6]");
  });

  test("an empty text is no resources", () => {
    expect(parseResources("").isEmpty()).toBe(true);
    expect(parseResources(" ; ;").isEmpty()).toBe(true);
  });

  test("repeated name+role: scalars add, ranges and sets join", () => {
    const resources = parseResources("cpus:1;cpus:2.5;cpus(a):1;ports:[1-2];ports:[3-4];disks:{a};disks:{b}");
    expect(resources.toText()).toBe("cpus(*):3.5;cpus(a):1;disks(*):{a,b};ports(*):[1-4]");
  });

  test("0.1 + 0.2 cpus is exactly 0.3", () => {
    expect(parseResources("cpus:0.1;cpus:0.2").equals(parseResources("cpus:0.3"))).toBe(true);
    expect(parseResources("cpus:0.1;cpus:0.2").scalar("cpus")).toBe(0.3);
  });

  test("scalars are rounded to three decimals", () => {
    expect(parseResources("cpus:0.1235").toText()).toBe("cpus(*):0.124");
  });

  test("zero and empty values are dropped but still fix the name's type", () => {
    expect(parseResources("cpus:0;ports:[];disks:{}").isEmpty()).toBe(true);
    expect(parseError("ports:[];ports:1").problem).toContain("already RANGES");
  });

  test("file:// must be read by parseResourcesFlag", () => {
    expect(parseError("file:///etc/resources").problem).toContain("parseResourcesFlag");
  });
});

describe("bad inputs name the token and the problem", () => {
  const table: [input: string, token: string, problem: string][] = [
    ["cpus:-1", "cpus:-1", "negative value"],
    ["cpus:abc", "cpus:abc", "not a number"],
    ["mem:12MB", "mem:12MB", "not a number"],
    ["cpus:NaN", "cpus:NaN", "not a finite number"],
    ["cpus:Infinity", "cpus:Infinity", "not a finite number"],
    ["cpus:1e400", "cpus:1e400", "value too large"],
    ["ports:[9-3]", "ports:[9-3]", "begin > end in range '9-3'"],
    ["ports:[-1-3]", "ports:[-1-3]", "negative value"],
    ["ports:[1--3]", "ports:[1--3]", "negative value"],
    ["ports:[1-2-3]", "ports:[1-2-3]", "malformed range '1-2-3'"],
    ["ports:[80]", "ports:[80]", "malformed range '80' (expected begin-end)"],
    ["ports:[1.5-3]", "ports:[1.5-3]", "not an integer"],
    ["ports:[a-3]", "ports:[a-3]", "range bound 'a' is not a number"],
    ["ports:[1-2,,4-5]", "ports:[1-2,,4-5]", "empty range in list"],
    ["ports:[8000-32000, 31000-31005]", "ports:[8000-32000, 31000-31005]", "overlapping ranges '8000-32000' and '31000-31005'"],
    ["ports:[1-5];ports:[5-9]", "ports:[5-9]", "overlapping ranges"],
    ["ports:[1-2", "ports:[1-2", "mismatched brackets"],
    ["ports:1-2]", "ports:1-2]", "mismatched brackets"],
    ["ports:[1-2]]", "ports:[1-2]]", "mismatched brackets"],
    ["disks:{a,b", "disks:{a,b", "mismatched braces"],
    ["disks:a}", "disks:a}", "mismatched braces"],
    ["disks:{a}[1-2]", "disks:{a}[1-2]", "mismatched brackets"],
    ["cpus(*:1", "cpus(*:1", "mismatched parentheses"],
    ["cpus*):1", "cpus*):1", "mismatched parentheses"],
    ["cpus((a)):1", "cpus((a)):1", "mismatched parentheses"],
    ["cpus:(1)", "cpus:(1)", "mismatched parentheses"],
    ["cpus(a)b:1", "cpus(a)b:1", "unexpected text after ')'"],
    ["cpus", "cpus", "missing ':'"],
    ["cpus:1:2", "cpus:1:2", "extra ':'"],
    ["cpus:", "cpus:", "missing value"],
    [":4", ":4", "empty name"],
    ["(*):4", "(*):4", "empty name"],
    ["cp us:4", "cp us:4", "name contains invalid character '\\x20'"],
    ["cpus!:4", "cpus!:4", "name contains invalid character '!'"],
    ["disks:{a,a}", "disks:{a,a}", "duplicate set item 'a'"],
    ["disks:{a};disks:{b,a}", "disks:{b,a}", "duplicate set item 'a'"],
    ["disks:{a,,b}", "disks:{a,,b}", "empty set item"],
    ["disks:{a b}", "disks:{a b}", "set item contains invalid character"],
    ["ports:[1-2];ports:3", "ports:3", "'ports' is already RANGES and cannot also be SCALAR"],
    ["ports(a):[1-2];ports(b):{x}", "ports(b):{x}", "'ports' is already RANGES and cannot also be SET"],
    ["cpus():1", "cpus():1", "empty role"],
    ["cpus( ):1", "cpus( ):1", "empty role"],
    ["cpus(.):1", "cpus(.):1", "role must not be '.'"],
    ["cpus(..):1", "cpus(..):1", "role must not be '..'"],
    ["cpus(-ops):1", "cpus(-ops):1", "must not start with '-'"],
    ["cpus(a/b):1", "cpus(a/b):1", "must not contain '/'"],
    ["cpus(a b):1", "cpus(a b):1", "whitespace"],
    ["cpus(a\tb):1", "cpus(a\tb):1", "whitespace or control character '\\x09'"],
    ["cpus(a*):1", "cpus(a*):1", "'*' only as the whole role"],
    ["cpus(a,b):1", "cpus(a,b):1", "must not contain ','"],
    ["mem:1;cpus:-2;disk:3", "cpus:-2", "negative value"],
  ];

  test.each(table)("%s", (input, token, problem) => {
    const error = parseError(input);
    expect(error.token).toBe(token);
    expect(error.problem).toContain(problem);
    expect(error.message).toBe(`invalid resource '${token}': ${error.problem}`);
  });

  test("the example message from the issue", () => {
    expect(parseError("cpus:-1").message).toBe("invalid resource 'cpus:-1': negative value");
  });

  test("a bad default role is reported as such", () => {
    const error = parseError("cpus:1", "..");
    expect(error.token).toBe("..");
    expect(error.message).toBe("invalid default role '..': role must not be '..'");
  });

  test("long tokens are cut short in the message", () => {
    const error = parseError(`cpus:${"9".repeat(500)}x`);
    expect(error.token.length).toBeLessThan(210);
    expect(error.token.endsWith("...")).toBe(true);
  });

  test("text beyond the size limit is refused", () => {
    expect(parseError(`cpus:1;${" ".repeat(1_100_000)}mem:1`).problem).toContain("longer than");
  });
});

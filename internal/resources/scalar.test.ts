import { describe, expect, test } from "bun:test";
import { formatThousandths, numberToThousandths, parseScalarThousandths, thousandthsToNumber } from "./scalar.ts";

function thousandths(text: string, allowNegative = false): number | string {
  const result = parseScalarThousandths(text, allowNegative);
  return result.ok ? result.thousandths : result.problem;
}

describe("parseScalarThousandths", () => {
  test.each([
    ["4", 4000],
    ["126976", 126976000],
    ["0.5", 500],
    [".25", 250],
    ["3.", 3000],
    ["1.0005", 1001], // half rounds away from zero at the fourth decimal
    ["1.00049", 1000],
    ["0.0004", 0],
    ["1e3", 1000000],
    ["2.5E-2", 25],
    ["+7", 7000],
    ["-0", 0],
    ["000012.000", 12000],
    ["1e-9999999", 0],
  ])("%s -> %d thousandths", (text, expected) => {
    expect(thousandths(text)).toBe(expected);
  });

  test.each([
    ["-1", "negative value"],
    ["abc", "not a number"],
    ["0x10", "not a number"],
    ["1.2.3", "not a number"],
    ["1e", "not a number"],
    ["", "missing value"],
    ["NaN", "not a finite number (NaN and Infinity are not allowed)"],
    ["-Infinity", "not a finite number (NaN and Infinity are not allowed)"],
    ["inf", "not a finite number (NaN and Infinity are not allowed)"],
    ["1e30", "value too large"],
    ["1e9999999", "value too large"],
    ["9007199254741", "value too large"],
  ])("%s is refused: %s", (text, problem) => {
    expect(thousandths(text)).toBe(problem);
  });

  test("negative values are allowed when asked (attributes)", () => {
    expect(thousandths("-2.5", true)).toBe(-2500);
  });

  test("the largest representable value parses exactly", () => {
    expect(thousandths("9007199254740.991")).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe("formatting", () => {
  test.each([
    [4000, "4"],
    [300, "0.3"],
    [1005, "1.005"],
    [10, "0.01"],
    [0, "0"],
    [-2500, "-2.5"],
    [Number.MAX_SAFE_INTEGER, "9007199254740.991"],
  ])("%d -> %s", (value, text) => {
    expect(formatThousandths(value)).toBe(text);
  });

  test("0.1 + 0.2 is exactly 0.3", () => {
    const sum = thousandths("0.1") as number + (thousandths("0.2") as number);
    expect(sum).toBe(thousandths("0.3") as number);
    expect(thousandthsToNumber(sum)).toBe(0.3);
  });

  test("numberToThousandths rounds like Mesos and refuses non-finite numbers", () => {
    expect(numberToThousandths(0.1)).toBe(100);
    expect(numberToThousandths(2.0004)).toBe(2000);
    expect(numberToThousandths(-1.5)).toBe(-1500);
    expect(numberToThousandths(Number.NaN)).toBeUndefined();
    expect(numberToThousandths(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(numberToThousandths(1e300)).toBeUndefined();
  });
});

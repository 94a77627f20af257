import { describe, expect, test } from "bun:test";
import { effectiveStderrLevel, parseMesosLogLevel, pinoLevelOf } from "./levels.ts";

describe("levels", () => {
  test("Mesos levels map to pino levels", () => {
    expect(pinoLevelOf("DEBUG")).toBe("debug");
    expect(pinoLevelOf("INFO")).toBe("info");
    expect(pinoLevelOf("WARNING")).toBe("warn");
    expect(pinoLevelOf("ERROR")).toBe("error");
  });

  test("flag values parse case-insensitively and reject others", () => {
    expect(parseMesosLogLevel("warning")).toBe("WARNING");
    expect(parseMesosLogLevel(" INFO ")).toBe("INFO");
    expect(parseMesosLogLevel("warn")).toBeNull();
    expect(parseMesosLogLevel("FATAL")).toBeNull();
  });

  test("quiet without a log file keeps only ERROR on stderr", () => {
    expect(effectiveStderrLevel("DEBUG", true)).toBe("error");
    expect(effectiveStderrLevel("WARNING", true)).toBe("error");
    expect(effectiveStderrLevel("ERROR", true)).toBe("error");
    expect(effectiveStderrLevel("DEBUG", false)).toBe("debug");
    expect(effectiveStderrLevel("WARNING", false)).toBe("warn");
  });
});

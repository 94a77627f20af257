import { expect, test } from "bun:test";
import { parseCommandLine } from "../internal/flags/index.ts";

const configDir = new URL("../config/", import.meta.url).pathname;

test("the example config files are valid for their modes", () => {
  for (const mode of ["master", "agent"] as const) {
    const outcome = parseCommandLine({ argv: [`--mode=${mode}`, `--config=${configDir}${mode}.json`], env: {} });
    expect(outcome.kind).toBe("run");
    if (outcome.kind === "run") expect(outcome.flags.string("work_dir")).toBe(`/var/lib/cluster/${mode}`);
  }
});

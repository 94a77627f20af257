import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { withFlagReference } from "../cmd/docs.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

test("README's flag reference matches the flag tables (run `npm run docs` to regenerate)", () => {
  expect(withFlagReference(readme)).toBe(readme);
});

test("README shows the two commands and an example for every mode", () => {
  expect(readme).toContain("npm install && npm start");
  expect(readme).toContain("npm install && npm test");
  for (const mode of ["master", "agent", "zk-lite", "cron", "dev"]) {
    expect(readme).toContain(`./cluster --mode=${mode}`);
  }
});

test(".ci/run runs the README's test command", () => {
  const ci = readFileSync(new URL("../.ci/run", import.meta.url), "utf8");
  expect(ci).toContain("npm test");
});

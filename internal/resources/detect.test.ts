import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { detectDefaultResources, detectMachineTotals, filesystemTotalBytes } from "./detect.ts";

describe("detectDefaultResources", () => {
  test("reads this machine: cpus, mem, disk and the default ports", () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "resources-detect-"));
    try {
      const totals = detectMachineTotals(workDir);
      expect(totals.cpuCount).toBe(os.cpus().length);
      expect(totals.memoryTotalBytes).toBe(os.totalmem());
      expect(totals.diskTotalBytes).toBeGreaterThan(0);
      const resources = detectDefaultResources(workDir, "ops");
      expect(resources.names()).toEqual(["cpus", "disk", "mem", "ports"]);
      expect(resources.roles()).toEqual(["ops"]);
      expect(resources.scalar("mem")).toBeGreaterThan(0);
      expect(resources.rangesCount("ports")).toBe(1001);
    } finally {
      fs.rmSync(workDir, { recursive: true });
    }
  });

  test("a work directory not yet created is measured on its nearest existing parent", () => {
    const parent = os.tmpdir();
    expect(filesystemTotalBytes(path.join(parent, "not", "created", "yet"))).toBe(filesystemTotalBytes(parent));
  });
});

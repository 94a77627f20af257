// The one place that looks at the machine: CPU count, memory and the size of the filesystem that
// holds the work directory. Everything derived from them is in defaults.ts, which tests drive.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defaultResourcesFor, type MachineTotals } from "./defaults.ts";
import type { Resources } from "./resources.ts";
import { unreservedRole } from "./types.ts";

/**
 * Size of the filesystem holding `workDir`. The agent may be asked before it creates its work
 * directory, so the nearest existing ancestor stands in for it.
 */
export function filesystemTotalBytes(workDir: string): number {
  let current = path.resolve(workDir);
  for (;;) {
    try {
      const stats = fs.statfsSync(current);
      return Number(stats.blocks) * Number(stats.bsize);
    } catch (error) {
      const parent = path.dirname(current);
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      if (!missing || parent === current) throw error;
      current = parent;
    }
  }
}

export function detectMachineTotals(workDir: string): MachineTotals {
  return {
    cpuCount: os.cpus().length,
    memoryTotalBytes: os.totalmem(),
    diskTotalBytes: filesystemTotalBytes(workDir),
  };
}

/** What an agent with no `--resources` offers: detected cpus, mem, disk and the default ports. */
export function detectDefaultResources(workDir: string, role: string = unreservedRole): Resources {
  return defaultResourcesFor(detectMachineTotals(workDir), role);
}

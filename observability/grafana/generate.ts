// Writes observability/grafana/dashboards/*.json from dashboards.ts.
//   ./node_modules/.bin/bun observability/grafana/generate.ts

import { join } from "node:path";
import { buildDashboard } from "./build.ts";
import { dashboards } from "./dashboards.ts";

export const dashboardsDir = join(import.meta.dir, "dashboards");

export function dashboardFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, spec] of Object.entries(dashboards)) files.set(`${name}.json`, `${JSON.stringify(buildDashboard(spec), null, 2)}\n`);
  return files;
}

if (import.meta.main) {
  for (const [file, text] of dashboardFiles()) await Bun.write(join(dashboardsDir, file), text);
  console.log(`wrote ${dashboardFiles().size} dashboards to ${dashboardsDir}`);
}

// A stand-in agent for the SIGKILL test: launches the tasks given as JSON, prints their pids, and
// waits to be killed. Usage: bun agent-that-dies.ts <metaDir> <isolation> <cgroupsRoot> <hierarchy> <specs-json>

import { createContainerizer } from "../containerizer.ts";
import type { IsolationChoice } from "../options.ts";
import type { LaunchSpec } from "../types.ts";

const [metaDir, isolation, cgroupsRoot, cgroupsHierarchy, specsJson] = process.argv.slice(2);
const containerizer = await createContainerizer({ metaDir: metaDir!, isolation: isolation as IsolationChoice, cgroupsRoot, cgroupsHierarchy });
const pids: Record<string, number> = {};
for (const spec of JSON.parse(specsJson!) as LaunchSpec[]) pids[spec.containerId] = (await containerizer.launch(spec)).pid;
console.log(JSON.stringify(pids));
setInterval(() => "waiting for SIGKILL", 1000);

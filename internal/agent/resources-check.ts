// After a restart with a different --resources: the agent keeps its id and tasks when what they
// hold still fits, and otherwise refuses to start with a message the operator can act on (Mesos
// says only "Incompatible agent info").

import { Resources } from "../resources/index.ts";
import { missingResources } from "./resource-fit.ts";

export interface HeldBy {
  frameworkId: string;
  taskId: string;
  resources: Resources;
}

/** undefined when the tasks fit in `total`, else the message for the operator. */
export function resourcesConflict(options: {
  total: Resources;
  held: readonly HeldBy[];
  previous: string | undefined;
  workDir: string;
}): string | undefined {
  const heldTotal = options.held.reduce((sum, task) => sum.plus(task.resources), Resources.EMPTY);
  if (options.total.contains(heldTotal)) return undefined;
  const missing = missingResources(options.total, heldTotal);
  const tasks = options.held
    .map((task) => `task ${task.taskId} of framework ${task.frameworkId} holds ${task.resources.toText()}`)
    .join("; ");
  const previous = options.previous === undefined ? "the previous --resources" : `the previous --resources=${quote(options.previous)}`;
  return (
    `--resources=${quote(options.total.toText())} does not cover the tasks still running from the previous run of this agent ` +
    `(work_dir ${options.workDir}): ${tasks}; missing ${missing.toText()}. ` +
    `To go on, either restart with ${previous}, or kill those tasks first (through their framework, with the old --resources) ` +
    `and then restart with the new ones, or start with a fresh --work_dir (the tasks are then no longer managed by any agent).`
  );
}

function quote(text: string): string {
  return `'${text}'`;
}

import { expect, test } from "bun:test";
import { parseResources } from "../resources/index.ts";
import { resourcesConflict } from "./resources-check.ts";

const held = [
  { frameworkId: "fw1", taskId: "web-1", resources: parseResources("cpus:2;mem:512") },
  { frameworkId: "fw1", taskId: "web-2", resources: parseResources("cpus:1;mem:256") },
];

test("tasks that still fit: no conflict", () => {
  const total = parseResources("cpus:3;mem:1024");
  expect(resourcesConflict({ total, held, previous: "cpus:8;mem:4096", workDir: "/w" })).toBeUndefined();
});

test("tasks that no longer fit: one message naming the tasks, what they hold, what is missing and what to do", () => {
  const total = parseResources("cpus:2;mem:1024");
  const message = resourcesConflict({ total, held, previous: "cpus(*):8;mem(*):4096", workDir: "/w" });
  expect(message).toBeDefined();
  expect(message).toContain("task web-1 of framework fw1 holds cpus(*):2;mem(*):512");
  expect(message).toContain("task web-2 of framework fw1 holds cpus(*):1;mem(*):256");
  expect(message).toContain("missing cpus(*):1");
  expect(message).toContain("--resources='cpus(*):8;mem(*):4096'");
  expect(message).toContain("fresh --work_dir");
  expect(message).not.toContain("\n");
});

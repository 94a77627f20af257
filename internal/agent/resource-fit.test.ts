import { expect, test } from "bun:test";
import { parseResources } from "../resources/index.ts";
import { missingResources, taskResources } from "./resource-fit.ts";

test("missing resources name what is short, per name and role", () => {
  const available = parseResources("cpus:1;mem:256;ports:[31000-31005];cpus(web):2");
  const needed = parseResources("cpus:2;mem:128;ports:[31004-31008];cpus(web):1;gpus:1");
  expect(missingResources(available, needed).toText()).toBe("cpus(*):1;gpus(*):1;ports(*):[31006-31008]");
  expect(missingResources(available, parseResources("cpus:1;mem:256")).isEmpty()).toBe(true);
});

test("reserved resources do not cover another role", () => {
  const missing = missingResources(parseResources("cpus(web):4"), parseResources("cpus(db):1"));
  expect(missing.toText()).toBe("cpus(db):1");
});

test("task resources ignore fields the master adds", () => {
  const parsed = taskResources([
    { name: "cpus", type: "SCALAR", role: "*", scalar: { value: 0.5 }, allocation_info: { role: "*" } } as never,
  ]);
  expect("problem" in parsed).toBe(false);
  if (!("problem" in parsed)) expect(parsed.toText()).toBe("cpus(*):0.5");
  expect("problem" in taskResources([{ name: "cpus", type: "SCALAR", role: "*" }])).toBe(true);
});

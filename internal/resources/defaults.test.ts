import { describe, expect, test } from "bun:test";
import { defaultResourcesFor, withDefaults } from "./defaults.ts";
import { parseResources } from "./parse.ts";

const megabyte = 1024 * 1024;
const gigabyte = 1024 * megabyte;

describe("defaultResourcesFor", () => {
  test("a large machine keeps 1 GB of memory and 5 GB of disk back", () => {
    const resources = defaultResourcesFor({ cpuCount: 8, memoryTotalBytes: 16 * gigabyte, diskTotalBytes: 100 * gigabyte });
    expect(resources.toText()).toBe("cpus(*):8;disk(*):97280;mem(*):15360;ports(*):[31000-32000]");
  });

  test("exactly at the thresholds the reserve applies", () => {
    const resources = defaultResourcesFor({ cpuCount: 1, memoryTotalBytes: 2 * gigabyte, diskTotalBytes: 10 * gigabyte });
    expect(resources.scalar("mem")).toBe(1024);
    expect(resources.scalar("disk")).toBe(5120);
  });

  test("a small machine offers half, in whole megabytes", () => {
    const resources = defaultResourcesFor({ cpuCount: 2, memoryTotalBytes: 1 * gigabyte + 3, diskTotalBytes: 9 * gigabyte });
    expect(resources.scalar("mem")).toBe(512);
    expect(resources.scalar("disk")).toBe(4608);
  });

  test("no readable CPUs means one, and the role is applied", () => {
    const resources = defaultResourcesFor({ cpuCount: 0, memoryTotalBytes: 4 * gigabyte, diskTotalBytes: 20 * gigabyte }, "ops");
    expect(resources.scalar("cpus")).toBe(1);
    expect(resources.roles()).toEqual(["ops"]);
  });
});

describe("withDefaults", () => {
  const detected = parseResources("cpus:8;mem:15360;disk:97280;ports:[31000-32000]");

  test("explicit resources replace detected ones name by name", () => {
    expect(withDefaults(parseResources("cpus:2"), detected).toText()).toBe(
      "cpus(*):2;disk(*):97280;mem(*):15360;ports(*):[31000-32000]",
    );
  });

  test("an explicit name in any role replaces all detected amounts of it; new names are kept", () => {
    const merged = withDefaults(parseResources("cpus(ops):2;ports:[80-90];gpus:1"), detected);
    expect(merged.toText()).toBe("cpus(ops):2;disk(*):97280;gpus(*):1;mem(*):15360;ports(*):[80-90]");
  });

  test("no explicit resources means all detected ones", () => {
    expect(withDefaults(parseResources(""), detected).equals(detected)).toBe(true);
  });
});

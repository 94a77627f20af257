import { expect, test } from "bun:test";
import { parseCommandLine, type Flags } from "../flags/index.ts";
import { agentConfigFromFlags } from "./config.ts";

function flags(argv: string[]): Flags {
  const outcome = parseCommandLine({ argv, env: {} });
  if (outcome.kind !== "run") throw new Error("expected run");
  return outcome.flags;
}

test("agent flags become the config, --resources over the detected defaults", () => {
  const config = agentConfigFromFlags(
    flags(["--mode=agent", "--master=m1:5050,m2:5050", "--work_dir=/tmp", "--resources=cpus:3;mem:100", "--task_kill_grace_period=2secs", "--isolation=posix"]),
  );
  expect(config.master).toBe("m1:5050,m2:5050");
  expect(config.resources.scalar("cpus")).toBe(3);
  expect(config.resources.scalar("disk")).toBeGreaterThan(0);
  expect(config.resources.rangesCount("ports")).toBe(1001);
  expect(config.taskKillGracePeriodMs).toBe(2000);
  expect(config.statusUpdateRetryIntervalMinMs).toBe(10_000);
  expect(config.isolation).toBe("posix");
  expect(config.switchUser).toBe(true);
});

test("dev mode: the agent's defaults, its own port, and what dev mode decides", () => {
  const config = agentConfigFromFlags(flags(["--mode=dev", "--agent_port=0"]), { workDir: "/tmp/dev/agent", master: "127.0.0.1:5050" });
  expect(config.workDir).toBe("/tmp/dev/agent");
  expect(config.master).toBe("127.0.0.1:5050");
  expect(config.port).toBe(0);
  expect(config.gcDelayMs).toBe(604_800_000);
  expect(config.recover).toBe("reconnect");
});

test("a retry minimum above the maximum is refused at start-up", () => {
  const bad = flags(["--mode=agent", "--master=m:5050", "--work_dir=/tmp", "--status_update_retry_interval_min=1mins", "--status_update_retry_interval_max=10secs"]);
  expect(() => agentConfigFromFlags(bad)).toThrow("--status_update_retry_interval_min");
});

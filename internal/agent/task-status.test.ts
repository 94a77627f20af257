import { expect, test } from "bun:test";
import { SeededIds, SeededRandom } from "../runtime/index.ts";
import type { ContainerTermination } from "./containerizer/types.ts";
import { makeStatus, terminalOutcome, uuidBase64 } from "./task-status.ts";

function ended(fields: Partial<ContainerTermination>): ContainerTermination {
  return { containerId: "c", exitCode: null, signal: null, memoryLimitExceeded: false, killedByAgent: false, message: "", ...fields };
}

test("exit 0 finishes, other exits and signals fail, with Mesos's words", () => {
  expect(terminalOutcome(ended({ exitCode: 0, message: "Command exited with status 0" }), undefined)).toMatchObject({ state: "TASK_FINISHED", source: "SOURCE_EXECUTOR" });
  expect(terminalOutcome(ended({ exitCode: 2 }), undefined)).toMatchObject({ state: "TASK_FAILED", message: "Command exited with status 2" });
  expect(terminalOutcome(ended({ signal: "SIGSEGV", message: "Command terminated with signal Segmentation fault" }), undefined).message).toBe(
    "Command terminated with signal Segmentation fault",
  );
});

test("a kill makes TASK_KILLED with the kill's reason; a health kill marks it unhealthy", () => {
  const killed = terminalOutcome(ended({ signal: "SIGTERM", killedByAgent: true }), { reason: "REASON_MAINTENANCE_DOWN", message: "drain", byHealthCheck: false });
  expect(killed).toMatchObject({ state: "TASK_KILLED", reason: "REASON_MAINTENANCE_DOWN", message: "drain" });
  expect(terminalOutcome(ended({ signal: "SIGTERM" }), { byHealthCheck: true }).healthy).toBe(false);
});

test("the memory limit wins over everything, as an agent-made TASK_FAILED", () => {
  const outcome = terminalOutcome(ended({ signal: "SIGKILL", memoryLimitExceeded: true, killedByAgent: true, message: "Memory limit exceeded" }), { byHealthCheck: false });
  expect(outcome).toMatchObject({ state: "TASK_FAILED", source: "SOURCE_AGENT", reason: "REASON_CONTAINER_LIMITATION_MEMORY" });
});

test("an unknown end is TASK_FAILED with REASON_EXECUTOR_TERMINATED", () => {
  expect(terminalOutcome(ended({ message: "the host rebooted" }), undefined)).toMatchObject({ state: "TASK_FAILED", reason: "REASON_EXECUTOR_TERMINATED" });
});

test("statuses carry a base64 uuid of 16 bytes, seconds timestamps and the container", () => {
  const ids = new SeededIds(new SeededRandom(1));
  expect(Buffer.from(uuidBase64(ids), "base64")).toHaveLength(16);
  const status = makeStatus(
    { taskId: "t", state: "TASK_RUNNING", source: "SOURCE_EXECUTOR", agentId: "a", executorId: "t", nowMs: 1500, containerId: "c", executorPid: 42 },
    ids,
  );
  expect(status).toMatchObject({ timestamp: 1.5, agent_id: { value: "a" }, container_status: { container_id: { value: "c" }, executor_pid: 42 } });
});

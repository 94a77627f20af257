import { expect, test } from "bun:test";
import { buildTermination, decodeShellStatus, signalName, signalText } from "./termination.ts";

test("shell statuses: plain exits, 128+N for signal N", () => {
  expect(decodeShellStatus(0)).toEqual({ exitCode: 0, signal: null });
  expect(decodeShellStatus(127)).toEqual({ exitCode: 127, signal: null });
  expect(decodeShellStatus(128)).toEqual({ exitCode: 128, signal: null });
  expect(decodeShellStatus(137)).toEqual({ exitCode: null, signal: "SIGKILL" });
  expect(decodeShellStatus(143)).toEqual({ exitCode: null, signal: "SIGTERM" });
  expect(decodeShellStatus(200)).toEqual({ exitCode: 200, signal: null });
});

test("signal names and strsignal texts", () => {
  expect(signalName(15)).toBe("SIGTERM");
  expect(signalText(9)).toBe("Killed");
  expect(signalText(34)).toBe("Real-time signal 0");
  expect(signalName(40)).toBe("SIG40");
});

test("messages in Mesos's words", () => {
  const base = { containerId: "c", memoryLimitExceeded: false, killedByAgent: false };
  expect(buildTermination({ ...base, shellStatus: 1 }).message).toBe("Command exited with status 1");
  expect(buildTermination({ ...base, shellStatus: 143 }).message).toBe("Command terminated with signal Terminated");
  expect(buildTermination({ ...base, shellStatus: null, unknownReason: "host rebooted" })).toMatchObject({
    exitCode: null,
    signal: null,
    message: "Command ended with unknown status: host rebooted",
  });
  const oom = buildTermination({ ...base, shellStatus: 137, memoryLimitExceeded: true, memory: { limitBytes: 64 << 20, peakBytes: 64 << 20 } });
  expect(oom).toMatchObject({ signal: "SIGKILL", memoryLimitExceeded: true, message: "Memory limit exceeded: Requested: 64MB Maximum Used: 64MB" });
});

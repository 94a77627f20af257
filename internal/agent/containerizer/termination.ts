// How a container ended, decoded from what the supervisor wrote, in Mesos's words. Pure.

import type { ContainerTermination } from "./types.ts";

/** Linux signal numbers with their names and the strsignal(3) text Mesos puts in messages. */
const signalTable: ReadonlyArray<readonly [number, string, string]> = [
  [1, "SIGHUP", "Hangup"],
  [2, "SIGINT", "Interrupt"],
  [3, "SIGQUIT", "Quit"],
  [4, "SIGILL", "Illegal instruction"],
  [5, "SIGTRAP", "Trace/breakpoint trap"],
  [6, "SIGABRT", "Aborted"],
  [7, "SIGBUS", "Bus error"],
  [8, "SIGFPE", "Floating point exception"],
  [9, "SIGKILL", "Killed"],
  [10, "SIGUSR1", "User defined signal 1"],
  [11, "SIGSEGV", "Segmentation fault"],
  [12, "SIGUSR2", "User defined signal 2"],
  [13, "SIGPIPE", "Broken pipe"],
  [14, "SIGALRM", "Alarm clock"],
  [15, "SIGTERM", "Terminated"],
  [16, "SIGSTKFLT", "Stack fault"],
  [17, "SIGCHLD", "Child exited"],
  [18, "SIGCONT", "Continued"],
  [19, "SIGSTOP", "Stopped (signal)"],
  [20, "SIGTSTP", "Stopped"],
  [21, "SIGTTIN", "Stopped (tty input)"],
  [22, "SIGTTOU", "Stopped (tty output)"],
  [23, "SIGURG", "Urgent I/O condition"],
  [24, "SIGXCPU", "CPU time limit exceeded"],
  [25, "SIGXFSZ", "File size limit exceeded"],
  [26, "SIGVTALRM", "Virtual timer expired"],
  [27, "SIGPROF", "Profiling timer expired"],
  [28, "SIGWINCH", "Window changed"],
  [29, "SIGIO", "I/O possible"],
  [30, "SIGPWR", "Power failure"],
  [31, "SIGSYS", "Bad system call"],
];

const byNumber = new Map(signalTable.map(([n, name, text]) => [n, { name, text }]));

/** Highest signal number the shell's 128+N convention can report (real-time signals included). */
const signalNumberMax = 64;

export function signalName(signalNumber: number): string {
  return byNumber.get(signalNumber)?.name ?? `SIG${signalNumber}`;
}

export function signalText(signalNumber: number): string {
  const known = byNumber.get(signalNumber)?.text;
  if (known !== undefined) return known;
  return signalNumber >= 34 ? `Real-time signal ${signalNumber - 34}` : `Unknown signal ${signalNumber}`;
}

export function signalNumberOf(name: string): number | undefined {
  for (const [n, known] of signalTable) if (known === name) return n;
  return undefined;
}

/**
 * The supervisor is a POSIX shell, so it only sees `$?` after `wait`: an exit code, or 128+N when
 * the task died of signal N. A task that itself calls exit(128+N) reads as signal N; that is the
 * price of a 300 KB supervisor instead of a compiled one, and the README says so.
 */
export function decodeShellStatus(status: number): { exitCode: number | null; signal: string | null } {
  if (status > 128 && status <= 128 + signalNumberMax) return { exitCode: null, signal: signalName(status - 128) };
  return { exitCode: status, signal: null };
}

export interface TerminationFacts {
  containerId: string;
  /** `$?` as the supervisor recorded it; null when nobody saw the task end. */
  shellStatus: number | null;
  memoryLimitExceeded: boolean;
  killedByAgent: boolean;
  /** Limit and peak for the memory message, when the limit was hit. */
  memory?: { limitBytes: number; peakBytes: number | null };
  /** Why the status is unknown, when shellStatus is null. */
  unknownReason?: string;
}

export function buildTermination(facts: TerminationFacts): ContainerTermination {
  const decoded = facts.shellStatus === null ? { exitCode: null, signal: null } : decodeShellStatus(facts.shellStatus);
  let message: string;
  if (facts.memoryLimitExceeded) {
    message = memoryMessage(facts.memory);
  } else if (decoded.signal !== null) {
    message = `Command terminated with signal ${signalText(signalNumberOf(decoded.signal) ?? 0)}`;
  } else if (decoded.exitCode !== null) {
    message = `Command exited with status ${decoded.exitCode}`;
  } else {
    message = `Command ended with unknown status: ${facts.unknownReason ?? "no exit status was recorded"}`;
  }
  return {
    containerId: facts.containerId,
    exitCode: decoded.exitCode,
    signal: decoded.signal,
    memoryLimitExceeded: facts.memoryLimitExceeded,
    killedByAgent: facts.killedByAgent,
    message,
  };
}

function memoryMessage(memory: TerminationFacts["memory"]): string {
  if (memory === undefined) return "Memory limit exceeded";
  const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))}MB`;
  const peak = memory.peakBytes === null ? "unknown" : mb(memory.peakBytes);
  return `Memory limit exceeded: Requested: ${mb(memory.limitBytes)} Maximum Used: ${peak}`;
}

// Starting a supervisor: find the tools, resolve the task user, make the sandbox's output files,
// spawn the supervisor detached with stdio on those files, and wait for the task's pid.

import { chownSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { buildSupervisorArgs, supervisorScript, type SupervisorTools } from "./supervisor.ts";
import type { ContainerMeta } from "./meta.ts";
import { readProcStat } from "./proc.ts";
import type { SupervisorHandle, SupervisorSpawner } from "./spawner.ts";

const toolDirs = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

function findTool(name: string): string | null {
  for (const dir of toolDirs) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** Finds what the supervisor needs; throws naming the missing tool. */
export function findSupervisorTools(): SupervisorTools {
  const required = (name: string) => {
    const path = findTool(name);
    if (path === null) throw new Error(`containerizer needs '${name}' (util-linux/coreutils) in ${toolDirs.join(":")}`);
    return path;
  };
  if (!existsSync("/bin/sh")) throw new Error("containerizer needs /bin/sh");
  return { sh: "/bin/sh", setsid: required("setsid"), env: required("env"), setpriv: findTool("setpriv"), perl: findTool("perl") };
}

const userCache = new Map<string, { uid: number; gid: number }>();

/** Numeric ids of a user through NSS (`id`), so LDAP and the like work as they do for su. */
export function lookupUser(user: string): { uid: number; gid: number } {
  const cached = userCache.get(user);
  if (cached !== undefined) return cached;
  const id = (flag: string) => {
    const result = Bun.spawnSync({ cmd: ["id", flag, "--", user], stdio: ["ignore", "pipe", "pipe"] });
    const value = Number(result.stdout.toString().trim());
    if (result.exitCode !== 0 || !Number.isInteger(value)) throw new Error(`Failed to find user '${user}': ${result.stderr.toString().trim()}`);
    return value;
  };
  const ids = { uid: id("-u"), gid: id("-g") };
  userCache.set(user, ids);
  return ids;
}

/** The sandbox with empty `stdout` and `stderr`, owned by the task's user. Returns open fds. */
export function prepareSandbox(sandboxDir: string, runAs: { uid: number; gid: number } | undefined): { stdoutFd: number; stderrFd: number } {
  mkdirSync(sandboxDir, { recursive: true, mode: 0o755 });
  const stdoutFd = openSync(join(sandboxDir, "stdout"), "a", 0o644);
  const stderrFd = openSync(join(sandboxDir, "stderr"), "a", 0o644);
  if (runAs !== undefined) {
    chownSync(sandboxDir, runAs.uid, runAs.gid);
    chownSync(join(sandboxDir, "stdout"), runAs.uid, runAs.gid);
    chownSync(join(sandboxDir, "stderr"), runAs.uid, runAs.gid);
  }
  return { stdoutFd, stderrFd };
}

/** The supervisor's script: the same for every task (its arguments differ). */
const script = supervisorScript();

export interface SpawnInput {
  tools: SupervisorTools;
  meta: ContainerMeta;
  sandboxDir: string;
  procsFiles: readonly string[];
  chain: readonly string[];
  env: Record<string, string>;
  onExit: () => void;
}

/**
 * Spawns the supervisor in its own session (detached), with no pipe to the agent: stdin is
 * /dev/null, stdout and stderr are the sandbox files (closed here once the child has them).
 */
export async function spawnSupervisor(spawner: SupervisorSpawner, input: SpawnInput, fds: { stdoutFd: number; stderrFd: number }): Promise<SupervisorHandle> {
  const args = buildSupervisorArgs({
    containerMetaDir: input.meta.dir,
    procsFiles: input.procsFiles,
    sandboxDir: input.sandboxDir,
    chain: input.chain,
  });
  try {
    return await spawner.spawn(
      { cmd: [input.tools.sh, "-c", script, "cluster-supervisor", ...args], env: input.env, cwd: input.sandboxDir, ...fds },
      input.onExit,
    );
  } finally {
    closeSync(fds.stdoutFd);
    closeSync(fds.stderrFd);
  }
}

const fastPollWindowMs = 50;

/**
 * Whether the recorded task is past its setsid: it leads its own session (so its group can be
 * signalled), or it is gone already. The supervisor records the pid just before setsid runs.
 */
function taskSettled(taskPid: number): boolean {
  const stat = readProcStat(taskPid);
  return stat === null || stat.state === "Z" || stat.state === "X" || stat.session === taskPid;
}

/**
 * Waits for the supervisor's `pids` line and for the task to lead its own session; gives up when
 * the supervisor is gone without the line, or after waitMs.
 */
export async function waitForPids(
  meta: ContainerMeta,
  supervisorGone: () => boolean,
  waitMs: number,
): Promise<{ taskPid: number; supervisorPid: number }> {
  const started = performance.now();
  const deadline = started + waitMs;
  for (;;) {
    const pids = meta.readPids();
    if (pids !== null && taskSettled(pids.taskPid)) return pids;
    if (supervisorGone()) {
      const last = meta.readPids();
      if (last !== null) return last;
      throw new Error("supervisor exited before starting the task (see the sandbox's stderr)");
    }
    if (performance.now() > deadline) throw new Error(`supervisor did not record the task's pid within ${waitMs} ms`);
    // The pids usually arrive within a few ms: poll every ms at first, then back off.
    await Bun.sleep(performance.now() - started < fastPollWindowMs ? 1 : 20);
  }
}

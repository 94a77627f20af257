// Starting a supervisor: find the tools, resolve the task user, make the sandbox's output files,
// spawn the supervisor detached with stdio on those files, and wait for the task's pid.

import { closeSync, existsSync, open } from "node:fs";
import { chown, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { buildSupervisorArgs, supervisorScript, type SupervisorTools } from "./supervisor.ts";
import type { ContainerMeta } from "./meta.ts";
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
  return { sh: "/bin/sh", env: required("env"), setpriv: findTool("setpriv"), perl: findTool("perl") };
}

/** A task user's ids, as setpriv --reuid --regid --init-groups would set them. */
export interface UserIds {
  uid: number;
  gid: number;
  /** Every group id the user gets from initgroups, primary included. */
  groups: number[];
}

const userCache = new Map<string, UserIds>();

/** Numeric ids of a user through NSS (`id`), so LDAP and the like work as they do for su. */
export function lookupUser(user: string): UserIds {
  const cached = userCache.get(user);
  if (cached !== undefined) return cached;
  const id = (flag: string) => {
    const result = Bun.spawnSync({ cmd: ["id", flag, "--", user], stdio: ["ignore", "pipe", "pipe"] });
    const values = result.stdout.toString().trim().split(/\s+/).map(Number);
    if (result.exitCode !== 0 || values.length === 0 || !values.every(Number.isInteger)) throw new Error(`Failed to find user '${user}': ${result.stderr.toString().trim()}`);
    return values;
  };
  const ids: UserIds = { uid: id("-u")[0]!, gid: id("-g")[0]!, groups: id("-G") };
  userCache.set(user, ids);
  return ids;
}

/**
 * Whether this process already has exactly the user's ids, so switching (an exec of setpriv and
 * chowning the sandbox) would change nothing: a root agent running a framework whose user is root.
 */
export function alreadyRunningAs(ids: UserIds): boolean {
  if (process.getuid?.() !== ids.uid || process.getgid?.() !== ids.gid || process.getegid?.() !== ids.gid) return false;
  const current = new Set([...(process.getgroups?.() ?? []), ids.gid]);
  const wanted = new Set([...ids.groups, ids.gid]);
  return current.size === wanted.size && [...wanted].every((group) => current.has(group));
}

/**
 * The sandbox with empty `stdout` and `stderr`, owned by the task's user. Returns open fds. Async:
 * creating inodes can take a millisecond each on a busy disk, and 200 launches of one RUN_TASKS
 * must not hold the agent's event loop meanwhile.
 */
export async function prepareSandbox(sandboxDir: string, runAs: { uid: number; gid: number } | undefined): Promise<{ stdoutFd: number; stderrFd: number }> {
  await mkdir(sandboxDir, { recursive: true, mode: 0o755 });
  const stdoutFd = await openFd(join(sandboxDir, "stdout"));
  let stderrFd: number;
  try {
    stderrFd = await openFd(join(sandboxDir, "stderr"));
  } catch (error) {
    closeSync(stdoutFd);
    throw error;
  }
  const fds = { stdoutFd, stderrFd };
  if (runAs !== undefined) {
    try {
      for (const file of ["", "stdout", "stderr"]) await chown(join(sandboxDir, file), runAs.uid, runAs.gid);
    } catch (error) {
      closeSync(fds.stdoutFd);
      closeSync(fds.stderrFd);
      throw error;
    }
  }
  return fds;
}

/** Opens for appending, off the event loop, as a plain descriptor (a FileHandle would want closing itself). */
function openFd(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, "a", 0o644, (error, fd) => (error === null ? resolve(fd) : reject(error))));
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
    containerMetaFile: input.meta.path,
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

/** Pid polling: first after 1 ms, doubling up to this (a launch under load takes 10-50 ms). */
const pidPollIntervalMaxMs = 16;

/**
 * Waits for the supervisor's `pids` line (from then on the task is in its supervisor's process
 * group, which the agent signals); gives up when the supervisor is gone without the line, or
 * after waitMs.
 */
export async function waitForPids(
  meta: ContainerMeta,
  supervisorGone: () => boolean,
  waitMs: number,
): Promise<{ taskPid: number; supervisorPid: number }> {
  const deadline = performance.now() + waitMs;
  let intervalMs = 1;
  for (;;) {
    const pids = meta.readPids();
    if (pids !== null) return pids;
    if (supervisorGone()) {
      const last = meta.readPids();
      if (last !== null) return last;
      throw new Error("supervisor exited before starting the task (see the sandbox's stderr)");
    }
    if (performance.now() > deadline) throw new Error(`supervisor did not record the task's pid within ${waitMs} ms`);
    // Hundreds of launches may wait at once; backing off keeps their polling cheap.
    await Bun.sleep(intervalMs);
    intervalMs = Math.min(pidPollIntervalMaxMs, intervalMs * 2);
  }
}

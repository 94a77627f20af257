// Where things live on disk: Mesos's sandbox layout under --work_dir, and our own per-container
// files under the meta dir.

import { randomBytes } from "node:crypto";
import { renameSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../../runtime/index.ts";

/**
 * Ids become path segments. Mesos's own id rules apply: no '/', no NUL, no whitespace or control
 * characters, not "." or "..".
 */
// eslint-disable-next-line no-control-regex
const idForbidden = /[\/\x00-\x20\x7f]/;

export function assertPathSafeId(kind: string, id: string): void {
  const usable = id.length > 0 && !idForbidden.test(id) && id !== "." && id !== "..";
  assert(usable, `${kind} is not usable as a path segment: ${JSON.stringify(id)}`);
}

/** `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs` (Mesos's layout). */
export function executorRunsPath(workDir: string, agentId: string, frameworkId: string, executorId: string): string {
  assertPathSafeId("agent id", agentId);
  assertPathSafeId("framework id", frameworkId);
  assertPathSafeId("executor id", executorId);
  return join(workDir, "slaves", agentId, "frameworks", frameworkId, "executors", executorId, "runs");
}

/** `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>`: the sandbox. */
export function sandboxPath(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
): string {
  assertPathSafeId("container id", containerId);
  return join(executorRunsPath(workDir, agentId, frameworkId, executorId), containerId);
}

/** The `runs/latest` symlink beside the sandboxes, as Mesos keeps it. */
export function runsLatestPath(workDir: string, agentId: string, frameworkId: string, executorId: string): string {
  return join(executorRunsPath(workDir, agentId, frameworkId, executorId), "latest");
}

/**
 * Points `<runs>/latest` at the container's sandbox. The link target is relative (just the
 * container id) so the tree can be moved; it is replaced atomically by renaming a fresh link over it.
 */
export function updateRunsLatest(
  workDir: string,
  agentId: string,
  frameworkId: string,
  executorId: string,
  containerId: string,
): void {
  assertPathSafeId("container id", containerId);
  replaceSymlink(containerId, runsLatestPath(workDir, agentId, frameworkId, executorId));
}

/** `<work_dir>/slaves/latest` pointing at the agent's directory. */
export function updateAgentLatest(workDir: string, agentId: string): void {
  assertPathSafeId("agent id", agentId);
  replaceSymlink(agentId, join(workDir, "slaves", "latest"));
}

export function replaceSymlink(target: string, linkPath: string): void {
  const tmp = `${linkPath}.${randomBytes(6).toString("hex")}.tmp`;
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, linkPath);
  } catch (error) {
    unlinkSync(tmp);
    throw error;
  }
}

/** `<meta_dir>/containers/<container>`: the launch record, pids and exit status of one container (meta.ts). */
export function containerMetaFile(metaDir: string, containerId: string): string {
  assertPathSafeId("container id", containerId);
  return join(metaDir, "containers", containerId);
}

export function containersMetaRoot(metaDir: string): string {
  return join(metaDir, "containers");
}

// Maps a requested path onto the filesystem through the attached roots (sandboxes, the log dir,
// Mesos-style virtual paths), and refuses anything that would leave them: '..' segments, paths
// outside every root, and symlinks whose real target lies outside the root they were reached from.

import { realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../../runtime/index.ts";

/** A directory or file exposed under a path; for a sandbox both are usually the same path. */
export interface AttachedPath {
  virtualPath: string;
  realPath: string;
}

export type Resolved =
  | { kind: "ok"; realPath: string; virtualPath: string; isDirectory: boolean; rootRealPath: string }
  | { kind: "forbidden"; message: string }
  | { kind: "not-found" };

/** "/a//b/./c/" -> "/a/b/c"; null when a segment is "..". */
export function normalizeRequestPath(path: string): string | null {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") return null;
    segments.push(segment);
  }
  return "/" + segments.join("/");
}

/** The attached root with the longest virtual prefix (on segment boundaries) containing `path`. */
export function longestPrefix(path: string, attached: readonly AttachedPath[]): { root: AttachedPath; suffix: string } | null {
  let best: { root: AttachedPath; suffix: string } | null = null;
  for (const root of attached) {
    const prefix = normalizeRequestPath(root.virtualPath);
    assert(prefix !== null, `attached virtual path must not contain '..': ${root.virtualPath}`);
    const inside = prefix === "/" || path === prefix || path.startsWith(prefix + "/");
    if (!inside) continue;
    if (best !== null && normalizeRequestPath(best.root.virtualPath)!.length >= prefix.length) continue;
    best = { root, suffix: path.slice(prefix === "/" ? 1 : prefix.length + 1) };
  }
  return best;
}

export function resolveRequestPath(requested: string, attached: readonly AttachedPath[]): Resolved {
  const path = normalizeRequestPath(requested);
  if (path === null) return { kind: "forbidden", message: `'${requested}' contains '..'` };
  const match = longestPrefix(path, attached);
  if (match === null) return { kind: "forbidden", message: `'${requested}' is not within an attached path` };
  let rootReal: string;
  try {
    rootReal = realpathSync(match.root.realPath);
  } catch (error) {
    if (isMissing(error)) return { kind: "not-found" };
    throw error;
  }
  const rootIsDirectory = statSync(rootReal).isDirectory();
  // An attached file has nothing below it.
  if (!rootIsDirectory && match.suffix !== "") return { kind: "not-found" };
  let real: string;
  try {
    real = realpathSync(match.suffix === "" ? rootReal : join(rootReal, match.suffix));
  } catch (error) {
    if (isMissing(error)) return { kind: "not-found" };
    throw error;
  }
  if (!isWithin(real, rootReal)) return { kind: "forbidden", message: `'${requested}' is inaccessible` };
  return { kind: "ok", realPath: real, virtualPath: path, isDirectory: statSync(real).isDirectory(), rootRealPath: rootReal };
}

export function isWithin(realPath: string, rootRealPath: string): boolean {
  return realPath === rootRealPath || realPath.startsWith(rootRealPath === "/" ? "/" : rootRealPath + "/");
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP";
}

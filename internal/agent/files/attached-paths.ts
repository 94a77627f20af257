// A registry of attached paths, as Mesos's Files::attach/detach: the agent attaches each sandbox
// (under its real path and its /frameworks/.../runs/latest virtual path) and the log dir.

import { assert } from "../../runtime/index.ts";
import { normalizeRequestPath, type AttachedPath } from "./resolve.ts";

/** Most attached paths; two per sandbox plus a few, so this bounds sandboxes kept browsable. */
export const attachedPathsMax = 100_000;

export class AttachedPaths {
  private readonly byVirtual = new Map<string, AttachedPath>();
  private snapshot: readonly AttachedPath[] | null = null;

  /** Exposes realPath under virtualPath (both absolute). Re-attaching replaces. */
  attach(virtualPath: string, realPath: string): void {
    const normalized = normalizeRequestPath(virtualPath);
    assert(normalized !== null && virtualPath.startsWith("/"), `virtual path must be absolute without '..': ${virtualPath}`);
    assert(realPath.startsWith("/"), `real path must be absolute: ${realPath}`);
    if (!this.byVirtual.has(normalized) && this.byVirtual.size >= attachedPathsMax) {
      throw new Error(`cannot attach ${virtualPath}: ${attachedPathsMax} paths are attached already`);
    }
    this.byVirtual.set(normalized, { virtualPath: normalized, realPath });
    this.snapshot = null;
  }

  detach(virtualPath: string): boolean {
    const normalized = normalizeRequestPath(virtualPath);
    const removed = normalized !== null && this.byVirtual.delete(normalized);
    if (removed) this.snapshot = null;
    return removed;
  }

  list(): readonly AttachedPath[] {
    this.snapshot ??= [...this.byVirtual.values()];
    return this.snapshot;
  }
}

// The client's side of watches, as ZooKeeper's ZKWatchManager keeps them: three tables (data,
// exist, child) of path -> watchers. A watch is registered when its read succeeds (exists on a
// missing node registers an exist watch), fires once, and is listed again in setWatches when the
// client resumes its session on another connection. Pure.

import { zkWatchedPathsMax } from "./limits.ts";
import type { WatchEvent, Watcher } from "./types.ts";

export type WatchKind = "data" | "exist" | "child";

export class WatchRegistry {
  private readonly tables: Record<WatchKind, Map<string, Set<Watcher>>> = { data: new Map(), exist: new Map(), child: new Map() };

  /** Whether one more path may be watched (the limit is per client). */
  hasRoomFor(kind: WatchKind, path: string): boolean {
    return this.tables[kind].has(path) || this.pathCount() < zkWatchedPathsMax;
  }

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const table = this.tables[kind];
    let set = table.get(path);
    if (set === undefined) {
      set = new Set();
      table.set(path, set);
    }
    set.add(watcher);
  }

  /** Removes and returns the watchers an event fires (ZKWatchManager.materialize). */
  take(event: WatchEvent): Watcher[] {
    const kinds: readonly WatchKind[] =
      event.type === "NodeChildrenChanged" ? ["child"] : event.type === "NodeDeleted" ? ["data", "exist", "child"] : ["data", "exist"];
    const out = new Set<Watcher>();
    for (const kind of kinds) {
      const set = this.tables[kind].get(event.path);
      if (set === undefined) continue;
      this.tables[kind].delete(event.path);
      for (const watcher of set) out.add(watcher);
    }
    return [...out];
  }

  /** The paths to list in setWatches after a reconnect within the same session. */
  paths(): { data: string[]; exist: string[]; child: string[] } {
    return { data: [...this.tables.data.keys()], exist: [...this.tables.exist.keys()], child: [...this.tables.child.keys()] };
  }

  pathCount(): number {
    return this.tables.data.size + this.tables.exist.size + this.tables.child.size;
  }

  /** The session is gone, and the server's watches with it. */
  clear(): void {
    for (const table of Object.values(this.tables)) table.clear();
  }
}

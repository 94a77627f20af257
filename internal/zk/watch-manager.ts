// Watches, kept apart from the tree the way ZooKeeper keeps a data-watch table and a child-watch
// table. A watcher is a connection id. Standard watches fire once; persistent ones stay; persistent
// recursive ones also fire for every descendant, except for NodeChildrenChanged. Triggering
// returns who to notify; sending is the server's business.

import { EventType, type EventTypeValue } from "./constants.ts";
import { parentPath } from "./paths.ts";

export const WatchMode = { STANDARD: 0, PERSISTENT: 1, PERSISTENT_RECURSIVE: 2 } as const;
export type WatchModeValue = (typeof WatchMode)[keyof typeof WatchMode];

export type WatcherId = number;

/** One table (data or child): path -> watcher -> mode, and watcher -> paths for cleanup. */
export class WatchTable {
  private readonly byPath = new Map<string, Map<WatcherId, WatchModeValue>>();
  private readonly byWatcher = new Map<WatcherId, Set<string>>();
  private recursiveCount = 0;

  add(path: string, watcher: WatcherId, mode: WatchModeValue): boolean {
    let watchers = this.byPath.get(path);
    if (watchers === undefined) this.byPath.set(path, (watchers = new Map()));
    const previous = watchers.get(watcher);
    if (previous === WatchMode.PERSISTENT_RECURSIVE) this.recursiveCount--;
    if (mode === WatchMode.PERSISTENT_RECURSIVE) this.recursiveCount++;
    watchers.set(watcher, mode);
    let paths = this.byWatcher.get(watcher);
    if (paths === undefined) this.byWatcher.set(watcher, (paths = new Set()));
    const added = !paths.has(path);
    paths.add(path);
    return added;
  }

  remove(path: string, watcher: WatcherId): boolean {
    const watchers = this.byPath.get(path);
    const mode = watchers?.get(watcher);
    if (watchers === undefined || mode === undefined) return false;
    watchers.delete(watcher);
    if (mode === WatchMode.PERSISTENT_RECURSIVE) this.recursiveCount--;
    if (watchers.size === 0) this.byPath.delete(path);
    const paths = this.byWatcher.get(watcher);
    paths?.delete(path);
    if (paths !== undefined && paths.size === 0) this.byWatcher.delete(watcher);
    return true;
  }

  removeWatcher(watcher: WatcherId): void {
    const paths = this.byWatcher.get(watcher);
    if (paths === undefined) return;
    for (const path of Array.from(paths)) this.remove(path, watcher);
    this.byWatcher.delete(watcher);
  }

  has(path: string, watcher: WatcherId): boolean {
    return this.byPath.get(path)?.has(watcher) ?? false;
  }

  /** Who to notify of `type` on `path`; standard watches that fire are removed. */
  trigger(path: string, type: EventTypeValue, into: Set<WatcherId>): void {
    let p = path;
    let atPath = true;
    for (;;) {
      const watchers = this.byPath.get(p);
      if (watchers !== undefined) {
        for (const [watcher, mode] of watchers) {
          if (mode === WatchMode.PERSISTENT_RECURSIVE) {
            if (type !== EventType.NodeChildrenChanged) into.add(watcher);
          } else if (atPath) {
            into.add(watcher);
            if (mode === WatchMode.STANDARD) this.remove(p, watcher);
          }
        }
      }
      if (this.recursiveCount === 0 || p === "/") return;
      p = parentPath(p);
      atPath = false;
    }
  }

  /** Total (watcher, path) pairs. */
  get size(): number {
    let n = 0;
    for (const watchers of this.byPath.values()) n += watchers.size;
    return n;
  }

  get pathCount(): number {
    return this.byPath.size;
  }

  get watcherCount(): number {
    return this.byWatcher.size;
  }

  pathsOf(watcher: WatcherId): ReadonlySet<string> {
    return this.byWatcher.get(watcher) ?? new Set();
  }

  watchersByPath(): ReadonlyMap<string, ReadonlyMap<WatcherId, WatchModeValue>> {
    return this.byPath;
  }

  pathsByWatcher(): ReadonlyMap<WatcherId, ReadonlySet<string>> {
    return this.byWatcher;
  }
}

export interface Notification {
  readonly watcher: WatcherId;
  readonly type: EventTypeValue;
  readonly path: string;
}

export class WatchManager {
  readonly data = new WatchTable();
  readonly child = new WatchTable();

  /** Turns a tree change into notifications, as DataTree does for each kind of change. */
  trigger(type: EventTypeValue, path: string, out: Notification[]): void {
    const watchers = new Set<WatcherId>();
    switch (type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        this.data.trigger(path, type, watchers);
        break;
      case EventType.NodeDeleted:
        // Data and child watchers of a deleted node each hear of it once.
        this.data.trigger(path, type, watchers);
        this.child.trigger(path, type, watchers);
        break;
      case EventType.NodeChildrenChanged:
        this.child.trigger(path, type, watchers);
        break;
      default:
        return;
    }
    for (const watcher of watchers) out.push({ watcher, type, path });
  }

  addPersistent(path: string, watcher: WatcherId, recursive: boolean): void {
    const mode = recursive ? WatchMode.PERSISTENT_RECURSIVE : WatchMode.PERSISTENT;
    this.data.add(path, watcher, mode);
    this.child.add(path, watcher, mode);
  }

  removeWatcher(watcher: WatcherId): void {
    this.data.removeWatcher(watcher);
    this.child.removeWatcher(watcher);
  }

  /** ZooKeeper's zk_watch_count: data plus child (watcher, path) pairs. */
  get watchCount(): number {
    return this.data.size + this.child.size;
  }

  watchCountOf(watcher: WatcherId): number {
    return this.data.pathsOf(watcher).size + this.child.pathsOf(watcher).size;
  }
}

// --whitelist: a file of hostnames, one per line (# comments allowed). Agents not on it get no
// offers; their running tasks are untouched. The file is re-read when its size or mtime changes.

import { readFileSync, statSync } from "node:fs";
import { refreshOfferable } from "./agents.ts";
import type { Master } from "./master.ts";

/** A whitelist larger than this is surely a mistake (a binary file, the wrong path). */
export const whitelistBytesMax = 4 * 1024 * 1024;

export function parseWhitelist(text: string): Set<string> {
  const hosts = new Set<string>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line !== "") hosts.add(line);
  }
  return hosts;
}

/** Returns the housekeeping step that watches the file; the first call loads it. */
export function watchWhitelist(m: Master, path: string): () => void {
  let seen = "";
  return () => {
    let signature: string;
    try {
      const stats = statSync(path);
      if (stats.size > whitelistBytesMax) throw new Error(`larger than ${whitelistBytesMax} bytes`);
      signature = `${stats.size}:${stats.mtimeMs}`;
    } catch (error) {
      if (seen !== "missing") m.logger.warn({ path, err: (error as Error).message }, "whitelist unreadable; keeping the previous one");
      seen = "missing";
      return;
    }
    if (signature === seen) return;
    seen = signature;
    m.whitelist = parseWhitelist(readFileSync(path, "utf8"));
    m.logger.info({ path, hosts: m.whitelist.size }, "whitelist loaded");
    for (const agent of m.agents.values()) refreshOfferable(m, agent.record.id);
  };
}

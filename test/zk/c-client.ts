// Runs test/zk/c-client-script.cjs under Node: the `zookeeper` npm package wraps the ZooKeeper C
// client (what Mesos links) in a NAN addon that Bun cannot load, so it runs out of process.

import { spawn } from "bun";
import * as fs from "node:fs";
import * as path from "node:path";

const SCRIPT = path.resolve(import.meta.dir, "c-client-script.cjs");
const ADDON = path.resolve(import.meta.dir, "../../node_modules/zookeeper/build/Release/zookeeper.node");
const C_CLIENT_TIMEOUT_MS = 45_000;

export function cClientAvailable(): boolean {
  return fs.existsSync(ADDON) && Bun.which("node") !== null;
}

export async function runCClient(port: number, basePath: string): Promise<Record<string, unknown>> {
  const proc = spawn(["node", SCRIPT, String(port), basePath], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), C_CLIENT_TIMEOUT_MS);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  const code = await proc.exited;
  const line = out.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch (e) {
    void e;
    return { error: `C client exited ${code}: ${out} ${err}` };
  }
}

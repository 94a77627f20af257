// Shared pieces of the ZooKeeper client tests: quiet loggers, clients on a server or a proxy,
// waiting for conditions, and reading who watches what through the wchp four-letter word.

import { realClock, SeededRandom } from "../../internal/runtime/index.ts";
import { ZkClient, type ZkClientOptions, type ZkState, type ZkStateChange } from "../../internal/zk/client/index.ts";
import { fourLetterWord } from "../zk/raw-client.ts";

const verbose = process.env["ZK_CLIENT_TEST_LOG"] === "1";
const print = (level: string) => (obj: object, msg?: string) => {
  if (verbose) process.stderr.write(`${level} ${msg ?? ""} ${JSON.stringify(obj, (_k, v: unknown) => (typeof v === "bigint" ? v.toString(16) : v))}\n`);
};
export const testLogger = { info: print("info"), warn: print("warn"), error: print("error"), debug: () => {} };

/** Session timeout the tests ask for; the servers run with a 200 ms tick (sessions of 0.4 s to 4 s). */
export const SESSION_TIMEOUT_MS = 2000;
export const TICK_MS = 200;

let seed = 1;

export function newClient(ports: number | number[], options: Partial<ZkClientOptions> = {}): ZkClient {
  const list = Array.isArray(ports) ? ports : [ports];
  const client = new ZkClient(
    { servers: list.map((port) => ({ host: "127.0.0.1", port })), sessionTimeoutMs: SESSION_TIMEOUT_MS, reconnectDelayMaxMs: 50, ...options },
    { clock: realClock, random: new SeededRandom(seed++), logger: testLogger },
  );
  client.start();
  return client;
}

export async function connectedClient(ports: number | number[], options: Partial<ZkClientOptions> = {}): Promise<ZkClient> {
  const client = newClient(ports, options);
  await client.whenConnected(10_000);
  return client;
}

/** Records a client's state changes. */
export function recordStates(client: ZkClient): ZkStateChange[] {
  const changes: ZkStateChange[] = [];
  client.onStateChange((change) => changes.push(change));
  return changes;
}

/** Waits until the recorded changes, from index `from` on, include `state` (transient states too). */
export function waitRecorded(changes: ZkStateChange[], state: ZkState, from = 0, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => changes.slice(from).some((c) => c.state === state), timeoutMs, `a change to ${state}`);
}

export function waitState(client: ZkClient, state: ZkState, timeoutMs = 10_000): Promise<void> {
  return waitFor(() => client.state === state, timeoutMs, `client state ${state} (is ${client.state})`);
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}

let pathSeq = 0;
export function uniquePath(name: string): string {
  return `/zkc-${name}-${process.pid}-${Date.now().toString(36)}-${pathSeq++}`;
}

/** path -> hex session ids holding a data watch there (exists on an existing node is one). */
export async function watchersByPath(port: number): Promise<Map<string, string[]>> {
  const text = await fourLetterWord(port, "wchp");
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("\t0x")) current?.push(line.slice(3).trim());
    else if (line.startsWith("/")) {
      current = [];
      out.set(line.trim(), current);
    }
  }
  return out;
}

export async function closeAll(clients: ZkClient[]): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.close()));
}

// Promise helpers around node-zookeeper-client (npm), the 3.4-era JavaScript client.

import zookeeper from "node-zookeeper-client";

const CONNECT_TIMEOUT_MS = 20_000;

export async function nzcConnect(
  port: number,
  options: { sessionTimeout?: number; sessionId?: Buffer; sessionPassword?: Buffer } = {},
): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(`127.0.0.1:${port}`, { sessionTimeout: 10_000, spinDelay: 100, retries: 0, ...options });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("node-zookeeper-client did not connect")), CONNECT_TIMEOUT_MS);
    client.once("connected", () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  return client;
}

/** Calls a callback-style method and resolves with its result, rejecting with its error. */
export function nzcCall<T>(f: (cb: (e: Error | null, r: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => f((e, r) => (e ? reject(e) : resolve(r))));
}

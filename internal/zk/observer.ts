// What zk-lite tells observability, as plain calls (observability/observers turns them into
// metrics and sampled spans; nothing here imports OpenTelemetry). One call per request answered,
// with no allocation, so the server's hot path stays as it is.

import { OpCode } from "./constants.ts";
import type { ZkLiteStats } from "./server.ts";

export interface ZkObserver {
  /** Called once the server is up; the observer reads its counters when metrics are collected. */
  bind(stats: () => ZkLiteStats): void;
  /**
   * A reply left for a client (after the txn log was durable for writes). `latencyMs` is from the
   * request's arrival, unrounded; `sessionId` is the client's session (0n before one exists).
   */
  requestCompleted(opCode: number, latencyMs: number, sessionId: bigint): void;
}

export const noopZkObserver: ZkObserver = {
  bind: () => {},
  requestCompleted: () => {},
};

const opNames = new Map<number, string>(Object.entries(OpCode).map(([name, code]) => [code, name]));

/** ZooKeeper's request name for an op code (`getData`, `create2`, ...), "unknown" for codes no client should send. */
export function zkOpName(opCode: number): string {
  return opNames.get(opCode) ?? "unknown";
}

// Errors from ZooKeeper carry its numeric code (KeeperException.Code) and the path they concern.

import { ErrorCode } from "../constants.ts";

const codeNames = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

export function errorCodeName(code: number): string {
  return codeNames.get(code) ?? `UNKNOWN(${code})`;
}

/** A failed ZooKeeper call: `code` is ZooKeeper's error code (ErrorCode.NONODE, ...). */
export class ZkError extends Error {
  readonly codeName: string;

  constructor(
    readonly code: number,
    readonly op: string,
    readonly path: string | undefined,
    detail?: string,
  ) {
    super(`${op}${path === undefined ? "" : ` ${path}`}: ${errorCodeName(code)} (${code})${detail === undefined ? "" : `: ${detail}`}`);
    this.name = "ZkError";
    this.codeName = errorCodeName(code);
  }
}

/** A multi that failed: `results` holds each op's outcome as the server reported it. */
export class ZkMultiError extends ZkError {
  constructor(
    code: number,
    readonly failedIndex: number,
    readonly results: readonly { readonly err: number }[],
  ) {
    super(code, "multi", undefined, `op ${failedIndex} failed`);
    this.name = "ZkMultiError";
  }
}

export function isZkError(error: unknown, code?: number): error is ZkError {
  return error instanceof ZkError && (code === undefined || error.code === code);
}

/** Errors after which the same call may succeed once the client is connected again. */
export function isRetryable(error: unknown): boolean {
  return (
    isZkError(error) &&
    (error.code === ErrorCode.CONNECTIONLOSS || error.code === ErrorCode.OPERATIONTIMEOUT || error.code === ErrorCode.SESSIONMOVED)
  );
}

// Types of the ZooKeeper client: its states, create modes, watch events, options and dependencies.

import type { Clock, Random } from "../../runtime/index.ts";
import type { Acl, Stat } from "../records.ts";
import type { ZkLogger } from "../types.ts";
import type { ZkTransport } from "./transport.ts";

export type { Acl, Stat };

/**
 * CONNECTING: no session yet (first start, or after EXPIRED). CONNECTED: a session and a live
 * connection. SUSPENDED: the connection is gone, the session may still be alive on the servers and
 * the client is trying to resume it. EXPIRED: the session is gone (told by a server, or the client
 * stayed disconnected past the session timeout); the client goes on to CONNECTING for a new one.
 * CLOSED: close() was called, or authentication failed; the client does nothing more.
 */
export type ZkState = "CONNECTING" | "CONNECTED" | "SUSPENDED" | "EXPIRED" | "CLOSED";

export interface ZkStateChange {
  readonly state: ZkState;
  readonly previous: ZkState;
  /** The session the client has now (0n when none). */
  readonly sessionId: bigint;
  /** Why, for EXPIRED and CLOSED: "server" | "local-timeout" | "closed" | "auth-failed". */
  readonly reason?: string;
}

export type CreateMode = "persistent" | "ephemeral" | "persistent_sequential" | "ephemeral_sequential" | "container";

export type WatchEventType = "NodeCreated" | "NodeDeleted" | "NodeDataChanged" | "NodeChildrenChanged";

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly path: string;
}

/** Called once per trigger: watches are one-shot, as in ZooKeeper. Pass the same function again to re-arm. */
export type Watcher = (event: WatchEvent) => void;

export interface CreateOptions {
  mode?: CreateMode;
  /** Default: OPEN_ACL_UNSAFE (world:anyone ALL). */
  acl?: readonly Acl[];
}

export interface GetDataResult {
  readonly data: Uint8Array;
  readonly stat: Stat;
}

export type MultiOp =
  | { readonly kind: "create"; readonly path: string; readonly data?: Uint8Array; readonly mode?: CreateMode; readonly acl?: readonly Acl[] }
  | { readonly kind: "delete"; readonly path: string; readonly version?: number }
  | { readonly kind: "setData"; readonly path: string; readonly data: Uint8Array; readonly version?: number }
  | { readonly kind: "check"; readonly path: string; readonly version: number };

export type MultiResult =
  | { readonly kind: "create"; readonly path: string }
  | { readonly kind: "delete" }
  | { readonly kind: "setData"; readonly stat: Stat }
  | { readonly kind: "check" };

export interface ZkClientOptions {
  /** host:port pairs; tried in an order shuffled by the injected Random. */
  servers: readonly { readonly host: string; readonly port: number }[];
  /** Session timeout to ask for; the server answers with the one it grants (see negotiatedTimeoutMs). */
  sessionTimeoutMs?: number;
  /** "user:password", sent with the digest scheme on every connection. */
  digestCredentials?: string;
  /** Upper bound of the random wait between connection attempts after one fails. */
  reconnectDelayMaxMs?: number;
}

export interface ZkClientDeps {
  clock: Clock;
  random: Random;
  logger: ZkLogger;
  /** The network; default plain TCP through Bun. Tests inject faults here. */
  transport?: ZkTransport;
}

export const OPEN_ACL_UNSAFE: readonly Acl[] = [{ perms: 31, scheme: "world", id: "anyone" }];
/** world:anyone may read, the creator's authenticated ids may do everything (ZooDefs.Ids, as Mesos uses with credentials). */
export const READ_ACL_UNSAFE_CREATOR_ALL: readonly Acl[] = [
  { perms: 1, scheme: "world", id: "anyone" },
  { perms: 31, scheme: "auth", id: "" },
];

// Numbers of the ZooKeeper 3.8 client protocol: op codes, error codes, watch event types, session
// states, permissions and create modes. They are wire constants, so they must match ZooKeeper
// exactly; the names follow ZooDefs, KeeperException.Code and Watcher.Event.

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCodeValue = (typeof OpCode)[keyof typeof OpCode];

export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;
export type EventTypeValue = (typeof EventType)[keyof typeof EventType];

export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const;

export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

/** CreateMode flags as sent in CreateRequest.flags. */
export const CreateFlag = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;

/** WatcherType in CheckWatchesRequest / RemoveWatchesRequest. */
export const WatcherType = { Children: 1, Data: 2, Any: 3 } as const;

/** AddWatchRequest.mode. */
export const AddWatchMode = { PERSISTENT: 0, PERSISTENT_RECURSIVE: 1 } as const;

/** Reserved xids: the server sends notifications with -1; clients ping with -2, auth with -4, setWatches with -8. */
export const Xid = { NOTIFICATION: -1, PING: -2, AUTH: -4, SET_WATCHES: -8 } as const;

/** ephemeralOwner of a container znode (Long.MIN_VALUE). */
export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;
/** High byte set to 0xff marks an extended ephemeralOwner; the low 40 bits carry a TTL in ms. */
export const EXTENDED_OWNER_MASK = -0x100000000000000n; // 0xff00000000000000 as a signed long
export const TTL_VALUE_MASK = 0xffffffffffn; // ~(EXTENDED_MASK | RESERVED_BITS_MASK)
export const TTL_MAX_MS = 0xffffffffff;

export function ttlEphemeralOwner(ttlMs: number): bigint {
  return EXTENDED_OWNER_MASK | BigInt(ttlMs);
}

export type EphemeralKind = "void" | "normal" | "container" | "ttl";

export function ephemeralKind(owner: bigint): EphemeralKind {
  if (owner === 0n) return "void";
  if (owner === CONTAINER_EPHEMERAL_OWNER) return "container";
  if ((owner & EXTENDED_OWNER_MASK) === EXTENDED_OWNER_MASK) return "ttl";
  return "normal";
}

export function ttlOfOwner(owner: bigint): number {
  return Number(owner & TTL_VALUE_MASK);
}

/** Op names used by `cons` (lop=...) the way ZooKeeper abbreviates them. */
export const LAST_OP_NAMES: Readonly<Record<number, string>> = {
  [OpCode.ping]: "PING",
  [OpCode.createSession]: "SESS",
  [OpCode.multi]: "MULT",
  [OpCode.multiRead]: "MLTR",
  [OpCode.create]: "CREA",
  [OpCode.create2]: "CREA",
  [OpCode.createTTL]: "CREA",
  [OpCode.createContainer]: "CREA",
  [OpCode.delete]: "DELE",
  [OpCode.deleteContainer]: "DELE",
  [OpCode.setData]: "SETD",
  [OpCode.reconfig]: "RECO",
  [OpCode.setACL]: "SETA",
  [OpCode.closeSession]: "CLOS",
  [OpCode.sync]: "SYNC",
  [OpCode.check]: "CHEC",
  [OpCode.exists]: "EXIS",
  [OpCode.getData]: "GETD",
  [OpCode.setWatches]: "SETW",
  [OpCode.setWatches2]: "STW2",
  [OpCode.addWatch]: "ADDW",
  [OpCode.getACL]: "GETA",
  [OpCode.getChildren]: "GETC",
  [OpCode.getChildren2]: "GETC",
  [OpCode.getAllChildrenNumber]: "GETACN",
  [OpCode.checkWatches]: "CHKW",
  [OpCode.removeWatches]: "REMW",
  [OpCode.whoAmI]: "HOMI",
  [OpCode.getEphemerals]: "GETE",
};

/** The version string zk-lite reports where ZooKeeper reports Version.getFullVersion(). */
export const ZK_LITE_FULL_VERSION = "3.8.0-zk-lite, built on 2026-01-01 00:00 UTC";

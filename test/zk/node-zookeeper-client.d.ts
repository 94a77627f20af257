// The parts of node-zookeeper-client (npm, plain JS) the ZooKeeper suite uses.
declare module "node-zookeeper-client" {
  export interface Stat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }
  export class Id {
    constructor(scheme: string, id: string);
    scheme: string;
    id: string;
  }
  export class ACL {
    constructor(permission: number, id: Id);
    permission: number;
    id: Id;
    static OPEN_ACL_UNSAFE: ACL[];
    static CREATOR_ALL_ACL: ACL[];
    static READ_ACL_UNSAFE: ACL[];
  }
  export const Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
  export const CreateMode: { PERSISTENT: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL: number; EPHEMERAL_SEQUENTIAL: number };
  export interface Event {
    type: number;
    name: string;
    path: string;
    getType(): number;
    getName(): string;
    getPath(): string;
  }
  export const Event: { NODE_CREATED: number; NODE_DELETED: number; NODE_DATA_CHANGED: number; NODE_CHILDREN_CHANGED: number };
  export interface State {
    name: string;
    code: number;
  }
  export const State: { DISCONNECTED: State; SYNC_CONNECTED: State; AUTH_FAILED: State; EXPIRED: State };
  export interface Exception extends Error {
    code: number;
    name: string;
    getCode(): number;
    getName(): string;
  }
  export const Exception: {
    OK: number;
    NO_NODE: number;
    NO_AUTH: number;
    BAD_VERSION: number;
    NODE_EXISTS: number;
    NOT_EMPTY: number;
    NO_CHILDREN_FOR_EPHEMERALS: number;
    INVALID_ACL: number;
    SESSION_EXPIRED: number;
    CONNECTION_LOSS: number;
  };
  type Cb<T> = (error: Exception | Error | null, result: T, stat?: Stat) => void;
  type Watcher = (event: Event) => void;
  export interface Transaction {
    create(path: string, data?: Buffer | null, acls?: ACL[], mode?: number): Transaction;
    setData(path: string, data: Buffer | null, version?: number): Transaction;
    check(path: string, version?: number): Transaction;
    remove(path: string, version?: number): Transaction;
    commit(cb: (error: Exception | Error | null, results: { type: number; path?: string; err?: number; stat?: Stat }[]) => void): void;
  }
  export interface Client {
    connect(): void;
    close(): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    once(event: string, listener: (...args: unknown[]) => void): this;
    getState(): State;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    getSessionTimeout(): number;
    addAuthInfo(scheme: string, auth: Buffer): void;
    create(path: string, data: Buffer | null, acls: ACL[], mode: number, cb: Cb<string>): void;
    remove(path: string, version: number, cb: (error: Exception | Error | null) => void): void;
    exists(path: string, watcher: Watcher | undefined, cb: (error: Exception | Error | null, stat: Stat | null) => void): void;
    getData(path: string, watcher: Watcher | undefined, cb: (error: Exception | Error | null, data: Buffer, stat: Stat) => void): void;
    setData(path: string, data: Buffer | null, version: number, cb: (error: Exception | Error | null, stat: Stat) => void): void;
    getChildren(path: string, watcher: Watcher | undefined, cb: (error: Exception | Error | null, children: string[], stat: Stat) => void): void;
    getACL(path: string, cb: (error: Exception | Error | null, acls: ACL[], stat: Stat) => void): void;
    setACL(path: string, acls: ACL[], version: number, cb: (error: Exception | Error | null, stat: Stat) => void): void;
    mkdirp(path: string, data: Buffer | null, acls: ACL[], mode: number, cb: Cb<string>): void;
    transaction(): Transaction;
  }
  export function createClient(connectionString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number; sessionId?: Buffer; sessionPassword?: Buffer }): Client;
}

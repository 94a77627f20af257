// zk-lite: a ZooKeeper 3.8 compatible coordination server. Other folders import only from here.

export { startZkLite, type ZkLiteServer, type ZkLiteStats } from "./server.ts";
export { zkAdminRoutes, runAdminCommand, ADMIN_COMMAND_NAMES } from "./admin-routes.ts";
export {
  resolveOptions,
  parseFourLetterWhitelist,
  ZK_LITE_DEFAULTS,
  type ZkLiteOptions,
  type ZkLiteOptionsInput,
  type ZkLiteDeps,
  type ZkLogger,
} from "./types.ts";
export { FOUR_LETTER_WORDS, type FourLetterProvider } from "./four-letter.ts";
export { OpCode, ErrorCode, EventType, KeeperState, Perms, CreateFlag, ZK_LITE_FULL_VERSION } from "./constants.ts";
export { digestId } from "./acl.ts";
export { DataTree } from "./data-tree.ts";
export { startZkLiteMode } from "./start-mode.ts";
export { noopZkObserver, zkOpName, type ZkObserver } from "./observer.ts";

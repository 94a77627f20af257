// Named limits of the ZooKeeper client. Going past one is an operating error (the call is refused
// or the connection dropped, with a message), never a crash.

/** Largest reply frame accepted; ZooKeeper's own jute.maxbuffer is just under 1 MiB, so this leaves room. */
export const zkReplyBytesMax = 4 * 1024 * 1024;
/** Requests waiting for a connection (CONNECTING or SUSPENDED); past this a call fails with CONNECTIONLOSS. */
export const zkRequestsQueuedMax = 10_000;
/** Requests sent and not yet answered on one connection; past this a call waits in the queue. */
export const zkRequestsInFlightMax = 1_000;
/** Paths with a watch set by this client, across the three kinds. */
export const zkWatchedPathsMax = 100_000;
/** One setWatches packet carries at most this many bytes of paths; more go in further packets (as the Java client does). */
export const zkSetWatchesBatchBytesMax = 128 * 1024;
/** Hosts in one zk:// URL. */
export const zkUrlHostsMax = 64;
/** Session timeout asked for when the caller gives none (Mesos's --zk_session_timeout default). */
export const zkSessionTimeoutDefaultMs = 10_000;
/** Longest wait between two rounds of connection attempts (randomized below it). */
export const zkReconnectDelayMaxDefaultMs = 1_000;
/** How long close() waits for the server to acknowledge closeSession. */
export const zkCloseSessionWaitMs = 2_000;
/** A connection attempt (TCP connect plus handshake) never gets less than this. */
export const zkConnectAttemptMinMs = 250;
/** After a failed ZooKeeper operation, the contender and detector try again after this long. */
export const zkElectionRetryDelayMs = 500;
/** MasterInfo JSON larger than this in a json.info_ znode is refused. */
export const zkMasterInfoBytesMax = 64 * 1024;
/** An agent's detect() waits this long for a leader to appear before reporting none. */
export const zkDetectLeaderWaitMs = 5_000;

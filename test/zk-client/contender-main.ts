// Test fixture: a contender in its own process, so a test can SIGKILL the process holding the
// session. argv[2] is JSON { zkUrl, id, port, sessionTimeoutMs }. Prints "LEADING <znode> <session
// id hex>" and "FOLLOWING <znode> <session id hex>" lines as its leadership changes.

import { realClock, realRandom } from "../../internal/runtime/index.ts";
import { createZkLeaderElection, masterInfoFor } from "../../internal/zk/client/index.ts";

const args = JSON.parse(process.argv[2] ?? "{}") as { zkUrl: string; id: string; port: number; sessionTimeoutMs: number };
const quiet = { info: () => {}, warn: () => {}, error: (o: object, m?: string) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`), debug: () => {} };
const election = createZkLeaderElection(args.zkUrl, masterInfoFor({ id: args.id, ip: "127.0.0.1", port: args.port }), {
  logger: quiet,
  clock: realClock,
  random: realRandom,
  sessionTimeoutMs: args.sessionTimeoutMs,
  reconnectDelayMaxMs: 100,
  retryDelayMs: 100,
});
election.onChange((change) => {
  const session = election.client.sessionId.toString(16);
  process.stdout.write(`${change.leading ? "LEADING" : "FOLLOWING"} ${election.contender.znode() ?? "-"} ${session}\n`);
});
election.start();
process.on("SIGTERM", () => void election.stop().then(() => process.exit(0)));

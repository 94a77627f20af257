// The ZooKeeper conformance suite (test/zk/suite.ts) against zk-lite and against Apache
// ZooKeeper 3.8 from Debian's zookeeper package, each in its own process, and against a follower
// of a 3-server zk-lite ensemble (--peers), where every write goes through the Raft leader.

import { afterAll, beforeAll, describe, test } from "bun:test";
import { CASES, caseEnabled, SUITE_SERVER_OPTIONS, type Target } from "./zk/suite.ts";
import { ZkLiteEnsemble } from "./zk/ensembles.ts";
import { startServer, zkCliInstalled, zookeeperInstalled, type RunningServer, type ServerKind } from "./zk/servers.ts";

const KINDS: ServerKind[] = ["zk-lite", "zookeeper"];
const only = process.env["ZK_SUITE_ONLY"] as Target["kind"] | undefined;

if (!zookeeperInstalled()) {
  console.log("zk-conformance: Apache ZooKeeper is not installed (apt-get install -y zookeeper); skipping the real-ZooKeeper half");
}
if (!zkCliInstalled()) console.log("zk-conformance: zkCli.sh not found; skipping the zkCli.sh cases");

for (const kind of KINDS) {
  if (only !== undefined && only !== kind) continue;
  const available = kind === "zk-lite" || zookeeperInstalled();
  describe.skipIf(!available)(`ZooKeeper suite against ${kind}`, () => {
    let server: RunningServer | null = null;
    const target: Target = {
      kind,
      get server(): RunningServer {
        if (server === null) throw new Error("server not started");
        return server;
      },
      start: (o) => startServer(kind, o),
    };
    beforeAll(async () => {
      server = await startServer(kind, SUITE_SERVER_OPTIONS);
    }, 90_000);
    afterAll(async () => {
      await server?.stop("SIGTERM");
    });
    for (const c of CASES) {
      test.skipIf(!caseEnabled(c))(c.name, () => c.run(target), c.timeoutMs ?? 20_000);
    }
  });
}

describe.skipIf(only !== undefined && only !== "zk-lite-ensemble")("ZooKeeper suite against a follower of a zk-lite ensemble", () => {
  let ensemble: ZkLiteEnsemble | null = null;
  let follower = -1;
  const target: Target = {
    kind: "zk-lite-ensemble",
    get server(): RunningServer {
      if (ensemble === null) throw new Error("ensemble not started");
      return ensemble.asServer(follower);
    },
    start: () => Promise.reject(new Error("standalone-only cases do not run against an ensemble")),
  };
  beforeAll(async () => {
    ensemble = await ZkLiteEnsemble.start({ ...SUITE_SERVER_OPTIONS, heartbeatIntervalMs: 50, electionTimeoutMs: 500 });
    const leader = await ensemble.waitServing();
    follower = leader === 0 ? 1 : 0;
  }, 90_000);
  afterAll(async () => {
    await ensemble?.destroy();
  });
  for (const c of CASES) {
    test.skipIf(!caseEnabled(c, "zk-lite-ensemble"))(c.name, () => c.run(target), c.timeoutMs ?? 20_000);
  }
});

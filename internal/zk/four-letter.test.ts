import { describe, expect, test } from "bun:test";
import { ADMIN_COMMAND_NAMES, runAdminCommand, zkAdminRoutes } from "./admin-routes.ts";
import { enabledWords, FOUR_LETTER_WORDS, fourLetterWordOf, javaDate, javaDouble, notWhitelistedReply, runFourLetterWord, type FourLetterProvider } from "./four-letter.ts";

function fakeProvider(): FourLetterProvider & { resets: string[] } {
  const resets: string[] = [];
  let mask = 306n;
  return {
    resets,
    version: () => "3.8.0-zk-lite, built on 2026-01-01 00:00 UTC",
    serving: () => true,
    serverState: () => "standalone",
    proposalSizes: () => null,
    latency: () => ({ min: 0, avg: 1.5, max: 7 }),
    packetsReceived: () => 10,
    packetsSent: () => 9,
    aliveConnections: () => 2,
    outstandingRequests: () => 0,
    lastZxid: () => 0x1f,
    nodeCount: () => 6,
    connections: () => [
      {
        remoteLabel: "/127.0.0.1:5000",
        interestOps: 1,
        queued: 0,
        received: 3,
        sent: 3,
        sessionId: 0x1000001234n,
        lastOp: "GETD",
        establishedMs: 1700000000000,
        sessionTimeoutMs: 4000,
        lastCxid: 2,
        lastZxid: 0x1f,
        lastResponseMs: 1700000000100,
        lastLatencyMs: 1,
        minLatencyMs: 0,
        avgLatencyMs: 1.9,
        maxLatencyMs: 3,
      },
      { remoteLabel: "/127.0.0.1:5001", interestOps: 0, queued: 0, received: 0, sent: 0, sessionId: 0n, lastOp: "NA", establishedMs: 0, sessionTimeoutMs: 0, lastCxid: -1, lastZxid: -1, lastResponseMs: 0, lastLatencyMs: 0, minLatencyMs: 0, avgLatencyMs: 0, maxLatencyMs: 0 },
    ],
    conf: () => ({ clientPort: 2181, dataDir: "/d/zk-lite-v1", dataDirSizeBytes: 100, dataLogDir: "/d/zk-lite-v1", dataLogSizeBytes: 100, tickTimeMs: 2000, maxClientCnxns: 60, minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000, serverId: 0, quorum: null }),
    environment: () => [["zookeeper.version", "x"], ["host.name", "h"]],
    dataWatchSummary: () => ({ connections: 1, paths: 2, total: 2 }),
    dataWatchesBySession: () => [[0x1000001234n, ["/a", "/b"]]],
    dataWatchesByPath: () => [["/a", [0x1000001234n]]],
    monitorValues: () => [["version", "v"], ["server_state", "standalone"], ["avg_latency", "1.5"], ["znode_count", 6]],
    sessionExpiry: () => [[1700000004000, [0x1000001234n]]],
    ephemeralsBySession: () => [[0x1000001234n, ["/e"]]],
    resetConnectionStats: () => void resets.push("cons"),
    resetServerStats: () => void resets.push("server"),
    traceMask: () => mask,
    setTraceMask: (m) => {
      mask = m;
    },
    uptimeMs: () => 1234,
    authFailedCount: () => 0,
    responseSizes: () => ({ last: 84, min: 16, max: 84 }),
    lastSnapshot: () => null,
  };
}

describe("four-letter words", () => {
  test("recognises words by their first four bytes", () => {
    expect(fourLetterWordOf(new TextEncoder().encode("ruok"), 0)).toBe("ruok");
    expect(fourLetterWordOf(new TextEncoder().encode("xxmntr"), 2)).toBe("mntr");
    expect(fourLetterWordOf(new Uint8Array([0, 0, 0, 44]), 0)).toBeNull();
    expect(fourLetterWordOf(new TextEncoder().encode("ruo"), 0)).toBeNull();
  });

  test("whitelists: srvr always, * for all", () => {
    expect([...enabledWords([])]).toEqual(["srvr"]);
    expect(enabledWords([" ruok ", "conf"]).has("ruok")).toBe(true);
    expect(enabledWords(["*"]).size).toBe(FOUR_LETTER_WORDS.length);
    expect(notWhitelistedReply("mntr")).toBe("mntr is not executed because it is not in the whitelist.\n");
  });

  test("srvr, stat and cons in ZooKeeper's layout", () => {
    const p = fakeProvider();
    expect(runFourLetterWord("srvr", p)).toBe(
      "Zookeeper version: 3.8.0-zk-lite, built on 2026-01-01 00:00 UTC\nLatency min/avg/max: 0/1.5/7\nReceived: 10\nSent: 9\nConnections: 2\nOutstanding: 0\nZxid: 0x1f\nMode: standalone\nNode count: 6\n",
    );
    expect(runFourLetterWord("stat", p)).toContain("Clients:\n /127.0.0.1:5000[1](queued=0,recved=3,sent=3)\n /127.0.0.1:5001[0](queued=0,recved=0,sent=0)\n\nLatency");
    expect(runFourLetterWord("cons", p)).toBe(
      " /127.0.0.1:5000[1](queued=0,recved=3,sent=3,sid=0x1000001234,lop=GETD,est=1700000000000,to=4000,lcxid=0x2,lzxid=0x1f,lresp=1700000000100,llat=1,minlat=0,avglat=1,maxlat=3)\n /127.0.0.1:5001[0](queued=0,recved=0,sent=0)\n\n",
    );
  });

  test("conf, envi, watches, dirs, mntr, resets, trace mask, dump", () => {
    const p = fakeProvider();
    expect(runFourLetterWord("conf", p).split("\n")[0]).toBe("clientPort=2181");
    expect(runFourLetterWord("envi", p)).toBe("Environment:\nzookeeper.version=x\nhost.name=h\n");
    expect(runFourLetterWord("wchs", p)).toBe("1 connections watching 2 paths\nTotal watches:2\n");
    expect(runFourLetterWord("wchc", p)).toBe("0x1000001234\n\t/a\n\t/b\n\n");
    expect(runFourLetterWord("wchp", p)).toBe("/a\n\t0x1000001234\n\n");
    expect(runFourLetterWord("dirs", p)).toBe("datadir_size: 100\nlogdir_size: 100\n");
    expect(runFourLetterWord("mntr", p)).toBe("zk_version\tv\nzk_server_state\tstandalone\nzk_avg_latency\t1.5\nzk_znode_count\t6\n");
    expect(runFourLetterWord("crst", p)).toBe("Connection stats reset.\n");
    expect(runFourLetterWord("srst", p)).toBe("Server stats reset.\n");
    expect(p.resets).toEqual(["cons", "server"]);
    expect(runFourLetterWord("gtmk", p)).toBe("306");
    expect(runFourLetterWord("stmk", p, 7n)).toBe("7");
    expect(runFourLetterWord("ruok", p)).toBe("imok");
    expect(runFourLetterWord("isro", p)).toBe("rw");
    expect(runFourLetterWord("dump", p)).toBe(
      `SessionTracker dump:\nSession Sets (1)/(1):\n1 expire at ${javaDate(1700000004000)}:\n\t0x1000001234\nephemeral nodes dump:\nSessions with Ephemerals (1):\n0x1000001234:\n\t/e\nConnections dump:\n`,
    );
  });

  test("an ensemble member: its mode, the leader's proposal sizes, conf's quorum lines, and not serving without a leader", () => {
    const base = fakeProvider();
    const leader: FourLetterProvider = {
      ...base,
      serverState: () => "leader",
      proposalSizes: () => ({ last: 36, min: 32, max: 82 }),
      conf: () => ({
        ...base.conf(),
        serverId: 2,
        quorum: {
          initLimitTicks: 1,
          syncLimitTicks: 1,
          electionPort: 2889,
          quorumPort: 2889,
          members: ["server.1=127.0.0.1:2888:2888:participant;127.0.0.1:2181", "server.2=127.0.0.1:2889:2889:participant;127.0.0.1:2182"],
        },
      }),
    };
    expect(runFourLetterWord("srvr", leader)).toEndWith("Zxid: 0x1f\nMode: leader\nNode count: 6\nProposal sizes last/min/max: 36/32/82\n");
    expect(runFourLetterWord("conf", leader)).toEndWith(
      "serverId=2\ninitLimit=1\nsyncLimit=1\nelectionAlg=3\nelectionPort=2889\nquorumPort=2889\npeerType=0\nmembership: \n" +
        "server.1=127.0.0.1:2888:2888:participant;127.0.0.1:2181\nserver.2=127.0.0.1:2889:2889:participant;127.0.0.1:2182\nversion=0",
    );
    const looking: FourLetterProvider = { ...base, serving: () => false };
    for (const word of ["srvr", "stat", "mntr", "conf", "cons", "dump", "wchs"] as const) {
      expect(runFourLetterWord(word, looking)).toBe("This ZooKeeper instance is not currently serving requests\n");
    }
    expect(runFourLetterWord("ruok", looking)).toBe("imok");
    expect(runFourLetterWord("isro", looking)).toBe("null");
  });

  test("Java number and date formatting", () => {
    expect(javaDouble(0)).toBe("0.0");
    expect(javaDouble(5)).toBe("5.0");
    expect(javaDouble(1.25)).toBe("1.25");
    expect(javaDate(Date.UTC(2026, 10, 20, 23, 13, 57))).toBe("Fri Nov 20 23:13:57 UTC 2026");
  });
});

describe("admin routes", () => {
  test("commands answer with ZooKeeper's JSON shapes, command and error last", async () => {
    const p = fakeProvider();
    const app = zkAdminRoutes({ commandProvider: () => p });
    const get = async (path: string) => (await app.request(path)).json() as Promise<Record<string, unknown>>;
    expect(await get("/commands/ruok")).toEqual({ command: "ruok", error: null });
    expect(await get("/commands/isro")).toEqual({ read_only: false, command: "is_read_only", error: null });
    const srvr = await get("/commands/srvr");
    expect(Object.keys(srvr)).toEqual(["version", "read_only", "server_stats", "client_response", "node_count", "command", "error"]);
    expect((srvr["server_stats"] as Record<string, unknown>)["last_processed_zxid"]).toBe(0x1f);
    const cons = await get("/commands/cons");
    expect((cons["connections"] as Record<string, unknown>[])[0]).toMatchObject({ remote_socket_address: "127.0.0.1:5000", session_id: 0x1000001234, last_operation: "GETD" });
    expect(await get("/commands/monitor")).toEqual({ version: "v", server_state: "standalone", avg_latency: 1.5, znode_count: 6, command: "monitor", error: null });
    expect(await get("/commands/watches")).toEqual({ session_id_to_watched_paths: { [String(0x1000001234)]: ["/a", "/b"] }, command: "watches", error: null });
    expect(await get("/commands/stmk?traceMask=12")).toEqual({ tracemask: 12, command: "set_trace_mask", error: null });
    expect(await get("/commands/stmk")).toEqual({ command: "set_trace_mask", error: "setTraceMask requires long traceMask argument" });
    expect(await get("/commands/bogus")).toEqual({ command: "bogus", error: "Unknown command: bogus" });
    const listing = await (await app.request("/commands")).text();
    for (const n of ADMIN_COMMAND_NAMES) expect(listing).toContain(`<a href="/commands/${n}">${n}</a>`);
    expect(runAdminCommand("lsnp", p)).toEqual({ zxid: "-1", timestamp: -1, command: "last_snapshot", error: null });
  });
});

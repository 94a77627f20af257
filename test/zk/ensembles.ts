// Three-server ensembles for tests and the benchmark, each server in its own process on
// 127.0.0.1 with ports picked up front (every server must know them all):
//  - zk-lite with --peers, either through the compiled ./cluster binary (its flags) or through
//    test/zk/zk-lite-main.ts (options as JSON, faster to start);
//  - Apache ZooKeeper 3.8 from Debian's package: QuorumPeerMain with server.N lines and a myid file
//    in each server's dataDir.

import { spawn, type Subprocess } from "bun";
import * as fs from "node:fs";
import * as path from "node:path";
import { parsePeers } from "../../internal/zk/ensemble/index.ts";
import type { ZkLiteOptionsInput } from "../../internal/zk/index.ts";
import { clusterBinary } from "../helpers/cluster.ts";
import { fourLetterWord } from "./raw-client.ts";
import { freePort, tempDir, zkLiteTunables, ZOOKEEPER_JAR, type RunningServer, type ServerOptions } from "./servers.ts";

const BUN = path.resolve(import.meta.dir, "../../node_modules/.bin/bun");
const ZK_LITE_MAIN = path.resolve(import.meta.dir, "zk-lite-main.ts");
const JAVA_EXTRA_JARS = ["/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar", "/usr/share/java/servlet-api.jar"];
const START_TIMEOUT_MS = 60_000;

export interface EnsembleOptions extends ServerOptions {
  size?: number;
  /** zk-lite only: start through ./cluster and its flags instead of zk-lite-main.ts. */
  viaBinary?: boolean;
  heartbeatIntervalMs?: number;
  electionTimeoutMs?: number;
}

export interface Member {
  readonly index: number;
  readonly clientPort: number;
  readonly peerPort: number;
  /** Apache ZooKeeper's second peer port (leader election); zk-lite has one peer port. */
  readonly electionPort: number;
  readonly dataDir: string;
  proc: Subprocess | null;
  /** stderr of the current process, for failure messages. */
  log: string;
}

export type Mode = "leader" | "follower" | "standalone" | "not serving" | "down";

/** What every ensemble offers the tests and the benchmark. */
export abstract class Ensemble {
  constructor(
    readonly kind: "zk-lite" | "zookeeper",
    readonly members: Member[],
    protected readonly options: EnsembleOptions,
  ) {}

  protected abstract launch(m: Member): Subprocess;

  /** Starts (or restarts, on its data dir) one member; does not wait for it to serve. */
  startMember(i: number): void {
    const m = this.members[i]!;
    if (m.proc !== null && m.proc.exitCode === null && m.proc.signalCode === null) throw new Error(`member ${i} is running`);
    m.log = "";
    m.proc = this.launch(m);
    const stderr = m.proc.stderr;
    if (stderr instanceof ReadableStream) {
      void (async () => {
        for await (const chunk of stderr) m.log = (m.log + new TextDecoder().decode(chunk)).slice(-20_000);
      })();
    }
  }

  alive(i: number): boolean {
    const p = this.members[i]!.proc;
    return p !== null && p.exitCode === null && p.signalCode === null;
  }

  async stopMember(i: number, signal: "SIGKILL" | "SIGTERM" = "SIGTERM"): Promise<void> {
    const p = this.members[i]!.proc;
    if (p === null) return;
    if (p.exitCode === null && p.signalCode === null) p.kill(signal);
    await p.exited;
  }

  /** Starts every member and waits until they serve; if they do not, kills them and throws. */
  protected async startServing(): Promise<void> {
    this.members.forEach((_, i) => this.startMember(i));
    try {
      await this.waitServing();
    } catch (error) {
      await this.stop("SIGKILL");
      throw error;
    }
  }

  async stop(signal: "SIGKILL" | "SIGTERM" = "SIGTERM"): Promise<void> {
    await Promise.all(this.members.map((_, i) => this.stopMember(i, signal)));
  }

  async mode(i: number): Promise<Mode> {
    if (!this.alive(i)) return "down";
    try {
      const text = await fourLetterWord(this.members[i]!.clientPort, "srvr");
      const m = /Mode: (\w+)/.exec(text);
      if (m !== null) return m[1] as Mode;
      return "not serving";
    } catch (e) {
      void e; // not listening (yet, or any more)
      return "down";
    }
  }

  async modes(): Promise<Mode[]> {
    return Promise.all(this.members.map((_, i) => this.mode(i)));
  }

  /** Waits until the given members serve (leader or follower) and one of them leads; returns the leader's index. */
  async waitServing(indexes: readonly number[] = this.members.map((_, i) => i), timeoutMs = START_TIMEOUT_MS): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const modes = await this.modes();
      const serving = indexes.every((i) => modes[i] === "leader" || modes[i] === "follower");
      const leader = modes.indexOf("leader");
      if (serving && leader !== -1) return leader;
      if (Date.now() > deadline) {
        throw new Error(`${this.kind} ensemble not serving in time: ${JSON.stringify(modes)}\n${this.members.map((m) => `--- member ${m.index}\n${m.log.slice(-3000)}`).join("\n")}`);
      }
      await Bun.sleep(50);
    }
  }

  /** A RunningServer view of one member (what the conformance suite drives); stop() stops them all. */
  asServer(i: number): RunningServer {
    const m = this.members[i]!;
    return {
      kind: "zk-lite",
      port: m.clientPort,
      adminPort: null,
      dataDir: m.dataDir,
      pid: m.proc?.pid ?? -1,
      stop: (signal) => this.stop(signal),
      alive: () => this.alive(i),
    };
  }

  /** Stops every member and removes their data directories. */
  async destroy(): Promise<void> {
    await this.stop("SIGKILL");
    for (const m of this.members) fs.rmSync(m.dataDir, { recursive: true, force: true });
  }

  /** host:port of every member, as a client's connect string. */
  connectString(): string {
    return this.members.map((m) => `127.0.0.1:${m.clientPort}`).join(",");
  }
}

async function pickMembers(size: number, dataDirs: string[] | undefined, prefix: string): Promise<Member[]> {
  const members: Member[] = [];
  for (let i = 0; i < size; i++) {
    members.push({ index: i, clientPort: await freePort(), peerPort: await freePort(), electionPort: await freePort(), dataDir: dataDirs?.[i] ?? tempDir(prefix), proc: null, log: "" });
  }
  return members;
}

export class ZkLiteEnsemble extends Ensemble {
  readonly peers: string;

  private constructor(members: Member[], options: EnsembleOptions) {
    super("zk-lite", members, options);
    this.peers = members.map((m) => `127.0.0.1:${m.clientPort}:${m.peerPort}`).join(",");
  }

  /** Starts every member and waits until they serve. */
  static async start(options: EnsembleOptions = {}): Promise<ZkLiteEnsemble> {
    const e = new ZkLiteEnsemble(await pickMembers(options.size ?? 3, undefined, "zk-lite-ensemble-"), options);
    await e.startServing();
    return e;
  }

  protected launch(m: Member): Subprocess {
    const o = this.options;
    const heartbeatMs = o.heartbeatIntervalMs ?? 50;
    const electionMs = o.electionTimeoutMs ?? 500;
    if (o.viaBinary === true) {
      const args = [
        "--mode=zk-lite",
        `--data_dir=${m.dataDir}`,
        "--ip=127.0.0.1",
        `--port=${m.clientPort}`,
        "--admin_port=0",
        `--peers=${this.peers}`,
        `--tick_time=${o.tickTimeMs ?? 2000}`,
        `--raft_heartbeat_interval=${heartbeatMs}ms`,
        `--raft_election_timeout=${electionMs}ms`,
        `--4lw_whitelist=${(o.whitelist ?? ["srvr"]).join(",")}`,
        `--max_client_cnxns=${o.maxClientCnxns ?? 60}`,
        `--snap_count=${o.snapshotEveryTxns ?? 100_000}`,
        "--quiet",
      ];
      return spawn([clusterBinary(), ...args], { stdout: "ignore", stderr: "pipe", env: { ...process.env, OTEL_SDK_DISABLED: "true" } });
    }
    const input: ZkLiteOptionsInput = {
      host: "127.0.0.1",
      port: m.clientPort,
      adminPort: null,
      dataDir: m.dataDir,
      ...zkLiteTunables(o),
      ensemble: { peers: parsePeers(this.peers), serverId: m.index + 1, heartbeatIntervalMs: heartbeatMs, electionTimeoutMs: electionMs, faultInjection: false },
    };
    // ZK_LITE_BUN_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/p" profiles the members (stop them with SIGTERM).
    const bunFlags = (process.env["ZK_LITE_BUN_FLAGS"] ?? "").split(" ").filter((f) => f !== "");
    return spawn([BUN, ...bunFlags, ZK_LITE_MAIN, JSON.stringify(input)], { stdout: "ignore", stderr: "pipe" });
  }
}

export class ZooKeeperEnsemble extends Ensemble {
  private constructor(members: Member[], options: EnsembleOptions) {
    super("zookeeper", members, options);
  }

  static async start(options: EnsembleOptions = {}): Promise<ZooKeeperEnsemble> {
    const e = new ZooKeeperEnsemble(await pickMembers(options.size ?? 3, undefined, "zookeeper-ensemble-"), options);
    e.members.forEach((m, i) => {
      fs.writeFileSync(path.join(m.dataDir, "myid"), `${i + 1}\n`);
      e.writeConfig(m);
    });
    await e.startServing();
    return e;
  }

  private confDir(m: Member): string {
    return path.join(m.dataDir, "conf");
  }

  /** zoo.cfg with one server.N=host:quorumPort:electionPort;clientPort line per member. */
  private writeConfig(m: Member): void {
    const o = this.options;
    const dir = this.confDir(m);
    fs.mkdirSync(dir, { recursive: true });
    const lines = [
      `tickTime=${o.tickTimeMs ?? 2000}`,
      "initLimit=10",
      "syncLimit=5",
      `dataDir=${m.dataDir}`,
      `clientPort=${m.clientPort}`,
      "clientPortAddress=127.0.0.1",
      `maxClientCnxns=${o.maxClientCnxns ?? 60}`,
      `snapCount=${o.snapshotEveryTxns ?? 100_000}`,
      "admin.enableServer=false",
      "extendedTypesEnabled=true",
      `4lw.commands.whitelist=${(o.whitelist ?? ["srvr"]).join(",")}`,
      ...this.members.map((p) => `server.${p.index + 1}=127.0.0.1:${p.peerPort}:${p.electionPort}:participant;127.0.0.1:${p.clientPort}`),
    ];
    fs.writeFileSync(path.join(dir, "zoo.cfg"), `${lines.join("\n")}\n`);
    fs.writeFileSync(
      path.join(dir, "log4j.properties"),
      [
        "log4j.rootLogger=WARN, FILE",
        "log4j.appender.FILE=org.apache.log4j.FileAppender",
        `log4j.appender.FILE.File=${path.join(m.dataDir, "zookeeper.log")}`,
        "log4j.appender.FILE.layout=org.apache.log4j.PatternLayout",
        "log4j.appender.FILE.layout.ConversionPattern=%d %-5p %c - %m%n",
      ].join("\n"),
    );
  }

  protected launch(m: Member): Subprocess {
    const dir = this.confDir(m);
    const classPath = [dir, ZOOKEEPER_JAR, ...JAVA_EXTRA_JARS].join(":");
    const jvm = [`-Xmx${this.options.jvmHeapMb ?? 1000}m`];
    return spawn(["java", ...jvm, "-cp", classPath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", path.join(dir, "zoo.cfg")], {
      stdout: "ignore",
      stderr: "pipe",
      cwd: dir,
    });
  }
}

// Starting the two servers the ZooKeeper suite runs against, each in its own process:
//  - zk-lite via test/zk/zk-lite-main.ts under bun;
//  - Apache ZooKeeper 3.8 from Debian's `zookeeper` package. The package ships the server as
//    /usr/share/java/zookeeper.jar (its manifest's Class-Path names netty, jetty, jackson, ...) and
//    starts it through zkServer.sh with CLASSPATH="/etc/zookeeper/conf:/usr/share/java/zookeeper.jar".
//    Here we run `java -cp <tmp conf dir>:zookeeper.jar:slf4j-log4j12:log4j-1.2:servlet-api
//    org.apache.zookeeper.server.ZooKeeperServerMain <tmp>/zoo.cfg` (servlet-api lets the Jetty
//    AdminServer start; the log4j binding sends its logs to a file). Settings ZooKeeper takes as
//    system properties go in zoo.cfg: unknown keys there become "zookeeper.<key>" properties.

import { spawn, type Subprocess } from "bun";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fourLetterWord } from "./raw-client.ts";

export type ServerKind = "zk-lite" | "zookeeper";

export interface ServerOptions {
  tickTimeMs?: number;
  /** Four-letter words to enable; undefined means each server's default (srvr only). */
  whitelist?: string[];
  containerCheckIntervalMs?: number;
  maxClientCnxns?: number;
  snapshotEveryTxns?: number;
  juteMaxBufferBytes?: number;
  /** Reuse this data directory (for restarts). */
  dataDir?: string;
  admin?: boolean;
  jvmHeapMb?: number;
}

export interface RunningServer {
  readonly kind: ServerKind;
  readonly port: number;
  readonly adminPort: number | null;
  readonly dataDir: string;
  readonly pid: number;
  /** SIGKILL (crash) or SIGTERM (clean stop), then wait for exit. */
  stop(signal?: "SIGKILL" | "SIGTERM"): Promise<void>;
  /** False once the process has exited (for whatever reason). */
  alive(): boolean;
}

const BUN = path.resolve(import.meta.dir, "../../node_modules/.bin/bun");
const ZK_LITE_MAIN = path.resolve(import.meta.dir, "zk-lite-main.ts");
export const ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar";
export const ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh";
const JAVA_EXTRA_JARS = ["/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar", "/usr/share/java/servlet-api.jar"];
const START_TIMEOUT_MS = 60_000;

export function zookeeperInstalled(): boolean {
  return fs.existsSync(ZOOKEEPER_JAR) && Bun.which("java") !== null;
}

export function zkCliInstalled(): boolean {
  return fs.existsSync(ZKCLI) && Bun.which("java") !== null;
}

/** A free TCP port on 127.0.0.1 (ZooKeeper needs one up front; zk-lite can bind 0 itself). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function waitForRuok(port: number, deadlineMs: number, proc: Subprocess): Promise<void> {
  while (Date.now() < deadlineMs) {
    if (proc.exitCode !== null) throw new Error(`server exited with code ${proc.exitCode} before serving`);
    try {
      // srvr is enabled under every whitelist.
      const text = await fourLetterWord(port, "srvr");
      if (text.includes("Mode:")) return;
    } catch (e) {
      void e; // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`server on port ${port} did not come up in ${START_TIMEOUT_MS} ms`);
}

function stopper(proc: Subprocess): (signal?: "SIGKILL" | "SIGTERM") => Promise<void> {
  return async (signal = "SIGTERM") => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await proc.exited;
  };
}

/** zk-lite's tunables from a test's ServerOptions, with ZooKeeper's defaults for what it leaves out. */
export function zkLiteTunables(o: ServerOptions) {
  return {
    tickTimeMs: o.tickTimeMs ?? 2000,
    fourLetterWordWhitelist: o.whitelist ?? ["srvr"],
    containerCheckIntervalMs: o.containerCheckIntervalMs ?? 60_000,
    maxClientCnxns: o.maxClientCnxns ?? 60,
    snapshotEveryTxns: o.snapshotEveryTxns ?? 100_000,
    juteMaxBufferBytes: o.juteMaxBufferBytes ?? 0xfffff,
  };
}

export async function startZkLiteProcess(o: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = o.dataDir ?? tempDir("zk-lite-test-");
  const options = { host: "127.0.0.1", port: 0, adminPort: o.admin === false ? null : 0, dataDir, ...zkLiteTunables(o) };
  const proc = spawn([BUN, ZK_LITE_MAIN, JSON.stringify(options)], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!text.includes("\n")) {
    const { value, done } = await Promise.race([
      reader.read(),
      Bun.sleep(Math.max(1, deadline - Date.now())).then(() => ({ value: undefined, done: true })),
    ]);
    if (done || value === undefined) throw new Error(`zk-lite did not start: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const m = /READY (\d+) (-?\d+)/.exec(text);
  if (m === null) throw new Error(`zk-lite printed ${JSON.stringify(text)}`);
  const adminPort = Number(m[2]);
  return { kind: "zk-lite", port: Number(m[1]), adminPort: adminPort < 0 ? null : adminPort, dataDir, pid: proc.pid, stop: stopper(proc), alive: () => proc.exitCode === null && proc.signalCode === null };
}

export async function startZooKeeperProcess(o: ServerOptions = {}): Promise<RunningServer> {
  const dir = tempDir("zookeeper-test-");
  const dataDir = o.dataDir ?? path.join(dir, "data");
  fs.mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const adminPort = o.admin === false ? null : await freePort();
  const lines = [
    `tickTime=${o.tickTimeMs ?? 2000}`,
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    "clientPortAddress=127.0.0.1",
    `maxClientCnxns=${o.maxClientCnxns ?? 60}`,
    `snapCount=${o.snapshotEveryTxns ?? 100_000}`,
    adminPort === null ? "admin.enableServer=false" : `admin.enableServer=true\nadmin.serverAddress=127.0.0.1\nadmin.serverPort=${adminPort}`,
    "extendedTypesEnabled=true",
  ];
  if (o.whitelist !== undefined) lines.push(`4lw.commands.whitelist=${o.whitelist.join(",")}`);
  fs.writeFileSync(path.join(dir, "zoo.cfg"), `${lines.join("\n")}\n`);
  fs.writeFileSync(
    path.join(dir, "log4j.properties"),
    [
      "log4j.rootLogger=WARN, FILE",
      "log4j.appender.FILE=org.apache.log4j.FileAppender",
      `log4j.appender.FILE.File=${path.join(dir, "zookeeper.log")}`,
      "log4j.appender.FILE.layout=org.apache.log4j.PatternLayout",
      "log4j.appender.FILE.layout.ConversionPattern=%d %-5p %c - %m%n",
    ].join("\n"),
  );
  const classPath = [dir, ZOOKEEPER_JAR, ...JAVA_EXTRA_JARS].join(":");
  const jvm = [`-Xmx${o.jvmHeapMb ?? 1000}m`, `-Dznode.container.checkIntervalMs=${o.containerCheckIntervalMs ?? 60_000}`];
  const proc = spawn(["java", ...jvm, "-cp", classPath, "org.apache.zookeeper.server.ZooKeeperServerMain", path.join(dir, "zoo.cfg")], {
    stdout: "ignore",
    stderr: "ignore",
    cwd: dir,
  });
  await waitForRuok(port, Date.now() + START_TIMEOUT_MS, proc);
  return { kind: "zookeeper", port, adminPort, dataDir, pid: proc.pid, stop: stopper(proc), alive: () => proc.exitCode === null && proc.signalCode === null };
}

export function startServer(kind: ServerKind, o: ServerOptions = {}): Promise<RunningServer> {
  return kind === "zk-lite" ? startZkLiteProcess(o) : startZooKeeperProcess(o);
}

/** Resident set size of a process in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : -1;
}

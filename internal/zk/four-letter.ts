// Four-letter words, formatted the way ZooKeeper 3.8 prints them. Pure: the server hands in a
// view of its state and gets back the text to write before closing the connection.

export const FOUR_LETTER_WORDS = [
  "conf",
  "cons",
  "crst",
  "dirs",
  "dump",
  "envi",
  "gtmk",
  "ruok",
  "stmk",
  "srvr",
  "srst",
  "stat",
  "wchc",
  "wchp",
  "wchs",
  "mntr",
  "isro",
] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

const WORD_SET: ReadonlySet<string> = new Set(FOUR_LETTER_WORDS);

/** The word spelled by the first four bytes of a connection, if it is one ZooKeeper knows. */
export function fourLetterWordOf(bytes: Uint8Array, offset: number): FourLetterWord | null {
  if (bytes.length - offset < 4) return null;
  const w = String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
  return WORD_SET.has(w) ? (w as FourLetterWord) : null;
}

/** Resolves a whitelist the way FourLetterCommands.isEnabled does: "*" is all, srvr always. */
export function enabledWords(whitelist: readonly string[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const raw of whitelist) {
    const w = raw.trim();
    if (w === "*") {
      for (const all of FOUR_LETTER_WORDS) out.add(all);
      break;
    }
    if (w !== "") out.add(w);
  }
  out.add("srvr");
  return out;
}

export function notWhitelistedReply(word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`;
}

export interface ConnectionView {
  readonly remoteLabel: string;
  readonly interestOps: number;
  readonly queued: number;
  readonly received: number;
  readonly sent: number;
  readonly sessionId: bigint;
  readonly lastOp: string;
  readonly establishedMs: number;
  readonly sessionTimeoutMs: number;
  readonly lastCxid: number;
  readonly lastZxid: number;
  readonly lastResponseMs: number;
  readonly lastLatencyMs: number;
  readonly minLatencyMs: number;
  readonly avgLatencyMs: number;
  readonly maxLatencyMs: number;
}

/** ZooKeeper's line for a server that is not running (an ensemble member without a leader). */
export const ZK_NOT_SERVING = "This ZooKeeper instance is not currently serving requests";

/** What `conf` adds for a member of an ensemble, as QuorumZooKeeperServer.dumpConf prints it. */
export interface QuorumConfView {
  readonly initLimitTicks: number;
  readonly syncLimitTicks: number;
  readonly electionPort: number;
  readonly quorumPort: number;
  /** server.N=host:quorumPort:electionPort:participant;clientHost:clientPort, in order. */
  readonly members: readonly string[];
}

export interface ServerConfView {
  readonly clientPort: number;
  readonly dataDir: string;
  readonly dataDirSizeBytes: number;
  readonly dataLogDir: string;
  readonly dataLogSizeBytes: number;
  readonly tickTimeMs: number;
  readonly maxClientCnxns: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** 0 standalone, else the member's number (myid). */
  readonly serverId: number;
  readonly quorum: QuorumConfView | null;
}

/** What the words need to know; the server computes each part only when asked. */
export interface FourLetterProvider {
  version(): string;
  /** False for an ensemble member without a leader: most words then say ZK_NOT_SERVING. */
  serving(): boolean;
  /** standalone, leader or follower. */
  serverState(): string;
  /** The leader's proposal sizes in bytes (-1 before the first); null elsewhere. */
  proposalSizes(): { last: number; min: number; max: number } | null;
  latency(): { min: number; avg: number; max: number };
  packetsReceived(): number;
  packetsSent(): number;
  aliveConnections(): number;
  outstandingRequests(): number;
  lastZxid(): number;
  nodeCount(): number;
  connections(): readonly ConnectionView[];
  conf(): ServerConfView;
  environment(): readonly (readonly [string, string])[];
  /** Data watches only, as ZooKeeper's wchs/wchc/wchp report. */
  dataWatchSummary(): { connections: number; paths: number; total: number };
  dataWatchesBySession(): readonly (readonly [bigint, readonly string[]])[];
  dataWatchesByPath(): readonly (readonly [string, readonly bigint[]])[];
  monitorValues(): readonly (readonly [string, string | number])[];
  sessionExpiry(): readonly (readonly [number, readonly bigint[]])[];
  ephemeralsBySession(): readonly (readonly [bigint, readonly string[]])[];
  resetConnectionStats(): void;
  resetServerStats(): void;
  traceMask(): bigint;
  setTraceMask(mask: bigint): void;
  uptimeMs(): number;
  authFailedCount(): number;
  /** Sizes in bytes of replies sent (-1 before the first). */
  responseSizes(): { last: number; min: number; max: number };
  lastSnapshot(): { zxid: number; timeMs: number } | null;
}

export function hex(n: bigint | number): string {
  return BigInt.asUintN(64, BigInt(n)).toString(16);
}

/** Java's Double.toString for the values these outputs carry (plain decimals, ".0" on integers). */
export function javaDouble(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return `${x}.0`;
  return String(x);
}

/** Java's Date.toString, in UTC: "Fri Nov 20 23:13:57 UTC 2026". */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

function connectionLine(c: ConnectionView, brief: boolean): string {
  let s = ` ${c.remoteLabel}[${c.interestOps === 0 ? "0" : c.interestOps.toString(16)}](queued=${c.queued},recved=${c.received},sent=${c.sent}`;
  if (!brief && c.sessionId !== 0n) {
    s += `,sid=0x${hex(c.sessionId)},lop=${c.lastOp},est=${c.establishedMs},to=${c.sessionTimeoutMs}`;
    if (c.lastCxid >= 0) s += `,lcxid=0x${hex(c.lastCxid)}`;
    s += `,lzxid=0x${hex(c.lastZxid)},lresp=${c.lastResponseMs},llat=${c.lastLatencyMs}`;
    // Per-connection averages are integer (long) division in ZooKeeper.
    s += `,minlat=${c.minLatencyMs},avglat=${Math.floor(c.avgLatencyMs)},maxlat=${c.maxLatencyMs}`;
  }
  return `${s})`;
}

function serverStatsText(p: FourLetterProvider): string {
  const l = p.latency();
  return (
    `Latency min/avg/max: ${l.min}/${javaDouble(l.avg)}/${l.max}\n` +
    `Received: ${p.packetsReceived()}\n` +
    `Sent: ${p.packetsSent()}\n` +
    `Connections: ${p.aliveConnections()}\n` +
    `Outstanding: ${p.outstandingRequests()}\n` +
    `Zxid: 0x${hex(p.lastZxid())}\n` +
    `Mode: ${p.serverState()}\n`
  );
}

/** Words that only print ZK_NOT_SERVING while the server is not running, as ZooKeeper's do. */
const NEED_SERVING: ReadonlySet<FourLetterWord> = new Set(["srvr", "stat", "cons", "conf", "mntr", "dump", "dirs", "wchs", "wchc", "wchp", "crst", "srst"]);

/** The reply to a whitelisted word (stmk's mask argument is passed separately). */
export function runFourLetterWord(word: FourLetterWord, p: FourLetterProvider, stmkMask?: bigint): string {
  if (NEED_SERVING.has(word) && !p.serving()) return `${ZK_NOT_SERVING}\n`;
  switch (word) {
    case "ruok":
      return "imok";
    case "isro":
      return p.serving() ? "rw" : "null";
    case "srvr":
    case "stat": {
      let s = `Zookeeper version: ${p.version()}\n`;
      if (word === "stat") {
        s += "Clients:\n";
        for (const c of p.connections()) s += `${connectionLine(c, true)}\n`;
        s += "\n";
      }
      s = `${s}${serverStatsText(p)}Node count: ${p.nodeCount()}\n`;
      const sizes = p.proposalSizes();
      return sizes === null ? s : `${s}Proposal sizes last/min/max: ${sizes.last}/${sizes.min}/${sizes.max}\n`;
    }
    case "cons": {
      let s = "";
      for (const c of p.connections()) s += `${connectionLine(c, false)}\n`;
      return `${s}\n`;
    }
    case "conf": {
      const c = p.conf();
      return (
        `clientPort=${c.clientPort}\n` +
        `secureClientPort=-1\n` +
        `dataDir=${c.dataDir}\n` +
        `dataDirSize=${c.dataDirSizeBytes}\n` +
        `dataLogDir=${c.dataLogDir}\n` +
        `dataLogSize=${c.dataLogSizeBytes}\n` +
        `tickTime=${c.tickTimeMs}\n` +
        `maxClientCnxns=${c.maxClientCnxns}\n` +
        `minSessionTimeout=${c.minSessionTimeoutMs}\n` +
        `maxSessionTimeout=${c.maxSessionTimeoutMs}\n` +
        `clientPortListenBacklog=-1\n` +
        `serverId=${c.serverId}\n` +
        (c.quorum === null ? "" : quorumConfText(c.quorum))
      );
    }
    case "envi":
      return `Environment:\n${p
        .environment()
        .map(([k, v]) => `${k}=${v}\n`)
        .join("")}`;
    case "wchs": {
      const w = p.dataWatchSummary();
      return `${w.connections} connections watching ${w.paths} paths\nTotal watches:${w.total}\n`;
    }
    case "wchc": {
      let s = "";
      for (const [sid, paths] of p.dataWatchesBySession()) {
        s += `0x${hex(sid)}\n`;
        for (const path of paths) s += `\t${path}\n`;
      }
      return `${s}\n`;
    }
    case "wchp": {
      let s = "";
      for (const [path, sids] of p.dataWatchesByPath()) {
        s += `${path}\n`;
        for (const sid of sids) s += `\t0x${hex(sid)}\n`;
      }
      return `${s}\n`;
    }
    case "dirs": {
      const c = p.conf();
      return `datadir_size: ${c.dataDirSizeBytes}\nlogdir_size: ${c.dataLogSizeBytes}\n`;
    }
    case "mntr":
      return p
        .monitorValues()
        .map(([k, v]) => `zk_${k}\t${v}\n`)
        .join("");
    case "crst":
      p.resetConnectionStats();
      return "Connection stats reset.\n";
    case "srst":
      p.resetServerStats();
      return "Server stats reset.\n";
    case "gtmk":
      return String(p.traceMask());
    case "stmk":
      if (stmkMask !== undefined) p.setTraceMask(stmkMask);
      return String(p.traceMask());
    case "dump":
      return dumpText(p);
  }
}

/** The lines a quorum member adds; the membership's version line ends without a newline, as in ZooKeeper. */
function quorumConfText(q: QuorumConfView): string {
  return (
    `initLimit=${q.initLimitTicks}\n` +
    `syncLimit=${q.syncLimitTicks}\n` +
    `electionAlg=3\n` +
    `electionPort=${q.electionPort}\n` +
    `quorumPort=${q.quorumPort}\n` +
    `peerType=0\n` +
    `membership: \n` +
    q.members.map((m) => `${m}\n`).join("") +
    `version=0`
  );
}

function dumpText(p: FourLetterProvider): string {
  const buckets = p.sessionExpiry();
  let total = 0;
  for (const [, ids] of buckets) total += ids.length;
  let s = `SessionTracker dump:\nSession Sets (${buckets.length})/(${total}):\n`;
  for (const [atMs, ids] of buckets) {
    s += `${ids.length} expire at ${javaDate(atMs)}:\n`;
    for (const id of ids) s += `\t0x${hex(id)}\n`;
  }
  const eph = p.ephemeralsBySession();
  s += `ephemeral nodes dump:\nSessions with Ephemerals (${eph.length}):\n`;
  for (const [id, paths] of eph) {
    s += `0x${hex(id)}:\n`;
    for (const path of paths) s += `\t${path}\n`;
  }
  s += "Connections dump:\n";
  return s;
}

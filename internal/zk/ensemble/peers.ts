// --peers: the servers of a zk-lite ensemble, each as host:client_port:peer_port (ZooKeeper's
// server.N=host:quorumPort:electionPort, with the client port instead of a second peer port, so a
// server knows where clients of the others connect; Raft needs one peer port). A server's number
// (ZooKeeper's myid) is its position in the list, from 1, so every server must be given the same
// list in the same order. Pure: the shell passes in this machine's addresses.

import { membersMax } from "../../consensus/index.ts";

export interface Peer {
  /** Position in --peers, from 1: ZooKeeper's myid, the top byte of the session ids it hands out. */
  readonly serverId: number;
  readonly host: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** The Raft node id: host:peer_port. */
  readonly nodeId: string;
}

/** Servers in one ensemble: the Raft core's limit on members. */
export const peersMax = membersMax;

const hostPattern = /^[A-Za-z0-9._-]+$/;

/** One bad entry or a bad list; the message names the entry. */
export class PeersError extends Error {
  override name = "PeersError";
}

function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

function parseEntry(entry: string, serverId: number): Peer {
  const parts = entry.split(":");
  const expected = `expected host:client_port:peer_port, got '${entry}'`;
  if (parts.length !== 3) throw new PeersError(`entry ${serverId}: ${expected}`);
  const [host, client, peer] = parts as [string, string, string];
  if (!hostPattern.test(host)) throw new PeersError(`entry ${serverId} '${entry}': bad host '${host}'`);
  const clientPort = parsePort(client);
  const peerPort = parsePort(peer);
  if (clientPort === null) throw new PeersError(`entry ${serverId} '${entry}': client port must be 1..65535, got '${client}'`);
  if (peerPort === null) throw new PeersError(`entry ${serverId} '${entry}': peer port must be 1..65535, got '${peer}'`);
  if (clientPort === peerPort) throw new PeersError(`entry ${serverId} '${entry}': client port and peer port must differ`);
  return { serverId, host, clientPort, peerPort, nodeId: `${host}:${peerPort}` };
}

/** Parses the list; throws PeersError naming the first bad entry. */
export function parsePeers(text: string): Peer[] {
  const entries = text.split(",").map((e) => e.trim());
  if (entries.length > peersMax) throw new PeersError(`at most ${peersMax} servers, got ${entries.length}`);
  const peers = entries.map((entry, i) => parseEntry(entry, i + 1));
  const used = new Map<string, number>();
  for (const p of peers) {
    for (const address of [`${p.host}:${p.clientPort}`, `${p.host}:${p.peerPort}`]) {
      const other = used.get(address);
      if (other !== undefined) throw new PeersError(`entry ${p.serverId} '${entries[p.serverId - 1]}': ${address} is already used by entry ${other}`);
      used.set(address, p.serverId);
    }
  }
  return peers;
}

/** The flag's check: undefined when the list parses, else the problem. */
export function peersProblem(text: string): string | undefined {
  try {
    parsePeers(text);
    return undefined;
  } catch (e) {
    if (e instanceof PeersError) return e.message;
    throw e;
  }
}

export interface SelfAddress {
  /** --ip; 0.0.0.0 or :: matches any of `localAddresses`. */
  readonly ip: string;
  readonly hostname: string;
  /** --port, the client port. */
  readonly port: number;
  readonly localAddresses: readonly string[];
}

/** The one entry naming this server: its host is --ip (or --hostname) and its client port is --port. */
export function findSelf(peers: readonly Peer[], self: SelfAddress): Peer {
  const hosts = new Set([self.ip, self.hostname]);
  if (self.ip === "0.0.0.0" || self.ip === "::") for (const a of self.localAddresses) hosts.add(a);
  const mine = peers.filter((p) => p.clientPort === self.port && hosts.has(p.host));
  if (mine.length === 1) return mine[0]!;
  const me = `${self.ip}:${self.port} (or ${self.hostname}:${self.port})`;
  if (mine.length === 0) throw new PeersError(`this server, ${me}, is not in the list; list every server, this one included, with --port as its client port`);
  throw new PeersError(`this server, ${me}, is listed more than once (entries ${mine.map((p) => p.serverId).join(" and ")})`);
}

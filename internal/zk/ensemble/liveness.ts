// Noticing a dead leader at once. Followers hold a stream open to the leader's peer port
// (GET /api/internal/zk/alive, a byte a second while it leads). A leader process that dies has
// its connections closed by the kernel, and its followers campaign then, as ZooKeeper's followers
// notice a dead leader by its closed socket, instead of waiting out an election timeout. A stream
// that breaks for another reason costs at most a pre-vote, which the others refuse while they
// still hear from the leader.

import type { Peer } from "./peers.ts";

export const alivePath = "/api/internal/zk/alive";
/** A byte this often on each stream, so nothing on the way closes it as idle. */
export const aliveIntervalMs = 1000;

/**
 * How long a follower waits before campaigning once the leader's stream ended. The followers take
 * turns in --peers order, half a heartbeat apart: two campaigning at once would split the vote and
 * leave both waiting out an election timeout. A member still waiting its turn refuses an earlier
 * one's pre-vote (it still holds the old leader's lease), so the last to start wins, with the
 * earlier one's vote; with fresher logs elsewhere, whoever's turn comes and can win does.
 */
export function campaignDelayMs(peers: readonly Peer[], self: Peer, leaderNodeId: string, heartbeatIntervalMs: number): number {
  const rank = peers.filter((p) => p.nodeId !== leaderNodeId && p.serverId < self.serverId).length;
  return (rank * heartbeatIntervalMs) / 2;
}

/** The leader's side: streams that stay open while it leads; `endAll` when it stops. */
export class AliveStreams {
  private readonly ends = new Set<() => void>();

  get size(): number {
    return this.ends.size;
  }

  open(): Response {
    let end = (): void => {};
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const timer = setInterval(() => controller.enqueue(new Uint8Array([1])), aliveIntervalMs);
        end = () => {
          clearInterval(timer);
          this.ends.delete(end);
          try {
            controller.close();
          } catch (error) {
            void error; // the follower went away first
          }
        };
        this.ends.add(end);
        controller.enqueue(new Uint8Array([1]));
      },
      cancel: () => end(),
    });
    return new Response(body, { headers: { "Content-Type": "application/octet-stream" } });
  }

  endAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/** A follower's side: holds the current leader's stream and reports when it ends. */
export class LeaderWatch {
  private watched: { readonly leader: string; readonly abort: AbortController } | null = null;

  constructor(
    private readonly byNodeId: ReadonlyMap<string, Peer>,
    /** The stream of `leader` ended (or could not be opened) without being let go. */
    private readonly ended: (leader: string) => void,
    private readonly failed: (leader: string, error: Error) => void,
  ) {}

  /** Watches `leader` (a node id), or nothing when null; a watch of another leader is let go. */
  follow(leader: string | null): void {
    if (this.watched?.leader === leader) return;
    this.stop();
    const peer = leader === null ? undefined : this.byNodeId.get(leader);
    if (leader === null || peer === undefined) return;
    const abort = new AbortController();
    this.watched = { leader, abort };
    void this.watch(leader, peer, abort.signal);
  }

  stop(): void {
    this.watched?.abort.abort();
    this.watched = null;
  }

  private async watch(leader: string, peer: Peer, signal: AbortSignal): Promise<void> {
    try {
      const res = await fetch(`http://${peer.host}:${peer.peerPort}${alivePath}`, { signal });
      if (res.body !== null) for await (const chunk of res.body) void chunk;
    } catch (error) {
      if (signal.aborted) return;
      this.failed(leader, error as Error);
    }
    if (signal.aborted) return;
    this.watched = null;
    this.ended(leader);
  }
}

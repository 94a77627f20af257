// Who leads. A master process contends for leadership through one of these; while it leads it
// runs a Master, and while it follows it redirects to the leader. Standalone (a single master)
// always leads; ZooKeeper and the built-in Raft election implement the same interface.

export interface LeaderAddress {
  hostname: string;
  port: number;
  ip?: string;
  id?: string;
}

export type LeadershipState =
  /** This process leads; `epoch` orders leaderships (ZooKeeper sequence, Raft term, registry counter). */
  | { leading: true; epoch: number | undefined }
  | { leading: false; leader: LeaderAddress | undefined };

export interface Leadership {
  readonly kind: "standalone" | "zookeeper" | "raft";
  start(onChange: (state: LeadershipState) => void): Promise<void>;
  stop(): Promise<void>;
}

/** A single master: it leads from the start, with the registry's own epoch counter. */
export class StandaloneLeadership implements Leadership {
  readonly kind = "standalone";
  async start(onChange: (state: LeadershipState) => void): Promise<void> {
    onChange({ leading: true, epoch: undefined });
  }
  async stop(): Promise<void> {}
}

/**
 * Epochs of the three kinds live in disjoint ranges, ordered standalone < ZooKeeper < Raft, so a
 * cluster moved to ZooKeeper or Raft election never presents agents an epoch lower than the one
 * they last obeyed. (Moving back to a single master needs agents restarted with fresh state.)
 */
export const epochBase: Record<Leadership["kind"], number> = {
  standalone: 0,
  zookeeper: 1e12,
  raft: 2e12,
};

// An in-process network for driver tests: each node's transport delivers on a later microtask
// (never synchronously, as a real network would not), and the network can drop everything to or
// from chosen nodes to cut them off.

import type { Message, NodeId } from "../types.ts";
import type { Transport } from "./types.ts";

export class MemoryNetwork {
  private readonly handlers = new Map<NodeId, (m: Message) => void>();
  private readonly isolated = new Set<NodeId>();
  delivered = 0;
  dropped = 0;

  transport(id: NodeId): Transport {
    return {
      send: (m) => this.send(m),
      onMessage: (handler) => {
        this.handlers.set(id, handler);
      },
    };
  }

  /** Cuts `id` off from everyone (both directions) until `heal`. */
  isolate(id: NodeId): void {
    this.isolated.add(id);
  }

  heal(id?: NodeId): void {
    if (id === undefined) this.isolated.clear();
    else this.isolated.delete(id);
  }

  /** Forgets a node (it crashed); messages to it are dropped until it registers again. */
  detach(id: NodeId): void {
    this.handlers.delete(id);
  }

  private send(m: Message): void {
    if (this.isolated.has(m.from) || this.isolated.has(m.to)) {
      this.dropped += 1;
      return;
    }
    queueMicrotask(() => {
      const handler = this.handlers.get(m.to);
      if (handler === undefined || this.isolated.has(m.to)) {
        this.dropped += 1;
        return;
      }
      this.delivered += 1;
      handler(m);
    });
  }
}

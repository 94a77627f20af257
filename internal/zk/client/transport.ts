// The network under the client: one TCP stream per connection. Bun's socket write may take only
// part of a buffer; the rest waits here until the socket drains, in order.

import type { Socket } from "bun";

export interface ZkSocketHandlers {
  onData(chunk: Uint8Array): void;
  /** The stream ended or failed; called once. */
  onClose(reason: string): void;
}

export interface ZkSocket {
  write(bytes: Uint8Array): void;
  /** Ends the stream; onClose is not called for a close the client asked for. */
  close(): void;
}

export interface ZkTransport {
  connect(host: string, port: number, handlers: ZkSocketHandlers): Promise<ZkSocket>;
}

/** Unsent bytes kept for one connection before it counts as stuck and is dropped. */
const unsentBytesMax = 64 * 1024 * 1024;

class BunZkSocket implements ZkSocket {
  private unsent: Uint8Array[] = [];
  private unsentBytes = 0;
  private closed = false;
  socket: Socket<undefined> | undefined;

  constructor(private readonly handlers: ZkSocketHandlers) {}

  write(bytes: Uint8Array): void {
    if (this.closed || this.socket === undefined) return;
    if (this.unsent.length > 0) {
      this.enqueue(bytes);
      return;
    }
    const written = this.socket.write(bytes);
    if (written < bytes.length) this.enqueue(bytes.subarray(Math.max(0, written)));
  }

  private enqueue(bytes: Uint8Array): void {
    this.unsent.push(bytes.slice());
    this.unsentBytes += bytes.length;
    if (this.unsentBytes > unsentBytesMax) this.fail(`more than ${unsentBytesMax} bytes unsent`);
  }

  drain(): void {
    while (this.unsent.length > 0 && this.socket !== undefined && !this.closed) {
      const head = this.unsent[0]!;
      const written = this.socket.write(head);
      if (written >= head.length) {
        this.unsent.shift();
        this.unsentBytes -= head.length;
      } else {
        if (written > 0) {
          this.unsent[0] = head.subarray(written);
          this.unsentBytes -= written;
        }
        return;
      }
    }
  }

  fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.terminate();
    this.handlers.onClose(reason);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.end();
  }
}

export const bunTransport: ZkTransport = {
  async connect(host, port, handlers) {
    const wrapper = new BunZkSocket(handlers);
    const socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        binaryType: "uint8array",
        data: (_s, chunk) => handlers.onData(chunk),
        drain: () => wrapper.drain(),
        close: () => wrapper.fail("connection closed by peer"),
        error: (_s, error) => wrapper.fail(`socket error: ${error.message}`),
        end: () => wrapper.fail("connection ended by peer"),
      },
    });
    socket.setNoDelay(true);
    wrapper.socket = socket;
    return wrapper;
  },
};

// A TCP proxy in front of a ZooKeeper server, for fault injection: cut() drops every connection
// (the peer sees a reset), partition() keeps connections open but silently drops all bytes both
// ways and holds new connections unanswered, heal() ends a partition (dropping what it held).

import * as net from "node:net";

export class TcpProxy {
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket | undefined }>();
  private partitioned = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy!.accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    proxy = new TcpProxy(server, port, targetPort);
    return proxy;
  }

  connectionCount(): number {
    return this.pairs.size;
  }

  private accept(client: net.Socket): void {
    const pair: { client: net.Socket; upstream: net.Socket | undefined } = { client, upstream: undefined };
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on("error", end);
    client.on("close", end);
    if (this.partitioned) {
      client.on("data", () => {}); // held, never answered
      return;
    }
    const upstream = net.connect(this.targetPort, "127.0.0.1");
    pair.upstream = upstream;
    upstream.on("error", end);
    upstream.on("close", end);
    client.on("data", (chunk) => {
      if (!this.partitioned) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!this.partitioned) client.write(chunk);
    });
  }

  /** Resets every connection now. */
  cut(): void {
    for (const pair of [...this.pairs]) {
      pair.client.resetAndDestroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
  }

  partition(): void {
    this.partitioned = true;
  }

  heal(): void {
    this.partitioned = false;
    this.cut();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

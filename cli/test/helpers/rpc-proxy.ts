/**
 * A TCP relay in front of a JSON-RPC node: what the daemon under test knows as its RPC endpoint. Stopping the
 * relay closes its port and every open connection, so the daemon sees exactly what it would see of a node that
 * went down (connections refused); starting it again on the same port is the node coming back, with its chain
 * intact (a restarted `npx hardhat node` would start a new chain).
 */
import net from "node:net";

export class RpcRelay {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: string): Promise<RpcRelay> {
    const url = new URL(target);
    const probe = net.createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, "127.0.0.1", () => resolve((probe.address() as net.AddressInfo).port)),
    );
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const relay = new RpcRelay(port, { host: url.hostname, port: Number(url.port) });
    await relay.resume();
    return relay;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens again on the same port. */
  async resume(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  /** Closes the port and cuts every connection. */
  async pause(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// A worker's own road to Temporal: a TCP proxy the chaos can cut, so that a worker loses Temporal
// (its heartbeats and completions go nowhere) while it still reaches Eko (its refund call goes out).
import net from 'node:net';

export class TemporalLink {
  private cut = false;

  private constructor(
    private readonly server: net.Server,
    readonly address: string,
    private readonly sockets: Set<net.Socket>,
  ) {}

  /** Listens on a free loopback port and forwards every connection to `target` (host:port). */
  static async open(target: string): Promise<TemporalLink> {
    const [host, port] = target.split(':');
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      if (link.cut) return void client.destroy();
      const upstream = net.connect(Number(port), host);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ]) {
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => to.destroy());
        sockets.add(from);
        from.once('close', () => sockets.delete(from));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port: local } = server.address() as net.AddressInfo;
    const link = new TemporalLink(server, `127.0.0.1:${local}`, sockets);
    return link;
  }

  /** Nothing gets through for `ms`: bytes wait, new connections are refused; then every connection drops. */
  async cutFor(ms: number): Promise<void> {
    this.cut = true;
    for (const socket of this.sockets) socket.pause();
    await new Promise((resolve) => setTimeout(resolve, ms));
    for (const socket of this.sockets) socket.destroy();
    this.cut = false;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

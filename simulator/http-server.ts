import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Reply } from './envelope';
import type { FaultAction } from './faults';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => Promise<void>;

/** A certificate and its key, PEM: the server then speaks HTTPS, as Eko does. */
export interface TlsFiles {
  key: string;
  cert: string;
}

/** A request being answered: its path and the caller's port (which names the calling process). */
export interface RequestInFlight {
  path: string;
  remotePort: number;
}

/**
 * The simulator's HTTP(S) server: reads each body whole, knows the requests it is answering, and
 * can drop every connection on close.
 */
export class HttpServer {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly answering = new Set<http.IncomingMessage>();
  private readonly scheme: 'http' | 'https';

  constructor(handler: RequestHandler, tls?: TlsFiles) {
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.answering.add(req);
      res.once('close', () => this.answering.delete(req));
      readBody(req)
        .then((body) => handler(req, res, body))
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`simulator error: ${err instanceof Error ? err.message : String(err)}`);
        });
    };
    this.server = tls ? https.createServer(tls, listener) : http.createServer(listener);
    this.scheme = tls ? 'https' : 'http';
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.scheme}://127.0.0.1:${port}`;
  }

  requestsInFlight(): RequestInFlight[] {
    return [...this.answering].map((req) => ({ path: req.url ?? '/', remotePort: req.socket.remotePort ?? 0 }));
  }

  /** Drops open connections too: a hanging call must not keep the server (or a test run) alive. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
  res.end(reply.body);
}

/** Sends a reply, drops the connection, or leaves the call hanging until the client gives up. */
export function perform(action: FaultAction, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (action === 'reset') req.socket.destroy();
  else if (action !== 'hang') send(res, action.reply);
}

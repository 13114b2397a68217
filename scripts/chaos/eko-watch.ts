// A pass-through in front of the simulator that watches every Initiate Refund call as it arrives.
// The simulator applies a refund at most once per tid (it refuses a second call once the
// transaction left Refund Pending), so its refund count cannot show a second refund call. Eko gives
// no idempotency key either: the money-safety rule is that a retry calls again only while the
// transaction is still Refund Pending (3). A refund call arriving after the refund was applied
// breaks that rule; this counts them per tid.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EkoSimulator } from '../../simulator';

const REFUND_CALL = /\/customer\/payment\/refund\/(\d+)$/;

export interface EkoWatch {
  /** The Eko base URL for the workers: this watch, which forwards to the simulator. */
  baseUrl: string;
  /** Refund calls that arrived after Eko had applied the refund, per tid. */
  lateRefundCalls: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export async function startEkoWatch(sim: EkoSimulator): Promise<EkoWatch> {
  const upstream = new URL(sim.url);
  const agent = new http.Agent({ keepAlive: true });
  const lateRefundCalls = new Map<string, number>();
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const tid = req.method === 'POST' ? REFUND_CALL.exec(req.url?.split('?')[0] ?? '')?.[1] : undefined;
    if (tid !== undefined && (sim.transaction(tid)?.refundCount ?? 0) > 0) {
      lateRefundCalls.set(tid, (lateRefundCalls.get(tid) ?? 0) + 1);
    }
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => req.socket.destroy());
      },
    );
    // The simulator reset the connection (an injected fault): the worker sees a reset too.
    forward.on('error', () => req.socket.destroy());
    // The worker gave up (its timeout on a hanging call): let go of the simulator as well.
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${new URL(sim.baseUrl).pathname}`,
    lateRefundCalls,
    async close() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

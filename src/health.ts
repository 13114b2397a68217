import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NativeConnection, State } from '@temporalio/worker';
import { within } from './timeout';

/**
 * Liveness and readiness for orchestrators. Live while the worker has not failed or stopped;
 * ready while it polls and Temporal answers a health check within two seconds.
 */
export interface HealthDeps {
  workerState: () => State;
  connection: NativeConnection;
}

const LIVE_STATES: State[] = ['INITIALIZED', 'RUNNING', 'STOPPING', 'DRAINING', 'DRAINED'];
const TEMPORAL_CHECK_MS = 2_000;

export async function startHealthServer(deps: HealthDeps, port: number, host = '0.0.0.0'): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void answer(req.url ?? '/', deps).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function healthUrl(server: http.Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function answer(url: string, deps: HealthDeps): Promise<{ status: number; body: object }> {
  const workerState = deps.workerState();
  if (url === '/healthz') {
    const live = LIVE_STATES.includes(workerState);
    return { status: live ? 200 : 503, body: { status: live ? 'live' : 'dead', workerState } };
  }
  if (url === '/readyz') {
    const temporal = await checkTemporal(deps.connection);
    const ready = workerState === 'RUNNING' && temporal === 'ok';
    return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', workerState, temporal } };
  }
  return { status: 404, body: { error: 'use /healthz or /readyz' } };
}

async function checkTemporal(connection: NativeConnection): Promise<string> {
  try {
    // The SDK retries an unavailable server internally, past any deadline: bound the wait here.
    await within(connection.healthService.check({}), TEMPORAL_CHECK_MS, 'Temporal health check');
    return 'ok';
  } catch (err) {
    return `unreachable: ${err instanceof Error ? err.message : String(err)}`;
  }
}

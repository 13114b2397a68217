import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NativeConnection, State } from '@temporalio/worker';
import { within } from './timeout';

/**
 * Liveness and readiness for orchestrators. Live while the worker has not failed or stopped;
 * ready while it polls and Temporal answers a read from its database within two seconds.
 */
export interface HealthDeps {
  workerState: () => State;
  connection: NativeConnection;
  namespace: string;
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
    const temporal = (await temporalAnswers(deps.connection.workflowService, deps.namespace)) ? 'ok' : 'unreachable';
    const ready = workerState === 'RUNNING' && temporal === 'ok';
    return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', workerState, temporal } };
  }
  return { status: 404, body: { error: 'use /healthz or /readyz' } };
}

/** A workflow id no refund has: reading it goes through the frontend and history to the database. */
const PROBE_WORKFLOW_ID = 'eko-refund-readiness-probe';
const NOT_FOUND = 5;

/**
 * Whether Temporal answers a read that needs its database, within two seconds. The frontend's own
 * health check answers while the database is down (calls then hang): "not found" is the answer
 * wanted; an error or no answer in time is not ready.
 */
export async function temporalAnswers(
  service: Pick<NativeConnection['workflowService'], 'describeWorkflowExecution'>,
  namespace: string,
): Promise<boolean> {
  try {
    // The SDK retries an unavailable server internally, past any deadline: bound the wait here.
    const read = service.describeWorkflowExecution({ namespace, execution: { workflowId: PROBE_WORKFLOW_ID } });
    await within(read, TEMPORAL_CHECK_MS, 'Temporal readiness check');
    return true;
  } catch (err) {
    // Not found: the workflow (Temporal read its database), not the namespace (a wrong configuration).
    const { code, details, message } = err as { code?: unknown; details?: unknown; message?: unknown };
    return code === NOT_FOUND && !/namespace/i.test(`${details ?? message}`);
  }
}

const TEMPORAL_PROBE_EVERY_MS = 15_000;

/**
 * Sets `gauge` to 1 while Temporal answers (temporalAnswers), 0 while not: now, then 15 s after
 * each probe ends, so probes never overlap. The timer does not hold the process open.
 */
export function watchTemporal(
  service: Parameters<typeof temporalAnswers>[0],
  namespace: string,
  gauge: { set(value: number): void },
  everyMs = TEMPORAL_PROBE_EVERY_MS,
): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const probe = async (): Promise<void> => {
    const ready = await temporalAnswers(service, namespace); // never rejects: an error is false
    if (stopped) return;
    gauge.set(ready ? 1 : 0);
    timer = setTimeout(() => void probe(), everyMs).unref();
  };
  void probe();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Connects once Temporal answers a read from its database, trying again every `retryMs` for up
 * to `waitMs`: a worker that starts while the server restarts or its database is down waits for
 * them instead of exiting. Past `waitMs` the last problem is thrown (a wrong address or
 * credentials, or a namespace that does not exist, end the start there).
 */
export async function connectWhenTemporalAnswers(
  connect: () => Promise<NativeConnection>,
  namespace: string,
  onWait: (problem: string) => void,
  { waitMs = 60_000, retryMs = 2_000 } = {},
): Promise<NativeConnection> {
  const until = Date.now() + waitMs;
  for (;;) {
    let problem: Error;
    try {
      const connection = await connect();
      if (await temporalAnswers(connection.workflowService, namespace)) return connection;
      await connection.close();
      problem = new Error('Temporal did not answer a read from its database in time');
    } catch (err) {
      problem = err as Error;
    }
    if (Date.now() + retryMs > until) throw problem;
    onWait(problem.message);
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '../../tools/children';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';
import { Postgres } from '../../scripts/cluster/postgres';
import {
  pinnedServerVersion,
  serverBuild,
  setUpNamespace,
  setUpSchema,
  TemporalServer,
} from '../../scripts/cluster/temporal-server';
import { waitFor } from '../helpers/wait';

/**
 * Readiness that tells the truth, on a real Temporal Server and PostgreSQL (`npm run test:cluster`;
 * not in CI: the server is built from go.temporal.io/server, minutes on first use). While
 * PostgreSQL is stopped, the frontend's own health check still answers SERVING, but the worker's
 * /readyz and its eko_refund_temporal_ready gauge (what TemporalDatabaseUnreachable reads) say not
 * ready; once PostgreSQL is back, ready again. The cluster's modules start the parts, with the
 * schema and namespace scripts of deploy/temporal/.
 */
const SERVING = 1;

describe('readiness on a Temporal cluster whose PostgreSQL stops', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refund-readiness-'));
  const password = 'readiness-test';
  let postgres: Postgres;
  let temporal: TemporalServer;
  let worker: WorkerProcess;
  let connection: Connection;
  let readyz: string;
  let metrics: string;

  beforeAll(async () => {
    const build = await serverBuild(pinnedServerVersion(), console.log);
    fs.chmodSync(dir, 0o755); // PostgreSQL runs as `postgres` when the test runs as root
    const db = { host: '127.0.0.1', port: await freePort(), user: 'temporal', password };
    postgres = new Postgres({ dataDir: path.join(dir, 'pg'), ...db, logFile: path.join(dir, 'postgres.log') });
    await postgres.start();
    await setUpSchema(build, db);
    // Away from the cluster's ports (7233 and beside it).
    temporal = new TemporalServer({
      build,
      db,
      port: 27233,
      metricsPort: await freePort(),
      dir: path.join(dir, 'temporal'),
      logFile: path.join(dir, 'temporal.log'),
    });
    await temporal.start();
    await setUpNamespace(temporal.address, 'default');
    connection = await Connection.connect({ address: temporal.address });
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    readyz = `http://127.0.0.1:${healthPort}/readyz`;
    metrics = `http://127.0.0.1:${metricsPort}/metrics`;
    worker = startWorkerProcess({
      TEMPORAL_ADDRESS: temporal.address,
      REFUND_TASK_QUEUE: 'readiness',
      HEALTH_PORT: String(healthPort),
      METRICS_PORT: String(metricsPort),
    });
    await worker.ready();
  }, 900_000);

  afterAll(async () => {
    await worker?.stop();
    await connection?.close();
    await temporal?.stop();
    await postgres?.stop();
    // The logs stay (postgres.log, temporal.log): a failure is read there.
    for (const data of ['pg', 'temporal']) fs.rmSync(path.join(dir, data), { recursive: true, force: true });
    console.log(`logs in ${dir}`);
  }, 60_000);

  const readiness = async () => {
    const response = await fetch(readyz);
    return { status: response.status, body: await response.text() };
  };
  const status = async () => (await readiness()).status;
  const gauge = async () => /^eko_refund_temporal_ready\{[^}]*\} (\d)/m.exec(await (await fetch(metrics)).text())?.[1];
  const frontendHealth = async () => (await connection.healthService.check({})).status;

  it('is ready while PostgreSQL runs', async () => {
    expect(await status()).toBe(200);
    await waitFor('the gauge at 1', gauge, (v) => v === '1', { timeoutMs: 30_000, everyMs: 500 });
  });

  it('is not ready while PostgreSQL is stopped, although the frontend says SERVING', async () => {
    await postgres.stop();
    await waitFor('/readyz 503', status, (s) => s === 503, { timeoutMs: 30_000, everyMs: 500 });
    // The probe runs every 15 s.
    await waitFor('the gauge at 0', gauge, (v) => v === '0', { timeoutMs: 40_000, everyMs: 500 });
    expect(await frontendHealth()).toBe(SERVING);
    expect(await status()).toBe(503);
  }, 90_000);

  it('is ready again once PostgreSQL is back', async () => {
    await postgres.start();
    await waitFor('/readyz 200', readiness, (r) => r.status === 200, { timeoutMs: 60_000, everyMs: 500 });
    await waitFor('the gauge at 1', gauge, (v) => v === '1', { timeoutMs: 40_000, everyMs: 500 });
  }, 120_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { RefundClient } from '../../src/client';
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { METRICS } from '../../src/contract';
import { type EkoSimulator, startSimulator } from '../../simulator';
import { freePort } from '../../tools/children';
import { type DevServerProcess, startDevServerProcess } from '../../tools/temporal-server';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';
import { buildProduction } from '../helpers/build';

/**
 * What operators rely on, on the production build: `npm run build`, then the compiled worker with
 * the prebundled workflow code, its Prometheus endpoint and its health endpoints.
 */
const TASK_QUEUE = 'operations';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'refund-ops-'));
let server: DevServerProcess;
let sim: EkoSimulator;
let worker: WorkerProcess;
let connection: Connection;
let refunds: RefundClient;
let metricsUrl: string;
let healthUrl: string;

beforeAll(async () => {
  await buildProduction();
  server = await startDevServerProcess({ dbFile: path.join(dataDir, 'temporal.sqlite') });
  sim = await startSimulator();
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  healthUrl = `http://127.0.0.1:${healthPort}`;
  worker = startWorkerProcess(
    {
      TEMPORAL_ADDRESS: server.address,
      REFUND_TASK_QUEUE: TASK_QUEUE,
      EKO_BASE_URL: sim.baseUrl,
      METRICS_PORT: String(metricsPort),
      HEALTH_PORT: String(healthPort),
    },
    { entry: 'compiled' },
  );
  await worker.ready();
  connection = await Connection.connect({ address: server.address });
  refunds = new RefundClient(new Client({ connection }), TASK_QUEUE);
}, 120_000);

afterAll(async () => {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await connection?.close();
  await sim?.close();
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const get = async (url: string) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, text: await response.text() };
};

test('npm start runs the compiled worker with the prebundled workflow code, and it refunds', async () => {
  expect(worker.output()).toContain('"workflowCode":"prebundled"');
  const tid = newTid();
  sim.seed({ tid, refundMode: 'pending', refundPendingInquiries: 1 });
  await refunds.start({ tid, ...FAST });
  await waitFor(
    'AWAITING_OTP',
    () => refunds.getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  await refunds.submitOtp(tid, { otp: sim.lastOtp(tid)! });
  expect(await refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
});

test('the metrics endpoint serves the refund metrics beside the SDK runtime metrics', async () => {
  const { status, text } = await waitFor(
    'the refund metrics',
    () => get(metricsUrl),
    (scrape) => scrape.text.includes(METRICS.refundsCompleted),
  );
  expect(status).toBe(200);
  expect(text).toMatch(/eko_refunds_completed\{[^}]*outcome="REFUNDED"[^}]*\} 1/);
  expect(text).toMatch(/eko_refund_duration_bucket\{[^}]*outcome="REFUNDED"/);
  expect(text).toMatch(/eko_refund_otp_wait_bucket/);
  expect(text).toMatch(/eko_refund_polls_bucket\{[^}]*purpose="settle"/);
  expect(text).toMatch(/eko_calls\{[^}]*endpoint="refund"[^}]*outcome="pending"[^}]*\} 1/);
  expect(text).toMatch(/eko_call_latency_bucket\{[^}]*endpoint="inquiry"/);
  // The SDK's own metrics, on the same endpoint.
  expect(text).toMatch(/temporal_workflow_completed/);
  expect(text).toMatch(/temporal_activity_execution_latency/);
  console.log(
    text
      .split('\n')
      .filter((line) => line.startsWith('eko_') && !line.includes('_bucket'))
      .join('\n'),
  );
});

test('health: live and ready; unready while the Temporal server is away, ready again after', async () => {
  expect(await get(`${healthUrl}/healthz`)).toEqual({ status: 200, text: '{"status":"live","workerState":"RUNNING"}' });
  expect(await get(`${healthUrl}/readyz`)).toEqual({
    status: 200,
    text: '{"status":"ready","workerState":"RUNNING","temporal":"ok"}',
  });

  await server.stop();
  const away = await waitFor(
    'unready',
    () => get(`${healthUrl}/readyz`),
    (r) => r.status === 503,
  );
  expect(JSON.parse(away.text)).toMatchObject({ status: 'not ready', temporal: expect.stringMatching(/^unreachable/) });
  expect((await get(`${healthUrl}/healthz`)).status).toBe(200);

  await server.start();
  await waitFor(
    'ready again',
    () => get(`${healthUrl}/readyz`),
    (r) => r.status === 200,
    { timeoutMs: 30_000 },
  );
});

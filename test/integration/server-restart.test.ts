import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { RefundClient } from '../../src/client';
import { createEkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { type EkoSimulator, startSimulator } from '../../simulator';
import { createRefundWorker } from '../../src/worker';
import { type DevServerProcess, quietTemporalRuntime, startDevServerProcess } from '../../tools/temporal-server';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

/** The Temporal dev server (SQLite file) stopped and restarted in the middle of a refund. */
let server: DevServerProcess;
let sim: EkoSimulator;
let worker: Worker;
let running: Promise<void>;
let connection: Connection;
let refunds: RefundClient;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'refund-restart-'));

beforeAll(async () => {
  quietTemporalRuntime();
  server = await startDevServerProcess({ dbFile: path.join(dataDir, 'temporal.sqlite') });
  sim = await startSimulator();
  worker = await createRefundWorker({
    connection: await NativeConnection.connect({ address: server.address }),
    namespace: 'default',
    taskQueue: 'server-restart',
    eko: createEkoClient({ baseUrl: sim.baseUrl, developerKey: UAT.developerKey, accessKey: UAT.accessKey }),
    defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
    shutdownGraceMs: 1_000,
  });
  running = worker.run();
  connection = await Connection.connect({ address: server.address });
  refunds = new RefundClient(new Client({ connection }), 'server-restart');
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await sim?.close();
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a refund polling Eko survives a Temporal server restart and is refunded once', async () => {
  const tid = newTid();
  sim.seed({ tid, refundMode: 'pending', refundPendingInquiries: 3 });
  await refunds.start({ tid, ...FAST, pollInterval: '1s', maxPollInterval: '1s' });
  await waitFor(
    'AWAITING_OTP',
    () => refunds.getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  await refunds.submitOtp(tid, { otp: sim.lastOtp(tid)! });

  await server.stop();
  await server.start();

  // Fresh calls rather than result(): a long poll opened before the restart may never answer.
  const done = await waitFor(
    'an outcome',
    () => refunds.getState(tid),
    (s) => s.outcome !== undefined,
    {
      timeoutMs: 90_000,
      everyMs: 250,
    },
  );
  expect(done.outcome).toBe(RefundOutcome.REFUNDED);
  expect(sim.transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  expect((await refunds.getState(tid)).transitions.map((t) => t.to)).toContain(RefundPhase.PENDING);
}, 120_000);

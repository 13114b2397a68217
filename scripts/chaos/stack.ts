// The stack a chaos run drives, all on loopback: a Temporal dev server (in memory), the Eko
// simulator in this process behind a watch on refund calls, and refund worker processes configured as in production, with
// encrypted payloads. Everything started is registered for cleanup, in reverse order.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { RefundClient } from '../../src/client';
import { dataConverterFor, loadEncryptionConfig } from '../../src/codec';
import { type EkoSimulator, startSimulator } from '../../simulator';
import { type EkoWatch, startEkoWatch } from './eko-watch';
import { sleep, startDevServer } from '../lib/processes';
import { WorkerPool } from './workers';

/** The worker's Eko timeout: short, so that hangs cost little; below the refunds' ekoCallTimeout (3 s). */
const EKO_TIMEOUT_MS = 1_500;
/** Starting a worker bundles the workflow code with webpack: seconds, more on a busy machine. */
const WORKER_START_TIMEOUT_MS = 120_000;

export class Cleanups {
  private readonly steps: (() => Promise<void> | void)[] = [];
  private running: Promise<void> | undefined;

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  /** Runs every step once, the last added first; a failing step does not stop the others. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (err) {
          console.error('cleanup:', err);
        }
      }
    })();
    return this.running;
  }
}

export interface ChaosStack {
  sim: EkoSimulator;
  ekoWatch: EkoWatch;
  pool: WorkerPool;
  client: Client;
  refunds: RefundClient;
  logDir: string;
}

export async function startStack(
  options: { workers: number; keepLogs: boolean },
  cleanups: Cleanups,
): Promise<ChaosStack> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eko-refund-chaos-'));
  const removeLogs = () => fs.rmSync(logDir, { recursive: true, force: true });
  if (!options.keepLogs) process.once('exit', removeLogs); // also when the run dies before its cleanup
  cleanups.add(() => (options.keepLogs ? console.error(`Logs kept in ${logDir}`) : removeLogs()));

  const server = await startDevServer({ logFile: path.join(logDir, 'temporal.log') });
  cleanups.add(() => server.stop());
  const sim = await startSimulator();
  cleanups.add(() => sim.close());
  const ekoWatch = await startEkoWatch(sim);
  cleanups.add(() => ekoWatch.close());

  // A fresh key per run: the chaos covers the payload codec too, as production runs it.
  const encryptionKeys = `chaos:${randomBytes(32).toString('base64')}`;
  const taskQueue = `chaos-${process.pid}`;
  const pool = new WorkerPool(
    options.workers,
    {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      REFUND_TASK_QUEUE: taskQueue,
      EKO_BASE_URL: ekoWatch.baseUrl,
      EKO_DEVELOPER_KEY: sim.config.developerKey,
      EKO_ACCESS_KEY: sim.config.accessKey,
      EKO_INITIATOR_ID: sim.config.initiatorId,
      EKO_USER_CODE: sim.config.userCode,
      EKO_TIMEOUT_MS: String(EKO_TIMEOUT_MS),
      REFUND_ENCRYPTION_KEYS: encryptionKeys,
      // Info, not warn: the run waits for the "Refund worker polling" line.
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '1000',
      // Off (0): several workers run side by side, and these would bind fixed ports on every interface.
      METRICS_PORT: '0',
      HEALTH_PORT: '0',
    },
    logDir,
  );
  cleanups.add(() => pool.stop());
  pool.start();

  // Not closed by the cleanup: after Ctrl-C, drivers still retrying on a closed channel would throw;
  // the process exits right after the cleanup anyway.
  const connection = await Connection.connect({ address: server.address });
  const dataConverter = dataConverterFor(loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: encryptionKeys }));
  const client = new Client({ connection, namespace: 'default', dataConverter });

  const readyBy = Date.now() + WORKER_START_TIMEOUT_MS;
  while (pool.readyCount < options.workers) {
    if (pool.broken) throw new Error(`the refund workers keep crashing; logs in ${logDir} (use --keep-logs)`);
    if (Date.now() > readyBy) throw new Error(`the refund workers did not start within ${WORKER_START_TIMEOUT_MS} ms`);
    await sleep(200);
  }
  return { sim, ekoWatch, pool, client, refunds: new RefundClient(client, taskQueue), logDir };
}

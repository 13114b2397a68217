// The stack a chaos run drives, all on loopback: a Temporal dev server (in memory) that the run
// owns, so that an operator action may stop and restart it; the Eko simulator in this process; and
// refund worker processes configured as in production, with encrypted payloads, run from code
// compiled once with the workflow code prebundled (as `npm start` after `npm run build`), so that a
// killed worker's replacement polls within seconds instead of running webpack first; and a webhook
// receiver, every refund's subscriber. Everything
// started is released by the run's resources, the last first.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { EVENT_TYPES, RefundClient } from '../../src/client';
import { dataConverterFor, loadEncryptionConfig } from '../../src/codec';
import { type EkoSimulator, startSimulator } from '../../simulator';
import type { Resources } from '../../tools/resources';
import { startDevServerProcess } from '../../tools/temporal-server';
import { startWebhookReceiver, type WebhookReceiver } from '../../tools/webhook-receiver';
import { buildWorkerCode } from '../bench/build';
import type { WorkflowCode } from './histories';
import { temporalCli, type TemporalCli } from './temporal-cli';
import { WorkerPool } from './workers';

/** The worker's Eko timeout: short, so that hangs cost little; below the refunds' ekoCallTimeout (3 s). */
const EKO_TIMEOUT_MS = 1_500;
/** A prebundled worker polls within seconds; a busy machine may take longer. */
const WORKER_START_TIMEOUT_MS = 120_000;

export interface ChaosStack {
  sim: EkoSimulator;
  pool: WorkerPool;
  client: Client;
  refunds: RefundClient;
  cli: TemporalCli;
  taskQueue: string;
  /** What the workers run, for replaying the histories at the end. */
  workflowCode: WorkflowCode;
  /** The run's throwaway REFUND_ENCRYPTION_KEYS: the payloads of its histories need it. */
  encryptionKeys: string;
  /** The workers' one webhook subscriber: it refuses each event's first attempts. */
  receiver: WebhookReceiver;
}

const OUTCOMES = EVENT_TYPES.filter((type) => type !== 'refund.awaiting_otp' && type !== 'refund.pending');
/** Each event rides its retries (1, 2, 4, 8, 16 s) before the receiver takes it. */
export const WEBHOOK_REFUSALS = 5;

/** What a chaos run's workers get besides their Temporal and Eko settings (the cluster's too). */
export function chaosWorkerEnv(webhookUrl: string, webhookSecret: string): Record<string, string> {
  return {
    EKO_TIMEOUT_MS: String(EKO_TIMEOUT_MS),
    SHUTDOWN_GRACE_MS: '1000',
    // The outcomes, which the verdict checks: the phases' events would only load the machine.
    REFUND_WEBHOOKS: JSON.stringify([{ name: 'chaos', url: webhookUrl, secret: webhookSecret, events: OUTCOMES }]),
  };
}

export async function startStack(
  options: { workers: number; keepLogs: boolean },
  resources: Resources,
): Promise<ChaosStack> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eko-refund-chaos-'));
  resources.add('the logs', () =>
    options.keepLogs ? console.error(`Logs kept in ${logDir}`) : fs.rmSync(logDir, { recursive: true, force: true }),
  );

  // Webpack takes the longest: the server starts meanwhile.
  const [compiled, server] = await Promise.all([
    buildWorkerCode(),
    startDevServerProcess({ logFile: path.join(logDir, 'temporal.log') }),
  ]);
  resources.add('the compiled worker code', compiled.remove);
  resources.add('the Temporal dev server', () => server.stop());
  const sim = await startSimulator();
  resources.add('the Eko simulator', () => sim.close());
  const webhookSecret = randomBytes(32).toString('hex');
  const receiver = await startWebhookReceiver(webhookSecret, { refuseEach: WEBHOOK_REFUSALS });
  resources.add('the webhook receiver', () => receiver.close());

  // A fresh key per run: the chaos covers the payload codec too, as production runs it.
  const encryptionKeys = `chaos:${randomBytes(32).toString('base64')}`;
  const taskQueue = `chaos-${process.pid}`;
  const pool = new WorkerPool({
    size: options.workers,
    temporalAddress: server.address,
    env: {
      TEMPORAL_NAMESPACE: 'default',
      REFUND_TASK_QUEUE: taskQueue,
      EKO_BASE_URL: sim.baseUrl,
      EKO_DEVELOPER_KEY: sim.config.developerKey,
      EKO_ACCESS_KEY: sim.config.accessKey,
      EKO_INITIATOR_ID: sim.config.initiatorId,
      EKO_USER_CODE: sim.config.userCode,
      REFUND_ENCRYPTION_KEYS: encryptionKeys,
      ...chaosWorkerEnv(receiver.url, webhookSecret),
    },
    entry: path.join(compiled.dir, 'src', 'worker.js'),
    logDir,
  });
  resources.add('the refund workers', () => pool.stop());
  pool.start();

  // Not closed with the resources: after Ctrl-C, drivers still retrying on a closed channel would
  // throw; the process exits right after anyway.
  const connection = await Connection.connect({ address: server.address });
  const dataConverter = dataConverterFor(loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: encryptionKeys }));
  const client = new Client({ connection, namespace: 'default', dataConverter });

  await pool.polling(WORKER_START_TIMEOUT_MS);
  return {
    sim,
    pool,
    client,
    refunds: new RefundClient(client, taskQueue),
    cli: temporalCli(server.address),
    taskQueue,
    workflowCode: { bundlePath: path.join(compiled.dir, 'src', 'workflow-bundle.js'), dataConverter },
    encryptionKeys,
    receiver,
  };
}

import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { dataConverterFor, loadEncryptionConfig } from '../src/codec';
import { DEV_ENCRYPTION_KEYS } from '../src/codec/config';
import { createEncryptionCodec } from '../src/codec/encryption';
import { startCodecServer } from '../src/codec/server';
import { loadConfig, loadTemporalConfig } from '../src/config';
import { TASK_QUEUE } from '../src/contract';
import { createEkoClient } from '../src/eko/client';
import { UAT } from '../src/eko/uat';
import { startHealthServer } from '../src/health';
import { DEMO_LIVE_TID, printSms, seedDemo } from '../simulator/demo';
import { startSimulator } from '../simulator';
import { createRefundWorker, ensureSearchAttributes } from '../src/worker';
import { portInUse } from '../tools/children';
import { type Resources, RunError, runMain } from '../tools/resources';
import { startLocalServer } from '../tools/temporal-server';
import { startDevApi } from './dev-api';

/**
 * `npm run dev`: the local stack in one process. A Temporal dev server whose SQLite file lives in
 * .data/ (refunds survive a restart) with its Web UI, unless TEMPORAL_ADDRESS points at a running
 * one; the Eko simulator seeded with refund-pending transactions, its SMS printed as they are
 * "sent"; and the refund worker, calling the simulator, with its metrics and health endpoints as
 * in production. Ctrl-C stops the worker, then the rest.
 */
const DATA_DIR = path.resolve(__dirname, '..', '.data');
const TEMPORAL_PORT = Number(process.env.TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const SIMULATOR_PORT = Number(process.env.SIMULATOR_PORT ?? 8080);
const CODEC_PORT = Number(process.env.CODEC_PORT ?? 8081);
// Payloads are encrypted as in production: with this public dev key unless REFUND_ENCRYPTION_KEYS is set.
const ENCRYPTION_KEYS = process.env.REFUND_ENCRYPTION_KEYS || DEV_ENCRYPTION_KEYS;
const DEMO_TID = '1000000001';

interface Temporal {
  address: string;
  namespace: string;
  connection: NativeConnection;
  /** The Web UI of our own server. */
  ui?: string;
}

async function main(resources: Resources): Promise<void> {
  const config = loadConfig();
  const ownServer = !process.env.TEMPORAL_ADDRESS;
  await checkPortsFree({
    ...(ownServer && { TEMPORAL_PORT, TEMPORAL_UI_PORT: UI_PORT }),
    SIMULATOR_PORT,
    CODEC_PORT,
    METRICS_PORT: config.metricsPort,
    HEALTH_PORT: config.healthPort,
    API_PORT: Number(process.env.API_PORT || 8090),
  });
  // Quiet SDK logs (the workflow bundle report alone is pages long), the worker's Prometheus
  // endpoint as src/worker.ts serves it, and no SDK signal handling: runMain stops the worker.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    shutdownSignals: [],
    telemetryOptions: {
      metrics: config.metricsPort > 0 ? { prometheus: { bindAddress: `127.0.0.1:${config.metricsPort}` } } : undefined,
    },
  });

  const simulator = await startSimulator({ onSms: printSms }, SIMULATOR_PORT);
  resources.add('the Eko simulator', () => simulator.close());
  seedDemo(simulator);
  const keys = loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: ENCRYPTION_KEYS });
  const uiOrigins = [`http://localhost:${UI_PORT}`, `http://127.0.0.1:${UI_PORT}`];
  const codec = await startCodecServer({ codec: createEncryptionCodec(keys), corsOrigins: uiOrigins }, CODEC_PORT);
  resources.add('the codec server', () => codec.close());
  const temporal = ownServer ? await startTemporal(resources, codec.url) : await useRunningServer(resources);

  await ensureSearchAttributes(temporal.connection, temporal.namespace);
  const worker = await createRefundWorker({
    connection: temporal.connection,
    namespace: temporal.namespace,
    taskQueue: config.taskQueue,
    // The simulator checks signatures with Eko's UAT keys, as UAT does.
    eko: createEkoClient({
      baseUrl: simulator.baseUrl,
      developerKey: simulator.config.developerKey,
      accessKey: simulator.config.accessKey,
      timeoutMs: 10_000,
    }),
    defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
    shutdownGraceMs: 5_000,
    dataConverter: dataConverterFor(keys),
    tuning: config.tuning,
  });
  const running = worker.run();
  // On Ctrl-C the worker stops polling and lets in-flight activities finish within the grace time.
  resources.add('the refund worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined); // a failure is reported by `await running` below
  });
  if (config.healthPort > 0) {
    const deps = {
      workerState: () => worker.getState(),
      connection: temporal.connection,
      namespace: temporal.namespace,
    };
    const health = await startHealthServer(deps, config.healthPort, '127.0.0.1');
    resources.add('the health server', () => health.close());
  }

  // The refund HTTP API and support console (API_PORT, default 8090).
  const api = await startDevApi({
    address: temporal.address,
    taskQueue: config.taskQueue,
    dataConverter: dataConverterFor(keys),
  });
  resources.add('the refund API', () => api.close());
  simulator.configure({ callbackUrl: api.callbackUrl });

  const cli = `${cliEnv(temporal, config.taskQueue)}npm run cli --`;
  const ui = temporal.ui ?? "your server's Web UI";
  const local = (port: number, paths: string) => (port > 0 ? `http://127.0.0.1:${port}${paths}` : 'off (port 0)');
  console.log(`
Dev stack running:
  Temporal       ${temporal.address}${temporal.ui ? ' (data in .data/temporal.sqlite)' : ''}
  Temporal UI    ${ui}
  Refund worker  task queue ${config.taskQueue}, Eko calls go to the simulator
                 metrics ${local(config.metricsPort, '/metrics')}
                 health  ${local(config.healthPort, '/healthz and /readyz')}
  Eko simulator  ${simulator.baseUrl}
                 seeded refund-pending tids: 1000000001, 1000000002, 1000000003 (settles after 2 inquiries)
                 and a live one, ${DEMO_LIVE_TID}, that Eko fails on request and calls back about
                 admin: ${simulator.url}/__sim/transactions/<tid>, ${simulator.url}/__sim/sms
  Codec server   ${codec.url}: payloads are encrypted; the UI decodes through it, and so does
                 the temporal CLI with --codec-endpoint ${codec.url}
${api.welcome}

Run a refund from another terminal (the CLI needs the key to read the encrypted refund state):
  0. export REFUND_ENCRYPTION_KEYS=${ENCRYPTION_KEYS}
  1. ${cli} start ${DEMO_TID}
  2. watch this terminal for the SMS with the customer's OTP
  3. ${cli} otp ${DEMO_TID}, and type the OTP from the SMS at its prompt
  4. ${cli} status ${DEMO_TID}
  Or follow it live: ${cli} watch ${DEMO_TID}, and in the UI: ${ui} (workflow refund-${DEMO_TID}).

A refund that starts itself: fail the live transaction, and Eko's callback starts refund-${DEMO_LIVE_TID}
(its OTP SMS shows here; the refund waits for it in the console):
  curl -X POST ${simulator.url}/__sim/transactions/${DEMO_LIVE_TID}/fail

Press Ctrl-C to stop.`);
  await running;
}

/** Otherwise the stack would quietly talk to whatever listens there, not to its own servers. */
async function checkPortsFree(ports: Record<string, number>): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    if (port > 0 && (await portInUse(port))) {
      throw new RunError(
        `port ${port} (${name}) is in use: stop what listens there or set ${name}` +
          (name.startsWith('TEMPORAL')
            ? `, or use a running Temporal server with TEMPORAL_ADDRESS=localhost:${port}`
            : ''),
      );
    }
  }
}

/** Our own dev server: its SQLite file in .data/, its Web UI decoding payloads through the codec server. */
async function startTemporal(resources: Resources, codecUrl: string): Promise<Temporal> {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const { namespace } = loadTemporalConfig();
  const env = await startLocalServer({
    port: TEMPORAL_PORT,
    uiPort: UI_PORT,
    namespace,
    dbFilename: path.join(DATA_DIR, 'temporal.sqlite'),
    // The Web UI decodes payloads through the codec server, from the browser.
    extraArgs: ['--ui-codec-endpoint', codecUrl],
  });
  resources.add('the Temporal dev server', () => env.teardown());
  const address = `localhost:${TEMPORAL_PORT}`;
  return { address, namespace, connection: env.nativeConnection, ui: `http://localhost:${UI_PORT}` };
}

async function useRunningServer(resources: Resources): Promise<Temporal> {
  const { connectionOptions, namespace } = loadTemporalConfig();
  const connection = await NativeConnection.connect(connectionOptions).catch((err: Error) => {
    throw new RunError(`cannot reach Temporal at ${connectionOptions.address} (TEMPORAL_ADDRESS): ${err.message}`);
  });
  resources.add('the Temporal connection', () => connection.close());
  return { address: connectionOptions.address, namespace, connection };
}

/** The environment the CLI needs to find this stack, where it differs from the CLI's defaults. */
function cliEnv({ address, namespace }: Temporal, taskQueue: string): string {
  const vars = [
    address !== 'localhost:7233' && `TEMPORAL_ADDRESS=${address}`,
    namespace !== 'default' && `TEMPORAL_NAMESPACE=${namespace}`,
    taskQueue !== TASK_QUEUE && `REFUND_TASK_QUEUE=${taskQueue}`,
  ].filter(Boolean);
  return vars.length > 0 ? `${vars.join(' ')} ` : '';
}

// Ctrl-C is how the dev stack ends: exit code 0.
runMain(main, { stopped: 0 });

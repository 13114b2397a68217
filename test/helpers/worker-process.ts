import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  /** Resolves once the worker says it is polling. */
  ready(): Promise<void>;
}

/**
 * The production entry point as its own process, configured by `env` alone: from the sources, or
 * `dist/worker.js` as `npm start` runs it after `npm run build`.
 */
export function startWorkerProcess(env: Record<string, string>, { compiled = false } = {}): WorkerProcess {
  const args = compiled ? ['dist/worker.js'] : ['-r', 'ts-node/register/transpile-only', 'src/worker.ts'];
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    // Several workers run at once in tests: no fixed metrics or health port unless a test asks.
    env: { ...process.env, METRICS_PORT: '0', HEALTH_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = () =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes('Refund worker polling')) resolve();
      };
      listeners.add(check);
      check();
      void exited.then((code) => reject(new Error(`worker exited (${code}) before polling:\n${output}`)));
    });
  return { child, output: () => output, exited, ready };
}

/** Kills the worker at once, as a crash or an OOM kill would. */
export async function killWorker(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
}

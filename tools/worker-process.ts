// A refund worker in a process of its own, for the tests, the chaos run and the benchmark:
// configured by its environment alone, ready once it logs that it polls, stopped like production
// stops it (SIGTERM) or killed like a crash or an OOM kill would (SIGKILL).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inheritedEnv, spawnChild, stopChild } from './children';

const REPO_ROOT = path.resolve(__dirname, '..');
/** What src/worker.ts logs (at info) once it polls its task queue. */
export const READY_MESSAGE = 'Refund worker polling';

export interface WorkerProcessOptions {
  /**
   * `sources` (default): src/worker.ts under ts-node, as `npm run start:dev`; `compiled`:
   * dist/worker.js, as `npm start` after `npm run build`; or the path of another entry point.
   */
  entry?: 'sources' | 'compiled' | string;
  /** Node options, such as `--max-old-space-size=256`. */
  nodeOptions?: string[];
  /** Where its output goes; kept in memory otherwise. */
  logFile?: string;
  /** An IPC channel to the process (the benchmark asks its worker for its heap). */
  ipc?: boolean;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  /** The worker's "polling" log record, once it polls; rejects if the process exits first. */
  ready(): Promise<Record<string, unknown>>;
  /** SIGTERM: the worker lets in-flight activities finish within its grace time; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now, as a crash or an OOM kill would. */
  kill(): Promise<void>;
}

/**
 * Starts a worker process with `env` as its whole configuration (TEMPORAL_ADDRESS,
 * REFUND_TASK_QUEUE, EKO_BASE_URL...): nothing of this shell's Temporal, Eko or encryption
 * settings leaks in. Metrics and health endpoints are off unless `env` asks: several workers run
 * side by side, and those would bind fixed ports on every interface.
 */
export function startWorkerProcess(env: Record<string, string>, options: WorkerProcessOptions = {}): WorkerProcess {
  const entry = options.entry ?? 'sources';
  const file = { sources: 'src/worker.ts', compiled: 'dist/worker.js' }[entry] ?? entry;
  const execArgv = file.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [];
  const child = spawnChild(process.execPath, [...execArgv, ...(options.nodeOptions ?? []), file], {
    cwd: REPO_ROOT,
    env: { ...inheritedEnv(), LOG_LEVEL: 'info', METRICS_PORT: '0', HEALTH_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });

  let output = '';
  const logFd = options.logFile ? fs.openSync(options.logFile, 'a') : undefined;
  const collect = (chunk: Buffer) => (logFd === undefined ? (output += chunk.toString()) : fs.writeSync(logFd, chunk));
  child.stderr?.on('data', collect);
  child.stdout?.on('data', collect);
  const readOutput = () => (options.logFile ? fs.readFileSync(options.logFile, 'utf8') : output);
  // 'close', not 'exit': by then the process's last words are in `output`.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  void exited.then(() => logFd !== undefined && fs.closeSync(logFd));

  const polling = new Promise<Record<string, unknown>>((resolve, reject) => {
    let text = '';
    const watch = (chunk: Buffer) => {
      text += chunk.toString();
      const line = text
        .split('\n')
        .slice(0, -1) // whole lines only
        .find((l) => l.includes(`"${READY_MESSAGE}"`));
      if (line === undefined) return;
      child.stdout?.off('data', watch);
      resolve(JSON.parse(line) as Record<string, unknown>);
    };
    child.stdout?.on('data', watch);
    void exited.then((code) => reject(new Error(`worker exited (${code}) before polling:\n${readOutput()}`)));
  });
  polling.catch(() => undefined); // a worker nobody waits for may exit at will

  return {
    child,
    output: readOutput,
    exited,
    ready: () => polling,
    stop: (graceMs) => stopChild(child, graceMs),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

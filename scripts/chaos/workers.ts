// The refund workers of a chaos run: production worker processes (src/worker.ts, configured by its
// environment alone) that the killer SIGKILLs at random, as a crash or an OOM kill would, and
// replaces at once, so the pool keeps its size and there is always a worker being started.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stopChild } from '../lib/processes';
import type { Random } from './random';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** What src/worker.ts logs (at info) once it polls its task queue. */
const READY_LINE = 'Refund worker polling';
/** A worker that keeps dying on its own is broken, not chaotic: stop replacing it. */
const MAX_CRASHES = 5;

interface RefundWorker {
  id: number;
  child: ChildProcess;
  ready: boolean;
  killedByChaos: boolean;
}

export interface WorkerCrash {
  id: number;
  exit: string;
  log: string;
}

export class WorkerPool {
  started = 0;
  kills = 0;
  readonly crashes: WorkerCrash[] = [];
  private readonly workers = new Set<RefundWorker>();
  private stopping = false;
  private readonly killAllOnExit = () => this.workers.forEach((w) => w.child.kill('SIGKILL'));

  /** `env`: the worker's configuration (TEMPORAL_ADDRESS, REFUND_TASK_QUEUE, EKO_BASE_URL...). */
  constructor(
    private readonly size: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {
    process.on('exit', this.killAllOnExit);
  }

  start(): void {
    while (this.workers.size < this.size) this.spawnWorker();
  }

  get readyCount(): number {
    return [...this.workers].filter((w) => w.ready).length;
  }

  get broken(): boolean {
    return this.crashes.length >= MAX_CRASHES;
  }

  /** SIGKILLs a random polling worker (none while all are still starting); its replacement starts at once. */
  killOne(random: Random): boolean {
    const ready = [...this.workers].filter((w) => w.ready);
    if (ready.length === 0) return false;
    const victim = random.pick(ready);
    victim.killedByChaos = true;
    victim.child.kill('SIGKILL');
    this.kills += 1;
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.workers].map((w) => stopChild(w.child)));
    process.off('exit', this.killAllOnExit);
  }

  private spawnWorker(): void {
    const id = (this.started += 1);
    const logFile = path.join(this.logDir, `worker-${id}.log`);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/worker.ts'], {
      cwd: REPO_ROOT,
      // Only what the worker needs: nothing of this shell's Temporal or Eko settings leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env },
      stdio: ['ignore', 'pipe', log],
      // Its own process group: Ctrl-C reaches the run, which stops the workers itself (not as crashes).
      detached: true,
    });
    fs.closeSync(log);
    const worker: RefundWorker = { id, child, ready: false, killedByChaos: false };
    this.workers.add(worker);

    // The log goes to its file; the first lines are read for the "polling" line.
    const out = fs.createWriteStream(logFile, { flags: 'a' });
    child.stdout?.pipe(out);
    let head = '';
    const watchReady = (chunk: Buffer) => {
      head += chunk.toString();
      if (!head.includes(READY_LINE)) return;
      worker.ready = true;
      child.stdout?.off('data', watchReady);
    };
    child.stdout?.on('data', watchReady);

    child.once('exit', (code, signal) => {
      this.workers.delete(worker);
      if (this.stopping) return;
      if (!worker.killedByChaos) {
        const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2_000) : '';
        this.crashes.push({ id, exit: signal ?? `code ${code}`, log: tail });
        if (this.broken) return;
      }
      this.spawnWorker();
    });
  }
}

/** Every `everyMs` (± 50 %, from the seeded random), kills one worker; until stopped. */
export function startKiller(pool: WorkerPool, random: Random, everyMs: number): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(
      () => {
        pool.killOne(random);
        schedule();
      },
      Math.round(everyMs * (0.5 + random.next())),
    );
  };
  if (everyMs > 0) schedule();
  return { stop: () => clearTimeout(timer) };
}

// The refund workers of a chaos run: production worker processes (src/worker.ts compiled, configured
// by its environment alone) that operator actions kill, replaced at once, so the pool keeps its size and
// there is always a worker being started.
import path from 'node:path';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';
import type { Random } from './random';

/** A worker that keeps dying on its own is broken, not chaotic: stop replacing it. */
const MAX_CRASHES = 5;

interface PoolWorker {
  id: number;
  child: WorkerProcess;
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
  private readonly workers = new Set<PoolWorker>();
  private stopping = false;

  /**
   * `env`: the worker's configuration (TEMPORAL_ADDRESS, REFUND_TASK_QUEUE, EKO_BASE_URL...);
   * `entry`: the compiled worker (src/worker.js beside its prebundled workflow code).
   */
  constructor(
    private readonly size: number,
    private readonly env: Record<string, string>,
    private readonly entry: string,
    private readonly logDir: string,
  ) {}

  start(): void {
    while (this.workers.size < this.size) this.startWorker();
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
    void victim.child.kill();
    this.kills += 1;
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.workers].map((w) => w.child.stop()));
  }

  private startWorker(): void {
    const id = (this.started += 1);
    const child = startWorkerProcess(this.env, {
      entry: this.entry,
      logFile: path.join(this.logDir, `worker-${id}.log`),
    });
    const worker: PoolWorker = { id, child, ready: false, killedByChaos: false };
    this.workers.add(worker);
    child.ready().then(
      () => (worker.ready = true),
      () => undefined,
    ); // an early exit is a crash, below
    void child.exited.then(() => {
      this.workers.delete(worker);
      if (this.stopping) return;
      if (!worker.killedByChaos) {
        const { exitCode, signalCode } = child.child;
        this.crashes.push({ id, exit: signalCode ?? `code ${exitCode}`, log: child.output().slice(-2_000) });
        if (this.broken) return;
      }
      this.startWorker();
    });
  }
}

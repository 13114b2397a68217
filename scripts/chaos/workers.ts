// The refund workers of a chaos run: production worker processes (src/worker.ts compiled, configured
// by its environment alone) that operator actions kill, replaced at once, so the pool keeps its size and
// there is always a worker being started.
import path from 'node:path';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';
import { TemporalLink } from './link';
import type { Random } from './random';

/** How long a worker is cut off from Temporal: past an attempt (3 s), so Temporal retries it elsewhere. */
const CUT_OFF_MS = 5_000;

/** A worker that keeps dying on its own is broken, not chaotic: stop replacing it. */
const MAX_CRASHES = 5;

interface PoolWorker {
  id: number;
  child: WorkerProcess;
  link: TemporalLink;
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
  cutOffs = 0;
  readonly crashes: WorkerCrash[] = [];
  private readonly workers = new Set<PoolWorker>();
  private stopping = false;

  /**
   * `env`: the worker's configuration (REFUND_TASK_QUEUE, EKO_BASE_URL...); each worker reaches
   * `temporalAddress` through a link of its own (see cutOffOne). `entry`: the compiled worker
   * (src/worker.js beside its prebundled workflow code).
   */
  constructor(
    private readonly size: number,
    private readonly temporalAddress: string,
    private readonly env: Record<string, string>,
    private readonly entry: string,
    private readonly logDir: string,
  ) {}

  start(): void {
    for (let i = this.workers.size + this.starting; i < this.size; i++) void this.startWorker();
  }
  private starting = 0;

  get readyCount(): number {
    return [...this.workers].filter((w) => w.ready).length;
  }

  get broken(): boolean {
    return this.crashes.length >= MAX_CRASHES;
  }

  /** SIGKILLs a random polling worker (none while all are still starting); its replacement starts at once. */
  killOne(random: Random): boolean {
    const ready = [...this.workers].filter((w) => w.ready && !w.killedByChaos);
    if (ready.length === 0) return false;
    const victim = random.pick(ready);
    victim.killedByChaos = true;
    void victim.child.kill();
    this.kills += 1;
    return true;
  }

  /**
   * Cuts a random polling worker off from Temporal (not from Eko) for longer than an attempt: its
   * heartbeats and answers are lost while its Eko calls go out; then it is killed and replaced, as
   * an orchestrator restarts a worker that lost its server.
   */
  cutOffOne(random: Random): boolean {
    const ready = [...this.workers].filter((w) => w.ready && !w.killedByChaos);
    if (ready.length === 0) return false;
    const victim = random.pick(ready);
    victim.killedByChaos = true;
    this.cutOffs += 1;
    void victim.link.cutFor(CUT_OFF_MS).then(() => victim.child.kill());
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.workers].map(async (w) => (await w.child.stop(), await w.link.close())));
  }

  private async startWorker(): Promise<void> {
    const id = (this.started += 1);
    this.starting += 1;
    const link = await TemporalLink.open(this.temporalAddress).finally(() => (this.starting -= 1));
    const child = startWorkerProcess(
      { ...this.env, TEMPORAL_ADDRESS: link.address },
      { entry: this.entry, logFile: path.join(this.logDir, `worker-${id}.log`) },
    );
    const worker: PoolWorker = { id, child, link, ready: false, killedByChaos: false };
    this.workers.add(worker);
    child.ready().then(
      () => (worker.ready = true),
      () => undefined,
    ); // an early exit is a crash, below
    void child.exited.then(() => {
      this.workers.delete(worker);
      void link.close();
      if (this.stopping) return;
      if (!worker.killedByChaos) {
        const { exitCode, signalCode } = child.child;
        this.crashes.push({ id, exit: signalCode ?? `code ${exitCode}`, log: child.output().slice(-2_000) });
        if (this.broken) return;
      }
      void this.startWorker();
    });
  }
}

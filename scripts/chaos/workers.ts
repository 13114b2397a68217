// The refund workers of a chaos run: production worker processes (src/worker.ts compiled, configured
// by its environment alone) that operator actions kill, replaced at once, so the pool keeps its size and
// there is always a worker being started.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasExited } from '../../tools/children';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';
import { TemporalLink } from './link';
import type { Random } from './random';

/** How long a worker is cut off from Temporal: past an attempt (3 s), so Temporal retries it elsewhere. */
const CUT_OFF_MS = 5_000;

/** A worker that keeps dying on its own is broken, not chaotic: stop replacing it. */
const MAX_CRASHES = 5;

interface PoolWorker {
  id: number;
  /** Its place in the pool: a replacement takes the place (and the ports) of the worker it replaces. */
  slot: number;
  child: WorkerProcess;
  /** Between the worker and Temporal; none when the pool was made without links. */
  link: TemporalLink | undefined;
  ready: boolean;
  killedByChaos: boolean;
  /** Frozen by pauseOne: no other action takes it, so that it lives to go on. */
  frozen: boolean;
}

export interface WorkerPoolOptions {
  size: number;
  temporalAddress: string;
  /** The workers' configuration (REFUND_TASK_QUEUE, EKO_BASE_URL...). */
  env: Record<string, string>;
  /** What differs by place in the pool (0, 1, ...), such as the metrics and health ports. */
  slotEnv?: (slot: number) => Record<string, string>;
  /** The compiled worker (src/worker.js beside its prebundled workflow code). */
  entry: string;
  logDir: string;
  /** Each worker reaches Temporal through a link of its own (see cutOffOne); default true. */
  links?: boolean;
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

  constructor(private readonly options: WorkerPoolOptions) {}

  start(): void {
    for (let slot = 0; slot < this.options.size; slot++) void this.startWorker(slot);
  }

  get readyCount(): number {
    return [...this.workers].filter((w) => w.ready).length;
  }

  get broken(): boolean {
    return this.crashes.length >= MAX_CRASHES;
  }

  /** Resolves once every worker polls; fails if they keep crashing or take longer than `timeoutMs`. */
  async polling(timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.readyCount < this.options.size) {
      if (this.broken) throw new Error(`the refund workers keep crashing; their logs are in ${this.options.logDir}`);
      if (Date.now() > until) throw new Error(`the refund workers did not poll within ${timeoutMs / 1000} s`);
      await sleep(200);
    }
  }

  /** The polling workers an action may take. */
  private get takeable(): PoolWorker[] {
    return [...this.workers].filter((w) => w.ready && !w.killedByChaos && !w.frozen);
  }

  /** SIGKILLs a random polling worker (none while all are still starting); its replacement starts at once. */
  killOne(random: Random): boolean {
    const ready = this.takeable;
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
    const ready = this.takeable.filter((w) => w.link !== undefined);
    if (ready.length === 0) return false;
    const victim = random.pick(ready);
    victim.killedByChaos = true;
    this.cutOffs += 1;
    void victim.link!.cutFor(CUT_OFF_MS).then(() => victim.child.kill());
    return true;
  }

  /**
   * Stops a random polling worker (SIGSTOP) for `ms`, then lets it go on (SIGCONT): its heartbeats
   * are lost and its calls stall while it is frozen, as a paused VM or a long GC pause would.
   */
  async pauseOne(random: Random, ms: number, signal?: AbortSignal): Promise<boolean> {
    const ready = this.takeable;
    if (ready.length === 0 || this.stopping) return false;
    const victim = random.pick(ready);
    victim.frozen = true;
    victim.child.child.kill('SIGSTOP');
    await sleep(ms, undefined, { signal }).catch(() => undefined);
    victim.child.child.kill('SIGCONT');
    victim.frozen = false;
    return !hasExited(victim.child.child);
  }

  /** SIGKILLs the worker with this process id, if it is one of the pool's; replaced at once. */
  killPid(pid: number): boolean {
    const victim = this.takeable.find((w) => w.child.child.pid === pid);
    if (!victim) return false;
    victim.killedByChaos = true;
    void victim.child.kill();
    this.kills += 1;
    return true;
  }

  /** The process ids of the workers running now. */
  get pids(): number[] {
    return [...this.workers].flatMap((w) => (w.child.child.pid === undefined ? [] : [w.child.child.pid]));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // A frozen worker would not hear SIGTERM.
    for (const w of this.workers) w.child.child.kill('SIGCONT');
    await Promise.all([...this.workers].map(async (w) => (await w.child.stop(), await w.link?.close())));
  }

  private async startWorker(slot: number): Promise<void> {
    const { temporalAddress, env, slotEnv, entry, logDir, links = true } = this.options;
    const id = (this.started += 1);
    const link = links ? await TemporalLink.open(temporalAddress) : undefined;
    const child = startWorkerProcess(
      { ...env, ...slotEnv?.(slot), TEMPORAL_ADDRESS: link?.address ?? temporalAddress },
      { entry, logFile: path.join(logDir, `worker-${id}.log`) },
    );
    const worker: PoolWorker = { id, slot, child, link, ready: false, killedByChaos: false, frozen: false };
    this.workers.add(worker);
    child.ready().then(
      () => (worker.ready = true),
      () => undefined,
    ); // an early exit is a crash, below
    void child.exited.then(() => {
      this.workers.delete(worker);
      void link?.close();
      if (this.stopping) return;
      if (!worker.killedByChaos) {
        const { exitCode, signalCode } = child.child;
        this.crashes.push({ id, exit: signalCode ?? `code ${exitCode}`, log: child.output().slice(-2_000) });
        if (this.broken) return;
      }
      void this.startWorker(slot);
    });
  }
}

// What scripts/bench.ts and the worker process it forks say to each other.
import type { WorkerTuning } from '../../src/worker';

export interface WorkerProcessConfig {
  /** `refund`: the production worker; `baseline`: the empty workflow, on its own task queue. */
  role: 'refund' | 'baseline';
  address: string;
  namespace: string;
  taskQueue: string;
  ekoBaseUrl: string;
  tuning: WorkerTuning;
}

export type ToWorker = { type: 'memory' } | { type: 'shutdown' };
export type FromWorker = { type: 'ready' } | { type: 'memory'; memory: NodeJS.MemoryUsage };

/** The environment variable that carries the WorkerProcessConfig, as JSON. */
export const WORKER_CONFIG_ENV = 'BENCH_WORKER_CONFIG';

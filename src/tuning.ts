/**
 * How many refunds a worker keeps cached, from its memory budget. A cached refund costs about
 * 0.3 MB of the worker's RSS; one that is not cached costs the worker nothing until its next
 * message, which then replays its history (some 20 to 40 events, tens of milliseconds). Refunds
 * wait up to a day for their OTP, so the cache cannot hold every parked refund and need not: it
 * serves the refunds at work. See docs/operations/memory.md and BENCHMARKS.md.
 */
import type { WorkerOptions } from '@temporalio/worker';

export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskPolls'
  | 'maxConcurrentWorkflowTaskPolls'
>;

/** A worker's RSS with nothing cached, with headroom for the garbage V8 collects later (measured). */
export const BASE_RSS_MB = 200;
/** One cached refund's share of the RSS (measured: 0.29 to 0.32 MB), rounded up. */
export const CACHED_REFUND_MB = 0.35;
export const DEFAULT_MEMORY_BUDGET_MB = 256;
/** The smallest budget worth running: room for this many cached refunds. */
export const MIN_CACHED_REFUNDS = 100;
export const MIN_MEMORY_BUDGET_MB = Math.ceil(BASE_RSS_MB + MIN_CACHED_REFUNDS * CACHED_REFUND_MB);

/** The cache size that keeps a worker within `budgetMb` of RSS however many refunds are parked. */
export const cacheSizeFor = (budgetMb: number): number =>
  Math.max(MIN_CACHED_REFUNDS, Math.floor((budgetMb - BASE_RSS_MB) / CACHED_REFUND_MB));

/** The workflow thread's V8 heap: its base, and each cached refund's share (measured 0.11 MB), rounded up. */
const WORKFLOW_HEAP_BASE_MB = 40;
const CACHED_REFUND_HEAP_MB = 0.15;

/**
 * A V8 heap limit (node's --max-old-space-size, for every thread) too small for the cache would
 * crash the workflow thread once the cache fills: refused at start instead, with the fix.
 */
export function heapTooSmall(maxCachedWorkflows: number, heapLimitMb: number): string | undefined {
  const neededMb = Math.ceil(1.5 * (WORKFLOW_HEAP_BASE_MB + CACHED_REFUND_HEAP_MB * maxCachedWorkflows));
  if (heapLimitMb >= neededMb) return undefined;
  return (
    `a cache of ${maxCachedWorkflows} workflows needs a V8 heap of at least ${neededMb} MB, ` +
    `and node's limit is ${Math.floor(heapLimitMb)} MB: set --max-old-space-size=${neededMb} in NODE_OPTIONS ` +
    'or lower WORKER_MEMORY_BUDGET_MB or WORKER_MAX_CACHED_WORKFLOWS'
  );
}

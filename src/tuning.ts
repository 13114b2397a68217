/**
 * The worker keeps no workflow cached between tasks by default: each workflow task replays the
 * refund's history (32 events, tens of milliseconds), so a query answered by another worker can
 * never split a task into two halves that a replay would see as one (docs/development.md,
 * "Queries and replay"). A cache is an opt-in for throughput; see docs/operations/memory.md.
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
    'or lower WORKER_MAX_CACHED_WORKFLOWS'
  );
}

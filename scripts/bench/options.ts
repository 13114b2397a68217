// The flags of `npm run bench`.
import { Command, Option } from 'commander';
import type { WorkerTuning } from '../../src/worker';
import { increasing, integer, parseFlags, refundDuration } from '../lib/args';

/**
 * The process settings the Docker image runs the worker with (Dockerfile, runtime stage: ENV
 * MALLOC_ARENA_MAX and NODE_OPTIONS): the bench measures the worker as it is deployed.
 */
export const IMAGE = {
  heapMb: 128,
  nodeOptions: ['--max-semi-space-size=2'],
  env: { MALLOC_ARENA_MAX: '2' } as Record<string, string>,
};

/** The flags as commander reads them: those whose default depends on --quick are left unset. */
interface Flags {
  quick?: true;
  refunds?: number;
  inFlight?: number;
  parked?: number[];
  baseline?: number;
  baselineRounds?: number;
  baselineConcurrency: number;
  historyRefunds?: number;
  export?: number;
  callbacks?: number;
  webhookRefunds?: number;
  ekoLatency: number;
  pollInterval: string;
  maxPollInterval: string;
  cache?: number;
  wftSlots?: number;
  activitySlots?: number;
  wftPollers?: number;
  activityPollers?: number;
  workerHeapMb?: number;
  nodeDefaults?: true;
  workerRuntime: 'js' | 'ts-node';
}

export function benchProgram(): Command {
  return new Command('npm run bench --')
    .usage('[options]')
    .description('throughput, latency, history size and memory of the refund worker on this machine (BENCHMARKS.md)')
    .option('--quick', 'a small run, under a minute (CI)')
    .option('--refunds <n>', 'refund lifecycles (default 500; quick 40)', integer())
    .option('--in-flight <n>', 'refund lifecycles at a time (default: all of them at once)', integer())
    .option(
      '--parked <n,n,...>',
      "refunds parked in AWAITING_OTP, the worker's memory read at each count (default 1000,5000,20000; quick 1000,2000)",
      increasing(0),
    )
    .option('--baseline <n>', 'empty workflows per baseline round (default 1000; quick 200)', integer())
    .option('--baseline-rounds <n>', 'baseline rounds; the best one counts (default 3; quick 2)', integer())
    .option('--baseline-concurrency <n>', 'empty workflows in flight', integer(), 200)
    .option('--history-refunds <n>', 'refunds per history measure, 1 and 20 polls (default 3; quick 1)', integer())
    .option('--export <n>', 'completed refunds exported as CSV through the API (default 10000; quick 1000)', integer())
    .option('--callbacks <n>', 'Eko callbacks timed to AWAITING_OTP, 5 at a time (default 200; quick 20)', integer())
    .option(
      '--webhook-refunds <n>',
      'refunds run by a worker with two webhook subscribers (default 3; quick 1)',
      integer(),
    )
    .option('--eko-latency <ms>', "the simulator's latency on every Eko answer", integer(0), 0)
    .option(
      '--poll-interval <d>',
      "the refunds' pollInterval (the input's floor)",
      refundDuration('pollInterval'),
      '1s',
    )
    .option('--max-poll-interval <d>', "the refunds' maxPollInterval", refundDuration('maxPollInterval'), '1s')
    .option('--cache <n>', "worker tuning: maxCachedWorkflows (default: the worker's, 0: no cache)", integer(0))
    .option('--wft-slots <n>', 'worker tuning: maxConcurrentWorkflowTaskExecutions', integer())
    .option('--activity-slots <n>', 'worker tuning: maxConcurrentActivityTaskExecutions', integer())
    .option('--wft-pollers <n>', 'worker tuning: maxConcurrentWorkflowTaskPolls', integer())
    .option('--activity-pollers <n>', 'worker tuning: maxConcurrentActivityTaskPolls', integer())
    .option(
      '--worker-heap-mb <n>',
      `the worker process's V8 heap limit (node --max-old-space-size; default ${IMAGE.heapMb}, as the image runs it)`,
      integer(64),
    )
    .option('--node-defaults', "run the worker with node's and glibc's defaults instead of the image's settings")
    .addOption(
      new Option('--worker-runtime <r>', 'js: compiled, workflow code prebundled, as npm start; ts-node: as start:dev')
        .choices(['js', 'ts-node'])
        .default('js'),
    );
}

export type BenchOptions = NonNullable<ReturnType<typeof parseOptions>>;

/** Parses argv; `undefined` when only --help was asked for (commander printed it). */
export function parseOptions(argv: readonly string[], writeOut?: (text: string) => void) {
  const flags = parseFlags<Flags>(benchProgram(), argv, writeOut);
  if (!flags) return undefined;
  const quick = flags.quick === true;
  const refunds = flags.refunds ?? (quick ? 40 : 500);
  const image = flags.nodeDefaults !== true;
  const heapMb = flags.workerHeapMb ?? (image ? IMAGE.heapMb : undefined);
  const tuning: WorkerTuning = {
    maxCachedWorkflows: flags.cache,
    maxConcurrentWorkflowTaskExecutions: flags.wftSlots,
    maxConcurrentActivityTaskExecutions: flags.activitySlots,
    maxConcurrentWorkflowTaskPolls: flags.wftPollers,
    maxConcurrentActivityTaskPolls: flags.activityPollers,
  };
  return {
    quick,
    refunds,
    inFlight: flags.inFlight ?? refunds,
    parkedSteps: flags.parked ?? (quick ? [1000, 2000] : [1000, 5000, 20_000]),
    baseline: flags.baseline ?? (quick ? 200 : 1000),
    baselineRounds: flags.baselineRounds ?? (quick ? 2 : 3),
    baselineConcurrency: flags.baselineConcurrency,
    historyRefunds: flags.historyRefunds ?? (quick ? 1 : 3),
    exportRefunds: flags.export ?? (quick ? 1000 : 10_000),
    callbacks: flags.callbacks ?? (quick ? 20 : 200),
    webhookRefunds: flags.webhookRefunds ?? (quick ? 1 : 3),
    latencyMs: flags.ekoLatency,
    pollInterval: flags.pollInterval,
    maxPollInterval: flags.maxPollInterval,
    tuning: Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined)) as WorkerTuning,
    /** Node options of the worker processes (the heap limit). */
    workerNodeOptions: [
      ...(heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`]),
      ...(image ? IMAGE.nodeOptions : []),
    ],
    workerEnv: image ? IMAGE.env : {},
    workerRuntime: flags.workerRuntime,
  };
}

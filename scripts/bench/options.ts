// The flags of `npm run bench`.
import type { WorkerTuning } from '../../src/worker';
import { integer, parseFlags, valueFlags } from '../lib/args';

export const USAGE = `npm run bench -- [options]
  --quick                   a small run, under a minute (CI)
  --refunds <n>             refund lifecycles (default 500; quick 40)
  --in-flight <n>           refund lifecycles at a time (default: all of them at once)
  --parked <n,n,...>        refunds parked in AWAITING_OTP, the worker's memory read at each count
                            (default 1000,5000,20000; quick 1000,2000)
  --baseline <n>            empty workflows per baseline round (default 1000; quick 200)
  --baseline-rounds <n>     baseline rounds; the best one counts (default 3; quick 2)
  --baseline-concurrency <n>  empty workflows in flight (default 200)
  --history-refunds <n>     refunds per history measure, 1 and 20 polls (default 3; quick 1)
  --export <n>              completed refunds exported as CSV through the API (default 10000; quick 1000)
  --callbacks <n>           Eko callbacks timed to AWAITING_OTP, 5 at a time (default 200; quick 20)
  --webhook-refunds <n>     refunds run by a worker with two webhook subscribers (default 3; quick 1)
  --eko-latency <ms>        the simulator's latency on every Eko answer (default 0)
  --poll-interval <d>       the refunds' pollInterval (default 1s, the input's floor)
  --max-poll-interval <d>   the refunds' maxPollInterval (default 1s)
  --cache <n>               worker tuning: maxCachedWorkflows (default: the worker's, 0: no cache)
  --wft-slots <n>           worker tuning: maxConcurrentWorkflowTaskExecutions
  --activity-slots <n>      worker tuning: maxConcurrentActivityTaskExecutions
  --wft-pollers <n>         worker tuning: maxConcurrentWorkflowTaskPolls
  --activity-pollers <n>    worker tuning: maxConcurrentActivityTaskPolls
  --worker-heap-mb <n>      the worker process's V8 heap limit (node --max-old-space-size; default 128, as the
                            image runs it)
  --node-defaults           run the worker with node's and glibc's defaults instead of the image's settings
  --worker-runtime <r>      js (default: compiled, workflow code prebundled, as npm start) or ts-node (as start:dev)`;

/**
 * The process settings the Docker image runs the worker with (Dockerfile, runtime stage: ENV
 * MALLOC_ARENA_MAX and NODE_OPTIONS): the bench measures the worker as it is deployed.
 */
export const IMAGE = {
  heapMb: 128,
  nodeOptions: ['--max-semi-space-size=2'],
  env: { MALLOC_ARENA_MAX: '2' } as Record<string, string>,
};

export type BenchOptions = NonNullable<ReturnType<typeof parseOptions>>;

const FLAGS = {
  quick: { type: 'boolean', default: false },
  'node-defaults': { type: 'boolean', default: false },
  ...valueFlags('refunds', 'in-flight', 'parked', 'baseline', 'baseline-rounds', 'baseline-concurrency'),
  ...valueFlags('history-refunds', 'eko-latency', 'worker-heap-mb', 'export', 'callbacks', 'webhook-refunds'),
  ...valueFlags('cache', 'wft-slots', 'activity-slots', 'wft-pollers', 'activity-pollers'),
  'poll-interval': { type: 'string', default: '1s' },
  'max-poll-interval': { type: 'string', default: '1s' },
  'worker-runtime': { type: 'string', default: 'js' },
} as const;

/** Parses argv; `undefined` when only --help was asked for. */
export function parseOptions(argv: string[]) {
  return parseFlags(argv, USAGE, FLAGS, (values) => {
    const count = <T extends number | undefined>(name: keyof typeof values, fallback: T, min = 1) =>
      integer(`--${name}`, values[name] as string | undefined, fallback, min);
    const runtime = values['worker-runtime'];
    if (runtime !== 'js' && runtime !== 'ts-node') throw new Error('--worker-runtime must be js or ts-node');
    const { quick } = values;
    const refunds = count('refunds', quick ? 40 : 500);
    const image = !values['node-defaults'];
    const heapMb = count('worker-heap-mb', image ? IMAGE.heapMb : undefined, 64);
    const tuning: WorkerTuning = {
      maxCachedWorkflows: count('cache', undefined, 0),
      maxConcurrentWorkflowTaskExecutions: count('wft-slots', undefined),
      maxConcurrentActivityTaskExecutions: count('activity-slots', undefined),
      maxConcurrentWorkflowTaskPolls: count('wft-pollers', undefined),
      maxConcurrentActivityTaskPolls: count('activity-pollers', undefined),
    };
    return {
      quick,
      refunds,
      inFlight: count('in-flight', refunds),
      parkedSteps: parkedSteps(values.parked ?? (quick ? '1000,2000' : '1000,5000,20000')),
      baseline: count('baseline', quick ? 200 : 1000),
      baselineRounds: count('baseline-rounds', quick ? 2 : 3),
      baselineConcurrency: count('baseline-concurrency', 200),
      historyRefunds: count('history-refunds', quick ? 1 : 3),
      exportRefunds: count('export', quick ? 1000 : 10_000),
      callbacks: count('callbacks', quick ? 20 : 200),
      webhookRefunds: count('webhook-refunds', quick ? 1 : 3),
      latencyMs: count('eko-latency', 0, 0),
      pollInterval: values['poll-interval'],
      maxPollInterval: values['max-poll-interval'],
      tuning: Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined)) as WorkerTuning,
      /** Node options of the worker processes (the heap limit). */
      workerNodeOptions: [
        ...(heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`]),
        ...(image ? IMAGE.nodeOptions : []),
      ],
      workerEnv: image ? IMAGE.env : {},
      workerRuntime: runtime,
    };
  });
}

/** `--parked 1000,5000`: increasing counts of parked refunds. */
function parkedSteps(value: string): number[] {
  const steps = value.split(',').map((step) => integer('--parked', step.trim(), 0));
  if (steps.some((step, i) => i > 0 && step <= steps[i - 1])) throw new Error('--parked counts must increase');
  return steps;
}

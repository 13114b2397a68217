// `npm run bench [-- --quick] [-- --help]`: throughput, latency, history size and memory of the
// refund worker on this machine. Starts a Temporal dev server (in memory), the Eko simulator and
// one refund worker (a child process, so its memory is its own), measures, and stops them all.
// stdout: a table, then one JSON line (the last). Progress goes to stderr. See BENCHMARKS.md.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { RefundClient } from '../src/client';
import { startSimulator } from '../simulator';
import type { WorkerTuning } from '../src/worker';
import {
  type BaselineResult,
  type BenchContext,
  type HistoryResult,
  type LifecycleResult,
  measureBaseline,
  measureHistory,
  measureLifecycles,
  parkRefunds,
  SmsWatch,
  submitToParked,
} from './bench/phases';
import {
  buildWorkerCode,
  cpuSecondsOf,
  machineCpuSeconds,
  sleep,
  startDevServer,
  startWorkerProcess,
} from './bench/processes';
import { countTypes, mergeSpans, readHistory, type RefundHistory, typeDifference } from './bench/history';
import { latencySummary, ms, percentile, round, type Row, table, type Target, targetRows } from './bench/report';

const USAGE = `npm run bench -- [options]
  --quick                   a small run, under a minute (CI)
  --refunds <n>             refund lifecycles (default 500; quick 40)
  --in-flight <n>           refund lifecycles at a time (default: all of them at once)
  --parked <n>              refunds parked in AWAITING_OTP for the memory measure (default 5000; quick 200)
  --baseline <n>            empty workflows per baseline round (default 1000; quick 200)
  --baseline-rounds <n>     baseline rounds; the best one counts (default 3; quick 2)
  --baseline-concurrency <n>  empty workflows in flight (default 200)
  --history-refunds <n>     refunds per history measure, 1 and 20 polls (default 3; quick 1)
  --latency <ms>            the simulator's latency on every Eko answer (default 0)
  --poll-interval <d>       the refunds' pollInterval (default 100ms)
  --max-poll-interval <d>   the refunds' maxPollInterval (default 1s)
  --cache <n>               worker tuning: maxCachedWorkflows (default: the SDK's)
  --wft-slots <n>           worker tuning: maxConcurrentWorkflowTaskExecutions
  --activity-slots <n>      worker tuning: maxConcurrentActivityTaskExecutions
  --wft-pollers <n>         worker tuning: maxConcurrentWorkflowTaskPolls
  --activity-pollers <n>    worker tuning: maxConcurrentActivityTaskPolls
  --worker-runtime <r>      js (default: compiled, workflow code prebundled, as npm start) or ts-node (as start:dev)`;

interface Options {
  quick: boolean;
  refunds: number;
  inFlight: number;
  parked: number;
  baseline: number;
  baselineRounds: number;
  baselineConcurrency: number;
  historyRefunds: number;
  latencyMs: number;
  pollInterval: string;
  maxPollInterval: string;
  tuning: WorkerTuning;
  workerRuntime: 'js' | 'ts-node';
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      refunds: { type: 'string' },
      'in-flight': { type: 'string' },
      parked: { type: 'string' },
      baseline: { type: 'string' },
      'baseline-rounds': { type: 'string' },
      'baseline-concurrency': { type: 'string' },
      'history-refunds': { type: 'string' },
      latency: { type: 'string' },
      'poll-interval': { type: 'string' },
      'max-poll-interval': { type: 'string' },
      cache: { type: 'string' },
      'wft-slots': { type: 'string' },
      'activity-slots': { type: 'string' },
      'wft-pollers': { type: 'string' },
      'activity-pollers': { type: 'string' },
      'worker-runtime': { type: 'string' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name: keyof typeof values, fallback: number | undefined, min = 1): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}\n\n${USAGE}`);
    return value;
  };
  const runtime = values['worker-runtime'] ?? 'js';
  if (runtime !== 'js' && runtime !== 'ts-node') throw new Error(`--worker-runtime must be js or ts-node\n\n${USAGE}`);
  const quick = values.quick;
  const refunds = count('refunds', quick ? 40 : 500)!;
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
    inFlight: count('in-flight', refunds)!,
    parked: count('parked', quick ? 200 : 5000)!,
    baseline: count('baseline', quick ? 200 : 1000)!,
    baselineRounds: count('baseline-rounds', quick ? 2 : 3)!,
    baselineConcurrency: count('baseline-concurrency', 200)!,
    historyRefunds: count('history-refunds', quick ? 1 : 3)!,
    latencyMs: count('latency', 0, 0)!,
    pollInterval: values['poll-interval'] ?? '100ms',
    maxPollInterval: values['max-poll-interval'] ?? '1s',
    tuning: Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined)),
    workerRuntime: runtime,
  };
}

const runStarted = performance.now();
function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - runStarted) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

interface CpuUsage {
  wallSeconds: number;
  /** CPU seconds per process of ours, and `other processes`: the rest of the machine. */
  cpu: Record<string, number>;
}

/** CPU seconds each process used between the call and the returned function's call. */
function cpuMeter(pids: Record<string, number>): () => CpuUsage {
  const read = (): Record<string, number> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)])),
    machine: machineCpuSeconds(),
  });
  const before = read();
  const started = performance.now();
  return () => {
    const after = read();
    const cpu = Object.fromEntries(Object.keys(pids).map((name) => [name, after[name] - before[name]]));
    const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
    cpu['other processes'] = Math.max(0, after.machine - before.machine - ours);
    return { wallSeconds: (performance.now() - started) / 1000, cpu };
  };
}

function cpuRow(usage: CpuUsage): string {
  const parts = Object.entries(usage.cpu).map(
    ([name, seconds]) => `${name} ${Math.round((100 * seconds) / usage.wallSeconds)}%`,
  );
  return `${parts.join(', ')} (100% = one core), over ${usage.wallSeconds.toFixed(1)} s`;
}

/** Events per refund of the lifecycle refunds, and what the largest history has beyond a quiet one. */
function sampleSummary(sample: readonly RefundHistory[], quietTypes: readonly string[]): string {
  const counts = sample.map((h) => h.count);
  const largest = sample.reduce((a, b) => (b.count > a.count ? b : a));
  const extra = largest.count > quietTypes.length ? ` (the largest: ${typeDifference(largest.types, quietTypes)})` : '';
  return `${sample.length} refunds: min ${Math.min(...counts)}, max ${Math.max(...counts)} events${extra}`;
}

async function run(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cleanups: (() => Promise<void> | void)[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      progress('stopping the workers, the simulator and the Temporal dev server');
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (err) {
          console.error('cleanup failed:', err);
        }
      }
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping everything`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let rows: Row[] = [];
  let summary: Record<string, number> = {};
  try {
    progress('building the worker code (as npm run build), starting the Temporal dev server and the Eko simulator');
    const sms = new SmsWatch();
    const sim = await startSimulator({ latencyMs: options.latencyMs, onSms: sms.onSms });
    cleanups.push(() => sim.close());
    const [built, started] = await Promise.allSettled([buildWorkerCode(), startDevServer()]);
    if (built.status === 'fulfilled') cleanups.push(built.value.remove);
    if (started.status === 'fulfilled')
      cleanups.push(
        () => started.value.stop(),
        () => started.value.connection.close(),
      );
    if (built.status === 'rejected') throw built.reason;
    if (started.status === 'rejected') throw started.reason;
    const [compiled, server] = [built.value, started.value];
    const client = new Client({ connection: server.connection, namespace: 'default' });
    const refundTaskQueue = `bench-refunds-${process.pid}`;
    const baselineTaskQueue = `bench-empty-${process.pid}`;

    progress('starting the workers');
    const workerConfig = {
      address: server.address,
      namespace: 'default',
      ekoBaseUrl: sim.baseUrl,
      tuning: options.tuning,
    };
    const runtime =
      options.workerRuntime === 'js'
        ? { kind: 'js' as const, compiledDir: compiled.dir }
        : { kind: 'ts-node' as const };
    const startRefundWorker = async () => {
      const worker = await startWorkerProcess({ ...workerConfig, role: 'refund', taskQueue: refundTaskQueue }, runtime);
      cleanups.push(() => worker.stop());
      return worker;
    };
    const [baselineWorker, lifecycleWorker] = await Promise.all([
      startWorkerProcess({ ...workerConfig, role: 'baseline', taskQueue: baselineTaskQueue }, runtime),
      startRefundWorker(),
    ]);
    cleanups.push(() => baselineWorker.stop());

    let tids = 0;
    const tidPrefix = `9${String(Date.now()).slice(-8)}`;
    const ctx: BenchContext = {
      client,
      refunds: new RefundClient(client, refundTaskQueue),
      sim,
      sms,
      baselineTaskQueue,
      pollInterval: options.pollInterval,
      maxPollInterval: options.maxPollInterval,
      nextTid: () => `${tidPrefix}${String((tids += 1)).padStart(6, '0')}`,
    };
    const pids = { server: server.pid, worker: lifecycleWorker.pid, 'bench+simulator': process.pid };

    // 1. Baseline, after a warm-up (connections, the worker's V8 context).
    // The same server and machine vary by ±15% from one run to the next: the best of a few rounds
    // is the ceiling the refunds are compared to.
    progress(
      `baseline: ${options.baselineRounds} × ${options.baseline} empty workflows, ${options.baselineConcurrency} in flight`,
    );
    await measureBaseline(ctx, Math.min(50, options.baseline), options.baselineConcurrency);
    const baselineCpu = cpuMeter({ ...pids, worker: baselineWorker.pid, 'refund worker (idle)': lifecycleWorker.pid });
    const baselineRounds: BaselineResult[] = [];
    for (let i = 0; i < options.baselineRounds; i += 1) {
      baselineRounds.push(await measureBaseline(ctx, options.baseline, options.baselineConcurrency));
    }
    const baselineUsage = baselineCpu();
    const baseline = baselineRounds.reduce((best, r) => (r.perSec > best.perSec ? r : best));
    await baselineWorker.stop();

    // 2. Refund lifecycles, after a warm-up.
    progress(`lifecycles: warm-up, then ${options.refunds} refunds, ${options.inFlight} at a time`);
    await measureLifecycles(ctx, Math.max(2, Math.min(20, Math.floor(options.refunds / 10))));
    const lifecycleCpu = cpuMeter(pids);
    // The simulator answers from this process: its event loop must not be what delays Eko's answers.
    const eventLoop = monitorEventLoopDelay({ resolution: 10 });
    eventLoop.enable();
    const lifecycles: LifecycleResult = await measureLifecycles(ctx, options.refunds, { inFlight: options.inFlight });
    eventLoop.disable();
    // The histogram holds the 10 ms sampling timer's own period too.
    const loopDelayMs = (p: number) => Math.max(0, eventLoop.percentile(p) / 1e6 - 10);
    const lifecycleUsage = lifecycleCpu();
    // Where the time went, from the server's event timestamps of a sample of these refunds.
    const lifecycleSample = await Promise.all(lifecycles.tids.slice(0, 100).map((tid) => readHistory(client, tid)));
    const spans = mergeSpans(lifecycleSample.map((h) => h.spans));
    // That worker's heap grew with 500 refunds in flight and V8 keeps what it grew to: the history
    // and memory measures get a fresh worker process (same code, same tuning).
    const lifecycleWorkerMemory = lifecycleWorker.memory();
    await lifecycleWorker.stop();
    progress('starting a fresh refund worker for the history and memory measures');
    const refundWorker = await startRefundWorker();
    const freshPids = { ...pids, worker: refundWorker.pid };

    // 3. History: 1 poll and 20 polls. The 20 polls take about 20 s (see BENCHMARKS.md), so --quick
    // runs them while it parks refunds for the memory measure; a full run gives them a quiet server.
    progress(`history: ${options.historyRefunds} refund(s) with 1 poll and with 20 polls`);
    const histories = Promise.all([
      measureHistory(ctx, 1, options.historyRefunds),
      measureHistory(ctx, 20, options.historyRefunds),
    ]);
    histories.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    if (!options.quick) await histories;

    // 4. Memory: refunds parked in AWAITING_OTP.
    const memoryBefore = refundWorker.memory();
    progress(`memory: parking ${options.parked} refunds in AWAITING_OTP`);
    const parkCpu = cpuMeter(freshPids);
    // --quick parks fewer at a time: the history refunds run meanwhile, and an overloaded worker
    // would time out their workflow tasks (3 more events each) and skew the history counts.
    const parked = await parkRefunds(ctx, options.parked, options.quick ? 50 : 200);
    const parkUsage = parkCpu();
    await sleep(2_000); // let the last workflow tasks and any GC settle
    const memory = refundWorker.memory();
    const heap = await refundWorker.heap();
    const sampleSize = Math.min(options.quick ? 20 : 100, parked.parked);
    progress(`memory: submitOtp to ${sampleSize} of the parked refunds`);
    const parkedSubmit = await submitToParked(ctx, parked.tids.slice(0, sampleSize), 10);
    const [onePoll, twentyPolls]: HistoryResult[] = await histories;

    // ---- report ----
    const ratio = lifecycles.perSec / baseline.perSec;
    const submitP99 = percentile(lifecycles.submitOtpMs, 99);
    const terminalP99 = percentile(lifecycles.startToTerminalMs, 99);
    const events1 = Math.max(...onePoll.events);
    const events20 = Math.max(...twentyPolls.events);
    const targets: Target[] = [
      {
        what: 'events per refund ≤ 40, equal for 1 and 20 polls',
        met:
          events1 <= 40 &&
          events20 === events1 &&
          [...onePoll.events, ...twentyPolls.events].every((e) => e === events1),
        detail: `${onePoll.events.join('/')} and ${twentyPolls.events.join('/')}`,
      },
      {
        what: 'refunds/s ≥ 0.2 × baseline',
        met: ratio >= 0.2,
        detail: `${round(lifecycles.perSec)} / ${round(baseline.perSec)} = ${round(ratio, 3)}`,
      },
      { what: 'submitOtp p99 < 250 ms', met: submitP99 < 250, detail: ms(submitP99) },
      { what: 'parked worker peak RSS < 400 MB', met: memory.peakRssMb < 400, detail: `${round(memory.peakRssMb)} MB` },
    ];
    const tuning = Object.entries(options.tuning).map(([k, v]) => `${k}=${v}`);
    rows = [
      ['Setup'],
      ['mode', options.quick ? 'quick' : 'full'],
      ['Eko simulator latency', `${options.latencyMs} ms`],
      ['refund input', `pollInterval ${options.pollInterval}, maxPollInterval ${options.maxPollInterval}`],
      ['worker tuning', tuning.length > 0 ? tuning.join(', ') : "the SDK's defaults"],
      [
        'worker runtime',
        options.workerRuntime === 'js'
          ? 'node, src compiled, workflow code prebundled (as npm start)'
          : 'ts-node, workflow code bundled at start (as npm run start:dev)',
      ],
      ['1. Baseline: empty workflow, start → complete'],
      [
        'rounds',
        `${options.baselineRounds} × ${options.baseline} workflows, ${options.baselineConcurrency} in flight: ` +
          baselineRounds.map((r) => `${round(r.perSec)}/s`).join(', '),
      ],
      ['throughput', `${round(baseline.perSec)} workflows/s (the best round)`],
      ['CPU', cpuRow(baselineUsage)],
      ['2. Refund lifecycles: start → OTP → submitOtp → pending → 1 poll → REFUNDED'],
      [
        'refunds',
        `${lifecycles.refunds}, ${options.inFlight >= options.refunds ? 'all at once' : `${options.inFlight} at a time`}, ` +
          `all REFUNDED once, in ${lifecycles.seconds.toFixed(1)} s`,
      ],
      ['throughput', `${round(lifecycles.perSec)} refunds/s = ${round(ratio, 3)} × baseline`],
      ['start → OTP sent', latencySummary(lifecycles.startToOtpSentMs)],
      ['submitOtp round trip', latencySummary(lifecycles.submitOtpMs)],
      ['start → terminal', latencySummary(lifecycles.startToTerminalMs)],
      ['Eko calls per refund', String(round(lifecycles.ekoCallsPerRefund, 2))],
      [
        'state queries per refund',
        `${round(lifecycles.stateQueries / lifecycles.refunds, 2)} (until AWAITING_OTP, then submitOtp)`,
      ],
      ['CPU', cpuRow(lifecycleUsage)],
      [
        'worker RSS',
        `${round(lifecycleWorkerMemory.rssMb)} MB after the lifecycles, peak ${round(lifecycleWorkerMemory.peakRssMb)} MB`,
      ],
      [
        'bench event-loop delay',
        `p50 ${ms(loopDelayMs(50))}   p99 ${ms(loopDelayMs(99))} (the simulator answers from this process)`,
      ],
      [`where the time went (${lifecycleSample.length} histories)`, ''],
      ['  workflow task: queue wait', latencySummary(spans.workflowTaskWait)],
      ['  workflow task: worker', latencySummary(spans.workflowTaskRun)],
      ['  activity: queue wait', latencySummary(spans.activityWait)],
      ['  activity: Eko call', latencySummary(spans.activityRun)],
      ['3. History: events per refund, read from the server'],
      ['1 poll', `${onePoll.events.join(', ')} (Eko inquiries ${onePoll.inquiries.join(', ')})`],
      ['20 polls', `${twentyPolls.events.join(', ')} (Eko inquiries ${twentyPolls.inquiries.join(', ')})`],
      [
        'polling pace',
        `${ms(percentile(twentyPolls.pollingMs, 50) / 20)} per poll with pollInterval = maxPollInterval = ` +
          `${options.pollInterval} (server-side activity retries)`,
      ],
      ['lifecycle refunds (sample)', sampleSummary(lifecycleSample, onePoll.types)],
      ['event types (1 poll)', countTypes(onePoll.types)],
      [`4. Memory: ${parked.parked} refunds parked in AWAITING_OTP`],
      ['parking', `${parked.seconds.toFixed(1)} s, ${round(parked.perSec)} refunds/s to AWAITING_OTP`],
      [
        'fresh worker RSS before parking',
        `${round(memoryBefore.rssMb)} MB (peak so far ${round(memoryBefore.peakRssMb)} MB${options.quick ? '' : ', after the history refunds'})`,
      ],
      ['worker RSS parked', `${round(memory.rssMb)} MB, peak ${round(memory.peakRssMb)} MB`],
      ['worker V8 heap parked', `${round(heap.heapUsed / 2 ** 20)} MB used of ${round(heap.heapTotal / 2 ** 20)} MB`],
      ['CPU while parking', cpuRow(parkUsage)],
      [`submitOtp to the ${sampleSize} oldest parked`, latencySummary(parkedSubmit)],
      ['Targets'],
      ...targetRows(targets),
    ];
    summary = {
      refundsPerSec: round(lifecycles.perSec, 2),
      baselinePerSec: round(baseline.perSec, 2),
      ratio: round(ratio, 3),
      submitOtpP99Ms: Math.round(submitP99),
      startToTerminalP99Ms: Math.round(terminalP99),
      eventsPerRefund1Poll: events1,
      eventsPerRefund20Polls: events20,
      ekoCallsPerRefund: round(lifecycles.ekoCallsPerRefund, 2),
      parkedRssMb: round(memory.peakRssMb),
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }
  progress(`done in ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
  console.log(table(rows).trimStart());
  console.log();
  console.log(JSON.stringify(summary));
}

run().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

// What a benchmark run prints: the measures as a table, the targets met or not, and the summary
// numbers for the JSON line.
import { percentile, type Row } from '../lib/report';
import { countTypes, type RefundHistory, type Spans, typeDifference } from './history';
import type { BenchOptions } from './options';
import type { BaselineResult, HistoryResult, LifecycleResult, ParkedResult, ParkedStep } from './phases';
import type { WorkerMemory } from './probe';
import type { CpuUsage } from './proc';
import type { ExportResult } from './services';

type Memory = { rssMb: number; peakRssMb: number };

export interface BenchFacts {
  options: BenchOptions;
  /** The refund worker's "polling" log record: what the SDK made of the tuning. */
  worker: Record<string, unknown>;
  baselineRounds: BaselineResult[];
  baselineUsage: CpuUsage;
  lifecycles: LifecycleResult;
  lifecycleUsage: CpuUsage;
  lifecycleWorkerMemory: Memory;
  loopDelayMs(p: number): number;
  spans: Spans;
  lifecycleSample: RefundHistory[];
  onePoll: HistoryResult;
  twentyPolls: HistoryResult;
  parked: ParkedResult;
  parkedSteps: ParkedStep[];
  memoryBefore: Memory;
  memory: Memory;
  heap: WorkerMemory;
  parkUsage: CpuUsage;
  parkedSubmit: number[];
  /** Of those submitOtp calls, the workflow task that replayed the refund and accepted the OTP. */
  parkedSubmitTaskMs: number[];
  exported: ExportResult;
  /** Eko's callback (the transaction turning refund pending) to the refund's AWAITING_OTP, each. */
  callbackMs: number[];
  /** Events per refund of a worker with two webhook subscribers. */
  announcedEvents: number[];
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function latencySummary(valuesMs: readonly number[]): string {
  const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(valuesMs, p));
  return `p50 ${ms(p50)}   p95 ${ms(p95)}   p99 ${ms(p99)}   max ${ms(Math.max(...valuesMs))}`;
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

export function benchReport(facts: BenchFacts): { rows: Row[]; summary: Record<string, number> } {
  const { options, lifecycles, onePoll, twentyPolls, parked, memory, heap } = facts;
  const baseline = facts.baselineRounds.reduce((best, r) => (r.perSec > best.perSec ? r : best));
  const ratio = lifecycles.perSec / baseline.perSec;
  const submitP99 = percentile(lifecycles.submitOtpMs, 99);
  const terminalP99 = percentile(lifecycles.startToTerminalMs, 99);
  const events1 = Math.max(...onePoll.events);
  const events20 = Math.max(...twentyPolls.events);
  // Issue 13: 2,000 parked under 300 MB (quick), 20,000 under 400 MB (full), flat beyond the cache.
  const rssTarget = parked.parked <= 2_000 ? 300 : 400;
  const cache = Number(facts.worker.maxCachedWorkflows);
  const beyondCache = facts.parkedSteps.filter((step) => step.parked >= 2 * cache).map((step) => step.rssMb);
  const submitParkedP99 = percentile(facts.parkedSubmit, 99);
  // The cache keeps the workflows used last: the oldest parked left it once as many more were parked.
  const uncached = parked.parked - facts.parkedSubmit.length >= cache;
  // A refund: 5 workflow tasks, 3 activities, 3 phase upserts, the OTP timer, the update, start and end.
  const MAX_EVENTS = 32;
  const targets = [
    {
      what: `events per refund ≤ ${MAX_EVENTS}, equal for 1 and 20 polls`,
      met:
        events1 <= MAX_EVENTS &&
        events20 === events1 &&
        [...onePoll.events, ...twentyPolls.events].every((e) => e === events1),
      detail: `${onePoll.events.join('/')} and ${twentyPolls.events.join('/')}`,
    },
    {
      what: 'refunds/s ≥ 0.25 × baseline',
      met: ratio >= 0.25,
      detail: `${round(lifecycles.perSec)} / ${round(baseline.perSec)} = ${round(ratio, 3)}`,
    },
    { what: 'submitOtp p99 < 250 ms', met: submitP99 < 250, detail: ms(submitP99) },
    {
      what: 'CSV export of 10,000 refunds < 30 s',
      // A smaller export (--quick) is held to its share of the 30 s.
      met: facts.exported.seconds < (30 * Math.max(facts.exported.rows, 1)) / 10_000,
      detail: `${facts.exported.rows} rows in ${facts.exported.seconds.toFixed(1)} s`,
    },
    {
      what: `worker RSS < ${rssTarget} MB with ${parked.parked} parked`,
      met: memory.rssMb < rssTarget,
      detail: `${round(memory.rssMb)} MB, peak ${round(memory.peakRssMb)} MB`,
    },
    {
      what: 'worker RSS flat beyond the cache (within 15%)',
      met: beyondCache.length < 2 || Math.max(...beyondCache) <= 1.15 * Math.min(...beyondCache),
      detail:
        beyondCache.length < 2
          ? `fewer than two counts beyond the cache of ${cache}`
          : `${beyondCache.map((mb) => `${round(mb)} MB`).join(', ')} beyond the cache of ${cache}`,
    },
    {
      what: 'submitOtp p99 < 250 ms to parked refunds not cached',
      met: uncached && submitParkedP99 < 250,
      detail: `${ms(submitParkedP99)}${uncached ? '' : ', but they may still be cached'}`,
    },
  ];
  const tuning = [
    ...Object.entries(options.tuning).map(([k, v]) => `${k}=${v}`),
    ...options.workerNodeOptions,
    ...Object.entries(options.workerEnv).map(([k, v]) => `${k}=${v}`),
  ];
  const rows: Row[] = [
    ['Setup'],
    ['mode', options.quick ? 'quick' : 'full'],
    ['Eko simulator latency', `${options.latencyMs} ms`],
    ['refund input', `pollInterval ${options.pollInterval}, maxPollInterval ${options.maxPollInterval}`],
    ['worker tuning', tuning.length > 0 ? tuning.join(', ') : "the worker's and node's defaults"],
    [
      'worker, effective',
      `maxCachedWorkflows ${facts.worker.maxCachedWorkflows} (WORKER_MAX_CACHED_WORKFLOWS unless --cache), ` +
        `V8 heap limit ${facts.worker.heapLimitMb} MB`,
    ],
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
        facts.baselineRounds.map((r) => `${round(r.perSec)}/s`).join(', '),
    ],
    ['throughput', `${round(baseline.perSec)} workflows/s (the best round)`],
    ['CPU', cpuRow(facts.baselineUsage)],
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
      'state reads per refund (no query)',
      `${round(lifecycles.stateReads / lifecycles.refunds, 2)} (until AWAITING_OTP, then submitOtp)`,
    ],
    ['CPU', cpuRow(facts.lifecycleUsage)],
    [
      'worker RSS',
      `${round(facts.lifecycleWorkerMemory.rssMb)} MB after the lifecycles, ` +
        `peak ${round(facts.lifecycleWorkerMemory.peakRssMb)} MB`,
    ],
    [
      'bench event-loop delay',
      `p50 ${ms(facts.loopDelayMs(50))}   p99 ${ms(facts.loopDelayMs(99))} (the simulator answers from this process)`,
    ],
    [`where the time went (${facts.lifecycleSample.length} histories)`, ''],
    ['  workflow task: queue wait', latencySummary(facts.spans.workflowTaskWait)],
    ['  workflow task: worker', latencySummary(facts.spans.workflowTaskRun)],
    ['  activity: queue wait', latencySummary(facts.spans.activityWait)],
    ['  activity: Eko call', latencySummary(facts.spans.activityRun)],
    ['3. History: events per refund, read from the server'],
    ['1 poll', `${onePoll.events.join(', ')} (Eko inquiries ${onePoll.inquiries.join(', ')})`],
    ['20 polls', `${twentyPolls.events.join(', ')} (Eko inquiries ${twentyPolls.inquiries.join(', ')})`],
    [
      'polling pace',
      `${ms(percentile(twentyPolls.pollingMs, 50) / 20)} per poll with pollInterval = maxPollInterval = ` +
        `${options.pollInterval} (server-side activity retries)`,
    ],
    ['lifecycle refunds (sample)', sampleSummary(facts.lifecycleSample, onePoll.types)],
    ['event types (1 poll)', countTypes(onePoll.types)],
    [`4. Memory: ${parked.parked} refunds parked in AWAITING_OTP`],
    ['parking', `${parked.seconds.toFixed(1)} s, ${round(parked.perSec)} refunds/s to AWAITING_OTP`],
    [
      'fresh worker RSS before parking',
      `${round(facts.memoryBefore.rssMb)} MB (peak so far ${round(facts.memoryBefore.peakRssMb)} MB` +
        `${options.quick ? '' : ', after the history refunds'})`,
    ],
    ...facts.parkedSteps.map((step): Row => [
      `worker RSS, ${step.parked} parked`,
      `${round(step.rssMb)} MB, peak ${round(step.peakRssMb)} MB`,
    ]),
    [
      'worker V8 heaps parked',
      `main thread ${heap.main.usedMb} MB used of ${heap.main.totalMb} MB; workflow thread ` +
        heap.workflowThreads.map((t) => `${t.usedMb} MB used of ${t.totalMb} MB`).join(', '),
    ],
    ['CPU while parking', cpuRow(facts.parkUsage)],
    [
      `submitOtp to the ${facts.parkedSubmit.length} oldest parked${uncached ? ' (not cached: replayed)' : ''}`,
      latencySummary(facts.parkedSubmit),
    ],
    ['  of which the workflow task that replays and accepts it', latencySummary(facts.parkedSubmitTaskMs)],
    ['5. What services see'],
    [
      'events per refund, webhooks',
      `none: ${onePoll.events.join(', ')}; two subscribers: ${facts.announcedEvents.join(', ')}`,
    ],
    [
      `CSV export of ${facts.exported.rows} completed refunds`,
      `${facts.exported.seconds.toFixed(1)} s (${Math.round(facts.exported.rows / facts.exported.seconds)} rows/s)`,
    ],
    [`Eko's callback → AWAITING_OTP (${facts.callbackMs.length})`, latencySummary(facts.callbackMs)],
    ['Targets'],
    ...targets.map((t): Row => [t.what, `${t.met ? 'met' : 'NOT MET'}   (${t.detail})`]),
  ];
  const summary = {
    refundsPerSec: round(lifecycles.perSec, 2),
    baselinePerSec: round(baseline.perSec, 2),
    ratio: round(ratio, 3),
    submitOtpP99Ms: Math.round(submitP99),
    startToTerminalP99Ms: Math.round(terminalP99),
    eventsPerRefund1Poll: events1,
    eventsPerRefund20Polls: events20,
    ekoCallsPerRefund: round(lifecycles.ekoCallsPerRefund, 2),
    parkedRssMb: round(memory.rssMb),
    parkedPeakRssMb: round(memory.peakRssMb),
    ...Object.fromEntries(facts.parkedSteps.map((step) => [`rssMbParked${step.parked}`, round(step.rssMb)])),
    submitOtpToUncachedP99Ms: Math.round(submitParkedP99),
    workerMaxCachedWorkflows: Number(facts.worker.maxCachedWorkflows),
    eventsPerRefundTwoSubscribers: Math.max(...facts.announcedEvents),
    exportRows: facts.exported.rows,
    exportSeconds: round(facts.exported.seconds, 2),
    callbackToAwaitingOtpP99Ms: Math.round(percentile(facts.callbackMs, 99)),
  };
  return { rows, summary };
}

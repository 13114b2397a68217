// `npm run bench [-- --quick] [-- --help]`: throughput, latency, history size and memory of the
// refund worker on this machine. Starts a Temporal dev server (in memory), the Eko simulator and
// one refund worker (a child process, so its memory is its own), measures, and stops them all.
// stdout: a table, then one JSON line (the last). Progress goes to stderr. See BENCHMARKS.md.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { RefundClient } from '../src/client';
import { startSimulator } from '../simulator';
import { within } from '../src/timeout';
import { buildWorkerCode } from './bench/build';
import { mergeSpans, readHistory } from './bench/history';
import { parseOptions } from './bench/options';
import {
  type BenchContext,
  measureBaseline,
  measureHistory,
  measureLifecycles,
  type ParkedStep,
  parkRefunds,
  SmsWatch,
  submitToParked,
} from './bench/phases';
import { cpuMeter, devServerPid, memoryOf, probeOf } from './bench/proc';
import { benchReport } from './bench/report';
import { measureCallbacks, measureExport, seedCompletedRefunds, startBenchApi } from './bench/services';
import { startWebhookReceiver } from '../tools/webhook-receiver';
import { table } from './lib/report';
import { type Resources, runMain } from '../tools/resources';
import { startLocalServer } from '../tools/temporal-server';
import { startWorkerProcess } from '../tools/worker-process';

const DAY_MS = 24 * 3_600_000;
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';
const runStarted = performance.now();
function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - runStarted) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

async function main(resources: Resources): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return; // --help

  progress('starting the Temporal dev server and the Eko simulator, building the worker code (as npm run build)');
  const server = await startLocalServer();
  resources.add('the Temporal dev server', () => server.teardown());
  const sms = new SmsWatch();
  // OTPs valid for a day, as a parked refund waits: a full run parks for half an hour before it submits.
  const sim = await startSimulator({ latencyMs: options.latencyMs, onSms: sms.onSms, otpTtlMs: DAY_MS });
  resources.add('the Eko simulator', () => sim.close());
  const compiled = await buildWorkerCode();
  resources.add('the compiled worker code', compiled.remove);
  const client = server.client;
  const refundTaskQueue = `bench-refunds-${process.pid}`;
  const baselineTaskQueue = `bench-empty-${process.pid}`;

  progress('starting the workers');
  const startWorker = async (role: 'refund' | 'baseline', taskQueue: string, env: Record<string, string> = {}) => {
    const worker = startWorkerProcess(
      {
        ...env,
        TEMPORAL_ADDRESS: server.address,
        REFUND_TASK_QUEUE: taskQueue,
        EKO_BASE_URL: sim.baseUrl,
        EKO_TIMEOUT_MS: '10000',
        SHUTDOWN_GRACE_MS: '1000',
        BENCH_WORKER_ROLE: role,
        BENCH_WORKER_TUNING: JSON.stringify(options.tuning),
        // The refund worker runs as deployed; the baseline's bundles its code with webpack at start.
        ...(role === 'refund' && options.workerEnv),
      },
      {
        entry: options.workerRuntime === 'js' ? `${compiled.dir}/scripts/bench/worker.js` : 'scripts/bench/worker.ts',
        nodeOptions: role === 'refund' ? options.workerNodeOptions : [],
        ipc: true,
      },
    );
    resources.add(`the ${role} worker`, () => worker.stop(20_000));
    // Bundling the workflow code with webpack (the baseline, the ts-node runtime) takes a while on two cores.
    const polling = await within(worker.ready(), 180_000, `starting the ${role} worker`);
    return { ...worker, pid: worker.child.pid!, polling };
  };
  const [baselineWorker, lifecycleWorker] = await Promise.all([
    startWorker('baseline', baselineTaskQueue),
    startWorker('refund', refundTaskQueue),
  ]);

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
  const serverPid = devServerPid(Number(server.address.split(':').at(-1)));
  const pids = { server: serverPid, worker: lifecycleWorker.pid, 'bench+simulator': process.pid };

  // 1. Baseline, after a warm-up (connections, the worker's V8 context).
  // The same server and machine vary by ±15% from one run to the next: the best of a few rounds
  // is the ceiling the refunds are compared to.
  progress(
    `baseline: ${options.baselineRounds} × ${options.baseline} empty workflows, ${options.baselineConcurrency} in flight`,
  );
  await measureBaseline(ctx, Math.min(50, options.baseline), options.baselineConcurrency);
  const baselineCpu = cpuMeter({ ...pids, worker: baselineWorker.pid, 'refund worker (idle)': lifecycleWorker.pid });
  const baselineRounds = [];
  for (let i = 0; i < options.baselineRounds; i += 1) {
    baselineRounds.push(await measureBaseline(ctx, options.baseline, options.baselineConcurrency));
  }
  const baselineUsage = baselineCpu();
  // The export's refunds: completed, run by a stand-in on the baseline worker (scripts/bench/workflows.ts).
  progress(`export: ${options.exportRefunds} completed refunds to export`);
  const exportWindow = await seedCompletedRefunds(ctx, options.exportRefunds, options.baselineConcurrency);
  await baselineWorker.stop(20_000);

  // 2. Refund lifecycles, after a warm-up.
  progress(`lifecycles: warm-up, then ${options.refunds} refunds, ${options.inFlight} at a time`);
  await measureLifecycles(ctx, Math.max(2, Math.min(20, Math.floor(options.refunds / 10))));
  const lifecycleCpu = cpuMeter(pids);
  // The simulator answers from this process: its event loop must not be what delays Eko's answers.
  const eventLoop = monitorEventLoopDelay({ resolution: 10 });
  eventLoop.enable();
  const lifecycles = await measureLifecycles(ctx, options.refunds, { inFlight: options.inFlight });
  eventLoop.disable();
  const lifecycleUsage = lifecycleCpu();
  // Where the time went, from the server's event timestamps of a sample of these refunds.
  const lifecycleSample = await Promise.all(lifecycles.tids.slice(0, 100).map((tid) => readHistory(client, tid)));
  // That worker's heap grew with 500 refunds in flight and V8 keeps what it grew to: the history
  // and memory measures get a fresh worker process (same code, same tuning).
  const lifecycleWorkerMemory = memoryOf(lifecycleWorker.pid);
  await lifecycleWorker.stop(20_000);
  progress('starting a fresh refund worker for the history and memory measures');
  const refundWorker = await startWorker('refund', refundTaskQueue);
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

  // 4. Memory: refunds parked in AWAITING_OTP, the worker's memory read at each count.
  const memoryBefore = memoryOf(refundWorker.pid);
  const parkCpu = cpuMeter(freshPids);
  const parkedSteps: ParkedStep[] = [];
  const parkedTids: string[] = [];
  let parkingSeconds = 0;
  for (const target of options.parkedSteps) {
    progress(`memory: parking ${target - parkedTids.length} more refunds in AWAITING_OTP (to ${target})`);
    // --quick parks fewer at a time: the history refunds run meanwhile, and an overloaded worker
    // would time out their workflow tasks (3 more events each) and skew the history counts.
    const batch = await parkRefunds(ctx, target - parkedTids.length, options.quick ? 50 : 200, parkedTids.length);
    parkedTids.push(...batch.tids);
    parkingSeconds += batch.seconds;
    await sleep(2_000); // let the last workflow tasks and any GC settle
    parkedSteps.push({ parked: target, ...memoryOf(refundWorker.pid) });
  }
  const parkUsage = parkCpu();
  const parked = {
    parked: parkedTids.length,
    seconds: parkingSeconds,
    perSec: parkedTids.length / parkingSeconds,
    tids: parkedTids,
  };
  const memory = memoryOf(refundWorker.pid);
  const heap = await probeOf(refundWorker.child);
  // The oldest parked refunds left the cache long ago (when more are parked than it holds): their
  // submitOtp replays the history first, as an OTP typed hours after the SMS does.
  const sampleSize = Math.min(options.quick ? 20 : 100, parked.parked);
  progress(`memory: submitOtp to the ${sampleSize} oldest parked refunds`);
  // One at a time, as customers' OTPs arrive: a burst would queue its replays on the one workflow thread.
  const parkedSubmit = await submitToParked(ctx, parkedTids.slice(0, sampleSize), 1);
  const parkedSubmitHistories = await Promise.all(
    parkedTids.slice(0, sampleSize).map((tid) => readHistory(client, tid)),
  );
  const [onePoll, twentyPolls] = await histories;

  // 5. What services see: the CSV export and Eko's callback through the API, webhooks.
  const api = await startBenchApi(ctx.refunds);
  resources.add('the API', () => api.close());
  progress(`export: GET /v1/refunds/export.csv of ${options.exportRefunds} completed refunds`);
  const exported = await measureExport(api.url, api.key, exportWindow);
  progress(`callbacks: ${options.callbacks} failed transactions, Eko's callback to AWAITING_OTP`);
  sim.configure({ callbackUrl: api.callbackUrl });
  const callbackMs = await measureCallbacks(ctx, options.callbacks, 5);
  progress(`webhooks: ${options.webhookRefunds} refund(s) with two subscribers`);
  const subscribers = await Promise.all([startWebhookReceiver(WEBHOOK_SECRET), startWebhookReceiver(WEBHOOK_SECRET)]);
  for (const receiver of subscribers) resources.add('a webhook subscriber', () => receiver.close());
  const webhookTaskQueue = `bench-webhooks-${process.pid}`;
  await startWorker('refund', webhookTaskQueue, {
    REFUND_WEBHOOKS: JSON.stringify(subscribers.map(({ url }) => ({ url, secret: WEBHOOK_SECRET }))),
  });
  const announced = await measureLifecycles(
    { ...ctx, refunds: new RefundClient(client, webhookTaskQueue) },
    options.webhookRefunds,
  );
  const announcedEvents = await Promise.all(announced.tids.map(async (tid) => (await readHistory(client, tid)).count));

  const { rows, summary } = benchReport({
    options,
    worker: lifecycleWorker.polling,
    baselineRounds,
    baselineUsage,
    lifecycles,
    lifecycleUsage,
    lifecycleWorkerMemory,
    // The histogram holds the 10 ms sampling timer's own period too.
    loopDelayMs: (p) => Math.max(0, eventLoop.percentile(p) / 1e6 - 10),
    spans: mergeSpans(lifecycleSample.map((h) => h.spans)),
    lifecycleSample,
    onePoll,
    twentyPolls,
    parked,
    parkedSteps,
    memoryBefore,
    memory,
    heap,
    parkUsage,
    parkedSubmit,
    parkedSubmitTaskMs: parkedSubmitHistories.flatMap((h) => (h.updateTaskMs === undefined ? [] : [h.updateTaskMs])),
    exported,
    callbackMs,
    announcedEvents,
  });
  progress('stopping the workers, the simulator and the Temporal dev server');
  await resources.close();
  progress(`done in ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
  console.log(table(rows).trimStart());
  console.log();
  console.log(JSON.stringify(summary));
}

runMain(main);

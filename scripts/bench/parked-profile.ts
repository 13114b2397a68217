// `npx ts-node --transpile-only scripts/bench/parked-profile.ts --steps 500,1000,2000 [options]`:
// where a parked refund's memory goes. Parks refunds in AWAITING_OTP in steps and, at each step,
// reads the worker's RSS, the V8 heaps of its main and workflow threads (live after a full GC with
// --gc), its glibc arenas, and optionally a heap snapshot of the workflow thread. One JSON line per
// step on stdout; progress on stderr. The investigation behind BENCHMARKS.md, "Where a parked
// refund's memory goes"; `npm run bench` is the benchmark.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { RefundClient } from '../../src/client';
import { RefundPhase } from '../../src/contract';
import { within } from '../../src/timeout';
import { startSimulator } from '../../simulator';
import { type Resources, runMain } from '../../tools/resources';
import { startLocalServer } from '../../tools/temporal-server';
import { READY_MESSAGE, startWorkerProcess } from '../../tools/worker-process';
import { increasing, integer, parseFlags } from '../lib/args';
import { percentile } from '../lib/report';
import { pooled } from '../lib/pooled';
import { buildWorkerCode } from './build';
import { type BenchContext, SmsWatch, submitToParked } from './phases';
import { probeOf } from './proc';

/** The flags as commander reads them. */
interface Flags {
  steps: number[];
  tuning: string;
  env?: Record<string, string>;
  node?: string[];
  gc?: true;
  snapshotDir?: string;
  code?: string;
  keepCode?: true;
  submit: number;
  concurrency: number;
}

/** `--tuning`: a JSON object, passed on as it is. */
function jsonObject(value: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('Must be a JSON object.');
  }
  return value;
}

/** `--env K=V,...`. */
function variables(value: string): Record<string, string> {
  const pairs = value.split(',').filter(Boolean);
  if (pairs.some((pair) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(pair)))
    throw new InvalidArgumentError('Must be K=V pairs, comma-separated.');
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

const program = () =>
  new Command('npx ts-node --transpile-only scripts/bench/parked-profile.ts')
    .usage('[options]')
    .addOption(
      new Option('--steps <n,n,...>', 'parked counts at which to measure')
        .argParser(increasing())
        .default([500, 1000, 1500], '500,1000,1500'),
    )
    .option(
      '--tuning <json>',
      'worker options (maxCachedWorkflows, reuseV8Context, workflowThreadPoolSize...)',
      jsonObject,
      '{}',
    )
    .option(
      '--env <K=V,...>',
      "the worker's environment on top of the bench's (MALLOC_ARENA_MAX=2, WORKER_...)",
      variables,
    )
    .option('--node <flags>', 'node flags of the worker, space-separated (--max-old-space-size=512)', (value: string) =>
      value.split(' ').filter(Boolean),
    )
    .option('--gc', 'measure after a full GC in every thread (live memory, not yet-collected garbage)')
    .option('--snapshot-dir <dir>', 'a heap snapshot of the workflow thread at each step (large: slow)')
    .option('--code <dir>', 'reuse compiled worker code (a directory an earlier run kept with --keep-code)')
    .option('--keep-code', 'keep the compiled worker code and print its directory')
    .option('--submit <n>', 'at the end, submitOtp to the n oldest parked refunds', integer(0), 20)
    .option('--concurrency <n>', 'refunds started at a time while parking', integer(), 100);

const log = (message: string) =>
  process.stderr.write(`[profile ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function main(resources: Resources): Promise<void> {
  const options = parseFlags<Flags>(program(), process.argv.slice(2));
  if (!options) return; // --help

  const server = await startLocalServer();
  resources.add('the Temporal dev server', () => server.teardown());
  const sms = new SmsWatch();
  // OTPs valid for a day: parking 20,000 takes longer than the simulator's default 10 minutes.
  const sim = await startSimulator({ latencyMs: 0, onSms: sms.onSms, otpTtlMs: 24 * 3_600_000 });
  resources.add('the Eko simulator', () => sim.close());
  let codeDir = options.code;
  if (!codeDir) {
    log('building the worker code (as npm run build)');
    const compiled = await buildWorkerCode();
    codeDir = compiled.dir;
    if (options.keepCode) log(`compiled worker code kept in ${codeDir}`);
    else resources.add('the compiled worker code', compiled.remove);
  }
  const taskQueue = `profile-${process.pid}`;
  const worker = startWorkerProcess(
    {
      TEMPORAL_ADDRESS: server.address,
      REFUND_TASK_QUEUE: taskQueue,
      EKO_BASE_URL: sim.baseUrl,
      EKO_TIMEOUT_MS: '10000',
      SHUTDOWN_GRACE_MS: '1000',
      BENCH_WORKER_ROLE: 'refund',
      BENCH_WORKER_TUNING: options.tuning,
      ...(options.env ?? {}),
    },
    { entry: path.join(codeDir, 'scripts/bench/worker.js'), nodeOptions: options.node ?? [], ipc: true },
  );
  resources.add('the worker', async () => {
    await worker.stop(20_000);
    // What the worker said when it went wrong (workflow task failures, the SDK's warnings).
    const said = worker
      .output()
      .split('\n')
      .filter((line) => !line.includes(READY_MESSAGE));
    if (said.join('').trim()) log(`the worker's output:\n${said.join('\n').slice(-4_000)}`);
  });
  const polling = await within(worker.ready(), 180_000, 'starting the worker');
  log(`worker polling: maxCachedWorkflows ${polling.maxCachedWorkflows}, heap limit ${polling.heapLimitMb} MB`);

  let tids = 0;
  const tidPrefix = `8${String(Date.now()).slice(-8)}`;
  const ctx = {
    client: server.client,
    refunds: new RefundClient(server.client, taskQueue),
    sim,
    sms,
    baselineTaskQueue: '',
    pollInterval: '1s',
    maxPollInterval: '1s',
    nextTid: () => `${tidPrefix}${String((tids += 1)).padStart(6, '0')}`,
  } satisfies BenchContext;

  const measure = async (parked: number, extra: Record<string, unknown> = {}) => {
    await sleep(2_000); // the last workflow tasks
    const snapshotFile = options.snapshotDir
      ? path.join(options.snapshotDir, `parked-${parked}.heapsnapshot`)
      : undefined;
    if (snapshotFile) fs.mkdirSync(options.snapshotDir!, { recursive: true });
    const memory = await probeOf(worker.child, { gc: options.gc, snapshotFile });
    console.log(JSON.stringify({ parked, ...memory, ...extra }));
  };

  await measure(0);
  const parkedTids: string[] = [];
  const query = `WorkflowType = "refundWorkflow" AND RefundPhase = "${RefundPhase.AWAITING_OTP}"`;
  for (const target of options.steps) {
    const batch = Array.from({ length: target - parkedTids.length }, () => ctx.nextTid());
    for (const tid of batch) sim.seed({ tid });
    const started = performance.now();
    log(`parking ${batch.length} more (to ${target})`);
    await within(
      pooled(batch.length, options.concurrency, async (i) => {
        await ctx.refunds.start({ tid: batch[i], pollInterval: '1s', maxPollInterval: '1s' });
        await sms.otpSent(batch[i], 600_000);
      }),
      600_000 + batch.length * 200,
      `parking ${batch.length} refunds`,
    );
    parkedTids.push(...batch);
    for (let attempt = 0; (await server.client.workflow.count(query)).count < target; attempt += 1) {
      if (attempt > 600) throw new Error(`fewer than ${target} refunds reached AWAITING_OTP`);
      await sleep(200);
    }
    const seconds = (performance.now() - started) / 1000;
    await measure(target, { parkPerSec: Math.round((batch.length / seconds) * 10) / 10 });
  }
  if (options.submit > 0) {
    log(`submitOtp to the ${options.submit} oldest parked`);
    const latencies = await submitToParked(ctx, parkedTids.slice(0, options.submit), 1);
    const [p50, p99] = [50, 99].map((p) => Math.round(percentile(latencies, p)));
    console.log(
      JSON.stringify({ submitOtpToOldest: options.submit, p50, p99, max: Math.round(Math.max(...latencies)) }),
    );
  }
}

runMain(main);

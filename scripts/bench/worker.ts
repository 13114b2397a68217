// The worker under test, in a process of its own so that its memory is its own: the production
// refund worker, configured from the environment as src/worker.ts is, with the tuning under test
// (BENCH_WORKER_TUNING, JSON); or the empty workflow for the baseline (BENCH_WORKER_ROLE=baseline).
// scripts/bench.ts starts it with the process toolkit (compiled to JavaScript, like `npm start`).
import v8 from 'node:v8';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig, loadTemporalConfig } from '../../src/config';
import { createEkoClient } from '../../src/eko/client';
import { createLogger } from '../../src/logging';
import { createRefundWorker, type WorkerTuning } from '../../src/worker';
import { READY_MESSAGE } from '../../tools/worker-process';
import { probeMemory, type ProbeRequest } from './probe';

async function run(): Promise<void> {
  // The SDK logs only what goes wrong; SIGTERM stops the worker as in production.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const { connectionOptions, namespace } = loadTemporalConfig();
  const tuning = JSON.parse(process.env.BENCH_WORKER_TUNING ?? '{}') as WorkerTuning;
  const connection = await NativeConnection.connect(connectionOptions);
  const worker =
    process.env.BENCH_WORKER_ROLE === 'baseline'
      ? await Worker.create({
          connection,
          namespace,
          taskQueue: config.taskQueue,
          workflowsPath: require.resolve('./workflows'),
          ...tuning,
        })
      : await createRefundWorker({
          connection,
          namespace,
          taskQueue: config.taskQueue,
          eko: createEkoClient(config.eko),
          defaults: config.defaults,
          shutdownGraceMs: config.shutdownGraceMs,
          // As in production (WORKER_MAX_CACHED_WORKFLOWS...), then the bench's flags on top.
          tuning: { ...config.tuning, ...tuning },
          webhooks: config.webhooks,
        });
  // The bench asks for the worker's memory (scripts/bench/probe.ts).
  process.on('message', (message: ProbeRequest | undefined) => {
    if (message?.type !== 'probe') return;
    probeMemory(message).then(
      (memory) => process.send?.({ type: 'probe', memory }),
      (err: Error) => process.send?.({ type: 'probe', error: err.message }),
    );
  });
  // The bench went away without stopping this worker: do not outlive it.
  process.on('disconnect', () => worker.getState() === 'RUNNING' && worker.shutdown());

  const running = worker.run();
  // What the SDK made of the tuning: the cache size from the configuration or the flags.
  const heapLimitMb = Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
  createLogger().info({ maxCachedWorkflows: worker.options.maxCachedWorkflows, heapLimitMb }, READY_MESSAGE);
  try {
    await running;
  } finally {
    await connection.close();
  }
}

// Exits explicitly: the IPC channel would keep the process alive after the worker stopped.
run().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

// The worker under test, in a process of its own so that its memory is its own. scripts/bench.ts
// forks it (compiled to JavaScript, like `node dist/worker.js` in production) and talks over IPC.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createEkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { createRefundWorker } from '../../src/worker';
import { type FromWorker, type ToWorker, WORKER_CONFIG_ENV, type WorkerProcessConfig } from './protocol';

function tell(message: FromWorker): void {
  process.send?.(message);
}

async function run(): Promise<void> {
  const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? 'null') as WorkerProcessConfig | null;
  if (!config) throw new Error(`${WORKER_CONFIG_ENV} is not set: this process is started by scripts/bench.ts`);
  // The bench stops this worker over IPC; it logs only what goes wrong.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const connection = await NativeConnection.connect({ address: config.address });
  const worker =
    config.role === 'refund'
      ? await createRefundWorker({
          connection,
          namespace: config.namespace,
          taskQueue: config.taskQueue,
          eko: createEkoClient({
            baseUrl: config.ekoBaseUrl,
            developerKey: UAT.developerKey,
            accessKey: UAT.accessKey,
            timeoutMs: 10_000,
          }),
          defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
          shutdownGraceMs: 1_000,
          tuning: config.tuning,
        })
      : await Worker.create({
          connection,
          namespace: config.namespace,
          taskQueue: config.taskQueue,
          workflowsPath: require.resolve('./workflows'),
          ...config.tuning,
        });

  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.on('message', (message: ToWorker) => {
    if (message.type === 'shutdown') stop();
    if (message.type === 'memory') tell({ type: 'memory', memory: process.memoryUsage() });
  });
  // The bench went away without saying so: do not outlive it.
  process.on('disconnect', stop);

  const running = worker.run();
  tell({ type: 'ready' });
  try {
    await running;
  } finally {
    await connection.close();
  }
}

run().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

import { Client } from '@temporalio/client';
import { makeTelemetryFilterString, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { type DataConverter, SearchAttributeType } from '@temporalio/common';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { temporal } from '@temporalio/proto';
import { createActivities } from './activities';
import { createNotificationActivities, withWantedEvents } from './notifications/activities';
import type { Subscriber } from './notifications/config';
import { runsFromVisibility } from './visibility';
import { dataConverterFor } from './codec';
import { loadConfig, loadTemporalConfig } from './config';
import { createEkoClient, type EkoClient } from './eko/client';
import { connectWhenTemporalAnswers, startHealthServer, watchTemporal } from './health';
import { createLogger, redactor, TemporalPinoLogger } from './logging';
import { HISTOGRAM_BUCKETS } from './metrics';
import { productionWarning, WORKER_CONCERNS } from './production';
import { METRICS, SEARCH_ATTRIBUTES } from './contract';
import { heapTooSmall, type WorkerTuning } from './tuning';

/** Written by `npm run build` next to the compiled worker. */
export const WORKFLOW_BUNDLE = path.join(__dirname, 'workflow-bundle.js');

export interface RefundWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  eko: EkoClient;
  defaults: { initiatorId: string; userCode: string };
  shutdownGraceMs?: number;
  /** Cache size and concurrency limits (`loadConfig().tuning`); no cache and the SDK's limits otherwise. */
  tuning?: WorkerTuning;
  /** Payload encryption: `dataConverterFor(loadEncryptionConfig())`; plain payloads when omitted. */
  dataConverter?: DataConverter;
  /** Outcome webhook subscribers (REFUND_WEBHOOKS); none: refunds start no deliveries. */
  webhooks?: readonly Subscriber[];
}

export type { WorkerTuning } from './tuning';

/** The refund worker: the workflow code plus the activities wired to one Eko client. */
export function createRefundWorker(options: RefundWorkerOptions): Promise<Worker> {
  const client = new Client({
    connection: options.connection,
    namespace: options.namespace,
    dataConverter: options.dataConverter,
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    // The production build prebundles the workflow code (npm run build); from sources, bundle at start.
    ...(fs.existsSync(WORKFLOW_BUNDLE)
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: {
      ...withWantedEvents(
        createActivities({
          eko: options.eko,
          defaults: options.defaults,
          runsOf: runsFromVisibility(
            options.connection.workflowService,
            options.namespace,
            client.options.loadedDataConverter,
          ),
        }),
        options.webhooks ?? [],
      ),
      ...createNotificationActivities(options.webhooks ?? [], client),
    },
    dataConverter: options.dataConverter,
    // In-flight Eko calls get this long to finish on SIGINT/SIGTERM before the worker stops.
    shutdownGraceTime: options.shutdownGraceMs ?? 30_000,
    maxCachedWorkflows: 0,
    ...options.tuning,
  });
}

/** Registers the refund's search attributes the namespace lacks (names.ts); returns the ones added. */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(SEARCH_ATTRIBUTES).filter(({ name }) => !(name in (customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(({ name, type }) => [name, INDEXED_VALUE_TYPE[type]])),
  });
  return missing.map(({ name }) => name);
}

const { IndexedValueType } = temporal.api.enums.v1;
export const INDEXED_VALUE_TYPE: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

async function run(): Promise<void> {
  const logger = createLogger();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(1);
  }
  redactor.pin(config.eko.accessKey, config.eko.developerKey, ...config.webhooks.map((s) => s.secret));
  const heapProblem = heapTooSmall(
    config.tuning.maxCachedWorkflows ?? 0,
    v8.getHeapStatistics().heap_size_limit / 2 ** 20,
  );
  if (heapProblem !== undefined) {
    logger.fatal(heapProblem);
    process.exit(1);
  }
  const runtime = Runtime.install({
    logger: new TemporalPinoLogger(logger),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      // One Prometheus endpoint: the SDK's own metrics and the refund metrics (src/metrics.ts).
      metrics:
        config.metricsPort > 0
          ? {
              prometheus: {
                bindAddress: `${config.listenHost}:${config.metricsPort}`,
                histogramBucketOverrides: HISTOGRAM_BUCKETS,
              },
            }
          : undefined,
    },
  });
  // Outside production: one line naming the fallbacks in use that production would refuse.
  const warning = productionWarning(process.env, WORKER_CONCERNS);
  if (warning !== undefined) logger.warn(warning);
  const temporalConfig = loadTemporalConfig();
  // Nothing runs yet while it waits: a SIGTERM then ends the process at once.
  const quit = () => process.exit(0);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, quit);
  const connection = await connectWhenTemporalAnswers(
    () => NativeConnection.connect(temporalConfig.connectionOptions),
    temporalConfig.namespace,
    (problem) => logger.warn({ problem }, 'Waiting for Temporal (the server or its database is not answering)'),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, quit);
  try {
    const added = await ensureSearchAttributes(connection, temporalConfig.namespace);
    if (added.length > 0) logger.info({ added, namespace: temporalConfig.namespace }, 'Registered search attributes');
  } catch (err) {
    // Temporal Cloud keys may not manage the namespace: register the search attributes there once.
    logger.warn(
      { namespace: temporalConfig.namespace, error: (err as Error).message },
      'Could not check the refund search attributes; register them in the namespace (docs/operations/deploying.md)',
    );
  }
  const worker = await createRefundWorker({
    connection,
    namespace: temporalConfig.namespace,
    taskQueue: config.taskQueue,
    eko: createEkoClient(config.eko),
    defaults: config.defaults,
    shutdownGraceMs: config.shutdownGraceMs,
    dataConverter: dataConverterFor(config.encryptionKeys),
    tuning: config.tuning,
    webhooks: config.webhooks,
  });
  const health =
    config.healthPort > 0
      ? await startHealthServer(
          { workerState: () => worker.getState(), connection, namespace: temporalConfig.namespace },
          config.healthPort,
          config.listenHost,
        )
      : undefined;
  // Temporal's frontend answers its health check while its database is down: alerts read this gauge.
  const temporalWatch =
    config.metricsPort > 0
      ? watchTemporal(
          connection.workflowService,
          temporalConfig.namespace,
          runtime.metricMeter
            .createGauge(METRICS.temporalReady, 'int')
            .withTags({ namespace: temporalConfig.namespace, taskQueue: config.taskQueue }),
        )
      : undefined;
  logger.info(
    {
      metricsPort: config.metricsPort || undefined,
      healthPort: config.healthPort || undefined,
      taskQueue: config.taskQueue,
      temporalAddress: temporalConfig.connectionOptions.address,
      namespace: temporalConfig.namespace,
      ekoBaseUrl: config.eko.baseUrl,
      workflowCode: fs.existsSync(WORKFLOW_BUNDLE) ? 'prebundled' : 'bundled at start',
      encryptedPayloads: config.encryptionKeys.length > 0,
      webhookSubscribers: config.webhooks.map((subscriber) => subscriber.name),
      maxCachedWorkflows: worker.options.maxCachedWorkflows,
    },
    'Refund worker polling',
  );
  // The SDK stops polling on SIGINT/SIGTERM and lets in-flight activities finish within the grace time.
  try {
    await worker.run();
  } finally {
    temporalWatch?.stop();
    health?.close();
    await connection.close();
  }
}

if (require.main === module) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

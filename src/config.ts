import { isIP } from 'node:net';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { encryptionKeys } from './codec/config';
import type { EncryptionKey } from './codec/encryption';
import { UAT } from './eko/uat';
import { isProduction, parseEnv } from './env';
import { parseWebhooks, type Subscriber } from './notifications/config';
import { productionRefusals, WORKER_CONCERNS } from './production';
import { TASK_QUEUE } from './contract';
import type { WorkerTuning } from './tuning';

export { ConfigError, parseEnv } from './env';

/**
 * The one configuration loader: the worker's settings from the environment, validated at
 * start-up. Temporal's own connection settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS and
 * API key variables, or a config profile) are read by the SDK's env-config. The UAT defaults
 * apply outside production only: NODE_ENV=production refuses them (src/production.ts).
 */
const envSchema = z.object({
  REFUND_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  EKO_BASE_URL: z
    .url({ message: 'must be a URL including /ekoapi/v3 (UAT) or /ekoicici/v3 (production)' })
    .default(UAT.baseUrl),
  EKO_DEVELOPER_KEY: z.string().min(1).default(UAT.developerKey),
  EKO_ACCESS_KEY: z.string().min(1).default(UAT.accessKey),
  EKO_INITIATOR_ID: z
    .string()
    .regex(/^\d{10}$/, { message: 'must be a 10-digit mobile number' })
    .default(UAT.initiatorId),
  EKO_USER_CODE: z.string().regex(/^\d+$/, { message: 'must be digits' }).default(UAT.userCode),
  EKO_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(30_000),
  /** Prometheus `/metrics` (the SDK's metrics and the refund metrics); 0 turns it off. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  /** `/healthz` and `/readyz`; 0 turns it off. */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(8088),
  /** Where metrics and health listen: every interface, as a container's must; 127.0.0.1 keeps them local. */
  WORKER_HOST: z
    .string()
    .refine((host) => isIP(host) !== 0, { message: 'must be an IP address such as 0.0.0.0 or 127.0.0.1' })
    .default('0.0.0.0'),
  /** Empty: payloads in plain JSON (development only). */
  REFUND_ENCRYPTION_KEYS: encryptionKeys.optional(),
  /** Workflows kept between tasks; 0 (no cache): every task replays, and no query can split one. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(0)
    .refine((n) => n !== 1, { message: 'must be 0 (no cache) or at least 2' })
    .default(0),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  /** Outcome webhooks: a JSON array of { url, secret, events?, name? } (src/notifications/config.ts). */
  REFUND_WEBHOOKS: z.string().optional(),
});

export interface WorkerConfig {
  taskQueue: string;
  eko: { baseUrl: string; developerKey: string; accessKey: string; timeoutMs: number };
  defaults: { initiatorId: string; userCode: string };
  shutdownGraceMs: number;
  metricsPort: number;
  healthPort: number;
  listenHost: string;
  encryptionKeys: EncryptionKey[];
  tuning: WorkerTuning;
  webhooks: Subscriber[];
}

/** Every problem in one ConfigError: the production refusals and the malformed values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const webhooks = parseWebhooks(env.REFUND_WEBHOOKS, isProduction(env));
  const refusals = [
    ...productionRefusals(env, WORKER_CONCERNS),
    ...webhooks.problems.map((problem) => `REFUND_WEBHOOKS: ${problem}`),
  ];
  const e = parseEnv(envSchema, env, refusals);
  return {
    webhooks: webhooks.subscribers,
    taskQueue: e.REFUND_TASK_QUEUE,
    eko: {
      baseUrl: e.EKO_BASE_URL,
      developerKey: e.EKO_DEVELOPER_KEY,
      accessKey: e.EKO_ACCESS_KEY,
      timeoutMs: e.EKO_TIMEOUT_MS,
    },
    defaults: { initiatorId: e.EKO_INITIATOR_ID, userCode: e.EKO_USER_CODE },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    metricsPort: e.METRICS_PORT,
    healthPort: e.HEALTH_PORT,
    listenHost: e.WORKER_HOST,
    encryptionKeys: e.REFUND_ENCRYPTION_KEYS ?? [],
    tuning: {
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      // Unset: the SDK's defaults, which it lowers to the cache size when the cache is smaller.
      ...(e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS && {
        maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      }),
      ...(e.WORKER_MAX_CONCURRENT_ACTIVITIES && {
        maxConcurrentActivityTaskExecutions: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      }),
    },
  };
}

/** Temporal connection settings, through the SDK's env-config; `localhost:7233`, `default` otherwise. */
export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env) {
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars });
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? 'localhost:7233' },
    namespace: namespace ?? 'default',
  };
}

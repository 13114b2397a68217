/**
 * The refund HTTP API and support console (`npm run api`; `node dist/api.js` in production):
 * fastify in front of RefundClient, configured by the environment (src/api/config.ts) and the
 * Temporal and payload-key settings the CLI uses.
 */
import Redis from 'ioredis';
import { RefundClient } from './client';
import { type ApiConfig, loadApiConfig } from './api/config';
import { buildApi } from './api/server';
import { createLogger, redactor } from './logging';

async function run(): Promise<void> {
  const logger = createLogger().child({ component: 'api' });
  // Audit lines whatever LOG_LEVEL says.
  const auditLogger = createLogger({ level: 'info' }).child({ component: 'audit' });
  let config: ApiConfig;
  try {
    config = loadApiConfig();
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(1);
  }
  // The API never logs a key; should one reach a log line anyway, it is redacted there.
  redactor.pin(...config.keys.map((key) => key.key), ...(config.ekoCallback ? [config.ekoCallback.token] : []));
  const refunds = await RefundClient.connect();
  // Shared OTP limits for every replica; the URL may hold a password, so it is never logged.
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', (err) => logger.warn({ err: err.message }, 'Redis unavailable: OTP limits count per process'));
  const app = await buildApi({
    refunds,
    keys: config.keys,
    logger,
    auditLogger,
    otpLimitPerMinute: config.otpLimitPerMinute,
    secureCookies: config.secureCookies,
    ekoCallback: config.ekoCallback,
    people: config.people,
    otpPolicy: config.otpPolicy,
    wrongOtps: config.wrongOtps,
    redis,
    timeZone: config.timeZone,
    streamLimits: config.streamLimits,
    version: process.env.npm_package_version,
  });
  const url = await app.listen({ port: config.port, host: config.host });
  logger.info(
    { url, keys: config.keys.map(({ name, role }) => `${name} (${role})`), taskQueue: refunds.taskQueue },
    'Refund API listening: console at /, reference at /docs',
  );
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  // Open event streams end at once; in-flight updates get fastify's close to finish.
  await app.close();
  redis?.disconnect();
  await refunds.client.connection.close();
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});

// The refund HTTP API and support console for `npm run dev` (scripts/dev.ts): in the dev
// process, against the dev stack's Temporal, with the public development keys unless
// REFUND_API_KEYS is set.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadApiConfig } from '../src/api/config';
import { DEV_API_KEYS } from '../src/api/keys';
import { buildApi } from '../src/api/server';
import { RefundClient } from '../src/client';
import { loadTemporalConfig } from '../src/config';
import { createLogger } from '../src/logging';

export interface DevApi {
  url: string;
  /** Where Eko's transaction status callback goes: the simulator posts there. */
  callbackUrl: string;
  /** The lines `npm run dev` prints about the API. */
  welcome: string;
  close(): Promise<void>;
}

export async function startDevApi(options: {
  address: string;
  taskQueue: string;
  dataConverter: DataConverter;
}): Promise<DevApi> {
  const config = loadApiConfig({
    ...process.env,
    REFUND_API_KEYS: process.env.REFUND_API_KEYS || DEV_API_KEYS,
    // A fresh secret each start: the simulator, the only Eko here, learns it below.
    EKO_CALLBACK_TOKEN: process.env.EKO_CALLBACK_TOKEN || randomBytes(24).toString('base64url'),
  });
  const { connectionOptions, namespace } = loadTemporalConfig();
  const connection = await Connection.connect({ ...connectionOptions, address: options.address });
  const client = new Client({ connection, namespace, dataConverter: options.dataConverter });
  // Audit and request lines would bury the SMS the terminal shows: warnings only, unless asked.
  const logger = createLogger({ level: process.env.API_LOG_LEVEL ?? 'warn' });
  const app = await buildApi({
    refunds: new RefundClient(client, options.taskQueue),
    keys: config.keys,
    logger,
    ekoCallback: config.ekoCallback,
  });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('://127.0.0.1', '://localhost');
  const keys = config.keys.map((key) => `${key.role.padEnd(8)} ${key.key}  (${key.name})`);
  const source = process.env.REFUND_API_KEYS ? 'REFUND_API_KEYS' : 'development keys: public, for npm run dev only';
  return {
    url,
    callbackUrl: `${address}/v1/eko/callback/${config.ekoCallback!.token}`,
    welcome: [
      `  Refund API     ${url}  (console at /, reference at ${url}/docs)`,
      `                 sign in with a key (${source}):`,
      ...keys.map((line) => `                   ${line}`),
    ].join('\n'),
    async close() {
      await app.close();
      await connection.close();
    },
  };
}

import { z } from 'zod';
import { parseEnv } from '../env';
import { CLIENT_CONCERNS, productionRefusals } from '../production';
import type { EncryptionKey } from './encryption';
import { isLoopback } from './loopback';

export { DEV_ENCRYPTION_KEYS } from './dev-key';

export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

// A key is 32 bytes, so its standard base64 is 43 characters and one `=`.
const KEY_ENTRY = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/]{43}=)$/;

/** `keyId:base64,...`: the first key encrypts, the others (retired keys) only decrypt. */
export const encryptionKeys = z.string({ error: 'required' }).transform((value, ctx) => {
  const keys: EncryptionKey[] = [];
  value.split(',').forEach((entry, index) => {
    const match = KEY_ENTRY.exec(entry.trim());
    // Says which entry, never what it holds: a key pasted without its id would be printed whole.
    if (!match) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1} must be keyId:key, the key 32 random bytes in base64 (openssl rand -base64 32)`,
      });
    } else {
      keys.push({ id: match[1], key: Buffer.from(match[2], 'base64') });
    }
  });
  if (new Set(keys.map((key) => key.id)).size !== keys.length) {
    ctx.addIssue({ code: 'custom', message: 'key ids must be unique' });
  }
  return keys;
});

const origins = z.string().transform((value, ctx) =>
  value.split(',').map((entry, index) => {
    const origin = entry.trim();
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1} must be an origin such as http://localhost:8233 (no path, no trailing slash)`,
      });
    }
    return origin;
  }),
);

/**
 * The payload encryption keys from REFUND_ENCRYPTION_KEYS; empty when it is not set, and then
 * payloads are stored as plain JSON. Worker, client and codec server must share the keys. Under
 * NODE_ENV=production no key, or the dev key among them, stops the caller (src/production.ts).
 */
export function loadEncryptionConfig(env: NodeJS.ProcessEnv = process.env): EncryptionKey[] {
  const schema = z.object({ REFUND_ENCRYPTION_KEYS: encryptionKeys.optional() });
  return parseEnv(schema, env, productionRefusals(env, CLIENT_CONCERNS)).REFUND_ENCRYPTION_KEYS ?? [];
}

export const TOKEN_REQUIRED =
  'CODEC_SERVER_TOKEN: required when HOST is not a loopback address (anyone who reaches the port could decrypt every refund)';

export interface CodecServerConfig {
  port: number;
  host: string;
  keys: EncryptionKey[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** The Web UI origins allowed to call from a browser. */
  corsOrigins: string[];
}

const DEFAULT_HOST = '127.0.0.1';

export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const schema = z.object({
    REFUND_ENCRYPTION_KEYS: encryptionKeys,
    PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
    HOST: z.string().default(DEFAULT_HOST),
    CODEC_SERVER_TOKEN: z.string().min(16, 'must be at least 16 characters (openssl rand -hex 32)').optional(),
    CODEC_CORS_ORIGINS: origins.default(DEFAULT_CORS_ORIGINS),
  });
  const refusals = productionRefusals(env, CLIENT_CONCERNS);
  // In every environment: the server decrypts for anyone who reaches it.
  if (!isLoopback(env.HOST || DEFAULT_HOST) && !env.CODEC_SERVER_TOKEN) refusals.push(TOKEN_REQUIRED);
  const e = parseEnv(schema, env, refusals);
  return {
    port: e.PORT,
    host: e.HOST,
    keys: e.REFUND_ENCRYPTION_KEYS,
    token: e.CODEC_SERVER_TOKEN,
    corsOrigins: e.CODEC_CORS_ORIGINS,
  };
}

import { z } from 'zod';
import { parseEnv } from '../config';
import type { EncryptionKey } from './encryption';

/**
 * The local dev stack's key (scripts/dev.ts). It is in the source, so it protects nothing: never
 * configure it anywhere else. Fixed rather than random so refunds kept in .data/ still decode
 * after a restart.
 */
export const DEV_ENCRYPTION_KEYS = 'dev-1:MPUFcsqbfZCyT2zrPA57UO+/IEbt+QoFFHSWeJJjj7M=';

export const DEFAULT_CORS_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

// A key is 32 bytes, so its standard base64 is 43 characters and one `=`.
const KEY_ENTRY = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/]{43}=)$/;

/** `keyId:base64,...`: the first key encrypts, the others (retired keys) only decrypt. */
const encryptionKeys = z.string({ error: 'required' }).transform((value, ctx) => {
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
 * payloads are stored as plain JSON. Worker, client and codec server must share the keys.
 */
export function loadEncryptionConfig(env: NodeJS.ProcessEnv = process.env): EncryptionKey[] {
  const schema = z.object({ REFUND_ENCRYPTION_KEYS: encryptionKeys.optional() });
  return parseEnv(schema, env).REFUND_ENCRYPTION_KEYS ?? [];
}

export interface CodecServerConfig {
  port: number;
  host: string;
  keys: EncryptionKey[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** The Web UI origins allowed to call from a browser. */
  corsOrigins: string[];
}

export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const schema = z.object({
    REFUND_ENCRYPTION_KEYS: encryptionKeys,
    PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
    HOST: z.string().default('127.0.0.1'),
    CODEC_SERVER_TOKEN: z.string().optional(),
    CODEC_CORS_ORIGINS: origins.default(DEFAULT_CORS_ORIGINS),
  });
  const e = parseEnv(schema, env);
  return {
    port: e.PORT,
    host: e.HOST,
    keys: e.REFUND_ENCRYPTION_KEYS,
    token: e.CODEC_SERVER_TOKEN,
    corsOrigins: e.CODEC_CORS_ORIGINS,
  };
}

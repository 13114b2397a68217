import { z } from 'zod';
import { parseEnv } from '../config';
import { type ApiKey, DEV_API_KEYS, parseApiKeys } from './keys';

/** The API's settings from the environment; Temporal's and the payload keys are read as for the CLI. */
export interface ApiConfig {
  port: number;
  host: string;
  keys: ApiKey[];
  /** OTP submissions allowed per key per minute (429 past it). */
  otpLimitPerMinute: number;
  /** Mark the session cookie `Secure` (production: the API is behind TLS). */
  secureCookies: boolean;
}

const apiKeys = z.string({ error: 'required: name:role:key, comma-separated' }).transform((value, ctx) => {
  const { keys, problems } = parseApiKeys(value);
  for (const message of problems) ctx.addIssue({ code: 'custom', message });
  return keys;
});

const DEV_KEYS = parseApiKeys(DEV_API_KEYS).keys.map((key) => key.key);

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const production = env.NODE_ENV === 'production';
  const schema = z.object({
    API_PORT: z.coerce.number().int().min(0).max(65_535).default(8090),
    // In a container (production) the API must listen beyond loopback; elsewhere it stays local unless told.
    API_HOST: z
      .string()
      .min(1)
      .default(production ? '0.0.0.0' : '127.0.0.1'),
    REFUND_API_KEYS: apiKeys.refine((keys) => !production || !keys.some((key) => DEV_KEYS.includes(key.key)), {
      message: 'the development keys of npm run dev are public: set your own',
    }),
    API_OTP_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(10),
  });
  const e = parseEnv(schema, env);
  return {
    port: e.API_PORT,
    host: e.API_HOST,
    keys: e.REFUND_API_KEYS,
    otpLimitPerMinute: e.API_OTP_LIMIT_PER_MINUTE,
    secureCookies: production,
  };
}

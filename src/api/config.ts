import { parseCidr } from './cidr';
import { z } from 'zod';
import { parseEnv } from '../config';
import { type ApiKey, DEV_API_KEYS, parseApiKeys } from './keys';
import { COUNTS, DURATIONS, durationRangeMessage, toMs } from '../contract';
import { DEFAULT_WRONG_OTPS, type WrongOtpBudget } from './otp-budget';
import { DEFAULT_OTP_POLICY, type OtpPolicy } from './otp-policy';
import { type PeopleConfig, parsePeople } from './people';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './streams';
import { DEFAULT_TIME_ZONE, isTimeZone } from './time-zone';

/** The API's settings from the environment; Temporal's and the payload keys are read as for the CLI. */
export interface ApiConfig {
  port: number;
  host: string;
  keys: ApiKey[];
  /** OTP submissions allowed per key per minute (429 past it). */
  otpLimitPerMinute: number;
  /** Mark the session cookie `Secure` (production: the API is behind TLS). */
  secureCookies: boolean;
  /** Eko's transaction status callback; the endpoint exists only when its token is set. */
  ekoCallback?: EkoCallbackConfig;
  /** People named by a trusted authenticating proxy; none when REFUND_TRUSTED_PROXY is unset. */
  people?: PeopleConfig;
  /** What a start may only tighten. */
  otpPolicy: OtpPolicy;
  wrongOtps: WrongOtpBudget;
  /** Shares the OTP limits between API replicas. */
  redisUrl?: string;
  /** The desk's days: summary counts and the console's dates. */
  timeZone: string;
  streamLimits: StreamLimits;
}

export interface EkoCallbackConfig {
  /** The secret path segment of the URL registered with Eko. */
  token: string;
  /** Source addresses (CIDR) Eko's callbacks may come from; any when empty. */
  allow: string[];
  /** Ask Eko for a new OTP; by default the refund waits for the one Eko texted at failure. */
  requestOtp: boolean;
}

const cidrList = z.string().transform((value, ctx) => {
  const cidrs = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const cidr of cidrs) if (!parseCidr(cidr)) ctx.addIssue({ code: 'custom', message: `not a CIDR: ${cidr}` });
  return cidrs;
});

const apiKeys = z.string({ error: 'required: name:role:key, comma-separated' }).transform((value, ctx) => {
  const { keys, problems } = parseApiKeys(value);
  for (const message of problems) ctx.addIssue({ code: 'custom', message });
  return keys;
});

/** A count within the contract's bounds. */
const count = ({ min, max }: { min: number; max: number }) => z.coerce.number().int().min(min).max(max);

/** A duration ("24 hours", "60s") within the contract's bounds for the field, as ms. */
const duration = (field: keyof typeof DURATIONS) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = toMs(value);
    const { min, max } = DURATIONS[field];
    if (!(ms >= min && ms <= max)) ctx.addIssue({ code: 'custom', message: durationRangeMessage(min, max) });
    return ms;
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
    EKO_CALLBACK_TOKEN: z
      .string()
      .regex(/^[A-Za-z0-9_-]{32,256}$/, 'at least 32 characters of A-Z, a-z, 0-9, _ or - (it is part of a URL)')
      .optional(),
    EKO_CALLBACK_ALLOW: cidrList.default([]),
    EKO_CALLBACK_REQUEST_OTP: z.stringbool().default(false),
    REFUND_TRUSTED_PROXY: cidrList.default([]),
    REFUND_MAX_OTP_ATTEMPTS: count(COUNTS.maxOtpAttempts).default(DEFAULT_OTP_POLICY.maxOtpAttempts),
    REFUND_MAX_RESENDS: count(COUNTS.maxResends).default(DEFAULT_OTP_POLICY.maxResends),
    REFUND_OTP_TIMEOUT: duration('otpTimeout').default(DEFAULT_OTP_POLICY.otpTimeoutMs),
    REFUND_RESEND_INTERVAL: duration('resendInterval').default(DEFAULT_OTP_POLICY.resendIntervalMs),
    API_WRONG_OTPS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(DEFAULT_WRONG_OTPS.perMinute),
    API_WRONG_OTPS_PER_DAY: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_WRONG_OTPS.perDay),
    REFUND_TIME_ZONE: z
      .string()
      .refine(isTimeZone, 'an IANA time zone such as Asia/Kolkata')
      .default(DEFAULT_TIME_ZONE),
    REFUND_STREAMS_PER_IDENTITY: z.coerce.number().int().min(1).max(1000).default(DEFAULT_STREAM_LIMITS.perIdentity),
    REFUND_STREAMS_TOTAL: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_STREAM_LIMITS.total),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
      .optional(),
    REFUND_IDENTITY_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name')
      .default('X-Forwarded-Email'),
    REFUND_PEOPLE: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const { roles, problems } = parsePeople(value);
        for (const message of problems) ctx.addIssue({ code: 'custom', message });
        return roles;
      }),
  });
  const e = parseEnv(schema, env);
  return {
    port: e.API_PORT,
    host: e.API_HOST,
    keys: e.REFUND_API_KEYS,
    otpLimitPerMinute: e.API_OTP_LIMIT_PER_MINUTE,
    secureCookies: production,
    ekoCallback: e.EKO_CALLBACK_TOKEN
      ? { token: e.EKO_CALLBACK_TOKEN, allow: e.EKO_CALLBACK_ALLOW, requestOtp: e.EKO_CALLBACK_REQUEST_OTP }
      : undefined,
    otpPolicy: {
      maxOtpAttempts: e.REFUND_MAX_OTP_ATTEMPTS,
      maxResends: e.REFUND_MAX_RESENDS,
      otpTimeoutMs: e.REFUND_OTP_TIMEOUT,
      resendIntervalMs: e.REFUND_RESEND_INTERVAL,
    },
    wrongOtps: { perMinute: e.API_WRONG_OTPS_PER_MINUTE, perDay: e.API_WRONG_OTPS_PER_DAY },
    redisUrl: e.REDIS_URL,
    timeZone: e.REFUND_TIME_ZONE,
    streamLimits: { perIdentity: e.REFUND_STREAMS_PER_IDENTITY, total: e.REFUND_STREAMS_TOTAL },
    people:
      e.REFUND_TRUSTED_PROXY.length > 0
        ? { trustedProxies: e.REFUND_TRUSTED_PROXY, header: e.REFUND_IDENTITY_HEADER, roles: e.REFUND_PEOPLE }
        : undefined,
  };
}

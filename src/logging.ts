import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import pino from 'pino';

/**
 * The one logger: structured JSON (pino) with secrets redacted twice, by key (an `otp` field,
 * an `accessKey`, a mobile number...) and by value (a known secret appearing anywhere, even inside
 * a message string). The Temporal runtime logs through it, so every line from activities and the
 * worker carries the SDK's workflowId, runId and activityType.
 */
const SECRET_KEY =
  /^(otp|otp_?ref_?id|access_?key|secret[-_]?key|developer_?key|authorization|.*mobile.*|password|token)$/i;
const REDACTED = '[REDACTED]';
/** Per-refund values kept: a refund's OTP and otp_ref_id matter only while it runs. */
const MAX_LEARNED_VALUES = 10_000;
/** Short values (a 3-digit string) would redact innocent numbers; OTPs have at least 4 digits. */
const MIN_SECRET_LENGTH = 4;

/** The environment variables that hold configured secrets: pinned by the process redactor. */
const SECRET_VARIABLES = [
  'EKO_ACCESS_KEY',
  'EKO_DEVELOPER_KEY',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'CODEC_SERVER_TOKEN',
  'REFUND_ENCRYPTION_KEYS',
];

/** The configured secrets in an environment; each encryption key also on its own (`keyId:key,...`). */
export function configuredSecrets(env: NodeJS.ProcessEnv): string[] {
  const values = SECRET_VARIABLES.map((name) => env[name]).filter((v): v is string => !!v);
  const encryptionKeys = (env.REFUND_ENCRYPTION_KEYS ?? '').split(',').map((entry) => entry.split(':').at(-1)!.trim());
  return [...values, ...encryptionKeys].filter((secret) => secret.length > 0);
}

/**
 * Redacts known secret values wherever they appear, the one way of doing so for logs and the CLI.
 * Configured secrets (access key, API keys, encryption keys) are pinned: never evicted, however
 * many per-refund values (OTPs, otp_ref_ids) are learned; those are bounded, oldest out first.
 */
export class Redactor {
  private readonly pinned = new Set<string>();
  private readonly learned = new Set<string>();

  /** Configured secrets, for the life of the process. */
  pin(...values: Array<string | undefined>): void {
    for (const value of values) if (value && value.length >= MIN_SECRET_LENGTH) this.pinned.add(value);
  }

  /** A refund's secrets (its OTP, its otp_ref_id): the newest MAX_LEARNED_VALUES are kept. */
  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (!value || value.length < MIN_SECRET_LENGTH || this.pinned.has(value)) continue;
      this.learned.delete(value); // seen again: it becomes the newest
      if (this.learned.size >= MAX_LEARNED_VALUES) this.learned.delete(this.learned.values().next().value!);
      this.learned.add(value);
    }
  }

  /** Any value: fields named like a secret are replaced whole, strings have known secrets cut out. */
  redact(value: unknown, key?: string): unknown {
    if (key !== undefined && SECRET_KEY.test(key)) return REDACTED;
    if (typeof value === 'string') return this.redactText(value);
    if (Array.isArray(value)) return value.map((item) => this.redact(item));
    if (value instanceof Error) return this.redact({ name: value.name, message: value.message, stack: value.stack });
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redact(v, k)]));
    }
    // Class instances (a request, a socket) are not data to log field by field: their text only.
    if (value && typeof value === 'object') return this.redactText(String(value));
    return value;
  }

  /**
   * Every known secret, wherever it appears, except as part of a longer number: the OTP 0000 inside
   * the tid 1000000001 is the tid, and blanking it would garble the message without hiding anything.
   */
  redactText(text: string): string {
    let result = text;
    for (const secrets of [this.pinned, this.learned]) {
      for (const secret of secrets) {
        if (result.includes(secret)) result = result.replace(secretPattern(secret), REDACTED);
      }
    }
    return result;
  }
}

function secretPattern(secret: string): RegExp {
  const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const before = /^\d/.test(secret) ? '(?<!\\d)' : '';
  const after = /\d$/.test(secret) ? '(?!\\d)' : '';
  return new RegExp(`${before}${escaped}${after}`, 'g');
}

/**
 * The process's redactor: configured secrets from the environment are pinned at start; the worker
 * pins the ones it loads, activities add each refund's OTP and otp_ref_id, the CLI the OTP it holds.
 */
export const redactor = new Redactor();
redactor.pin(...configuredSecrets(process.env));

export function createLogger(
  options: { level?: string; destination?: pino.DestinationStream; redact?: Redactor } = {},
): pino.Logger {
  const redact = options.redact ?? redactor;
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'eko-refund-worker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redact.redact(fields) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redact.redact(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination,
  );
}

/** Adapts a pino logger to the Temporal SDK's Logger, for `Runtime.install({ logger })`. */
export class TemporalPinoLogger implements Logger {
  constructor(private readonly pinoLogger: pino.Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    this.pinoLogger[method](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

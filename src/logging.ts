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
const MAX_KNOWN_SECRETS = 10_000;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers values to redact wherever they appear (the access key, an OTP in flight...). */
  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      // Short values (a 3-digit string) would redact innocent numbers; OTPs have at least 4 digits.
      if (!value || value.length < 4) continue;
      if (this.secrets.size >= MAX_KNOWN_SECRETS) this.secrets.delete(this.secrets.values().next().value!);
      this.secrets.add(value);
    }
  }

  redact(value: unknown, key?: string): unknown {
    if (key !== undefined && SECRET_KEY.test(key)) return REDACTED;
    if (typeof value === 'string') return this.redactString(value);
    if (Array.isArray(value)) return value.map((item) => this.redact(item));
    if (value instanceof Error) return this.redact({ name: value.name, message: value.message, stack: value.stack });
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redact(v, k)]));
    }
    return value;
  }

  private redactString(text: string): string {
    let result = text;
    for (const secret of this.secrets) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    return result;
  }
}

/** Secrets known to the process; activities add the OTP and otp_ref_id of each refund call. */
export const redactor = new Redactor();

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

/**
 * The rules of the refund input and of its messages, in plain code. The workflow validates with
 * these functions and never loads zod: a worker evaluates its workflow bundle's modules once per
 * cached workflow, and zod with the schemas built from it cost about 0.6 MB of every parked refund
 * (BENCHMARKS.md, "Where a parked refund's memory goes"). Callers (client, CLI, API) use the zod
 * schemas of schemas.ts, built from the constants below; test/unit/input-rules.property.test.ts
 * holds both to the same verdict and the same output for any input.
 *
 * Messages read as zod's, so a caller and the workflow word one mistake the same way.
 */
import { formatMs, toMs } from './duration';
import type { CancelRequest, OtpSubmission, RefundParams, ResendRequest } from './schemas';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A string field: a pattern, or a length range. */
export interface TextRule {
  pattern?: RegExp;
  message?: string;
  minLength?: number;
  /** zod's own wording when absent. */
  minLengthMessage?: string;
  maxLength?: number;
}

export const TEXT = {
  tid: { pattern: /^\d{1,20}$/, message: 'tid must be 1 to 20 digits' },
  otp: { pattern: /^\d{4,8}$/, message: 'otp must be 4 to 8 digits' },
  initiatorId: { pattern: /^\d{10}$/, message: 'initiatorId must be a 10-digit mobile number' },
  userCode: { pattern: /^\d{1,20}$/, message: 'userCode must be digits' },
  serviceCode: { pattern: /^\d{1,6}$/, message: 'serviceCode must be digits' },
  otpRefId: { minLength: 1, maxLength: 128 },
  /** Who asked: an API key's name, a CLI user. Noted in the state with the action. */
  actor: { minLength: 1, maxLength: 200 },
  requestedBy: { maxLength: 200 },
  reason: { maxLength: 1000 },
  cancelReason: { minLength: 1, minLengthMessage: 'reason is required', maxLength: 1000 },
} as const satisfies Record<string, TextRule>;

export const DEFAULTS = { serviceCode: '80', requestOtp: true, maxOtpAttempts: 3, maxResends: 5 } as const;
export const COUNTS = {
  maxOtpAttempts: { min: 1, max: 10 },
  maxResends: { min: 0, max: 20 },
} as const;

/**
 * The refund's durations with their bounds and defaults. The floors keep a refund from hammering
 * Eko (Temporal's dev server spaces retries ~1 s apart anyway); the ceilings catch typos.
 */
export const DURATIONS = {
  otpTimeout: { min: SECOND, max: 30 * DAY, default: '24 hours' },
  pollDeadline: { min: SECOND, max: 30 * DAY, default: '7 days' },
  pollInterval: { min: SECOND, max: HOUR, default: '30 seconds' },
  maxPollInterval: { min: SECOND, max: DAY, default: '15 minutes' },
  /**
   * How long one activity attempt (one inquiry, one refund call and its confirming inquiry) may
   * run. Each Eko call is cut off before the attempt's end, so two refund calls never overlap.
   */
  ekoCallTimeout: { min: 2 * SECOND, max: 10 * MINUTE, default: '1 minute' },
  /** How long the refund call is retried (configuration or auth errors, settling) before NEEDS_REVIEW. */
  submitDeadline: { min: 10 * SECOND, max: 7 * DAY, default: '24 hours' },
  /**
   * After a refund call whose outcome is unknown, how long the transaction must stay Refund
   * Pending (3) before the refund is called again: Eko may still be applying the first call.
   */
  settleWindow: { min: SECOND, max: DAY, default: '10 minutes' },
  /** Minimum time between two OTP resends. */
  resendInterval: { min: SECOND, max: DAY, default: '60 seconds' },
} as const;
export type DurationField = keyof typeof DURATIONS;
export const DURATION_FIELDS = Object.keys(DURATIONS) as DurationField[];

export const DURATION_MESSAGE = 'must be a duration such as "30s", "15 minutes", "24 hours" or milliseconds';
export const durationRangeMessage = (min: number, max: number) =>
  `must be between ${formatMs(min)} and ${formatMs(max)}`;

/** The input's fields, in the order errors name them. */
export const REFUND_INPUT_FIELDS = [
  'tid',
  'initiatorId',
  'userCode',
  'serviceCode',
  'otpRefId',
  'requestOtp',
  'maxOtpAttempts',
  'maxResends',
  'requestedBy',
  'reason',
  ...DURATION_FIELDS,
] as const;

export interface FieldIssue {
  /** The field's name; `input` for the whole value. */
  field: string;
  message: string;
}

/** Rules between fields: an accepted input never fails later when its retry policies are built. */
export function crossFieldIssues(input: Record<DurationField, unknown> & { tid: string }): FieldIssue[] {
  const ms = (field: DurationField) => toMs(input[field]);
  const issues: FieldIssue[] = [];
  const rule = (ok: boolean, field: DurationField | 'tid', message: string) => ok || issues.push({ field, message });
  // Eko's tids are numbers: "0123" and "123" would be two workflows for one transaction.
  rule(!input.tid.startsWith('0'), 'tid', 'tid must not start with 0');
  rule(ms('maxPollInterval') >= ms('pollInterval'), 'maxPollInterval', 'must be at least pollInterval');
  rule(ms('submitDeadline') >= 2 * ms('ekoCallTimeout'), 'submitDeadline', 'must be at least twice ekoCallTimeout');
  rule(ms('settleWindow') < ms('submitDeadline'), 'settleWindow', 'must be shorter than submitDeadline');
  return issues;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Issues as one line that names each bad field, never echoing the values (they may be secret). */
export const describeIssues = (issues: readonly FieldIssue[]): string =>
  issues.map(({ field, message }) => `${field}: ${message}`).join('; ');

/** Fields of a message or input that the rules do not know: a newer sender's, noted and ignored. */
export function unknownFields(value: unknown, known: readonly string[]): string[] {
  if (!isRecord(value)) return [];
  return Object.keys(value).filter((key) => !known.includes(key));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the fields of one object: each reader returns the field's value or records an issue.
 * Unknown fields are left out of the value (as zod's non-strict objects do).
 */
class FieldReader {
  readonly issues: FieldIssue[] = [];
  readonly value: Record<string, unknown> = {};

  constructor(private readonly raw: Record<string, unknown>) {}

  private fail(field: string, message: string): void {
    this.issues.push({ field, message });
  }

  private set(field: string, value: unknown): void {
    if (value !== undefined) this.value[field] = value;
  }

  text(field: string, rule: TextRule, options: { default?: string; optional?: boolean } = {}): void {
    const value = this.raw[field];
    if (value === undefined && options.default !== undefined) return this.set(field, options.default);
    if (value === undefined && options.optional) {
      // Given as `undefined` (never in JSON), it stays in the value, as zod keeps it.
      if (field in this.raw) this.value[field] = undefined;
      return;
    }
    if (typeof value !== 'string') return this.fail(field, 'expected string');
    if (rule.pattern && !rule.pattern.test(value)) return this.fail(field, rule.message ?? 'Invalid string');
    if (rule.minLength !== undefined && value.length < rule.minLength) {
      return this.fail(
        field,
        rule.minLengthMessage ?? `Too small: expected string to have >=${rule.minLength} characters`,
      );
    }
    if (rule.maxLength !== undefined && value.length > rule.maxLength) {
      return this.fail(field, `Too big: expected string to have <=${rule.maxLength} characters`);
    }
    this.set(field, value);
  }

  boolean(field: string, fallback: boolean): void {
    const value = this.raw[field] === undefined ? fallback : this.raw[field];
    if (typeof value !== 'boolean') return this.fail(field, 'expected boolean');
    this.set(field, value);
  }

  integer(field: string, bounds: { min: number; max: number }, fallback: number): void {
    const value = this.raw[field] === undefined ? fallback : this.raw[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(field, 'expected number');
    if (!Number.isInteger(value)) return this.fail(field, 'expected int');
    // Unsafe integers (zod: "expected int to be <=2^53-1") are far outside every bound here.
    if (value < bounds.min) return this.fail(field, `Too small: expected number to be >=${bounds.min}`);
    if (value > bounds.max) return this.fail(field, `Too big: expected number to be <=${bounds.max}`);
    this.set(field, value);
  }

  /** Kept as given ("24 hours" stays a string in history, not 86400000). */
  duration(field: DurationField, bounds: { min: number; max: number }, fallback: string): void {
    const value = this.raw[field] === undefined ? fallback : this.raw[field];
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) {
      return this.fail(field, 'Invalid input');
    }
    const ms = toMs(value);
    if (Number.isNaN(ms)) return this.fail(field, DURATION_MESSAGE);
    if (ms < bounds.min || ms > bounds.max) return this.fail(field, durationRangeMessage(bounds.min, bounds.max));
    this.set(field, value);
  }
}

function read<T>(raw: unknown, fields: (reader: FieldReader) => void): Checked<T> {
  if (!isRecord(raw)) return { ok: false, issues: [{ field: 'input', message: 'expected object' }] };
  const reader = new FieldReader(raw);
  fields(reader);
  return reader.issues.length > 0 ? { ok: false, issues: reader.issues } : { ok: true, value: reader.value as T };
}

/** The workflow's reading of its input: unknown fields (a newer client's) are dropped, defaults applied. */
export function checkRefundInput(raw: unknown): Checked<RefundParams> {
  const checked = read<RefundParams>(raw, (r) => {
    r.text('tid', TEXT.tid);
    r.text('initiatorId', TEXT.initiatorId, { optional: true });
    r.text('userCode', TEXT.userCode, { optional: true });
    r.text('serviceCode', TEXT.serviceCode, { default: DEFAULTS.serviceCode });
    r.text('otpRefId', TEXT.otpRefId, { optional: true });
    r.boolean('requestOtp', DEFAULTS.requestOtp);
    r.integer('maxOtpAttempts', COUNTS.maxOtpAttempts, DEFAULTS.maxOtpAttempts);
    r.integer('maxResends', COUNTS.maxResends, DEFAULTS.maxResends);
    r.text('requestedBy', TEXT.requestedBy, { optional: true });
    r.text('reason', TEXT.reason, { optional: true });
    for (const field of DURATION_FIELDS) r.duration(field, DURATIONS[field], DURATIONS[field].default);
  });
  if (!checked.ok) return checked;
  const issues = crossFieldIssues(checked.value);
  return issues.length > 0 ? { ok: false, issues } : checked;
}

export const checkOtpSubmission = (raw: unknown): Checked<OtpSubmission> =>
  read(raw, (r) => {
    r.text('otp', TEXT.otp);
    r.text('otpRefId', TEXT.otpRefId, { optional: true });
    r.text('actor', TEXT.actor, { optional: true });
  });

export const checkCancelRequest = (raw: unknown): Checked<CancelRequest> =>
  read(raw, (r) => {
    r.text('reason', TEXT.cancelReason);
    r.text('actor', TEXT.actor, { optional: true });
  });

export const checkResendRequest = (raw: unknown): Checked<ResendRequest> =>
  read(raw, (r) => r.text('actor', TEXT.actor, { optional: true }));

export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

/** The value the rules accept, or an InvalidInputError whose message names every bad field. */
export function acceptedOrThrow<T>(checked: Checked<T>, what: string): T {
  if (!checked.ok) throw new InvalidInputError(`invalid ${what}: ${describeIssues(checked.issues)}`);
  return checked.value;
}

/**
 * Input schemas of the refund workflow and its messages (docs/contract/refund-workflow.md, Input).
 * Callers (client, CLI, API) use the strict schemas: a misspelt field is an error. The workflow
 * uses the lenient ones, so a worker one release behind ignores a field a newer client added.
 */
import { z } from 'zod';
import { type Duration, formatMs, toMs } from './duration';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration within [min, max], kept as given (history shows "24 hours", not 86400000). */
function duration(min: number, max: number) {
  return z
    .union([z.number(), z.string()])
    .refine((value) => !Number.isNaN(toMs(value)), {
      message: 'must be a duration such as "30s", "15 minutes", "24 hours" or milliseconds',
      abort: true,
    })
    .refine((value) => toMs(value) >= min && toMs(value) <= max, {
      message: `must be between ${formatMs(min)} and ${formatMs(max)}`,
    })
    .transform((value) => value as Duration);
}

export const tidSchema = z.string().regex(/^\d{1,20}$/, { message: 'tid must be 1 to 20 digits' });
export const otpSchema = z.string().regex(/^\d{4,8}$/, { message: 'otp must be 4 to 8 digits' });
const otpRefIdSchema = z.string().min(1).max(128);
/** Who asked: an API key's name, a CLI user. Noted in the state with the action. */
const actorSchema = z.string().min(1).max(200);

/**
 * The refund's durations with their bounds and defaults. The floors keep a refund from hammering
 * Eko (Temporal's dev server spaces retries ~1 s apart anyway); the ceilings catch typos.
 */
const DURATIONS = {
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

/** The duration fields; `bounded: false` accepts any positive duration, as releases before the bounds did. */
function durationFields(bounded: boolean) {
  const field = (spec: (typeof DURATIONS)[keyof typeof DURATIONS]) =>
    duration(bounded ? spec.min : 1, bounded ? spec.max : Number.MAX_SAFE_INTEGER).default(spec.default);
  return {
    otpTimeout: field(DURATIONS.otpTimeout),
    pollDeadline: field(DURATIONS.pollDeadline),
    pollInterval: field(DURATIONS.pollInterval),
    maxPollInterval: field(DURATIONS.maxPollInterval),
    ekoCallTimeout: field(DURATIONS.ekoCallTimeout),
    submitDeadline: field(DURATIONS.submitDeadline),
    settleWindow: field(DURATIONS.settleWindow),
    resendInterval: field(DURATIONS.resendInterval),
  };
}

const inputShape = {
  tid: tidSchema,
  initiatorId: z
    .string()
    .regex(/^\d{10}$/, { message: 'initiatorId must be a 10-digit mobile number' })
    .optional(),
  userCode: z
    .string()
    .regex(/^\d{1,20}$/, { message: 'userCode must be digits' })
    .optional(),
  serviceCode: z
    .string()
    .regex(/^\d{1,6}$/, { message: 'serviceCode must be digits' })
    .default('80'),
  otpRefId: otpRefIdSchema.optional(),
  requestOtp: z.boolean().default(true),
  maxOtpAttempts: z.number().int().min(1).max(10).default(3),
  maxResends: z.number().int().min(0).max(20).default(5),
  requestedBy: z.string().max(200).optional(),
  reason: z.string().max(1000).optional(),
  ...durationFields(true),
};

type InputOutput = z.output<z.ZodObject<typeof inputShape>>;

/** Rules between fields: an accepted input never fails later when its retry policies are built. */
function crossFieldChecks(input: InputOutput, ctx: z.RefinementCtx): void {
  const ms = (field: keyof InputOutput) => toMs(input[field]);
  const rule = (ok: boolean, field: keyof InputOutput, message: string) => {
    if (!ok) ctx.addIssue({ code: 'custom', path: [field], message });
  };
  // Eko's tids are numbers: "0123" and "123" would be two workflows for one transaction.
  rule(!input.tid.startsWith('0'), 'tid', 'tid must not start with 0');
  rule(ms('maxPollInterval') >= ms('pollInterval'), 'maxPollInterval', 'must be at least pollInterval');
  rule(ms('submitDeadline') >= 2 * ms('ekoCallTimeout'), 'submitDeadline', 'must be at least twice ekoCallTimeout');
  rule(ms('settleWindow') < ms('submitDeadline'), 'settleWindow', 'must be shorter than submitDeadline');
}

export const refundInputSchema = z.strictObject(inputShape).superRefine(crossFieldChecks);
/** The workflow's view: unknown fields (from a newer client) are dropped, not fatal. */
export const lenientRefundInputSchema = z.object(inputShape).superRefine(crossFieldChecks);
export const REFUND_INPUT_FIELDS = Object.keys(inputShape);
/**
 * The input as refunds started before the bounds were accepted it. Their workflows replay with it:
 * rejecting their input now would change their history.
 */
export const legacyRefundInputSchema = z.object({ ...inputShape, ...durationFields(false) });

/** What callers pass: everything but `tid` has a default. */
export type RefundInput = z.input<typeof refundInputSchema>;
/** What the workflow works with, defaults applied. */
export type RefundParams = z.output<typeof refundInputSchema>;

const otpShape = { otp: otpSchema, otpRefId: otpRefIdSchema.optional(), actor: actorSchema.optional() };
export const otpSubmissionSchema = z.strictObject(otpShape);
export const lenientOtpSubmissionSchema = z.object(otpShape);
export type OtpSubmission = z.infer<typeof otpSubmissionSchema>;

const cancelShape = { reason: z.string().min(1, 'reason is required').max(1000), actor: actorSchema.optional() };
export const cancelRequestSchema = z.strictObject(cancelShape);
export const lenientCancelRequestSchema = z.object(cancelShape);
export type CancelRequest = z.infer<typeof cancelRequestSchema>;

const resendShape = { actor: actorSchema.optional() };
export const resendRequestSchema = z.strictObject(resendShape);
export const lenientResendRequestSchema = z.object(resendShape);
export type ResendRequest = z.infer<typeof resendRequestSchema>;

/** A zod error as one line that names each bad field, never echoing the values (they may be secret). */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.join('.') || 'input';
      if (issue.code === 'unrecognized_keys') return `${field}: unknown field(s) ${issue.keys.join(', ')}`;
      if (issue.code === 'invalid_type') return `${field}: expected ${issue.expected}`;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

/** Parses with a schema, or throws an InvalidInputError whose message names every bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(`invalid ${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** Fields of a message or input that the schema does not know: a newer sender's, noted and ignored. */
export function unknownFields(value: unknown, known: readonly string[]): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.keys(value).filter((key) => !known.includes(key));
}

/**
 * Input schemas of the refund workflow and its messages (docs/contract/refund-workflow.md, Input).
 * Callers (client, CLI, API) use the strict schemas: a misspelt field is an error. The workflow
 * uses the lenient ones' rules through rules.ts (no zod in workflow code, see there), which also
 * holds the patterns, bounds and defaults these schemas are built from.
 */
import { z } from 'zod';
import { type Duration, toMs } from './duration';
import {
  COUNTS,
  crossFieldIssues,
  DEFAULTS,
  DURATION_FIELDS,
  DURATION_MESSAGE,
  DURATIONS,
  durationRangeMessage,
  InvalidInputError,
  TEXT,
  type TextRule,
} from './rules';

/** A duration within [min, max], kept as given (history shows "24 hours", not 86400000). */
function duration(min: number, max: number) {
  return z
    .union([z.number(), z.string()])
    .refine((value) => !Number.isNaN(toMs(value)), { message: DURATION_MESSAGE, abort: true })
    .refine((value) => toMs(value) >= min && toMs(value) <= max, { message: durationRangeMessage(min, max) })
    .transform((value) => value as Duration);
}

/** A string field of rules.ts as a zod schema. */
function text(rule: TextRule) {
  let schema = z.string();
  if (rule.pattern) schema = schema.regex(rule.pattern, { message: rule.message });
  if (rule.minLength !== undefined) schema = schema.min(rule.minLength, rule.minLengthMessage);
  if (rule.maxLength !== undefined) schema = schema.max(rule.maxLength);
  return schema;
}

export const tidSchema = text(TEXT.tid);
export const otpSchema = text(TEXT.otp);
const otpRefIdSchema = text(TEXT.otpRefId);
const actorSchema = text(TEXT.actor);

function durationFields() {
  const field = (name: keyof typeof DURATIONS) => {
    const { min, max } = DURATIONS[name];
    return duration(min, max).default(DURATIONS[name].default);
  };
  return {
    otpTimeout: field('otpTimeout'),
    pollDeadline: field('pollDeadline'),
    pollInterval: field('pollInterval'),
    maxPollInterval: field('maxPollInterval'),
    ekoCallTimeout: field('ekoCallTimeout'),
    submitDeadline: field('submitDeadline'),
    settleWindow: field('settleWindow'),
    resendInterval: field('resendInterval'),
  };
}

const inputShape = {
  tid: tidSchema,
  initiatorId: text(TEXT.initiatorId).optional(),
  userCode: text(TEXT.userCode).optional(),
  serviceCode: text(TEXT.serviceCode).default(DEFAULTS.serviceCode),
  otpRefId: otpRefIdSchema.optional(),
  requestOtp: z.boolean().default(DEFAULTS.requestOtp),
  maxOtpAttempts: z
    .number()
    .int()
    .min(COUNTS.maxOtpAttempts.min)
    .max(COUNTS.maxOtpAttempts.max)
    .default(DEFAULTS.maxOtpAttempts),
  maxResends: z.number().int().min(COUNTS.maxResends.min).max(COUNTS.maxResends.max).default(DEFAULTS.maxResends),
  requestedBy: text(TEXT.requestedBy).optional(),
  reason: text(TEXT.reason).optional(),
  ...durationFields(),
};

type InputOutput = z.output<z.ZodObject<typeof inputShape>>;

/** Rules between fields: an accepted input never fails later when its retry policies are built. */
function crossFieldChecks(input: InputOutput, ctx: z.RefinementCtx): void {
  for (const { field, message } of crossFieldIssues(input)) ctx.addIssue({ code: 'custom', path: [field], message });
}

export const refundInputSchema = z.strictObject(inputShape).superRefine(crossFieldChecks);
/** The workflow's view: unknown fields (from a newer client) are dropped, not fatal. */
export const lenientRefundInputSchema = z.object(inputShape).superRefine(crossFieldChecks);

/** What callers pass: everything but `tid` has a default. */
export type RefundInput = z.input<typeof refundInputSchema>;
/** What the workflow works with, defaults applied. */
export type RefundParams = z.output<typeof refundInputSchema>;

const otpShape = { otp: otpSchema, otpRefId: otpRefIdSchema.optional(), actor: actorSchema.optional() };
export const otpSubmissionSchema = z.strictObject(otpShape);
export const lenientOtpSubmissionSchema = z.object(otpShape);
export type OtpSubmission = z.infer<typeof otpSubmissionSchema>;

const cancelShape = { reason: text(TEXT.cancelReason), actor: actorSchema.optional() };
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

/** Parses with a schema, or throws an InvalidInputError whose message names every bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(`invalid ${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * The options two starts of one tid disagree on: every input field but who asked and why
 * (`requestedBy`, `reason`), defaults applied; durations compare by length ("60s" = "1m").
 */
export function differingOptions(a: RefundParams, b: RefundParams): string[] {
  const same = (field: keyof RefundParams) =>
    (DURATION_FIELDS as string[]).includes(field)
      ? toMs(a[field] as string) === toMs(b[field] as string)
      : JSON.stringify(a[field]) === JSON.stringify(b[field]);
  const fields = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof RefundParams)[]);
  return [...fields].filter((field) => field !== 'requestedBy' && field !== 'reason' && !same(field)).sort();
}

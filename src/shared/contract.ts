/**
 * The public contract of the refund workflow (../shared/refund-workflow.md): names, phases,
 * input and state. Imported by workflow code too, so it stays free of I/O and Node built-ins.
 */
import type { Duration } from '@temporalio/common';
import { z } from 'zod';

export const TASK_QUEUE = 'eko-refunds';
export const WORKFLOW_TYPE = 'refundWorkflow';
export const workflowIdFor = (tid: string): string => `refund-${tid}`;

export const SEARCH_ATTRIBUTE_PHASE = 'RefundPhase';
export const SEARCH_ATTRIBUTE_TID = 'EkoTid';

export enum RefundPhase {
  CHECKING = 'CHECKING',
  SENDING_OTP = 'SENDING_OTP',
  AWAITING_OTP = 'AWAITING_OTP',
  SUBMITTING = 'SUBMITTING',
  PENDING = 'PENDING',
}

export enum RefundOutcome {
  REFUNDED = 'REFUNDED',
  NOT_REFUNDABLE = 'NOT_REFUNDABLE',
  FAILED = 'FAILED',
  OTP_EXPIRED = 'OTP_EXPIRED',
  CANCELLED = 'CANCELLED',
  NEEDS_REVIEW = 'NEEDS_REVIEW',
}

/** What `RefundPhase` shows: a working phase, then the outcome once terminal. */
export type Phase = RefundPhase | RefundOutcome;
export const isOutcome = (phase: Phase): phase is RefundOutcome =>
  (Object.values(RefundOutcome) as string[]).includes(phase);

/** Cancellation is honoured only while nothing has reached Eko. */
export const CANCELLABLE_PHASES: readonly Phase[] = [
  RefundPhase.CHECKING,
  RefundPhase.SENDING_OTP,
  RefundPhase.AWAITING_OTP,
];

// Temporal duration strings ("24 hours", "30s") or milliseconds.
const duration = z
  .union([
    z.number().int().positive(),
    z.string().regex(/^\s*\d+(\.\d+)?\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?)\s*$/i, {
      message: 'must be a duration such as "30s", "15 minutes", "24 hours" or milliseconds',
    }),
  ])
  .transform((value) => value as Duration);

export const tidSchema = z.string().regex(/^\d{1,20}$/, { message: 'tid must be 1 to 20 digits' });
export const otpSchema = z.string().regex(/^\d{4,8}$/, { message: 'otp must be 4 to 8 digits' });
const otpRefIdSchema = z.string().min(1).max(128);

export const refundInputSchema = z.strictObject({
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
  otpTimeout: duration.default('24 hours'),
  maxOtpAttempts: z.number().int().min(1).max(10).default(3),
  pollDeadline: duration.default('7 days'),
  pollInterval: duration.default('30 seconds'),
  maxPollInterval: duration.default('15 minutes'),
  /**
   * How long one Eko call may run before Temporal presumes the worker lost and retries it (a
   * refund retry inquires first). Keep it above the worker's EKO_TIMEOUT_MS.
   */
  ekoCallTimeout: duration.default('1 minute'),
  /** How long configuration or auth errors on the refund call are retried before NEEDS_REVIEW. */
  submitDeadline: duration.default('24 hours'),
  /** Minimum time between two OTP resends. */
  resendInterval: duration.default('60 seconds'),
  maxResends: z.number().int().min(0).max(20).default(5),
  requestedBy: z.string().max(200).optional(),
  reason: z.string().max(1000).optional(),
});
/** What callers pass: everything but `tid` has a default. */
export type RefundInput = z.input<typeof refundInputSchema>;
/** What the workflow works with, defaults applied. */
export type RefundParams = z.output<typeof refundInputSchema>;

export const otpSubmissionSchema = z.strictObject({ otp: otpSchema, otpRefId: otpRefIdSchema.optional() });
export type OtpSubmission = z.infer<typeof otpSubmissionSchema>;

export const cancelRequestSchema = z.strictObject({ reason: z.string().min(1, 'reason is required').max(1000) });
export type CancelRequest = z.infer<typeof cancelRequestSchema>;

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

/** Parses with a schema, or throws an Error whose message names every bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(`invalid ${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

export interface EkoAnswerSummary {
  /** The granular Eko code (`status`, else `response_status_id`), or the HTTP status. */
  status?: number;
  httpStatus?: number;
  txStatus?: number;
  txStatusDesc?: string;
  message: string;
  responseTypeId?: number;
  at: string;
}

export interface RefundAmounts {
  refundTid?: string;
  refundedAmount?: string;
  amount?: string;
  fee?: string;
  balance?: string;
}

export interface PhaseTransition {
  from: Phase | null;
  to: Phase;
  at: string;
  reason: string;
}

/** The `state` query: everything a dashboard may see. No OTP, otp_ref_id, key or mobile. */
export interface RefundState {
  tid: string;
  phase: Phase;
  outcome?: RefundOutcome;
  createdAt: string;
  updatedAt: string;
  otpDeadline?: string;
  wrongOtpAttempts: number;
  otpAttemptsLeft: number;
  resendCount: number;
  /** True once an Initiate Refund call may have reached Eko: cancellation is refused from then on. */
  submittedToEko: boolean;
  lastEkoAnswer?: EkoAnswerSummary;
  refund?: RefundAmounts;
  transitions: PhaseTransition[];
  notes: string[];
}

export interface RefundResult {
  tid: string;
  outcome: RefundOutcome;
  /** Why the refund ended this way, in words for support staff. */
  reason: string;
  ekoCode?: number;
  ekoMessage?: string;
  refund?: RefundAmounts;
  completedAt: string;
}

/** What `submitOtp` answers: where the refund stands after Eko saw the OTP. */
export interface SubmitOtpResponse {
  phase: Phase;
  message: string;
  otpAttemptsLeft: number;
}

/**
 * The public names of the refund workflow (docs/contract/refund-workflow.md): used by other
 * services, the `temporal` CLI and the Web UI, so they change only with a versioning plan.
 * Imported by workflow code too: no I/O, no Node built-ins, nothing heavy.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TASK_QUEUE = 'eko-refunds';
export const WORKFLOW_TYPE = 'refundWorkflow';
export const workflowIdFor = (tid: string): string => `refund-${tid}`;

/**
 * What visibility holds of a refund, written in one upsert with each phase change, so that a
 * running refund is read without a worker (no query). Never an OTP, otp_ref_id, mobile or actor.
 * SQL visibility allows 3 Int and 3 Datetime attributes per namespace: these take them all.
 */
export const SEARCH_ATTRIBUTES = {
  phase: defineSearchAttributeKey('RefundPhase', SearchAttributeType.KEYWORD),
  tid: defineSearchAttributeKey('EkoTid', SearchAttributeType.KEYWORD),
  otpDeadline: defineSearchAttributeKey('RefundOtpDeadline', SearchAttributeType.DATETIME),
  otpAttemptsLeft: defineSearchAttributeKey('RefundOtpAttemptsLeft', SearchAttributeType.INT),
  wrongOtps: defineSearchAttributeKey('RefundWrongOtps', SearchAttributeType.INT),
  resends: defineSearchAttributeKey('RefundResends', SearchAttributeType.INT),
  resendAllowedAt: defineSearchAttributeKey('RefundResendAllowedAt', SearchAttributeType.DATETIME),
  updatedAt: defineSearchAttributeKey('RefundUpdatedAt', SearchAttributeType.DATETIME),
  reason: defineSearchAttributeKey('RefundReason', SearchAttributeType.KEYWORD),
  ekoMessage: defineSearchAttributeKey('RefundEkoMessage', SearchAttributeType.KEYWORD),
  amount: defineSearchAttributeKey('RefundAmount', SearchAttributeType.KEYWORD),
  /** A digest of the input's `requestedBy` (a person's name is kept out of visibility), set at start. */
  requester: defineSearchAttributeKey('RefundRequester', SearchAttributeType.KEYWORD),
} as const;

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
export const ALL_PHASES: readonly Phase[] = [...Object.values(RefundPhase), ...Object.values(RefundOutcome)];
export const isOutcome = (phase: Phase): phase is RefundOutcome =>
  (Object.values(RefundOutcome) as string[]).includes(phase);

/** Cancellation is honoured only while nothing has reached Eko. */
export const CANCELLABLE_PHASES: readonly Phase[] = [
  RefundPhase.CHECKING,
  RefundPhase.SENDING_OTP,
  RefundPhase.AWAITING_OTP,
];

/** Failure types callers can tell apart (ApplicationFailure.type). */
export const FAILURE_TYPES = {
  /** The workflow's input cannot run: the start fails at once, naming the fields. */
  invalidInput: 'InvalidRefundInput',
  /** A resend asked for before `resendInterval` passed; details: `[{ retryAfterSeconds }]`. */
  resendTooSoon: 'ResendTooSoon',
  /** A resend refused for another reason (a resend under way, too many resends). */
  resendRefused: 'ResendRefused',
  /** A message for a refund that already ended. */
  refundEnded: 'RefundEnded',
  /** An OTP or a cancel for a refund that reached Eko (PENDING): it is tracked to its outcome. */
  submittedToEko: 'SubmittedToEko',
  /** An OTP after the OTP deadline passed. */
  notAwaitingOtp: 'NotAwaitingOtp',
} as const;

/** The refund metrics, on the worker's Prometheus endpoint beside the SDK's own (alert rules use them). */
export const METRICS = {
  refundsCompleted: 'eko_refunds_completed',
  refundDuration: 'eko_refund_duration',
  otpWait: 'eko_refund_otp_wait',
  polls: 'eko_refund_polls',
  ekoCalls: 'eko_calls',
  ekoCallLatency: 'eko_call_latency',
  /** Gauge: 1 while Temporal answers this worker a read from its database within 2 s, 0 while not. */
  temporalReady: 'eko_refund_temporal_ready',
} as const;

/** What the refund activities return: business outcomes as data; only retryable trouble is thrown. */
import type { RejectReason } from '../eko/answers';
import type { EkoAnswerSummary, RefundAmounts } from '../contract/types';

/** Omitted ids fall back to the worker's configured defaults (EKO_INITIATOR_ID, EKO_USER_CODE). */
export interface Initiator {
  initiatorId?: string;
  userCode?: string;
}

export type InquiryResult =
  | { kind: 'settled'; txStatus: number; eko: EkoAnswerSummary }
  | { kind: 'rejected'; reason: RejectReason; eko: EkoAnswerSummary };

export type OtpRequestResult =
  /** `otpRefId` is a secret: it goes into the next refund call and nowhere else. */
  | { kind: 'sent'; otpRefId?: string; eko: EkoAnswerSummary }
  /** Eko refused to send an OTP; the inquiry made right after says where the transaction stands. */
  | { kind: 'refused'; eko: EkoAnswerSummary; inquiry: InquiryResult }
  /** How a worker of the release before refund-v2 answers a refusal (no inquiry): still in histories. */
  | { kind: 'rejected'; reason: RejectReason; eko: EkoAnswerSummary };

export type SubmitResult =
  | { kind: 'refunded'; refund: RefundAmounts; eko: EkoAnswerSummary }
  | { kind: 'pending'; txStatus: number; refund: RefundAmounts; eko: EkoAnswerSummary }
  /** An inquiry (before the call, or confirming a refusal) found the transaction past Refund Pending. */
  | { kind: 'settled'; txStatus: number; eko: EkoAnswerSummary }
  /** The refusals below were confirmed by an inquiry: the transaction is still Refund Pending. */
  | { kind: 'wrong_otp'; eko: EkoAnswerSummary }
  | { kind: 'otp_expired'; eko: EkoAnswerSummary }
  | { kind: 'rejected'; reason: RejectReason; eko: EkoAnswerSummary };

export interface InquiryRequest extends Initiator {
  tid: string;
  /** The tx_status values that end the wait (any other is retried by Temporal); omitted: any. */
  settledStatuses?: readonly number[];
  /**
   * CHECKING's wait for a refundable status (a refusal is an answer), or PENDING's wait for the
   * refund to settle (a refusal is retried: the refund already reached Eko).
   */
  purpose?: 'check' | 'settle';
}

/** CHECKING and, when it finds tx_status 3, SENDING_OTP in one activity. */
export interface PrepareRequest extends Initiator {
  tid: string;
  requestOtp: boolean;
}

export interface PrepareResult {
  check: InquiryResult;
  /** Get Refund OTP's answer, when the check found tx_status 3 and an OTP was to be requested. */
  otp?: OtpRequestResult;
  /** Get Refund OTP failed (retryably): the workflow asks again in SENDING_OTP, on its own retry policy. */
  otpFailed?: string;
}

export interface SubmitRequest extends Initiator {
  tid: string;
  otp: string;
  otpRefId?: string;
  serviceCode: string;
  /** How long the transaction must stay Refund Pending after an ambiguous call before another. */
  settleWindowMs: number;
  /**
   * The workflow's original run id (refunds started before refund-v2 omit it). A run with another
   * id was made by a reset: the run before it may have a call in flight, so one is presumed.
   */
  originalRunId?: string;
}

/**
 * isResetRun's answer: false, not a reset run; for a run made by a reset, by when a refund call of
 * the runs before it had ended (epoch ms), or true when Temporal did not say when the reset was.
 * Truthy exactly for a reset run, as the boolean that workers before this release answered.
 */
export type ResetRunAnswer = boolean | number;

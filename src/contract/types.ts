/** The shapes other services read: the `state` query, the result and the update answers. */
import type { Phase, RefundOutcome } from './names';

export interface EkoAnswerSummary {
  /** The granular Eko code (from `status` or `response_status_id`), or the coarse one when that is all there is. */
  status?: number;
  httpStatus?: number;
  txStatus?: number;
  txStatusDesc?: string;
  /** Eko's message, with digit runs that could be an OTP or a mobile masked. */
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
  /** Who asked for it (an API key's name, a person, a CLI user), when someone did. */
  by?: string;
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
  /** When a resend of the OTP is allowed (resends are spaced by `resendInterval`). */
  resendAllowedAt?: string;
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
  /** The refund's final state: a closed refund is read from its result, never by replaying it. */
  state: RefundState;
}

/** What `submitOtp` answers: where the refund stands after Eko saw the OTP. */
export interface SubmitOtpResponse {
  phase: Phase;
  message: string;
  otpAttemptsLeft: number;
}

export interface ResendOtpResponse {
  phase: Phase;
  resendCount: number;
}

export interface CancelResponse {
  phase: Phase;
}

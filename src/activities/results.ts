/** What the refund activities take and return: business outcomes as data; only retryable trouble is thrown. */
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
  | { kind: 'refused'; eko: EkoAnswerSummary; inquiry: InquiryResult };

/** A refusal of the refund call, confirmed by an inquiry: the transaction is still Refund Pending. */
export type RefundRefusal =
  | { kind: 'wrong_otp'; eko: EkoAnswerSummary }
  | { kind: 'otp_expired'; eko: EkoAnswerSummary }
  | { kind: 'rejected'; reason: RejectReason; eko: EkoAnswerSummary };

export type SubmitResult =
  | { kind: 'refunded'; refund: RefundAmounts; eko: EkoAnswerSummary }
  | { kind: 'pending'; txStatus: number; refund: RefundAmounts; eko: EkoAnswerSummary }
  /** An inquiry (before the call, or confirming a refusal) found the transaction final: 0, 1 or 4. */
  | { kind: 'settled'; txStatus: number; eko: EkoAnswerSummary }
  | RefundRefusal;

export interface InquiryRequest extends Initiator {
  tid: string;
  /** The tx_status values that end the wait (any other is retried by Temporal); omitted: any. */
  settledStatuses?: readonly number[];
}

/** CHECKING and, when it finds tx_status 3, the OTP request, in one activity. */
export interface PrepareRequest extends Initiator {
  tid: string;
  requestOtp: boolean;
}

export interface PrepareResult {
  check: InquiryResult;
  /** Get Refund OTP's answer, when the check found tx_status 3 and an OTP was to be requested. */
  otp?: OtpRequestResult;
  /** Get Refund OTP failed (retryably): the workflow asks again in SENDING_OTP. */
  otpFailed?: string;
}

export interface SubmitRequest extends Initiator {
  tid: string;
  otp: string;
  otpRefId?: string;
  serviceCode: string;
  /** How long the transaction must stay Refund Pending after a call with no clear answer before another. */
  settleWindowMs: number;
}

/** The inquiry before a refund ends without a refund (a cancel, the OTP deadline). */
export interface EndingRequest extends Initiator {
  tid: string;
  settleWindowMs: number;
}

/** What the refund activities return: business outcomes as data; only retryable trouble is thrown. */
import type { RejectReason } from '../eko/answers';
import type { EkoAnswerSummary, RefundAmounts } from '../contract';

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
  | { kind: 'rejected'; reason: RejectReason; eko: EkoAnswerSummary };

export type SubmitResult =
  | { kind: 'refunded'; refund: RefundAmounts; eko: EkoAnswerSummary }
  | { kind: 'pending'; txStatus: number; refund: RefundAmounts; eko: EkoAnswerSummary }
  /** A retry's inquiry found the transaction past Refund Pending: no refund call was made. */
  | { kind: 'settled'; txStatus: number; eko: EkoAnswerSummary }
  | { kind: 'wrong_otp'; eko: EkoAnswerSummary }
  | { kind: 'otp_expired'; eko: EkoAnswerSummary }
  | { kind: 'rejected'; reason: RejectReason; eko: EkoAnswerSummary };

export interface InquiryRequest extends Initiator {
  tid: string;
  /** The tx_status values that end the wait; any other answer is retried by Temporal. */
  settledStatuses: number[];
  /** CHECKING's wait for a refundable status, or PENDING's wait for the refund to settle. */
  purpose?: 'check' | 'settle';
}

export interface SubmitRequest extends Initiator {
  tid: string;
  otp: string;
  otpRefId?: string;
  serviceCode: string;
}

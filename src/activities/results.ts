/** What the refund activities take and return: business outcomes as data; only retryable trouble is thrown. */
import type { RejectReason } from '../eko/answers';
import type { EkoAnswerSummary, RefundAmounts } from '../contract/types';

/**
 * The transaction; omitted ids fall back to the worker's EKO_INITIATOR_ID and EKO_USER_CODE.
 * `settleWindowMs`: how long Eko may still apply a refund call that had no clear answer.
 */
export type Initiator = { tid: string; initiatorId?: string; userCode?: string; settleWindowMs: number };
type Eko = { eko: EkoAnswerSummary };

type Settled = { kind: 'settled'; txStatus: number; amount?: string }; // the transaction's amount, when Eko tells it
export type InquiryResult = (Settled | { kind: 'rejected'; reason: RejectReason }) & Eko;

export type OtpRequestResult =
  /** `otpRefId` is a secret: it goes into the next refund call and nowhere else (null: it may be stale). */
  | ({ kind: 'sent'; otpRefId?: string | null } & Eko)
  /** Eko refused to send an OTP; the inquiry made right after says where the transaction stands (if it may yet). */
  | ({ kind: 'refused'; inquiry?: InquiryResult } & Eko);

/** A refusal of the refund call, confirmed by an inquiry: the transaction is still Refund Pending. */
export type RefundRefusal = ({ kind: 'wrong_otp' | 'otp_expired' } | { kind: 'rejected'; reason: RejectReason }) & Eko;

export type SubmitResult =
  | (({ kind: 'refunded'; refund: RefundAmounts } | { kind: 'pending'; txStatus: number; refund: RefundAmounts }) & Eko)
  /** An inquiry (before the call, or confirming a refusal) answered the refund: any status but 3. */
  | (Settled & Eko)
  | RefundRefusal;

export type PrepareRequest = Initiator & { requestOtp: boolean; notAfter?: string };

/** The check, Get Refund OTP's answer (or why it failed) for tx_status 3, and the events subscribers want. */
export type PrepareResult = { check: InquiryResult; otp?: OtpRequestResult; otpFailed?: string; notify?: string[] };

export type SubmitRequest = Initiator & { otp: string; otpRefId?: string; serviceCode: string };

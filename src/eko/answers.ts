/** What an Eko call came to, in terms the refund workflow can act on. */

export enum TxStatus {
  Success = 0,
  Fail = 1,
  Initiated = 2,
  RefundPending = 3,
  Refunded = 4,
  OnHold = 5,
}

/** The tx_status values that answer a check (refundable or not); 2, 5 and unknown are inquired again. */
export const KNOWN_STATUSES: readonly number[] = [
  TxStatus.Success,
  TxStatus.Fail,
  TxStatus.RefundPending,
  TxStatus.Refunded,
];
/** The final tx_status values: they end PENDING after a refund call. */
export const FINAL_STATUSES: readonly number[] = [TxStatus.Success, TxStatus.Fail, TxStatus.Refunded];

const TX_STATUS_DESCRIPTIONS: Record<number, string> = {
  0: 'Success',
  1: 'Fail',
  2: 'Initiated / Response Awaited',
  3: 'Refund Pending',
  4: 'Refunded',
  5: 'On Hold',
};

/** Eko: any tx_status outside the table is treated as initiated and inquired until final. */
export function describeTxStatus(txStatus: number): string {
  return TX_STATUS_DESCRIPTIONS[txStatus] ?? `Unknown (${txStatus}), treated as initiated`;
}

/** What Eko said, kept for the workflow's state. Never carries the OTP, otp_ref_id or keys. */
export interface EkoReply {
  httpStatus?: number;
  /** The granular code, from `status` or `response_status_id`, whichever carries it (see codes.ts). */
  code?: number;
  responseTypeId?: number;
  /** Eko's message, digit runs that could be an OTP or a mobile masked (see mask.ts). */
  message: string;
  /** Fields of Eko's answer that could not be read and were left out, e.g. `data.balance`. */
  ignoredFields?: string[];
}

export interface RefundDetails {
  refundTid?: string;
  tid?: string;
  amount?: string;
  refundedAmount?: string;
  fee?: string;
  tds?: string;
  commissionReverse?: string;
  balance?: string;
  currency?: string;
  timestamp?: string;
}

/**
 * Failures worth retrying. `timeout`, `transport`, `server_error` and `bad_response` on a refund
 * POST are indeterminate: Eko may have applied the refund, so the next attempt must inquire first.
 */
export type RetryableReason =
  'timeout' | 'transport' | 'server_error' | 'forbidden' | 'client_error' | 'bad_response' | 'busy' | 'config';

export type RejectReason = 'tid_unknown' | 'not_refundable' | 'already_refunded' | 'insufficient_balance' | 'other';

export type EkoRetryable = { kind: 'retryable'; reason: RetryableReason } & EkoReply;
export type EkoRejected = { kind: 'rejected'; reason: RejectReason } & EkoReply;

export type RefundAnswer =
  | ({ kind: 'refunded'; refund: RefundDetails } & EkoReply)
  | ({ kind: 'pending'; txStatus: number; txStatusDesc: string; refund: RefundDetails } & EkoReply)
  | ({ kind: 'wrong_otp' } & EkoReply)
  | ({ kind: 'otp_expired' } & EkoReply)
  | EkoRejected
  | EkoRetryable;

export type OtpAnswer = ({ kind: 'otp_sent'; otpRefId?: string } & EkoReply) | EkoRejected | EkoRetryable;

export type InquiryAnswer =
  | ({ kind: 'transaction'; txStatus: number; txStatusDesc: string; amount?: string; fee?: string } & EkoReply)
  | EkoRejected
  | EkoRetryable;

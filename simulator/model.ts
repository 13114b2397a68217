/** The simulator's model of Eko: transactions, OTPs and the SMS outbox. */

/**
 * Where Eko puts the granular code of a failure. Its own samples show both:
 * `status-code` answers `{status: 302, response_status_id: 1}`,
 * `response-code` answers `{status: 1, response_status_id: 302}` (the QR refund error sample).
 */
export const DIALECTS = ['status-code', 'response-code'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** The amounts Eko's answers carry, by their wire names. */
export const AMOUNT_FIELDS = ['amount', 'refunded_amount', 'fee', 'tds', 'commission_reverse', 'balance'] as const;
export type AmountField = (typeof AMOUNT_FIELDS)[number];

export type SimEndpoint = 'otp' | 'refund' | 'inquiry';

export interface PendingPhase {
  /** Inquiries left before the transaction settles. */
  inquiriesLeft: number;
  settlesTo: number;
}

export interface SimTransaction {
  tid: string;
  txStatus: number;
  amount: string;
  fee: string;
  customerMobile: string;
  /** This transaction's answer shape; the simulator's configured dialect when absent. */
  dialect?: Dialect;
  /** Amounts Eko answers as `""` / `null` for this transaction, as in its samples. */
  emptyAmounts: AmountField[];
  nullAmounts: AmountField[];
  pending?: PendingPhase;
  /** How Initiate Refund answers: `done` applies at once, `pending` answers tx_status 2 first. */
  refundMode: 'done' | 'pending';
  refundPendingInquiries: number;
  refundSettlesTo: number;
  /** A business rejection of Initiate Refund: `status` is Eko's code (347...), placed per dialect. */
  rejectRefund?: { status: number; message: string };
  otpCode?: string;
  otp?: { code: string; refId: string; expiresAtMs: number };
  otpsIssued: number;
  /** OTPs sent in answer to Get Refund OTP (the SMS of `sendOtp` is not a request). */
  otpRequestsGranted: number;
  /** Get Refund OTP sends at most this many OTPs for the tid, then refuses. */
  maxOtpRequests?: number;
  /** Every otp_ref_id handed out, so tests can look for them where they must not be. */
  issuedOtpRefIds: string[];
  /** Refund effects applied: the money-safety counter, never above 1. */
  refundCount: number;
  /** Eko accepted a refund call (its OTP is consumed), even if it is still being applied. */
  refundAccepted: boolean;
  /** While a slow Eko applies an accepted refund: when it will have applied it. */
  applyingUntilMs?: number;
  /** Requests received per endpoint, counted on arrival (faulty and refused ones too). */
  calls: { otp: number; refund: number; inquiry: number };
  /** Refund calls that arrived once a refund was accepted or the transaction was Refunded (4). */
  callsAfterApplied: number;
  /** Of those, the calls that arrived while a slow Eko was still applying the refund. */
  callsWhileApplying: number;
  refundTid?: string;
}

export interface SmsMessage {
  to: string;
  tid: string;
  text: string;
  atMs: number;
}

/** The simulator's model of Eko: transactions, OTPs, the SMS outbox and injected faults. */

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
  pending?: PendingPhase;
  /** How Initiate Refund answers: `done` applies at once, `pending` answers tx_status 2 first. */
  refundMode: 'done' | 'pending';
  refundPendingInquiries: number;
  refundSettlesTo: number;
  /** A business rejection of Initiate Refund, for example 347 insufficient balance. */
  rejectRefund?: { status: number; message: string };
  otpCode?: string;
  otp?: { code: string; refId: string; expiresAtMs: number };
  otpsIssued: number;
  /** Every otp_ref_id handed out, so tests can look for them where they must not be. */
  issuedOtpRefIds: string[];
  /** Refund effects applied: the money-safety counter, never above 1. */
  refundCount: number;
  /** Requests received per endpoint, counted on arrival (faulty and refused ones too). */
  calls: { otp: number; refund: number; inquiry: number };
  refundTid?: string;
}

export type SimEndpoint = 'otp' | 'refund' | 'inquiry';

export type FaultType =
  | 'latency'
  | 'http500'
  | 'non_json'
  | 'reset'
  | 'reset_after_apply'
  | 'timeout_after_apply'
  | 'hang'
  | 'http403'
  | 'busy'
  | 'envelope_less'
  | 'huge_body'
  | 'wrong_types';

export interface Fault {
  type: FaultType;
  endpoint?: SimEndpoint;
  tid?: string;
  /** How many matching requests it hits; then it is gone. */
  times: number;
  latencyMs?: number;
}

export interface SmsMessage {
  to: string;
  tid: string;
  text: string;
  atMs: number;
}

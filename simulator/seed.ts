import { z } from 'zod';
import { describeTxStatus, TxStatus } from '../src/eko/answers';
import { UAT } from '../src/eko/uat';
import { AMOUNT_FIELDS, DIALECTS, type SimTransaction } from './model';

/** A transaction as a test seeds it (`seed()` or `POST /__sim/transactions`). */
export const seedSchema = z.object({
  tid: z.string().regex(/^\d+$/, 'tid must be digits'),
  txStatus: z.number().int().default(TxStatus.RefundPending),
  amount: z.string().default('1000.00'),
  fee: z.string().default('10.00'),
  customerMobile: z
    .string()
    .regex(/^\d{10}$/)
    .default(UAT.customerMobile),
  /** Where this transaction's failures carry their code; the simulator's dialect when absent. */
  dialect: z.enum(DIALECTS).optional(),
  /** Amounts the inquiry and refund answers carry as `""`, as Eko's samples do for unknown values. */
  emptyAmounts: z.array(z.enum(AMOUNT_FIELDS)).default([]),
  /** Amounts they carry as `null`. */
  nullAmounts: z.array(z.enum(AMOUNT_FIELDS)).default([]),
  /** For a seeded status 2 or 5: inquiries before it settles, and to what. */
  pendingInquiries: z.number().int().min(0).optional(),
  settlesTo: z.number().int().default(TxStatus.RefundPending),
  refundMode: z.enum(['done', 'pending']).default('done'),
  refundPendingInquiries: z.number().int().min(0).default(1),
  refundSettlesTo: z.number().int().default(TxStatus.Refunded),
  rejectRefund: z.object({ status: z.number().int(), message: z.string() }).optional(),
  /** Eko texts an OTP when it moves a transaction to Refund Pending. */
  sendOtp: z.boolean().default(false),
  /** Every OTP for this tid is this code (for example one with a leading zero); random otherwise. */
  otpCode: z
    .string()
    .regex(/^\d{4,8}$/)
    .optional(),
  /** Get Refund OTP sends at most this many OTPs for this tid; later requests are refused. */
  maxOtpRequests: z.number().int().min(0).optional(),
});
export type SeedInput = z.input<typeof seedSchema>;

export function newTransaction(input: SeedInput): { tx: SimTransaction; sendOtp: boolean } {
  const seed = seedSchema.parse(input);
  const tx: SimTransaction = {
    tid: seed.tid,
    txStatus: seed.txStatus,
    amount: seed.amount,
    fee: seed.fee,
    customerMobile: seed.customerMobile,
    dialect: seed.dialect,
    emptyAmounts: seed.emptyAmounts,
    nullAmounts: seed.nullAmounts,
    pending:
      seed.pendingInquiries === undefined
        ? undefined
        : { inquiriesLeft: seed.pendingInquiries, settlesTo: seed.settlesTo },
    refundMode: seed.refundMode,
    refundPendingInquiries: seed.refundPendingInquiries,
    refundSettlesTo: seed.refundSettlesTo,
    rejectRefund: seed.rejectRefund,
    otpCode: seed.otpCode,
    otpsIssued: 0,
    otpRequestsGranted: 0,
    maxOtpRequests: seed.maxOtpRequests,
    issuedOtpRefIds: [],
    refundCount: 0,
    refundAccepted: false,
    calls: { otp: 0, refund: 0, inquiry: 0 },
    callsAfterApplied: 0,
    callsWhileApplying: 0,
  };
  return { tx, sendOtp: seed.sendOtp };
}

/** A transaction as `transaction()` and `GET /__sim/transactions/<tid>` show it: no OTP in it. */
export type TransactionView = Omit<SimTransaction, 'otp' | 'pending' | 'applyingUntilMs'> & {
  txStatusDesc: string;
  otpActive: boolean;
  pendingInquiriesLeft?: number;
  /** A slow Eko accepted the refund and has not applied it yet. */
  applying: boolean;
};

export function viewOf(tx: SimTransaction): TransactionView {
  const { otp, pending, applyingUntilMs, ...rest } = tx;
  return {
    ...rest,
    calls: { ...tx.calls },
    emptyAmounts: [...tx.emptyAmounts],
    nullAmounts: [...tx.nullAmounts],
    issuedOtpRefIds: [...tx.issuedOtpRefIds],
    txStatusDesc: describeTxStatus(tx.txStatus),
    otpActive: otp !== undefined && otp.expiresAtMs > Date.now(),
    pendingInquiriesLeft: pending?.inquiriesLeft,
    applying: applyingUntilMs !== undefined,
  };
}

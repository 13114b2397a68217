import { randomInt, randomUUID } from 'node:crypto';
import { TxStatus } from '../src/eko/answers';
import { type Reply, json, refusal, Refused } from './envelope';
import type { SimTransaction, SmsMessage } from './model';
import type { SimState } from './state';

/** Get Refund OTP: (re)sends the customer an OTP while the transaction is Refund Pending. */
export function answerOtp(state: SimState, tx: SimTransaction): Reply {
  // Eko's samples refuse with a message and no code (status 1, response_status_id -1).
  if (tx.txStatus === TxStatus.Refunded) return refusal(Refused.AlreadyRefunded);
  if (tx.txStatus !== TxStatus.RefundPending) return refusal(Refused.NotRefundable);
  // A limited resend keeps the customer's last OTP valid: the refund can still go through with it.
  if (tx.maxOtpRequests !== undefined && tx.otpRequestsGranted >= tx.maxOtpRequests) {
    return refusal(Refused.OtpLimit);
  }
  tx.otpRequestsGranted += 1;
  const otp = issueOtp(state, tx);
  // Eko's own sample reports this success with a non-zero status: the parser must accept it.
  return json(200, {
    status: 2133,
    response_status_id: 1,
    response_type_id: 2133,
    message: 'OTP sent to customer',
    data: { otp_ref_id: otp.refId },
  });
}

/** A new OTP replaces the last one, and the customer gets it by SMS. */
export function issueOtp(state: SimState, tx: SimTransaction): { code: string; refId: string } {
  const otp = {
    code: tx.otpCode ?? String(randomInt(0, 1_000_000)).padStart(6, '0'),
    refId: randomUUID(),
    expiresAtMs: Date.now() + state.config.otpTtlMs,
  };
  tx.otp = otp;
  tx.otpsIssued += 1;
  tx.issuedOtpRefIds.push(otp.refId);
  const sms: SmsMessage = {
    to: tx.customerMobile,
    tid: tx.tid,
    text: `${otp.code} is the OTP to confirm you received the refund of Rs ${tx.amount} for transaction ${tx.tid}. - Eko`,
    atMs: Date.now(),
  };
  state.outbox.push(sms);
  state.config.onSms?.(sms);
  return otp;
}

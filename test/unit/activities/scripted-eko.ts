/** An Eko client for activity unit tests: answers from scripts, records every call in order. */
import type { InquiryAnswer, OtpAnswer, RefundAnswer } from '../../../src/eko/answers';
import type { CallOptions, EkoClient } from '../../../src/eko/client';

export const tx = (txStatus: number): InquiryAnswer => ({
  kind: 'transaction',
  txStatus,
  txStatusDesc: `status ${txStatus}`,
  message: 'Transaction status',
  code: 0,
});
export const refundDone: RefundAnswer = {
  kind: 'refunded',
  refund: { refundTid: '2147591637', amount: '5000.00' },
  message: 'Refund done',
  code: 0,
};
export const wrongOtp: RefundAnswer = { kind: 'wrong_otp', message: 'Wrong OTP', code: 302 };
export const timedOut: RefundAnswer = {
  kind: 'retryable',
  reason: 'timeout',
  message: 'Eko did not answer within 30000 ms',
};
export const forbidden: RefundAnswer = {
  kind: 'retryable',
  reason: 'forbidden',
  httpStatus: 403,
  message: 'Eko answered HTTP 403',
};

export const busy: RefundAnswer = {
  kind: 'retryable',
  reason: 'busy',
  message: 'another transaction in progress',
  code: -2,
};

export type Call = { endpoint: 'inquiry' | 'refund' | 'otp'; timeoutMs?: number };

/**
 * An Eko client that answers from scripts and records the calls, into `log` too when given (a
 * test may record heartbeats there, to see what came first).
 */
export function scriptedEko(
  script: { inquiry?: InquiryAnswer[]; refund?: RefundAnswer[]; otp?: OtpAnswer[] },
  log: unknown[] = [],
) {
  const calls: Call[] = [];
  const next = <T>(endpoint: Call['endpoint'], answers: T[] | undefined, options?: CallOptions): T => {
    calls.push({ endpoint, timeoutMs: options?.timeoutMs });
    log.push(endpoint);
    const answer = answers?.shift();
    if (!answer) throw new Error(`unscripted ${endpoint} call`);
    return answer;
  };
  const eko: EkoClient = {
    inquireTransaction: async (_tid, _initiator, options) => next('inquiry', script.inquiry, options),
    initiateRefund: async (_request, options) => next('refund', script.refund, options),
    requestRefundOtp: async (_tid, _initiator, options) => next('otp', script.otp, options),
  };
  return { eko, calls };
}

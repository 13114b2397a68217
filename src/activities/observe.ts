/** Shared pieces of the refund activities: Eko's answers summarized, retryable trouble thrown. */
import { ApplicationFailure } from '@temporalio/activity';
import type { EkoAnswerSummary, RefundAmounts } from '../contract/types';
import type { EkoReply, EkoRetryable, RefundDetails } from '../eko/answers';
import type { Redactor } from '../logging';

export type Summarize = (reply: EkoReply, tx?: { txStatus: number; txStatusDesc: string }) => EkoAnswerSummary;

/** Eko's message is masked by the client; the OTPs and otp_ref_ids this worker handled are cut out too. */
export const summarizer =
  (now: () => number, redactor: Redactor): Summarize =>
  (reply, tx) => ({
    status: reply.code,
    httpStatus: reply.httpStatus,
    responseTypeId: reply.responseTypeId,
    message: redactor.redactText(reply.message),
    txStatus: tx?.txStatus,
    txStatusDesc: tx?.txStatusDesc,
    at: new Date(now()).toISOString(),
  });

export function retryable(answer: EkoRetryable): ApplicationFailure {
  return ApplicationFailure.create({ type: `Eko.${answer.reason}`, message: answer.message });
}

export function amounts(refund: RefundDetails): RefundAmounts {
  const { refundTid, refundedAmount, amount, fee, balance } = refund;
  return { refundTid, refundedAmount, amount, fee, balance };
}

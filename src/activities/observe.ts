/** Shared pieces of the refund activities: every Eko call logged and measured, answers summarized. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { METRICS } from '../contract/names';
import type { EkoAnswerSummary, RefundAmounts } from '../contract/types';
import type { EkoReply, EkoRetryable, RefundDetails } from '../eko/answers';
import type { EkoClient } from '../eko/client';
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

/** Logs every Eko call with its outcome and latency; the SDK adds workflowId, runId and activityType. */
export function observed(eko: EkoClient, now: () => number): EkoClient {
  async function timed<T extends { kind: string } & EkoReply>(endpoint: string, call: () => Promise<T>): Promise<T> {
    const started = now();
    const answer = await call();
    const { kind: outcome, code: ekoCode, httpStatus, ignoredFields } = answer;
    const reason = 'reason' in answer ? answer.reason : undefined;
    const fields = { endpoint, outcome, reason, ekoCode, httpStatus, latencyMs: now() - started, ignoredFields };
    const { log, metricMeter } = Context.current();
    if (answer.kind === 'retryable') log.warn(`Eko ${endpoint}: ${answer.message}`, fields);
    else log.info(`Eko ${endpoint}: ${answer.kind}`, fields);
    metricMeter.createCounter(METRICS.ekoCalls, 'calls').add(1, { endpoint, outcome: answer.kind });
    metricMeter.createHistogram(METRICS.ekoCallLatency, 'int', 'ms').record(fields.latencyMs, { endpoint });
    return answer;
  }
  return {
    requestRefundOtp: (...args) => timed('otp', () => eko.requestRefundOtp(...args)),
    initiateRefund: (...args) => timed('refund', () => eko.initiateRefund(...args)),
    inquireTransaction: (...args) => timed('inquiry', () => eko.inquireTransaction(...args)),
  };
}

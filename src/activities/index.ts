import { ApplicationFailure, Context } from '@temporalio/activity';
import { METRICS } from '../contract/names';
import type { EkoClient } from '../eko/client';
import { type Redactor, redactor as processRedactor } from '../logging';
import { callsBeforeResetEndedBy, callTimeout, madeByReset, resetTime, type ResetTimeOf } from './attempt';
import { observed, retryable, summarizer } from './observe';
import { CHECK_SETTLES, TxStatus } from '../eko/answers';
import type {
  Initiator,
  InquiryRequest,
  InquiryResult,
  OtpRequestResult,
  PrepareRequest,
  PrepareResult,
  ResetRunAnswer,
  SubmitRequest,
  SubmitResult,
} from './results';
import { submitRefund } from './submit';

export interface ActivityDeps {
  eko: EkoClient;
  /** The HTTP timeout of one Eko call; each call is also cut off before its attempt's end. */
  ekoTimeoutMs?: number;
  /** Learns the OTP and otp_ref_id of each call, so no log line can show them. */
  redactor?: Redactor;
  /** Used when a refund's input omits them. */
  defaults: { initiatorId: string; userCode: string };
  now?: () => number;
  /**
   * When a workflow run was made by a reset (the worker's connection asks Temporal). Without it, a
   * refund call in a reset run presumes the run before had a call in flight until one attempt from now.
   */
  resetTimeOf?: ResetTimeOf;
}

/** Thrown while Eko's answer is not final yet: expected, so Temporal logs it quietly and retries. */
export const NOT_SETTLED = 'RefundNotSettled';

/**
 * The refund's side effects. Business outcomes are returned; anything worth retrying is thrown,
 * so polling happens as activity retries and adds nothing to the workflow's history.
 */
export function createActivities({
  eko: client,
  ekoTimeoutMs = 30_000,
  defaults,
  redactor = processRedactor,
  now = Date.now,
  resetTimeOf,
}: ActivityDeps) {
  const eko = observed(client, now);
  const summarize = summarizer(now, redactor);
  const initiatorOf = (request: Initiator) => ({
    initiatorId: request.initiatorId ?? defaults.initiatorId,
    userCode: request.userCode ?? defaults.userCode,
  });
  /** Each Eko call ends before its activity attempt does (see callTimeout). */
  const budget = () => {
    const startedAt = now();
    return () => ({ timeoutMs: callTimeout(ekoTimeoutMs, startedAt, now()) });
  };

  async function inquire(request: InquiryRequest, timeout = budget()): Promise<InquiryResult> {
    const answer = await eko.inquireTransaction(request.tid, initiatorOf(request), timeout());
    switch (answer.kind) {
      case 'transaction': {
        const summary = summarize(answer, answer);
        if (request.settledStatuses?.includes(answer.txStatus) ?? true) {
          // Each attempt is one poll: this is how many it took.
          const polls = Context.current().metricMeter.createHistogram(METRICS.polls, 'int', 'polls');
          polls.record(Context.current().info.attempt, { purpose: request.purpose ?? 'check' });
          return { kind: 'settled', txStatus: answer.txStatus, eko: summary };
        }
        throw ApplicationFailure.create({
          type: NOT_SETTLED,
          message: `tx_status ${answer.txStatus} (${answer.txStatusDesc}): not final yet`,
          category: 'BENIGN',
        });
      }
      case 'rejected':
        // After a refund call reached Eko, a refused inquiry ends nothing: keep asking.
        if (request.purpose === 'settle') {
          throw ApplicationFailure.create({ type: 'Eko.inquiry_refused', message: answer.message });
        }
        return { kind: 'rejected', reason: answer.reason, eko: summarize(answer) };
      case 'retryable':
        throw retryable(answer);
    }
  }

  async function refundCall(request: SubmitRequest): Promise<SubmitResult> {
    redactor.add(request.otp, request.otpRefId);
    return submitRefund(request, { eko, initiator: initiatorOf(request), ekoTimeoutMs, summarize, now, resetTimeOf });
  }

  async function requestOtp(request: { tid: string } & Initiator, timeout: ReturnType<typeof budget>) {
    const answer = await eko.requestRefundOtp(request.tid, initiatorOf(request).initiatorId, timeout());
    switch (answer.kind) {
      case 'otp_sent':
        redactor.add(answer.otpRefId);
        return { kind: 'sent' as const, otpRefId: answer.otpRefId, eko: summarize(answer) };
      case 'rejected':
        return { kind: 'refused' as const, eko: summarize(answer), inquiry: await inquire(request, timeout) };
      case 'retryable':
        throw retryable(answer);
    }
  }

  return {
    /** One Transaction Inquiry per attempt, until the tx_status is one the caller waits for. */
    async awaitTransactionStatus(request: InquiryRequest): Promise<InquiryResult> {
      return inquire(request);
    },

    /**
     * Whether the workflow run asking was made by a reset (its run id is not the original one), and
     * if so by when the runs before it had ended their refund calls (ResetRunAnswer). An activity,
     * so that the answer is recorded in history: a replay does not know the run id, and the
     * workflow's commands must not depend on what only the live run knows.
     */
    async isResetRun(request: { originalRunId: string }): Promise<ResetRunAnswer> {
      if (!madeByReset(request.originalRunId)) return false;
      const resetAt = await resetTime(resetTimeOf);
      return resetAt === undefined ? true : callsBeforeResetEndedBy(resetAt);
    },

    /** Get Refund OTP. A refusal is a question, not an answer: the inquiry after it decides. */
    async requestRefundOtp(request: { tid: string } & Initiator): Promise<OtpRequestResult> {
      return requestOtp(request, budget());
    },

    /**
     * CHECKING, then SENDING_OTP when the transaction is refund pending: one activity and one
     * workflow task less per refund than two activities. Retries (polls) repeat the inquiry.
     */
    async prepareRefund(request: PrepareRequest): Promise<PrepareResult> {
      const timeout = budget();
      const check = await inquire({ ...request, settledStatuses: CHECK_SETTLES, purpose: 'check' }, timeout);
      if (check.kind !== 'settled' || check.txStatus !== TxStatus.RefundPending || !request.requestOtp) {
        return { check };
      }
      try {
        return { check, otp: await requestOtp(request, timeout) };
      } catch (err) {
        return { check, otpFailed: err instanceof Error ? err.message : String(err) };
      }
    },

    /** The refund call of refunds started before refund-v2 (their histories name it): the same safe code. */
    submitRefund: refundCall,

    /** The refund call: inquiry first, settle window, refusals confirmed (src/activities/submit.ts). */
    submitRefundV2: refundCall,
  };
}

export type RefundActivities = ReturnType<typeof createActivities>;

import { ApplicationFailure, Context } from '@temporalio/activity';
import { METRICS } from '../contract/names';
import { CHECK_SETTLES, TxStatus } from '../eko/answers';
import type { EkoClient } from '../eko/client';
import { type Redactor, redactor as processRedactor } from '../logging';
import { within } from '../timeout';
import { callTimeout, retryNoLaterThan } from './attempt';
import { earlierCallsSettleAt, type RunsOf } from './earlier-runs';
import { observed, retryable, summarizer } from './observe';
import { refundCall } from './refund-call';
import type {
  EndingRequest,
  Initiator,
  InquiryRequest,
  InquiryResult,
  OtpRequestResult,
  PrepareRequest,
  PrepareResult,
  SubmitRequest,
  SubmitResult,
} from './results';

export interface ActivityDeps {
  eko: EkoClient;
  /** The HTTP timeout of one Eko call; each call is also cut off before its attempt's end. */
  ekoTimeoutMs?: number;
  /** Learns the OTP and otp_ref_id of each call, so no log line can show them. */
  redactor?: Redactor;
  /** Used when a refund's input omits them. */
  defaults: { initiatorId: string; userCode: string };
  now?: () => number;
  /** The runs of a workflow id, from Temporal's visibility (runsFromVisibility). */
  runsOf: RunsOf;
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
  runsOf,
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

  /**
   * Until when a refund call of an earlier run of this refund may still be applied. Asked right
   * before the inquiry that decides (visibility lags its runs by about a second); when Temporal
   * does not answer within a quarter of the attempt, the attempt fails and is retried: nothing is
   * decided without the answer.
   */
  async function earlierRunsSettleAt(settleWindowMs: number): Promise<number> {
    const { workflowExecution, startToCloseTimeoutMs: attemptMs } = Context.current().info;
    if (!workflowExecution) return Number.POSITIVE_INFINITY; // not a workflow's activity: nothing is safe
    const runs = await within(runsOf(workflowExecution.workflowId), attemptMs / 4, 'the earlier runs of the refund');
    return earlierCallsSettleAt(runs, { ownRunId: workflowExecution.runId, now: now(), attemptMs, settleWindowMs });
  }

  /**
   * One inquiry. `refusals`: which of Eko's refusals are answers; the others are retried, as after a
   * refund call reached Eko, where a refusal decides nothing ("no such tid" still ends a cancel of
   * a refund that never saw its transaction).
   */
  async function inquire(
    request: InquiryRequest & {
      refusals: 'answers' | 'retried' | 'retried but an unknown tid';
      purpose: 'check' | 'settle' | 'ending';
    },
    timeout = budget(),
  ): Promise<InquiryResult> {
    const answer = await eko.inquireTransaction(request.tid, initiatorOf(request), timeout());
    switch (answer.kind) {
      case 'transaction': {
        if (request.settledStatuses?.includes(answer.txStatus) ?? true) {
          // Each attempt is one poll: this is how many it took.
          const polls = Context.current().metricMeter.createHistogram(METRICS.polls, 'int', 'polls');
          polls.record(Context.current().info.attempt, { purpose: request.purpose });
          return { kind: 'settled', txStatus: answer.txStatus, eko: summarize(answer, answer) };
        }
        throw ApplicationFailure.create({
          type: NOT_SETTLED,
          message: `tx_status ${answer.txStatus} (${answer.txStatusDesc}): not final yet`,
          category: 'BENIGN',
        });
      }
      case 'rejected': {
        const answers =
          request.refusals === 'answers' ||
          (request.refusals === 'retried but an unknown tid' && answer.reason === 'tid_unknown');
        if (!answers) throw ApplicationFailure.create({ type: 'Eko.inquiry_refused', message: answer.message });
        return { kind: 'rejected', reason: answer.reason, eko: summarize(answer) };
      }
      case 'retryable':
        throw retryable(answer);
    }
  }

  async function requestOtp(request: { tid: string } & Initiator, timeout: ReturnType<typeof budget>) {
    const answer = await eko.requestRefundOtp(request.tid, initiatorOf(request).initiatorId, timeout());
    switch (answer.kind) {
      case 'otp_sent':
        redactor.add(answer.otpRefId);
        return { kind: 'sent' as const, otpRefId: answer.otpRefId, eko: summarize(answer) };
      case 'rejected': {
        const inquiry = await inquire({ ...request, refusals: 'answers', purpose: 'check' }, timeout);
        return { kind: 'refused' as const, eko: summarize(answer), inquiry };
      }
      case 'retryable':
        throw retryable(answer);
    }
  }

  return {
    /**
     * CHECKING, then the OTP request when the transaction is refund pending: one activity and one
     * workflow task less per refund than two. Retries (polls) repeat the inquiry while it is 2 or 5.
     */
    async prepareRefund(request: PrepareRequest): Promise<PrepareResult> {
      const timeout = budget();
      const check = await inquire(
        { ...request, settledStatuses: CHECK_SETTLES, refusals: 'answers', purpose: 'check' },
        timeout,
      );
      if (check.kind !== 'settled' || check.txStatus !== TxStatus.RefundPending || !request.requestOtp) {
        return { check };
      }
      try {
        return { check, otp: await requestOtp(request, timeout) };
      } catch (err) {
        return { check, otpFailed: err instanceof Error ? err.message : String(err) };
      }
    },

    /** Get Refund OTP. A refusal is a question, not an answer: the inquiry after it decides. */
    async requestRefundOtp(request: { tid: string } & Initiator): Promise<OtpRequestResult> {
      return requestOtp(request, budget());
    },

    /** The refund call (refund-call.ts). */
    async submitRefund(request: SubmitRequest): Promise<SubmitResult> {
      redactor.add(request.otp, request.otpRefId);
      return refundCall(request, {
        eko,
        initiator: initiatorOf(request),
        ekoTimeoutMs,
        summarize,
        now,
        earlierRunsSettleAt: () => earlierRunsSettleAt(request.settleWindowMs),
      });
    },

    /** PENDING: one inquiry per attempt until the refund is final; a refusal is asked again. */
    async awaitTransactionStatus(request: InquiryRequest): Promise<InquiryResult> {
      return inquire({ ...request, refusals: 'retried', purpose: 'settle' });
    },

    /**
     * The inquiry before a refund ends without a refund (a cancel, the OTP deadline): made once no
     * refund call of an earlier run can still be applied (this run's own calls have all answered
     * by then), and asked again until Eko gives a final status. Eko's silence fails the attempt,
     * so the refund keeps asking, to the poll deadline (then NEEDS_REVIEW), and never ends on it.
     */
    async inquireBeforeEnding(request: EndingRequest): Promise<InquiryResult> {
      const startedAt = now();
      const settleAt = await earlierRunsSettleAt(request.settleWindowMs);
      if (startedAt < settleAt) {
        throw ApplicationFailure.create({
          type: NOT_SETTLED,
          category: 'BENIGN',
          message: `a refund call of an earlier run may still be applied: asking Eko at ${new Date(settleAt).toISOString()}`,
          nextRetryDelay: retryNoLaterThan(settleAt, startedAt),
        });
      }
      return inquire({
        ...request,
        settledStatuses: CHECK_SETTLES,
        refusals: 'retried but an unknown tid',
        purpose: 'ending',
      });
    },
  };
}

export type RefundActivities = ReturnType<typeof createActivities>;

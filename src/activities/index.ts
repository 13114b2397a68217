import { ApplicationFailure, Context } from '@temporalio/activity';
import { METRICS } from '../contract/names';
import { KNOWN_STATUSES, type RejectReason, FINAL_STATUSES, TxStatus } from '../eko/answers';
import type { EkoClient } from '../eko/client';
import { type Redactor, redactor as processRedactor } from '../logging';
import { within } from '../timeout';
import { callTimeout, retryNoLaterThan } from './attempt';
import { earlierCallsSettleAt, type RunsOf } from './earlier-runs';
import { observedEko } from '../metrics';
import { retryable, summarizer } from './observe';
import { refundCall } from './refund-call';
import type { Initiator, InquiryResult, OtpRequestResult, PrepareRequest, PrepareResult } from './results';
import type { SubmitRequest, SubmitResult } from './results';

export interface ActivityDeps {
  eko: EkoClient;
  /** The HTTP timeout of one Eko call; each call is also cut off before its attempt's end. */
  ekoTimeoutMs?: number;
  /** Learns the OTP and otp_ref_id of each call, so that no log line can show them. */
  redactor?: Redactor;
  /** For refunds whose input omits them. */
  defaults: { initiatorId: string; userCode: string };
  now?: () => number;
  /** The runs of a workflow id, from Temporal's visibility (runsFromVisibility). */
  runsOf: RunsOf;
}

/** No OTP is requested past the OTP deadline (`notAfter`), whenever the workflow asked for one. */
const PAST_DEADLINE = 'the OTP deadline passed: no OTP is requested';
/** Thrown while Eko's answer is not final yet: expected, so Temporal logs it quietly and retries. */
export const NOT_SETTLED = 'RefundNotSettled';

/**
 * The inquiries: the statuses that end each, Eko's refusals it takes as answers (the others are
 * asked again: once a refund may have reached Eko, a refusal decides nothing), and the statuses
 * that end the refund with no refund: they wait until no earlier run's call can be applied.
 */
type Inquiry = { settles?: readonly number[]; answers: 'all' | readonly RejectReason[]; noRefund: readonly number[] };
const INQUIRY = {
  check: { settles: KNOWN_STATUSES, answers: 'all', noRefund: [0, 1] },
  afterOtpRefusal: { settles: undefined, answers: 'all', noRefund: [0, 1] },
  settle: { settles: FINAL_STATUSES, answers: [], noRefund: [] },
  // "No such tid" ends a cancel of a refund that never saw its transaction (the rules decide).
  ending: { settles: KNOWN_STATUSES, answers: ['tid_unknown'], noRefund: [0, 1, 3] },
} as const satisfies Record<string, Inquiry>;

type Purpose = keyof typeof INQUIRY;

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
  const eko = observedEko(client, now);
  const summarize = summarizer(now, redactor);
  const deps = { eko, summarize, now, ekoTimeoutMs };
  const initiatorOf = (request: Initiator) => ({
    initiatorId: request.initiatorId ?? defaults.initiatorId,
    userCode: request.userCode ?? defaults.userCode,
  });
  const pastDeadline = (request: { notAfter?: string }) => Date.parse(request.notAfter ?? '') <= now();
  /** Each Eko call ends before its attempt does (callTimeout). */
  const budget =
    (startedAt = now()) =>
    () => ({ timeoutMs: callTimeout(ekoTimeoutMs, startedAt, now()) });

  /** Until when a refund call of an earlier run may still be applied; Temporal silent for a quarter of the attempt fails it. */
  async function earlierRunsSettleAt(settleWindowMs: number): Promise<number> {
    const { workflowExecution: run, startToCloseTimeoutMs: attemptMs } = Context.current().info;
    if (!run) return Number.POSITIVE_INFINITY;
    const runs = await within(runsOf(run.workflowId, run.runId), attemptMs / 4, 'the earlier runs of the refund');
    return earlierCallsSettleAt(runs, { ownRunId: run.runId, now: now(), settleWindowMs });
  }

  /** An inquiry; an answer that ends the refund with no refund waits until no earlier run's call can be applied. */
  async function inquire(purpose: Purpose, request: Initiator, timeout = budget()): Promise<InquiryResult> {
    const inquiredAfter = now();
    const result = await answerOf(purpose, request, timeout);
    const noRefund: readonly number[] = INQUIRY[purpose].noRefund;
    const ends = result.kind === 'rejected' ? result.reason === 'tid_unknown' : noRefund.includes(result.txStatus);
    if (!ends) return result;
    const settleAt = await earlierRunsSettleAt(request.settleWindowMs);
    if (inquiredAfter >= settleAt) return result;
    const message = `a refund call of an earlier run may still be applied: asking Eko again at ${new Date(settleAt).toISOString()}`;
    const nextRetryDelay = retryNoLaterThan(settleAt, now());
    throw ApplicationFailure.create({ type: NOT_SETTLED, category: 'BENIGN', message, nextRetryDelay });
  }

  async function answerOf(purpose: Purpose, request: Initiator, timeout = budget()): Promise<InquiryResult> {
    const { settles, answers } = INQUIRY[purpose];
    const answer = await eko.inquireTransaction(request.tid, initiatorOf(request), timeout());
    if (answer.kind === 'retryable') throw retryable(answer);
    if (answer.kind === 'rejected') {
      if (answers !== 'all' && !(answers as readonly RejectReason[]).includes(answer.reason)) {
        throw ApplicationFailure.create({ type: 'Eko.inquiry_refused', message: answer.message });
      }
      return { kind: 'rejected', reason: answer.reason, eko: summarize(answer) };
    }
    if (settles && !settles.includes(answer.txStatus)) {
      const message = `tx_status ${answer.txStatus} (${answer.txStatusDesc}): not final yet`;
      throw ApplicationFailure.create({ type: NOT_SETTLED, message, category: 'BENIGN' });
    }
    // Each attempt is one poll: this is how many it took.
    const { metricMeter, info } = Context.current();
    metricMeter.createHistogram(METRICS.polls, 'int', 'polls').record(info.attempt, { purpose });
    return { kind: 'settled', txStatus: answer.txStatus, amount: answer.amount, eko: summarize(answer, answer) };
  }

  /** Get Refund OTP. A refusal is a question, not an answer: the inquiry made right after it decides. */
  async function requestOtp(request: Initiator & { notAfter?: string }, timeout = budget()): Promise<OtpRequestResult> {
    if (pastDeadline(request)) throw ApplicationFailure.nonRetryable(PAST_DEADLINE, 'OtpDeadlinePassed');
    const answer = await eko.requestRefundOtp(request.tid, initiatorOf(request).initiatorId, timeout());
    if (answer.kind === 'retryable') throw retryable(answer);
    if (answer.kind === 'rejected') {
      // Held back for an earlier run's call, the inquiry's answer decides nothing yet: none is given.
      const heldBack = (err: unknown) =>
        err instanceof ApplicationFailure && err.type === NOT_SETTLED ? undefined : Promise.reject(err);
      const inquiry = await inquire('afterOtpRefusal', request, timeout).catch(heldBack);
      return { kind: 'refused', eko: summarize(answer), inquiry };
    }
    redactor.add(answer.otpRefId);
    // An earlier attempt's request, without a clear answer, may be taken by Eko after this one.
    const otpRefId = Context.current().info.attempt > 1 ? null : answer.otpRefId;
    return { kind: 'sent', otpRefId, eko: summarize(answer) };
  }

  return {
    /** CHECKING and the OTP request in one activity (one workflow task less); retries are polls while it is 2 or 5. */
    async prepareRefund(request: PrepareRequest): Promise<PrepareResult> {
      const timeout = budget();
      const check = await inquire('check', request, timeout);
      if (check.kind !== 'settled' || check.txStatus !== TxStatus.RefundPending || !request.requestOtp)
        return { check };
      try {
        return { check, otp: await requestOtp(request, timeout) };
      } catch (err) {
        return { check, otpFailed: err instanceof Error ? err.message : String(err) };
      }
    },

    requestRefundOtp: (request: Initiator & { notAfter?: string }) => requestOtp(request),

    /** The refund call (refund-call.ts). */
    async submitRefund(request: SubmitRequest): Promise<SubmitResult> {
      redactor.add(request.otp, request.otpRefId);
      const earlier = () => earlierRunsSettleAt(request.settleWindowMs);
      return refundCall(request, { ...deps, initiator: initiatorOf(request), earlierRunsSettleAt: earlier });
    },

    /** PENDING: one inquiry per attempt until the refund is final. */
    awaitTransactionStatus: (request: Initiator) => inquire('settle', request),

    /**
     * The inquiry before a refund ends without a refund (a cancel, the OTP deadline); this run's
     * calls have all answered by then. Eko's silence fails the attempt: the refund keeps asking,
     * to NEEDS_REVIEW, and never ends on it.
     */
    inquireBeforeEnding: (request: Initiator) => inquire('ending', request),
  };
}

export type RefundActivities = ReturnType<typeof createActivities>;

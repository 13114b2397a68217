import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EkoReply, EkoRetryable, RefundDetails } from '../eko/answers';
import { TxStatus } from '../eko/answers';
import type { EkoClient } from '../eko/client';
import { type Redactor, redactor as processRedactor } from '../logging';
import type { EkoAnswerSummary, RefundAmounts } from '../contract';
import { METRICS } from '../contract';
import type {
  Initiator,
  InquiryRequest,
  InquiryResult,
  OtpRequestResult,
  SubmitRequest,
  SubmitResult,
} from './results';

export interface ActivityDeps {
  eko: EkoClient;
  /** Learns the OTP and otp_ref_id of each call, so no log line can show them. */
  redactor?: Redactor;
  /** Used when a refund's input omits them. */
  defaults: { initiatorId: string; userCode: string };
  now?: () => number;
}

/** Thrown while Eko's answer is not final yet: expected, so Temporal logs it quietly and retries. */
export const NOT_SETTLED = 'RefundNotSettled';

const FINAL_TX_STATUSES: number[] = [TxStatus.Success, TxStatus.Fail, TxStatus.Refunded];

/**
 * The refund's side effects. Business outcomes are returned; anything worth retrying is thrown,
 * so polling happens as activity retries and adds nothing to the workflow's history.
 */
export function createActivities({ eko: client, defaults, redactor = processRedactor, now = Date.now }: ActivityDeps) {
  const eko = observed(client, now);
  const initiator = (request: Initiator) => ({
    initiatorId: request.initiatorId ?? defaults.initiatorId,
    userCode: request.userCode ?? defaults.userCode,
  });

  const summarize = (reply: EkoReply, tx?: { txStatus: number; txStatusDesc: string }): EkoAnswerSummary => ({
    status: reply.code,
    httpStatus: reply.httpStatus,
    responseTypeId: reply.responseTypeId,
    message: reply.message,
    txStatus: tx?.txStatus,
    txStatusDesc: tx?.txStatusDesc,
    at: new Date(now()).toISOString(),
  });

  async function inquire(request: InquiryRequest): Promise<InquiryResult> {
    const answer = await eko.inquireTransaction(request.tid, initiator(request));
    switch (answer.kind) {
      case 'transaction': {
        const eko = summarize(answer, answer);
        if (request.settledStatuses.includes(answer.txStatus)) {
          // Each attempt is one poll: this is how many it took.
          const polls = Context.current().metricMeter.createHistogram(METRICS.polls, 'int', 'polls');
          polls.record(Context.current().info.attempt, { purpose: request.purpose ?? 'check' });
          return { kind: 'settled', txStatus: answer.txStatus, eko };
        }
        throw ApplicationFailure.create({
          type: NOT_SETTLED,
          message: `tx_status ${answer.txStatus} (${answer.txStatusDesc}): not final yet`,
          category: 'BENIGN',
        });
      }
      case 'rejected':
        return { kind: 'rejected', reason: answer.reason, eko: summarize(answer) };
      case 'retryable':
        throw retryable(answer);
    }
  }

  return {
    /** One Transaction Inquiry per attempt, until the tx_status is one the caller waits for. */
    async awaitTransactionStatus(request: InquiryRequest): Promise<InquiryResult> {
      return inquire(request);
    },

    async requestRefundOtp(request: { tid: string } & Initiator): Promise<OtpRequestResult> {
      const answer = await eko.requestRefundOtp(request.tid, initiator(request).initiatorId);
      switch (answer.kind) {
        case 'otp_sent':
          redactor.add(answer.otpRefId);
          return { kind: 'sent', otpRefId: answer.otpRefId, eko: summarize(answer) };
        case 'rejected':
          return { kind: 'rejected', reason: answer.reason, eko: summarize(answer) };
        case 'retryable':
          throw retryable(answer);
      }
    },

    /**
     * Initiate Refund, money-safe. A previous attempt may have reached Eko (timeout, reset, worker
     * killed), and Eko has no idempotency key: so every retry inquires first and POSTs again only
     * while the transaction is still Refund Pending (3).
     */
    async submitRefund(request: SubmitRequest): Promise<SubmitResult> {
      redactor.add(request.otp, request.otpRefId);
      if (Context.current().info.attempt > 1) {
        const before = await eko.inquireTransaction(request.tid, initiator(request));
        if (before.kind === 'retryable') throw retryable(before);
        if (before.kind === 'rejected') {
          throw retryable({
            ...before,
            kind: 'retryable',
            reason: 'bad_response',
            message: `inquiry before retry refused: ${before.message}`,
          });
        }
        if (before.txStatus !== TxStatus.RefundPending) {
          const eko = summarize(before, before);
          return FINAL_TX_STATUSES.includes(before.txStatus)
            ? { kind: 'settled', txStatus: before.txStatus, eko }
            : { kind: 'pending', txStatus: before.txStatus, refund: {}, eko };
        }
      }
      const answer = await eko.initiateRefund({ ...request, ...initiator(request) });
      switch (answer.kind) {
        case 'refunded':
          return { kind: 'refunded', refund: amounts(answer.refund), eko: summarize(answer) };
        case 'pending':
          return {
            kind: 'pending',
            txStatus: answer.txStatus,
            refund: amounts(answer.refund),
            eko: summarize(answer, answer),
          };
        case 'wrong_otp':
        case 'otp_expired':
          return { kind: answer.kind, eko: summarize(answer) };
        case 'rejected':
          return { kind: 'rejected', reason: answer.reason, eko: summarize(answer) };
        case 'retryable':
          throw retryable(answer);
      }
    },
  };
}

export type RefundActivities = ReturnType<typeof createActivities>;

function retryable(answer: EkoRetryable): ApplicationFailure {
  return ApplicationFailure.create({ type: `Eko.${answer.reason}`, message: answer.message });
}

function amounts(refund: RefundDetails): RefundAmounts {
  const { refundTid, refundedAmount, amount, fee, balance } = refund;
  return { refundTid, refundedAmount, amount, fee, balance };
}

/** Logs every Eko call with its outcome and latency; the SDK adds workflowId, runId and activityType. */
function observed(eko: EkoClient, now: () => number): EkoClient {
  async function timed<T extends { kind: string } & EkoReply>(endpoint: string, call: () => Promise<T>): Promise<T> {
    const started = now();
    const answer = await call();
    const fields = {
      endpoint,
      outcome: answer.kind,
      reason: 'reason' in answer ? answer.reason : undefined,
      ekoCode: answer.code,
      httpStatus: answer.httpStatus,
      latencyMs: now() - started,
    };
    const { log, metricMeter } = Context.current();
    if (answer.kind === 'retryable') log.warn(`Eko ${endpoint}: ${answer.message}`, fields);
    else log.info(`Eko ${endpoint}: ${answer.kind}`, fields);
    metricMeter.createCounter(METRICS.ekoCalls, 'calls').add(1, { endpoint, outcome: answer.kind });
    metricMeter.createHistogram(METRICS.ekoCallLatency, 'int', 'ms').record(fields.latencyMs, { endpoint });
    return answer;
  }
  return {
    requestRefundOtp: (tid, initiatorId) => timed('otp', () => eko.requestRefundOtp(tid, initiatorId)),
    initiateRefund: (request) => timed('refund', () => eko.initiateRefund(request)),
    inquireTransaction: (tid, initiator) => timed('inquiry', () => eko.inquireTransaction(tid, initiator)),
  };
}

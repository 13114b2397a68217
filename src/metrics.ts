import { Context } from '@temporalio/activity';
import { METRICS } from './contract';
import type { EkoReply } from './eko/answers';
import type { EkoClient } from './eko/client';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Histogram buckets of the refund metrics, fitted to what each one measures: the SDK's default
 * buckets stop at 10 s, so a refund that took a day or an Eko call that timed out at 30 s would
 * land in +Inf and no quantile or alert (deploy/prometheus/alerts.yml) could see it.
 */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  // Start to outcome, milliseconds: seconds without an OTP step, hours to days with one.
  [METRICS.refundDuration]: [10 * SECOND, MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY],
  // Time in AWAITING_OTP, milliseconds, up to the 24-hour default OTP timeout.
  [METRICS.otpWait]: [30 * SECOND, MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY],
  // Transaction Inquiry calls until a status was final: a count, not a duration.
  [METRICS.polls]: [1, 2, 3, 5, 10, 20, 50, 100],
  // One Eko call, milliseconds, up to and past the 30 s default EKO_TIMEOUT_MS.
  [METRICS.ekoCallLatency]: [50, 100, 250, 500, SECOND, 2.5 * SECOND, 5 * SECOND, 10 * SECOND, 30 * SECOND, MINUTE],
};

/** Logs every Eko call with its outcome and latency; the SDK adds workflowId, runId and activityType. */
export function observedEko(eko: EkoClient, now: () => number): EkoClient {
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

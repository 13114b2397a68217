/** One refund's state inside the workflow: the rules applied, the search attribute kept in step. */
import { metricMeter, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { toMs } from '../contract/duration';
import { isOutcome, METRICS, RefundPhase, SEARCH_ATTRIBUTES } from '../contract/names';
import type { RefundParams } from '../contract/schemas';
import type { RefundResult, RefundState } from '../contract/types';
import { addNote, decide, initialState, type RefundEvent } from './decide';

export class RefundRun {
  state: RefundState;
  /** A secret: goes into the refund call and nowhere else (not the state the query returns). */
  otpRefId: string | undefined;
  /** When an OTP was last requested from Eko: resends are spaced by `resendInterval`. */
  lastOtpRequestAt = Number.NEGATIVE_INFINITY;
  private otpWaitRecorded = false;

  constructor(readonly input: RefundParams) {
    this.state = initialState(input.tid, input.maxOtpAttempts, Date.now());
    this.otpRefId = input.otpRefId;
    const { typedSearchAttributes } = workflowInfo();
    if (
      typedSearchAttributes.get(SEARCH_ATTRIBUTES.tid) !== input.tid ||
      typedSearchAttributes.get(SEARCH_ATTRIBUTES.phase) !== this.state.phase
    ) {
      // Starts from the client set these already; a start from the `temporal` CLI may not have.
      upsertSearchAttributes([
        { key: SEARCH_ATTRIBUTES.tid, value: input.tid },
        { key: SEARCH_ATTRIBUTES.phase, value: this.state.phase },
      ]);
    }
  }

  get phase() {
    return this.state.phase;
  }

  get ended(): boolean {
    return isOutcome(this.state.phase);
  }

  apply(event: RefundEvent): void {
    const from = this.state.phase;
    const otpTimeoutMs = toMs(this.input.otpTimeout);
    this.state = decide(this.state, event, {
      now: Date.now(),
      requestOtp: this.input.requestOtp,
      maxOtpAttempts: this.input.maxOtpAttempts,
      otpTimeoutMs,
    });
    if (this.state.phase !== from) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.phase, value: this.state.phase }]);
    if (event.type === 'otp_received' && !this.otpWaitRecorded && this.state.otpDeadline) {
      this.otpWaitRecorded = true;
      const waitingSince = Date.parse(this.state.otpDeadline) - otpTimeoutMs;
      metricMeter.createHistogram(METRICS.otpWait, 'int', 'ms').record(Date.now() - waitingSince);
    }
  }

  note(text: string): void {
    this.state = addNote(this.state, text, Date.now());
  }

  /** Called once the refund ended: the metrics and the workflow's result. */
  result(): RefundResult {
    const { state } = this;
    const outcome = { outcome: state.outcome! };
    metricMeter.createCounter(METRICS.refundsCompleted, 'refunds').add(1, outcome);
    const durationMs = Date.now() - workflowInfo().runStartTime.getTime();
    metricMeter.createHistogram(METRICS.refundDuration, 'int', 'ms').record(durationMs, outcome);
    return {
      tid: state.tid,
      outcome: state.outcome!,
      reason: state.transitions[state.transitions.length - 1].reason,
      ekoCode: state.lastEkoAnswer?.status,
      ekoMessage: state.lastEkoAnswer?.message,
      refund: state.refund,
      completedAt: state.updatedAt,
    };
  }
}

export const waitingForOtp = (run: RefundRun) => run.phase === RefundPhase.AWAITING_OTP;

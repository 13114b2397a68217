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

  /** An OTP was requested from Eko now: the state says when a resend is allowed. */
  otpRequested(): void {
    this.lastOtpRequestAt = Date.now();
    const resendAllowedAt = new Date(this.lastOtpRequestAt + toMs(this.input.resendInterval)).toISOString();
    this.state = { ...this.state, resendAllowedAt };
  }
  private otpWaitRecorded = false;

  constructor(
    readonly input: RefundParams,
    /** A refund started before this release: its commands as they were (see refund.ts). */
    readonly legacy: boolean,
  ) {
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

  /**
   * Applies the events of one step and keeps `RefundPhase` in step with one upsert at most. It
   * skips the transient SUBMITTING (the `state` query shows it), except for refunds started
   * before this release, whose histories have that upsert.
   */
  apply(events: RefundEvent[]): void {
    const from = this.state.phase;
    const otpTimeoutMs = toMs(this.input.otpTimeout);
    for (const event of events) {
      this.state = decide(this.state, event, {
        now: Date.now(),
        requestOtp: this.input.requestOtp,
        maxOtpAttempts: this.input.maxOtpAttempts,
        otpTimeoutMs,
        legacy: this.legacy,
      });
      if (event.type === 'otp_received' && !this.otpWaitRecorded && this.state.otpDeadline) {
        this.otpWaitRecorded = true;
        const waitingSince = Date.parse(this.state.otpDeadline) - otpTimeoutMs;
        metricMeter.createHistogram(METRICS.otpWait, 'int', 'ms').record(Date.now() - waitingSince);
      }
    }
    const { phase } = this.state;
    if (phase === from || (phase === RefundPhase.SUBMITTING && !this.legacy)) return;
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.phase, value: phase }]);
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

/**
 * The refund's messages: OTPs, resends and cancels from support staff and other services, and
 * Temporal's own cancel request. Handlers only queue and answer; the workflow loop acts.
 */
import { ApplicationFailure, CancellationScope, condition, setHandler } from '@temporalio/workflow';
import { formatMs, toMs } from '../contract/duration';
import {
  cancelUpdate,
  otpSignal,
  resendOtpSignal,
  resendOtpUpdate,
  stateQuery,
  submitOtpUpdate,
} from '../contract/messages';
import { CANCELLABLE_PHASES, FAILURE_TYPES, isOutcome, RefundPhase } from '../contract/names';
import {
  acceptedOrThrow,
  checkCancelRequest,
  checkOtpSubmission,
  checkResendRequest,
  describeIssues,
} from '../contract/rules';
import type { RefundRun } from './run';

/** An OTP bound, when it arrived, to the otp_ref_id of the OTP the customer was sent. */
export interface QueuedOtp {
  otp: string;
  otpRefId?: string;
  actor?: string;
}

type Signal = { kind: 'otp'; otp: QueuedOtp } | { kind: 'resend'; actor?: string };

export interface CancelRequested {
  reason: string;
  actor?: string;
}

export class RefundInbox {
  private readonly otps: QueuedOtp[] = [];
  private otpsReceived = 0;
  private otpsAnswered = 0;
  cancel: CancelRequested | undefined;
  resend: { actor?: string } | undefined;
  /** The OTP deadline's timer fired: an OTP arriving during the inquiry made then is refused, with a note. */
  otpDeadlinePassed = false;
  /** Signals not yet looked at, in arrival order (see admitSignal). */
  private readonly signals: Signal[] = [];

  constructor(
    private readonly run: RefundRun,
    /**
     * Signals wait for the refund to wait for the OTP (admitSignal); refunds started before
     * SIGNALS_WAIT_PATCH decide on a signal as it arrives, and replay that way.
     */
    private readonly signalsWait: boolean,
  ) {}

  /** Signals to look at: the refund waiting for the OTP admits them (admitSignal). */
  get hasSignals(): boolean {
    return this.signals.length > 0;
  }

  /**
   * Decides on the next signal, in arrival order, now that the refund waits for the OTP. Not in
   * the handlers: a worker answering queries may apply a signal before an activity's answer that
   * came before it (the phase it sees is then not the one a replay sees, which runs signals first).
   * Waiting for AWAITING_OTP makes both see the same state; one at a time, so that signals that
   * arrived together are decided on as if they had come apart.
   */
  admitSignal(): void {
    const signal = this.signals.shift();
    if (signal?.kind === 'otp') this.otpByHand(signal.otp);
    if (signal?.kind === 'resend') this.resendByHand(signal.actor);
  }

  /** Signals that arrived after the refund stopped waiting for an OTP: never used, noted. */
  dropSignals(): void {
    if (this.signals.length === 0) return;
    this.run.note(`${this.signals.length} otp or resendOtp signal(s) not used: the refund no longer waited for an OTP`);
    this.signals.splice(0);
  }

  get hasOtp(): boolean {
    return this.otps.length > 0;
  }

  get nextOtpActor(): string | undefined {
    return this.otps[0]?.actor;
  }

  takeOtp(): QueuedOtp | undefined {
    return this.otps.shift();
  }

  /**
   * A cancel found a refund under way and the refund goes on to PENDING: an OTP or a resend that
   * arrived with the cancel will not be used. Their callers are answered now, not when the refund ends.
   */
  dropQueued(why: string): void {
    if (this.resend !== undefined) this.run.note(`a resend was not sent: ${why}`);
    if (this.otps.length > 0) this.run.note(`an OTP was not used: ${why}`);
    this.resend = undefined;
    this.otpsAnswered += this.otps.splice(0).length;
  }

  /** Eko answered the OTP taken last: its `submitOtp` caller gets the outcome. */
  otpAnswered(): void {
    this.otpsAnswered += 1;
  }

  /** `temporal workflow cancel`, the Web UI's button, a client's `handle.cancel()`. */
  temporalCancel(): void {
    if (this.run.ended)
      return this.run.note(`a Temporal cancel request arrived after the refund ended (${this.run.phase})`);
    if (!CANCELLABLE_PHASES.includes(this.run.phase)) {
      this.run.note(
        `a Temporal cancel request arrived in ${this.run.phase}: ignored, the refund reached Eko and is tracked to its outcome`,
      );
      return;
    }
    this.cancel ??= {
      reason: 'cancel requested through Temporal (Web UI, temporal workflow cancel or handle.cancel())',
    };
  }

  listen(): void {
    const { run } = this;
    setHandler(stateQuery, () => run.state);

    setHandler(otpSignal, (raw) => {
      const checked = checkOtpSubmission(raw);
      if (!checked.ok) return run.note(`dropped an otp signal: ${describeIssues(checked.issues)}`);
      if (this.signalsWait) return void this.signals.push({ kind: 'otp', otp: checked.value });
      this.otpByHand(checked.value);
    });
    setHandler(
      submitOtpUpdate,
      async (raw) => {
        const ticket = this.enqueueOtp(acceptedOrThrow(checkOtpSubmission(raw), 'OTP submission'));
        await untilCancelProof(() => this.otpsAnswered >= ticket || run.ended);
        const { state } = run;
        return {
          phase: state.phase,
          message: state.lastEkoAnswer?.message ?? state.transitions[state.transitions.length - 1].reason,
          otpAttemptsLeft: state.otpAttemptsLeft,
        };
      },
      {
        // Runs before anything is written to history: a bad OTP or a wrong phase leaves no trace.
        validator: (raw) => {
          acceptedOrThrow(checkOtpSubmission(raw), 'OTP submission');
          const refusal = this.otpRefusal('update');
          if (refusal) throw new Error(`OTP not accepted: ${refusal}`);
        },
      },
    );

    setHandler(resendOtpSignal, (raw) => {
      const checked = checkResendRequest(raw ?? {});
      if (!checked.ok) return run.note(`ignored a resendOtp signal: ${describeIssues(checked.issues)}`);
      if (this.signalsWait) return void this.signals.push({ kind: 'resend', actor: checked.value.actor });
      this.resendByHand(checked.value.actor);
    });
    setHandler(
      resendOtpUpdate,
      async (raw) => {
        this.resend = { actor: acceptedOrThrow(checkResendRequest(raw ?? {}), 'resend request').actor };
        await untilCancelProof(() => (this.resend === undefined && run.phase !== RefundPhase.SENDING_OTP) || run.ended);
        return { phase: run.phase, resendCount: run.state.resendCount };
      },
      {
        validator: (raw) => {
          acceptedOrThrow(checkResendRequest(raw ?? {}), 'resend request');
          const refusal = this.resendRefusal('update');
          if (!refusal) return;
          // Typed, with the wait in its details: callers answer "try again in N s" without parsing words.
          const retryAfterSeconds = this.resendWaitMs() > 0 ? Math.ceil(this.resendWaitMs() / 1000) : undefined;
          throw ApplicationFailure.create({
            type: retryAfterSeconds === undefined ? FAILURE_TYPES.resendRefused : FAILURE_TYPES.resendTooSoon,
            message: `OTP not resent: ${refusal}`,
            details: retryAfterSeconds === undefined ? [] : [{ retryAfterSeconds }],
          });
        },
      },
    );

    setHandler(
      cancelUpdate,
      async (raw) => {
        this.cancel ??= acceptedOrThrow(checkCancelRequest(raw), 'cancel request');
        // Answered when the refund ends, or when it turned out a refund is under way (PENDING).
        await untilCancelProof(() => run.ended || !CANCELLABLE_PHASES.includes(run.phase));
        return { phase: run.phase };
      },
      {
        validator: (raw) => {
          acceptedOrThrow(checkCancelRequest(raw), 'cancel request');
          if (!CANCELLABLE_PHASES.includes(run.phase)) {
            throw new Error(
              isOutcome(run.phase)
                ? `cannot cancel: the refund already ended as ${run.phase}`
                : `cannot cancel: the refund was submitted to Eko (${run.phase}); it is tracked to a final outcome`,
            );
          }
        },
      },
    );
  }

  /** An OTP by signal (the Web UI's and the CLI's way): queued, or refused with a note. */
  private otpByHand(otp: QueuedOtp): void {
    const refusal = this.otpRefusal('signal');
    if (refusal) return this.run.note(`ignored an otp signal: ${refusal}`);
    this.enqueueOtp(otp);
  }

  /** A resend by signal: asked for, or refused with a note. */
  private resendByHand(actor: string | undefined): void {
    const refusal = this.resendRefusal('signal');
    if (refusal) return this.run.note(`ignored a resendOtp signal: ${refusal}`);
    this.resend = { actor };
  }

  private enqueueOtp({ otp, otpRefId, actor }: QueuedOtp): number {
    this.otps.push({ otp, otpRefId: otpRefId ?? this.run.otpRefId, actor });
    return (this.otpsReceived += 1);
  }

  /**
   * Whether the clock may decide. A signal's handling writes history, and must not depend on the
   * clock: a worker may apply a signal while it answers a query, with the time of an earlier
   * workflow task (seen with SDK 1.24 by the chaos run), and a replay would then decide otherwise
   * (non-determinism). An update's validator writes nothing when it refuses, so it may. Refunds
   * started before refund-v2 recorded their signals with the clock, and replay that way.
   */
  private clockDecides(via: 'signal' | 'update'): boolean {
    return via === 'update' || this.run.legacy;
  }

  private otpRefusal(via: 'signal' | 'update'): string | undefined {
    const { phase, state, legacy } = this.run;
    if (phase !== RefundPhase.AWAITING_OTP) return `the refund is ${phase}, not waiting for an OTP`;
    // Past the deadline the refund is only checking with Eko before it ends OTP_EXPIRED. The timer's
    // firing is in history; the clock decides only for an update's validator (see clockDecides).
    const pastDeadline = state.otpDeadline !== undefined && Date.now() >= Date.parse(state.otpDeadline);
    if (!legacy && (this.otpDeadlinePassed || (via === 'update' && pastDeadline))) return 'the OTP deadline passed';
    if (this.otps.length > 0) return 'an OTP is already being submitted';
    if (this.cancel !== undefined) return 'the refund is being cancelled';
    return undefined;
  }

  /** How long until a resend is allowed (resends are spaced by `resendInterval`); 0 or less: now. */
  private resendWaitMs(): number {
    return this.run.lastOtpRequestAt + toMs(this.run.input.resendInterval) - Date.now();
  }

  /** A resend by signal is not held to `resendInterval` (see clockDecides); `maxResends` caps it. */
  private resendRefusal(via: 'signal' | 'update'): string | undefined {
    const { phase, state } = this.run;
    const { maxResends, resendInterval } = this.run.input;
    if (phase !== RefundPhase.AWAITING_OTP) return `the refund is ${phase}, not waiting for an OTP`;
    if (this.resend !== undefined) return 'a resend is already under way';
    if (!this.run.legacy && this.cancel !== undefined) return 'the refund is being cancelled';
    if (!this.run.legacy && this.otpDeadlinePassed) return 'the OTP deadline passed';
    if (this.otps.length > 0) return 'an OTP is being submitted';
    if (state.resendCount >= maxResends) return `the OTP was already resent ${state.resendCount} times`;
    const waitMs = this.resendWaitMs();
    if (waitMs > 0 && this.clockDecides(via)) {
      return `an OTP was requested less than ${formatMs(toMs(resendInterval))} ago; retry in ${Math.ceil(waitMs / 1000)} s`;
    }
    return undefined;
  }
}

/**
 * An update's wait for its answer. A Temporal cancel request would otherwise reject it: the
 * support agent would read "Workflow cancelled" while the refund goes on to its outcome.
 */
function untilCancelProof(done: () => boolean): Promise<void> {
  return CancellationScope.nonCancellable(() => condition(done));
}

/**
 * The refund rules as one pure function: state + event → next state. The workflow feeds it the
 * results of activities and messages and acts on the phase it returns; no Temporal in here.
 */
import { CHECK_SETTLES, TxStatus } from '../eko/answers';
import type { InquiryResult, OtpRequestResult, SubmitResult } from '../activities/results';
import { CANCELLABLE_PHASES, isOutcome, type Phase, RefundOutcome, RefundPhase } from '../contract/names';
import type { EkoAnswerSummary, RefundState } from '../contract/types';

export type RefundEvent =
  | { type: 'checked'; result: InquiryResult }
  | { type: 'otp_requested'; result: OtpRequestResult }
  /** Get Refund OTP kept failing: the customer may still hold the OTP Eko texted at failure. */
  | { type: 'otp_request_failed'; message: string }
  | { type: 'otp_received'; actor?: string }
  | { type: 'resend_requested'; actor?: string }
  /**
   * The OTP deadline passed; `result` is the inquiry made then (refunds started before it have none),
   * `afterReset` whether the run was made by a reset (as the worker answered: see isResetRun).
   */
  | { type: 'otp_timed_out'; result?: InquiryResult; afterReset?: boolean }
  /** `result`: the inquiry made before ending (refunds started before refund-v2 have none). */
  | { type: 'cancelled'; reason: string; actor?: string; result?: InquiryResult; afterReset?: boolean }
  | { type: 'refund_answered'; result: SubmitResult }
  | { type: 'settled'; result: InquiryResult }
  /** An activity's retries ran out: the poll deadline or the refund call's retry bound. */
  | { type: 'gave_up'; message: string };

export interface DecideContext {
  now: number;
  requestOtp: boolean;
  maxOtpAttempts: number;
  otpTimeoutMs: number;
  /** A refund started before refund-v2: where the rules changed its commands, the old rule holds. */
  legacy?: boolean;
}

const MAX_TRANSITIONS = 20;
const MAX_NOTES = 20;

export function initialState(tid: string, maxOtpAttempts: number, now: number): RefundState {
  const at = new Date(now).toISOString();
  return {
    tid,
    phase: RefundPhase.CHECKING,
    createdAt: at,
    updatedAt: at,
    wrongOtpAttempts: 0,
    otpAttemptsLeft: maxOtpAttempts,
    resendCount: 0,
    submittedToEko: false,
    transitions: [{ from: null, to: RefundPhase.CHECKING, at, reason: 'refund started: inquiring the transaction' }],
    notes: [],
  };
}

export function addNote(state: RefundState, note: string, now: number): RefundState {
  const stamped = `${new Date(now).toISOString()} ${note}`;
  return { ...state, updatedAt: new Date(now).toISOString(), notes: [...state.notes, stamped].slice(-MAX_NOTES) };
}

export function decide(state: RefundState, event: RefundEvent, ctx: DecideContext): RefundState {
  if (isOutcome(state.phase)) return state;
  const s = 'result' in event && event.result ? { ...state, lastEkoAnswer: event.result.eko } : state;
  const to: MoveTo = (phase, reason, patch = {}) => move(s, phase, reason, ctx, patch);
  const by = (actor?: string) => (actor ? ` by ${actor}` : '');

  switch (event.type) {
    case 'checked':
      return beforeSubmission(event.result, to, {
        refundPending: () =>
          ctx.requestOtp
            ? to(RefundPhase.SENDING_OTP, 'transaction is refund pending: requesting an OTP for the customer')
            : to(RefundPhase.AWAITING_OTP, 'transaction is refund pending: waiting for the OTP Eko already sent'),
      });
    case 'otp_requested': {
      const { result } = event;
      if (result.kind === 'sent') return to(RefundPhase.AWAITING_OTP, 'OTP sent to the customer: waiting for it');
      if (result.kind === 'rejected') {
        // The answer of a worker one release behind (no inquiry after the refusal): the old rule
        // for refunds started then, an inquiry for the others.
        return ctx.legacy
          ? to(RefundOutcome.NOT_REFUNDABLE, rejection(result.eko))
          : to(RefundPhase.CHECKING, `Eko did not send an OTP (${result.eko.message}): inquiring the transaction`);
      }
      // A refusal is a question: the inquiry made right after it says where the transaction stands.
      const refused = `Eko did not send an OTP (${result.eko.message})`;
      return beforeSubmission(result.inquiry, to, {
        refundPending: () =>
          to(RefundPhase.AWAITING_OTP, `${refused}: waiting for the OTP the customer already holds`, {
            lastEkoAnswer: result.eko,
          }),
      });
    }
    case 'otp_request_failed':
      return to(RefundPhase.AWAITING_OTP, `could not request an OTP (${event.message}): waiting for the OTP anyway`);
    case 'otp_received':
      return to(RefundPhase.SUBMITTING, `OTP received${by(event.actor)}: initiating the refund`, {
        submittedToEko: true,
      });
    case 'resend_requested':
      return to(RefundPhase.SENDING_OTP, `OTP resend requested${by(event.actor)}`, { resendCount: s.resendCount + 1 });
    case 'otp_timed_out': {
      // The inquiry at the deadline catches a refund applied meanwhile (elsewhere, or by a run that was reset).
      // After a reset, no answer (or a refused inquiry) is not "still refund pending": the run before may have sent a refund call.
      if (event.afterReset && event.result?.kind !== 'settled') {
        return to(RefundPhase.PENDING, 'at the OTP deadline Eko gave no status after a reset: polling until final');
      }
      const txStatus = event.result?.kind === 'settled' ? event.result.txStatus : TxStatus.RefundPending;
      switch (txStatus) {
        case TxStatus.RefundPending:
          return to(RefundOutcome.OTP_EXPIRED, 'no OTP arrived before the OTP deadline');
        case TxStatus.Refunded:
          return to(RefundOutcome.REFUNDED, 'refunded at Eko while waiting for the OTP: no refund call made here');
        case TxStatus.Success:
        case TxStatus.Fail:
          return to(
            RefundOutcome.NOT_REFUNDABLE,
            `at the OTP deadline the transaction is ${describe(s.lastEkoAnswer!)}`,
          );
        default:
          return to(
            RefundPhase.PENDING,
            `at the OTP deadline Eko reports ${describe(s.lastEkoAnswer!)}: polling until final`,
          );
      }
    }
    case 'cancelled': {
      // Once a refund call may have reached Eko, the refund is tracked to its end, whatever is asked.
      if (!CANCELLABLE_PHASES.includes(s.phase)) return s;
      const txStatus = event.result?.kind === 'settled' ? event.result.txStatus : undefined;
      if (txStatus === TxStatus.Refunded) {
        return to(RefundOutcome.REFUNDED, `refunded at Eko: nothing left to cancel (cancel asked${by(event.actor)})`);
      }
      // A transaction still in flight may be a refund call under way (of a run that was reset or
      // terminated), and so may no status at all in a run made by a reset: tracked, not cancelled.
      const inFlight = txStatus !== undefined && !CHECK_SETTLES.includes(txStatus);
      if (event.afterReset && event.result?.kind !== 'settled') {
        return to(RefundPhase.PENDING, 'Eko gave no status before cancelling after a reset: polling until final');
      }
      if (inFlight) {
        return to(
          RefundPhase.PENDING,
          `a refund may be under way at Eko (${describe(s.lastEkoAnswer!)}): tracking it, not cancelling`,
        );
      }
      return to(RefundOutcome.CANCELLED, `cancelled before submission${by(event.actor)}: ${event.reason}`);
    }
    case 'refund_answered':
      return afterRefundCall(s, event.result, ctx, to);
    case 'settled':
      if (event.result.kind === 'rejected') return to(RefundOutcome.NEEDS_REVIEW, rejection(event.result.eko));
      return settledOutcome(event.result.txStatus, event.result.eko, to);
    case 'gave_up':
      return to(RefundOutcome.NEEDS_REVIEW, event.message);
  }
}

type MoveTo = (phase: Phase, reason: string, patch?: Partial<RefundState>) => RefundState;

/** What an inquiry made before any refund call means; only tx_status 3 leads on. */
function beforeSubmission(result: InquiryResult, to: MoveTo, next: { refundPending: () => RefundState }): RefundState {
  if (result.kind === 'rejected') {
    // "TID does not exist" is an answer; a refusal we cannot read decides nothing about money.
    return result.reason === 'tid_unknown'
      ? to(RefundOutcome.NOT_REFUNDABLE, rejection(result.eko))
      : to(RefundOutcome.NEEDS_REVIEW, `${rejection(result.eko)}: a person must check the transaction`);
  }
  switch (result.txStatus) {
    case TxStatus.RefundPending:
      return next.refundPending();
    case TxStatus.Refunded:
      return to(RefundOutcome.REFUNDED, 'already refunded at Eko: no refund call made');
    case TxStatus.Success:
    case TxStatus.Fail:
      return to(RefundOutcome.NOT_REFUNDABLE, `transaction is ${describe(result.eko)}: nothing to refund`);
    default:
      // 2, 5 and unknown values are not final: Eko says to keep inquiring.
      return to(RefundPhase.CHECKING, `transaction is ${describe(result.eko)}: inquiring again`);
  }
}

function afterRefundCall(s: RefundState, result: SubmitResult, ctx: DecideContext, to: MoveTo): RefundState {
  switch (result.kind) {
    case 'refunded':
      return to(RefundOutcome.REFUNDED, `Eko: ${result.eko.message || 'refund done'}`, { refund: result.refund });
    case 'pending':
      return to(RefundPhase.PENDING, `Eko accepted the refund (${describe(result.eko)}): polling until final`, {
        refund: result.refund,
      });
    case 'settled':
      return settledOutcome(result.txStatus, result.eko, to);
    case 'wrong_otp': {
      // Confirmed by inquiry: the transaction is still Refund Pending, nothing reached the customer's money.
      const wrongOtpAttempts = s.wrongOtpAttempts + 1;
      const otpAttemptsLeft = Math.max(0, ctx.maxOtpAttempts - wrongOtpAttempts);
      const patch = { wrongOtpAttempts, otpAttemptsLeft, submittedToEko: false };
      if (otpAttemptsLeft === 0) return to(RefundOutcome.OTP_EXPIRED, `wrong OTP ${wrongOtpAttempts} times`, patch);
      return to(RefundPhase.AWAITING_OTP, `wrong OTP: ${otpAttemptsLeft} attempt(s) left`, patch);
    }
    case 'otp_expired':
      return to(RefundPhase.SENDING_OTP, 'Eko says the OTP expired: requesting a new one', { submittedToEko: false });
    case 'rejected':
      // Confirmed by inquiry: Eko refused and the transaction is still Refund Pending.
      switch (result.reason) {
        case 'tid_unknown':
        case 'not_refundable':
          return to(RefundOutcome.NOT_REFUNDABLE, rejection(result.eko));
        case 'already_refunded':
          return to(
            RefundOutcome.NEEDS_REVIEW,
            `${rejection(result.eko)}, yet the transaction is still refund pending`,
          );
        default:
          return to(RefundOutcome.FAILED, rejection(result.eko));
      }
  }
}

function settledOutcome(txStatus: number, eko: EkoAnswerSummary, to: MoveTo): RefundState {
  switch (txStatus) {
    case TxStatus.Refunded:
      return to(RefundOutcome.REFUNDED, 'Eko reports the transaction refunded');
    case TxStatus.Fail:
      return to(RefundOutcome.FAILED, `Eko reports the refund failed (${describe(eko)})`);
    case TxStatus.Success:
      // A refund that Eko then reports as a successful transaction contradicts itself: a person must look.
      return to(RefundOutcome.NEEDS_REVIEW, `Eko reports ${describe(eko)} after a refund call`);
    default:
      // 2, 3, 5 and unknown values are not final: keep polling until the poll deadline.
      return to(RefundPhase.PENDING, `Eko reports ${describe(eko)}: polling until final`);
  }
}

function move(
  s: RefundState,
  phase: Phase,
  reason: string,
  ctx: DecideContext,
  patch: Partial<RefundState>,
): RefundState {
  const at = new Date(ctx.now).toISOString();
  const transitions = phase === s.phase ? s.transitions : [...s.transitions, { from: s.phase, to: phase, at, reason }];
  const next: RefundState = { ...s, ...patch, phase, updatedAt: at, transitions: transitions.slice(-MAX_TRANSITIONS) };
  if (isOutcome(phase)) next.outcome = phase;
  if (phase === RefundPhase.AWAITING_OTP && next.otpDeadline === undefined) {
    next.otpDeadline = new Date(ctx.now + ctx.otpTimeoutMs).toISOString();
  }
  return next;
}

function rejection(eko: EkoAnswerSummary): string {
  return `Eko rejected the refund${eko.status === undefined ? '' : ` (code ${eko.status})`}: ${eko.message}`;
}

function describe(eko: EkoAnswerSummary): string {
  return eko.txStatus === undefined ? eko.message : `tx_status ${eko.txStatus} ${eko.txStatusDesc ?? ''}`.trim();
}

/**
 * The refund's rules as pure functions, no Temporal in here: the state, what each event does to
 * it, and the step the workflow takes next. refund.ts feeds them; test/unit/rules.test.ts and the
 * exhaustive walk in test/unit/rules-walk.test.ts hold them to the contract.
 */
import type { InquiryResult, OtpRequestResult, PrepareResult, SubmitResult } from '../activities/results';
import { isOutcome, type Phase, RefundOutcome, RefundPhase } from '../contract/names';
import { initialState } from '../contract/state';
import type { EkoAnswerSummary, RefundState } from '../contract/types';
import { TxStatus } from '../eko/answers';

/** A message from support staff, a service or an operator, as it arrived. */
export type Message =
  | { kind: 'otp'; otp: string; otpRefId?: string; actor?: string }
  | { kind: 'resend'; actor?: string }
  | { kind: 'cancel'; reason: string; actor?: string };

/** A message in the inbox, numbered; an OTP is bound to the OTP request it was typed for. */
export interface Queued {
  id: number;
  message: Message;
  /** The OTP requests made when it arrived: an OTP typed before a newer request is stale. */
  otpRequest: number;
}

export interface Refund {
  /** What the state query, the result and the search attributes show. */
  view: RefundState;
  /** A secret: it goes into the refund call and nowhere else. */
  otpRefId?: string;
  /** OTP requests that may have texted the customer a new OTP. */
  otpRequests: number;
  /** Messages not yet acted on, in arrival order. */
  inbox: Queued[];
  /** The message the current step serves: the OTP submitted, the resend sent, the cancel checked. */
  acting?: Queued;
  /** Asking Eko before ending without a refund, for a cancel or the OTP deadline. */
  ending?: 'cancel' | 'deadline';
  deadlinePassed: boolean;
  nextId: number;
  /** Messages that were never acted on, with why: their callers are told. */
  unused: Record<number, string>;
}

export interface Policy {
  requestOtp: boolean;
  maxOtpAttempts: number;
  maxResends: number;
  otpTimeoutMs: number;
  resendIntervalMs: number;
}

export type Step =
  /** CHECKING: inquire, and request an OTP when the transaction is refund pending. */
  | { kind: 'check' }
  | { kind: 'request_otp' }
  /** AWAITING_OTP: for a message or the OTP deadline. */
  | { kind: 'wait' }
  | { kind: 'refund_call'; otp: { otp: string; otpRefId?: string } }
  | { kind: 'poll' }
  /** A cancel or the OTP deadline: the inquiry that proves nothing was refunded. */
  | { kind: 'inquire_before_ending' }
  | { kind: 'done' };

export type RefundEvent =
  | { type: 'arrived'; message: Message }
  | { type: 'deadline_passed' }
  /** The refund waiting for an OTP acts on its first message, or, with none, on the passed deadline. */
  | { type: 'attend' }
  /** A step that a cancel may cut short (CHECKING, SENDING_OTP) gives way to one in the inbox. */
  | { type: 'cancel_first' }
  | { type: 'checked'; result: PrepareResult }
  | { type: 'otp_requested'; result: OtpRequestResult }
  | { type: 'otp_request_failed'; message: string }
  | { type: 'refund_answered'; result: SubmitResult }
  | { type: 'settled'; result: InquiryResult }
  | { type: 'inquired_before_ending'; result: InquiryResult }
  /** An activity's retries ran out: the poll deadline, or the refund call's retry bound. */
  | { type: 'gave_up'; message: string };

const MAX_TRANSITIONS = 20;
const MAX_NOTES = 20;

export function start(tid: string, policy: Policy, now: number, otpRefId?: string): Refund {
  const view = initialState(tid, policy.maxOtpAttempts, now);
  if (policy.requestOtp) view.resendAllowedAt = new Date(now + policy.resendIntervalMs).toISOString();
  return { view, otpRefId, otpRequests: 0, inbox: [], deadlinePassed: false, nextId: 1, unused: {} };
}

export function nextStep(r: Refund): Step {
  if (isOutcome(r.view.phase)) return { kind: 'done' };
  if (r.ending) return { kind: 'inquire_before_ending' };
  switch (r.view.phase) {
    case RefundPhase.CHECKING:
      return { kind: 'check' };
    case RefundPhase.SENDING_OTP:
      return { kind: 'request_otp' };
    case RefundPhase.AWAITING_OTP:
      return { kind: 'wait' };
    case RefundPhase.SUBMITTING: {
      const { otp, otpRefId } = r.acting!.message as Extract<Message, { kind: 'otp' }>;
      return { kind: 'refund_call', otp: { otp, otpRefId } };
    }
    case RefundPhase.PENDING:
      return { kind: 'poll' };
  }
}

/** Whether a cancel waits in the inbox: CHECKING and SENDING_OTP give way to it. */
export const cancelWaiting = (r: Refund): boolean => r.inbox.some((q) => q.message.kind === 'cancel');

/** Whether the message's caller can be answered: acted on (or dropped), and no cancel being decided. */
export const answered = (r: Refund, id: number): boolean =>
  !r.ending && r.acting?.id !== id && !r.inbox.some((q) => q.id === id);

export function decide(r: Refund, event: RefundEvent, policy: Policy, now: number): Refund {
  if (isOutcome(r.view.phase) && event.type !== 'arrived') return r;
  const to = (s: Refund, phase: Phase, reason: string, patch: Partial<RefundState> = {}, by?: string) =>
    move(s, phase, reason, { policy, now, patch, by });
  // A step's result serves the message it acted for: that message is done.
  const s = 'result' in event && event.result ? { ...withEko(r, ekoOf(event.result)), acting: undefined } : r;

  switch (event.type) {
    case 'arrived':
      return arrive(r, event.message, now);
    case 'deadline_passed':
      return { ...r, deadlinePassed: true };
    case 'attend':
      return attend(r, policy, now);
    case 'cancel_first': {
      const index = r.inbox.findIndex((q) => q.message.kind === 'cancel');
      const rest = r.inbox.filter((_, i) => i !== index);
      const cut = r.acting ? dropped({ ...r, inbox: rest }, r.acting, 'the refund is being cancelled', now) : r;
      return cancelling({ ...cut, inbox: rest }, r.inbox[index], now);
    }
    case 'checked': {
      const { check, otp, otpFailed } = event.result;
      return beforeSubmission(s, check, to, () => {
        if (!policy.requestOtp)
          return to(s, RefundPhase.AWAITING_OTP, 'transaction is refund pending: waiting for the OTP Eko already sent');
        const sending = to(
          s,
          RefundPhase.SENDING_OTP,
          'transaction is refund pending: requesting an OTP for the customer',
        );
        if (otp) return otpRequested(sending, otp, false, to);
        // The request may have texted an OTP before it failed: OTPs typed before it are stale.
        return note(
          { ...sending, otpRequests: sending.otpRequests + 1 },
          `requesting the OTP failed (${otpFailed}): asking again`,
          now,
        );
      });
    }
    case 'otp_requested':
      return otpRequested(s, event.result, r.acting?.message.kind === 'resend', to);
    case 'otp_request_failed':
      return to(
        { ...s, acting: undefined, otpRequests: s.otpRequests + 1 },
        RefundPhase.AWAITING_OTP,
        `could not request an OTP (${event.message}): waiting for the OTP anyway`,
      );
    case 'refund_answered':
      return afterRefundCall(s, event.result, policy, to);
    case 'settled':
      if (event.result.kind === 'rejected') return to(s, RefundOutcome.NEEDS_REVIEW, rejection(event.result.eko));
      return settledOutcome(s, event.result.txStatus, to);
    case 'inquired_before_ending':
      return proven(s, r, event.result, to);
    case 'gave_up':
      return to({ ...r, acting: undefined }, RefundOutcome.NEEDS_REVIEW, event.message);
  }
}

type MoveTo = (s: Refund, phase: Phase, reason: string, patch?: Partial<RefundState>, by?: string) => Refund;

/** A message arrives: queued whatever the phase (handlers decide nothing), unless the refund is past taking it. */
function arrive(r: Refund, message: Message, now: number): Refund {
  const id = r.nextId;
  const bound: Message = message.kind === 'otp' ? { ...message, otpRefId: message.otpRefId ?? r.otpRefId } : message;
  const queued: Queued = { id, message: bound, otpRequest: r.otpRequests };
  const s = { ...r, nextId: id + 1 };
  const { phase } = r.view;
  if (isOutcome(phase)) return dropped(s, queued, `the refund had ended (${phase})`, now);
  if (phase === RefundPhase.PENDING)
    return dropped(s, queued, 'the refund reached Eko and is tracked to its outcome', now);
  return { ...s, inbox: [...s.inbox, queued] };
}

/** AWAITING_OTP: the first message, in arrival order; with none, the passed deadline. */
function attend(r: Refund, policy: Policy, now: number): Refund {
  const [first, ...inbox] = r.inbox;
  if (!first) {
    if (!r.deadlinePassed) return r;
    return note({ ...r, ending: 'deadline' }, 'the OTP deadline passed: asking Eko before the refund ends', now);
  }
  const s = { ...r, inbox };
  const { message } = first;
  const by = message.actor;
  switch (message.kind) {
    case 'otp':
      if (first.otpRequest !== r.otpRequests) {
        return dropped(
          s,
          first,
          'it was typed before the newest OTP was sent to the customer: ask for the newest OTP',
          now,
        );
      }
      return move({ ...s, acting: first }, RefundPhase.SUBMITTING, 'OTP received: initiating the refund', {
        policy,
        now,
        patch: { submittedToEko: true },
        by,
      });
    case 'resend':
      if (r.deadlinePassed) return dropped(s, first, 'the OTP deadline passed', now);
      if (r.view.resendCount >= policy.maxResends) {
        return dropped(s, first, `the OTP was already resent ${r.view.resendCount} times`, now);
      }
      return move({ ...s, acting: first }, RefundPhase.SENDING_OTP, 'OTP resend requested', { policy, now, by });
    case 'cancel':
      return cancelling(s, first, now);
  }
}

function cancelling(r: Refund, cancel: Queued, now: number): Refund {
  const { reason, actor } = cancel.message as Extract<Message, { kind: 'cancel' }>;
  const by = actor ? ` by ${actor}` : '';
  return note(
    { ...r, acting: cancel, ending: 'cancel' },
    `cancel asked${by} (${reason}): asking Eko before the refund ends`,
    now,
  );
}

function otpRequested(s: Refund, result: OtpRequestResult, resend: boolean, to: MoveTo): Refund {
  if (result.kind === 'sent') {
    const sent = { ...s, otpRequests: s.otpRequests + 1, otpRefId: result.otpRefId ?? s.otpRefId };
    const resendCount = s.view.resendCount + (resend ? 1 : 0);
    return to(sent, RefundPhase.AWAITING_OTP, 'OTP sent to the customer: waiting for it', { resendCount });
  }
  // A refusal is a question: the inquiry made right after it says where the transaction stands.
  const refused = `Eko did not send an OTP (${result.eko.message})`;
  return beforeSubmission(withEko(s, result.inquiry.eko), result.inquiry, to, () =>
    to(s, RefundPhase.AWAITING_OTP, `${refused}: waiting for the OTP the customer already holds`, {
      lastEkoAnswer: result.eko,
    }),
  );
}

/** What an inquiry made before any refund call means; only tx_status 3 leads on. */
function beforeSubmission(s: Refund, result: InquiryResult, to: MoveTo, refundPending: () => Refund): Refund {
  if (result.kind === 'rejected') {
    // "TID does not exist" is an answer; a refusal we cannot read decides nothing about money.
    return result.reason === 'tid_unknown'
      ? to(s, RefundOutcome.NOT_REFUNDABLE, rejection(result.eko))
      : to(s, RefundOutcome.NEEDS_REVIEW, `${rejection(result.eko)}: a person must check the transaction`);
  }
  switch (result.txStatus) {
    case TxStatus.RefundPending:
      return refundPending();
    case TxStatus.Refunded:
      return to(s, RefundOutcome.REFUNDED, 'already refunded at Eko: no refund call made');
    case TxStatus.Success:
    case TxStatus.Fail:
      return to(s, RefundOutcome.NOT_REFUNDABLE, `transaction is ${describe(result.eko)}: nothing to refund`);
    default:
      // 2, 5 and unknown values are not final: Eko says to keep inquiring.
      return to(s, RefundPhase.CHECKING, `transaction is ${describe(result.eko)}: inquiring again`);
  }
}

function afterRefundCall(s: Refund, result: SubmitResult, policy: Policy, to: MoveTo): Refund {
  switch (result.kind) {
    case 'refunded':
      return to(s, RefundOutcome.REFUNDED, `Eko: ${result.eko.message || 'refund done'}`, { refund: result.refund });
    case 'pending':
      return to(s, RefundPhase.PENDING, `Eko accepted the refund (${describe(result.eko)}): polling until final`, {
        refund: result.refund,
      });
    case 'settled':
      return settledOutcome(s, result.txStatus, to);
    case 'wrong_otp': {
      // Confirmed by inquiry after every call that could be in flight: nothing moved.
      const wrongOtpAttempts = s.view.wrongOtpAttempts + 1;
      const otpAttemptsLeft = Math.max(0, policy.maxOtpAttempts - wrongOtpAttempts);
      const patch = { wrongOtpAttempts, otpAttemptsLeft, submittedToEko: false };
      if (otpAttemptsLeft === 0) return to(s, RefundOutcome.OTP_EXPIRED, `wrong OTP ${wrongOtpAttempts} times`, patch);
      return to(s, RefundPhase.AWAITING_OTP, `wrong OTP: ${otpAttemptsLeft} attempt(s) left`, patch);
    }
    case 'otp_expired':
      // No OTP is requested once the deadline passed: it could not be used.
      return s.deadlinePassed
        ? to(s, RefundPhase.AWAITING_OTP, 'Eko says the OTP expired, and the OTP deadline passed', {
            submittedToEko: false,
          })
        : to(s, RefundPhase.SENDING_OTP, 'Eko says the OTP expired: requesting a new one', { submittedToEko: false });
    case 'rejected':
      switch (result.reason) {
        case 'tid_unknown':
        case 'not_refundable':
          return to(s, RefundOutcome.NOT_REFUNDABLE, rejection(result.eko));
        case 'already_refunded':
          return to(
            s,
            RefundOutcome.NEEDS_REVIEW,
            `${rejection(result.eko)}, yet the transaction is still refund pending`,
          );
        default:
          return to(s, RefundOutcome.FAILED, rejection(result.eko));
      }
  }
}

/** After a refund call: the final tx_status Eko reports. */
function settledOutcome(s: Refund, txStatus: number, to: MoveTo): Refund {
  const eko = s.view.lastEkoAnswer!;
  switch (txStatus) {
    case TxStatus.Refunded:
      return to(s, RefundOutcome.REFUNDED, 'Eko reports the transaction refunded');
    case TxStatus.Fail:
      return to(s, RefundOutcome.FAILED, `Eko reports the refund failed (${describe(eko)})`);
    case TxStatus.Success:
      // A refund that Eko then reports as a successful transaction contradicts itself: a person must look.
      return to(s, RefundOutcome.NEEDS_REVIEW, `Eko reports ${describe(eko)} after a refund call`);
    default:
      return to(s, RefundPhase.PENDING, `Eko reports ${describe(eko)}: polling until final`);
  }
}

/** The inquiry before ending without a refund answered, after every call that could be in flight. */
function proven(s: Refund, r: Refund, result: InquiryResult, to: MoveTo): Refund {
  const cancel = r.ending === 'cancel' ? (r.acting?.message as Extract<Message, { kind: 'cancel' }>) : undefined;
  const ended = { ...s, ending: undefined };
  const notRefunded = (deadlineOutcome: RefundOutcome, deadlineReason: string) =>
    cancel
      ? to(ended, RefundOutcome.CANCELLED, `cancelled before submission: ${cancel.reason}`, {}, cancel.actor)
      : to(ended, deadlineOutcome, deadlineReason);
  if (result.kind === 'rejected') {
    // Eko does not know the tid: an answer only if this refund never saw the transaction.
    const seen = r.view.phase !== RefundPhase.CHECKING || r.view.transitions.length > 1;
    return seen
      ? to(ended, RefundOutcome.NEEDS_REVIEW, `${rejection(result.eko)}: a person must check the transaction`)
      : notRefunded(RefundOutcome.NOT_REFUNDABLE, rejection(result.eko));
  }
  switch (result.txStatus) {
    case TxStatus.Refunded:
      return cancel
        ? to(ended, RefundOutcome.REFUNDED, 'refunded at Eko: nothing left to cancel', {}, cancel.actor)
        : to(ended, RefundOutcome.REFUNDED, 'refunded at Eko while waiting for the OTP: no refund call made here');
    case TxStatus.RefundPending:
      return notRefunded(RefundOutcome.OTP_EXPIRED, 'no OTP arrived before the OTP deadline');
    case TxStatus.Success:
    case TxStatus.Fail:
      return notRefunded(
        RefundOutcome.NOT_REFUNDABLE,
        `at the OTP deadline the transaction is ${describe(result.eko)}`,
      );
    default:
      return to(ended, RefundPhase.PENDING, `Eko reports ${describe(result.eko)}: polling until final`);
  }
}

function move(
  r: Refund,
  phase: Phase,
  reason: string,
  { policy, now, patch = {}, by }: { policy: Policy; now: number; patch?: Partial<RefundState>; by?: string },
): Refund {
  const v = r.view;
  const at = new Date(now).toISOString();
  const transition = { from: v.phase, to: phase, at, reason, ...(by === undefined ? {} : { by }) };
  const view: RefundState = {
    ...v,
    ...patch,
    phase,
    updatedAt: at,
    transitions: phase === v.phase ? v.transitions : [...v.transitions, transition].slice(-MAX_TRANSITIONS),
  };
  if (isOutcome(phase)) view.outcome = phase;
  if (phase === RefundPhase.AWAITING_OTP && view.otpDeadline === undefined) {
    view.otpDeadline = new Date(now + policy.otpTimeoutMs).toISOString();
  }
  if (phase === RefundPhase.SENDING_OTP) view.resendAllowedAt = new Date(now + policy.resendIntervalMs).toISOString();
  const moved = { ...r, view };
  if (!isOutcome(phase) && phase !== RefundPhase.PENDING) return moved;
  // Past taking messages: those waiting are answered, with why they were not used.
  const why = isOutcome(phase) ? `the refund ended (${phase})` : 'the refund reached Eko and is tracked to its outcome';
  const unused = moved.inbox.reduce((s, q) => dropped(s, q, why, now), { ...moved, inbox: [] as Queued[] });
  return { ...unused, acting: undefined, ending: undefined };
}

function dropped(r: Refund, q: Queued, why: string, now: number): Refund {
  const what = { otp: 'an OTP was not used', resend: 'a resend was not sent', cancel: 'a cancel was not applied' }[
    q.message.kind
  ];
  const by = q.message.actor ? ` (from ${q.message.actor})` : '';
  return note({ ...r, unused: { ...r.unused, [q.id]: `${what}: ${why}` } }, `${what}${by}: ${why}`, now);
}

function note(r: Refund, text: string, now: number): Refund {
  const at = new Date(now).toISOString();
  return { ...r, view: { ...r.view, updatedAt: at, notes: [...r.view.notes, `${at} ${text}`].slice(-MAX_NOTES) } };
}

export const addNote = note;

function withEko(r: Refund, eko: EkoAnswerSummary | undefined): Refund {
  return eko ? { ...r, view: { ...r.view, lastEkoAnswer: eko } } : r;
}

function ekoOf(result: PrepareResult | OtpRequestResult | SubmitResult | InquiryResult): EkoAnswerSummary | undefined {
  if ('check' in result) return result.otp?.eko ?? result.check.eko;
  return result.eko;
}

function rejection(eko: EkoAnswerSummary): string {
  return `Eko rejected the refund${eko.status === undefined ? '' : ` (code ${eko.status})`}: ${eko.message}`;
}

function describe(eko: EkoAnswerSummary): string {
  return eko.txStatus === undefined ? eko.message : `tx_status ${eko.txStatus} ${eko.txStatusDesc ?? ''}`.trim();
}

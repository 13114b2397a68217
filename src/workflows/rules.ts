/**
 * The refund's rules as pure functions, no Temporal in here: the state, what each event does to
 * it, and the step the workflow takes next. refund.ts feeds them; test/unit/rules.test.ts and the
 * exhaustive walk in test/unit/rules-walk.test.ts hold them to the contract.
 */
import type { InquiryResult, OtpRequestResult, PrepareResult, SubmitResult } from '../activities/results';
import { FAILURE_TYPES, isOutcome, type Phase, RefundOutcome, RefundPhase } from '../contract/names';
import { checkCancelRequest, checkOtpSubmission, checkResendRequest } from '../contract/rules';
import type { RefundParams } from '../contract/schemas';
import { initialState } from '../contract/state';
import type {
  CancelResponse,
  EkoAnswerSummary,
  RefundState,
  ResendOtpResponse,
  SubmitOtpResponse,
} from '../contract/types';
import { TxStatus } from '../eko/answers';
import { maskDigitRuns } from '../eko/mask';

const { CHECKING, SENDING_OTP, AWAITING_OTP, SUBMITTING, PENDING } = RefundPhase;
const { REFUNDED, NOT_REFUNDABLE, FAILED, OTP_EXPIRED, CANCELLED, NEEDS_REVIEW } = RefundOutcome;

/** A message from support staff, a service or an operator, as it arrived. */
export type Message =
  | { kind: 'otp'; otp: string; otpRefId?: string; actor?: string }
  | { kind: 'resend'; actor?: string }
  | { kind: 'cancel'; reason: string; actor?: string };
export type Kind = Message['kind'];
/** How a message came, and in which workflow task (its history length): see `arrive`. */
export type Via = { route: 'signal' | 'update'; task: number };
/** A message waiting its turn; `otpRequest` counts the OTP requests made when it arrived. */
export type Queued = { id: number; message: Message; otpRequest: number; via?: Via };

export interface Refund {
  /** What the state query, the result and the search attributes show. */
  view: RefundState;
  /** A secret: it goes into the refund call and nowhere else; null: an OTP request of ours may land after it. */
  otpRefId?: string | null;
  /** OTP requests that may have texted the customer a new OTP: an OTP typed before the last one is stale. */
  otpRequests: number;
  inbox: Queued[];
  /** The message the current step serves: the OTP submitted, the resend sent, the cancel checked. */
  acting?: Queued;
  /** Asking Eko before ending without a refund, for a cancel or the OTP deadline. */
  ending?: 'cancel' | 'deadline';
  deadlinePassed: boolean;
  nextId: number;
  /** Why a message was never acted on: its caller is told. */
  unused: Record<number, string>;
}

export type Policy = Pick<RefundParams, 'requestOtp' | 'maxOtpAttempts' | 'maxResends' | 'resendInterval'> & {
  otpTimeoutMs: number;
  resendIntervalMs: number;
};

type Simple = 'check' | 'request_otp' | 'wait' | 'poll' | 'inquire_before_ending' | 'done';
export type Step =
  { [K in Simple]: { kind: K } }[Simple] | { kind: 'refund_call'; otp: { otp: string; otpRefId?: string } };

export type RefundEvent =
  | { type: 'arrived'; message: Message; via?: Via }
  | { type: 'deadline_passed' }
  /** Waiting for an OTP: act on the first message, or, with none, on the passed deadline. */
  | { type: 'attend' }
  /** A step a cancel cuts short (CHECKING, SENDING_OTP) gave way to the cancel in the inbox. */
  | { type: 'cancel_first' }
  | { type: 'checked'; result: PrepareResult }
  | { type: 'otp_requested'; result: OtpRequestResult }
  | { type: 'otp_request_failed'; message: string }
  | { type: 'refund_answered'; result: SubmitResult }
  | { type: 'settled'; result: InquiryResult }
  | { type: 'inquired_before_ending'; result: InquiryResult }
  | { type: 'gave_up'; message: string };

export function start(tid: string, policy: Policy, now: number, otpRefId?: string): Refund {
  const view = initialState(tid, policy.maxOtpAttempts, now);
  if (policy.requestOtp) view.resendAllowedAt = new Date(now + policy.resendIntervalMs).toISOString();
  return { view, otpRefId, otpRequests: 0, inbox: [], deadlinePassed: false, nextId: 1, unused: {} };
}

const STEP: Partial<Record<Phase, Simple>> = {
  CHECKING: 'check',
  SENDING_OTP: 'request_otp',
  AWAITING_OTP: 'wait',
  PENDING: 'poll',
};

export function nextStep(r: Refund): Step {
  if (isOutcome(r.view.phase)) return { kind: 'done' };
  if (r.ending) return { kind: 'inquire_before_ending' };
  if (r.view.phase !== SUBMITTING) return { kind: STEP[r.view.phase]! };
  const { otp, otpRefId } = r.acting!.message as Extract<Message, { kind: 'otp' }>;
  return { kind: 'refund_call', otp: { otp, otpRefId } };
}

/** Whether a cancel waits in the inbox: CHECKING and SENDING_OTP give way to it. */
export const cancelWaiting = (r: Refund): boolean => r.inbox.some((q) => q.message.kind === 'cancel');

/** Whether the message's caller can be answered: acted on (or dropped), and no cancel being decided. */
export const answered = (r: Refund, id: number): boolean =>
  !r.ending && r.acting?.id !== id && !r.inbox.some((q) => q.id === id);

/** How each kind of message is read from a signal's or an update's payload. */
export const READ = {
  otp: { check: checkOtpSubmission, what: 'OTP submission' },
  resend: { check: checkResendRequest, what: 'resend request' },
  cancel: { check: checkCancelRequest, what: 'cancel request' },
} as const;

export type Answers = { otp: SubmitOtpResponse; resend: ResendOtpResponse; cancel: CancelResponse };

/** What an update's caller hears once its message was acted on, or dropped. */
export function answerTo<K extends Kind>(kind: K, { view, unused }: Refund, id: number): Answers[K] {
  const message = unused[id] ?? view.lastEkoAnswer?.message ?? view.transitions[view.transitions.length - 1].reason;
  const answers: Answers = {
    otp: { phase: view.phase, message, otpAttemptsLeft: view.otpAttemptsLeft },
    resend: { phase: view.phase, resendCount: view.resendCount },
    cancel: { phase: view.phase },
  };
  return answers[kind];
}

/**
 * Why an update is refused before it is queued: what will not change (an ended refund, one that
 * reached Eko, a resend already asked for) and, given `now`, the clock: only in a validator, whose
 * verdict is recorded. A queued message is attended at another time in a replay (development.md).
 */
type Refusal = { type: string; why: string; message: string; details?: unknown[] };
export function refusal(kind: Kind, r: Refund, policy: Policy, now?: number): Refusal | undefined {
  const what = { otp: 'OTP not accepted', resend: 'OTP not resent', cancel: 'cannot cancel' }[kind];
  const refused = (type: string, why: string) => ({ type, why, message: `${what}: ${why}` });
  const { phase, otpDeadline, resendCount, resendAllowedAt } = r.view;
  if (isOutcome(phase)) return refused(FAILURE_TYPES.refundEnded, `the refund already ended as ${phase}`);
  const submitted = 'the refund was submitted to Eko (PENDING); it is tracked to a final outcome';
  if (phase === PENDING) return refused(FAILURE_TYPES.submittedToEko, submitted);
  const pastDeadline = r.deadlinePassed || Date.parse(otpDeadline ?? '') <= (now ?? -Infinity);
  if (kind === 'cancel' || (kind === 'otp' && !pastDeadline)) return undefined;
  const { notAwaitingOtp, resendRefused, resendTooSoon } = FAILURE_TYPES;
  if (pastDeadline) return refused(kind === 'otp' ? notAwaitingOtp : resendRefused, 'the OTP deadline passed');
  if ([r.acting, ...r.inbox].some((q) => q?.message.kind === 'resend'))
    return refused(resendRefused, 'a resend is already under way');
  if (resendCount >= policy.maxResends)
    return refused(resendRefused, `the OTP was already resent ${resendCount} times`);
  if (now === undefined) return undefined;
  const retryAfterSeconds = Math.ceil((Date.parse(resendAllowedAt ?? '') - now) / 1000);
  if (!(retryAfterSeconds > 0)) return undefined;
  const tooSoon = `an OTP was requested less than ${policy.resendInterval} ago; retry in ${retryAfterSeconds} s`;
  return { ...refused(resendTooSoon, tooSoon), details: [{ retryAfterSeconds }] };
}

type MoveTo = (s: Refund, phase: Phase, reason: string, patch?: Partial<RefundState>, by?: string) => Refund;

export function decide(r: Refund, event: RefundEvent, policy: Policy, now: number): Refund {
  if (isOutcome(r.view.phase) && event.type !== 'arrived') return r;
  const to: MoveTo = (s, phase, reason, patch = {}, by) => move(s, phase, reason, { policy, now, patch, by });
  // A step's result serves the message it acted for: that message is done.
  const s = 'result' in event ? { ...withEko(r, ekoOf(event.result), amountOf(event.result)), acting: undefined } : r;
  switch (event.type) {
    case 'arrived':
      return arrive(r, event.message, event.via, now);
    case 'deadline_passed':
      return { ...r, deadlinePassed: true };
    case 'attend':
      return attend(r, to, policy, now);
    case 'cancel_first': {
      const cancel = r.inbox.find((q) => q.message.kind === 'cancel')!;
      const rest = { ...r, inbox: r.inbox.filter((q) => q !== cancel) };
      return cancelling(r.acting ? dropped(rest, r.acting, 'the refund is being cancelled', now) : rest, cancel, now);
    }
    case 'checked':
      return beforeSubmission(s, event.result.check, to, () => {
        if (!policy.requestOtp)
          return to(s, AWAITING_OTP, 'transaction is refund pending: waiting for the OTP Eko already sent');
        const sending = to(s, SENDING_OTP, 'transaction is refund pending: requesting an OTP for the customer');
        if (event.result.otp) return otpRequested(sending, event.result.otp, false, to);
        return note(texted(sending, null), `requesting the OTP failed (${event.result.otpFailed}): asking again`, now);
      });
    case 'otp_requested':
      return otpRequested(s, event.result, r.acting?.message.kind === 'resend', to);
    case 'otp_request_failed': {
      const why = `could not request an OTP (${event.message}): waiting for the OTP anyway`;
      return to({ ...texted(s, null), acting: undefined }, AWAITING_OTP, why);
    }
    case 'refund_answered':
      return afterRefundCall(s, event.result, policy, to);
    case 'settled':
      if (event.result.kind === 'rejected') return to(s, NEEDS_REVIEW, rejection(event.result.eko));
      return settledOutcome(s, event.result.txStatus, to);
    case 'inquired_before_ending':
      return proven(s, r, event.result, to);
    case 'gave_up':
      return to({ ...r, acting: undefined }, NEEDS_REVIEW, event.message);
  }
}

/**
 * A message is queued whatever the phase (handlers decide nothing), unless the refund is past taking
 * it. Free text is masked: a mobile typed into a cancel reason must not reach the search attributes.
 * One task's signals go before its updates: core hands a replay an update put back by a reset after
 * the task's signals, where the live run got it in history order.
 */
function arrive(r: Refund, message: Message, via: Via | undefined, now: number): Refund {
  const masked = (text?: string) => text && maskDigitRuns(text, [r.view.tid]);
  const bound = { ...message, actor: masked(message.actor) } as Message;
  if (bound.kind === 'otp') bound.otpRefId ??= r.otpRefId ?? undefined;
  if (bound.kind === 'cancel') bound.reason = masked(bound.reason)!;
  const queued: Queued = { id: r.nextId, message: bound, otpRequest: r.otpRequests, via };
  const s = { ...r, nextId: r.nextId + 1 };
  const { phase } = r.view;
  if (isOutcome(phase)) return dropped(s, queued, `the refund had ended (${phase})`, now);
  if (phase === PENDING) return dropped(s, queued, 'the refund reached Eko and is tracked to its outcome', now);
  const update = (q: Queued) => q.via?.task === via?.task && q.via?.route === 'update';
  const at = via?.route === 'signal' ? s.inbox.findIndex(update) : -1;
  return { ...s, inbox: at < 0 ? [...s.inbox, queued] : [...s.inbox.slice(0, at), queued, ...s.inbox.slice(at)] };
}

const STALE_OTP = 'it was typed before the newest OTP was sent to the customer: ask for the newest OTP';
const RESENT = 'an OTP was sent to the customer since it was asked for'; // two clicks, one SMS

/** AWAITING_OTP: the first message, in arrival order; with none, the passed deadline. */
function attend(r: Refund, to: MoveTo, policy: Policy, now: number): Refund {
  const [first, ...inbox] = r.inbox;
  if (!first) {
    if (!r.deadlinePassed) return r;
    return note({ ...r, ending: 'deadline' }, 'the OTP deadline passed: asking Eko before the refund ends', now);
  }
  const s = { ...r, inbox };
  const { message } = first;
  if (message.kind === 'cancel') return cancelling(s, first, now);
  if (first.otpRequest !== r.otpRequests) return dropped(s, first, message.kind === 'otp' ? STALE_OTP : RESENT, now);
  if (message.kind === 'otp') {
    const submitting = { ...s, acting: first };
    return to(submitting, SUBMITTING, 'OTP received: initiating the refund', { submittedToEko: true }, message.actor);
  }
  // What refuses a resendOtp update for good drops it, never the clock (the activity checks the deadline).
  const refused = refusal('resend', { ...s, inbox: [] }, policy);
  if (refused) return dropped(s, first, refused.why, now);
  return to({ ...s, acting: first }, SENDING_OTP, 'OTP resend requested', {}, message.actor);
}

function cancelling(r: Refund, cancel: Queued, now: number): Refund {
  const { reason, actor } = cancel.message as Extract<Message, { kind: 'cancel' }>;
  const asked = `cancel asked${actor ? ` by ${actor}` : ''} (${reason}): asking Eko before the refund ends`;
  return note({ ...r, acting: cancel, ending: 'cancel' }, asked, now);
}

/** A request that may have texted an OTP: older OTPs and refs are stale; a null ref (Eko may take one late) stays. */
function texted(s: Refund, ref: string | null | undefined): Refund {
  return { ...s, otpRequests: s.otpRequests + 1, otpRefId: s.otpRefId === null ? null : ref };
}

function otpRequested(s: Refund, result: OtpRequestResult, resend: boolean, to: MoveTo): Refund {
  if (result.kind === 'sent') {
    return to(texted(s, result.otpRefId), AWAITING_OTP, 'OTP sent to the customer: waiting for it', {
      resendCount: s.view.resendCount + (resend ? 1 : 0),
    });
  }
  // A refusal is a question: the inquiry made right after it says where the transaction stands.
  const holds = `Eko did not send an OTP (${result.eko.message}): waiting for the OTP the customer already holds`;
  const waiting = () => to(s, AWAITING_OTP, holds, { lastEkoAnswer: result.eko });
  return result.inquiry ? beforeSubmission(withEko(s, result.inquiry.eko), result.inquiry, to, waiting) : waiting();
}

/** What an inquiry made before any refund call means; only tx_status 3 leads on. */
function beforeSubmission(s: Refund, result: InquiryResult, to: MoveTo, refundPending: () => Refund): Refund {
  if (result.kind === 'rejected') {
    // "TID does not exist" is an answer; a refusal we cannot read decides nothing about money.
    if (result.reason === 'tid_unknown') return to(s, NOT_REFUNDABLE, rejection(result.eko));
    return to(s, NEEDS_REVIEW, `${rejection(result.eko)}: a person must check the transaction`);
  }
  switch (result.txStatus) {
    case TxStatus.RefundPending:
      return refundPending();
    case TxStatus.Refunded:
      return to(s, REFUNDED, 'already refunded at Eko: no refund call made');
    case TxStatus.Success:
    case TxStatus.Fail:
      return to(s, NOT_REFUNDABLE, `transaction is ${describe(result.eko)}: nothing to refund`);
    default:
      // 2, 5 and unknown values are not final: Eko says to keep inquiring.
      return to(s, CHECKING, `transaction is ${describe(result.eko)}: inquiring again`);
  }
}

function afterRefundCall(s: Refund, result: SubmitResult, policy: Policy, to: MoveTo): Refund {
  switch (result.kind) {
    case 'refunded':
      return to(s, REFUNDED, `Eko: ${result.eko.message || 'refund done'}`, { refund: result.refund });
    case 'pending':
      return to(s, PENDING, `Eko accepted the refund (${describe(result.eko)}): polling until final`, {
        refund: result.refund,
      });
    case 'settled':
      return settledOutcome(s, result.txStatus, to);
    case 'wrong_otp': {
      // Confirmed by an inquiry made after every call that could be in flight: nothing moved.
      const wrongOtpAttempts = s.view.wrongOtpAttempts + 1;
      const otpAttemptsLeft = Math.max(0, policy.maxOtpAttempts - wrongOtpAttempts);
      const patch = { wrongOtpAttempts, otpAttemptsLeft, submittedToEko: false };
      if (otpAttemptsLeft === 0) return to(s, OTP_EXPIRED, `wrong OTP ${wrongOtpAttempts} times`, patch);
      return to(s, AWAITING_OTP, `wrong OTP: ${otpAttemptsLeft} attempt(s) left`, patch);
    }
    case 'otp_expired':
      // No OTP is requested once the deadline passed: it could not be used.
      if (s.deadlinePassed)
        return to(s, AWAITING_OTP, 'Eko says the OTP expired, and the OTP deadline passed', { submittedToEko: false });
      return to(s, SENDING_OTP, 'Eko says the OTP expired: requesting a new one', { submittedToEko: false });
    case 'rejected': {
      if (result.reason === 'already_refunded') {
        return to(s, NEEDS_REVIEW, `${rejection(result.eko)}, yet the transaction is still refund pending`);
      }
      const notRefundable = result.reason === 'tid_unknown' || result.reason === 'not_refundable';
      return to(s, notRefundable ? NOT_REFUNDABLE : FAILED, rejection(result.eko));
    }
  }
}

/** After a refund call: the final tx_status Eko reports. */
function settledOutcome(s: Refund, txStatus: number, to: MoveTo): Refund {
  const described = describe(s.view.lastEkoAnswer!);
  if (txStatus === TxStatus.Refunded) return to(s, REFUNDED, 'Eko reports the transaction refunded');
  if (txStatus === TxStatus.Fail) return to(s, FAILED, `Eko reports the refund failed (${described})`);
  // A refund that Eko then reports as a successful transaction contradicts itself: a person must look.
  if (txStatus === TxStatus.Success) return to(s, NEEDS_REVIEW, `Eko reports ${described} after a refund call`);
  return to(s, PENDING, `Eko reports ${described}: polling until final`);
}

/** The inquiry before ending without a refund answered, after every call that could be in flight. */
function proven(s: Refund, r: Refund, result: InquiryResult, to: MoveTo): Refund {
  const cancel = r.ending === 'cancel' ? (r.acting?.message as Extract<Message, { kind: 'cancel' }>) : undefined;
  const ended = { ...s, ending: undefined };
  const notRefunded = (atDeadline: RefundOutcome, reason: string) =>
    cancel
      ? to(ended, CANCELLED, `cancelled before submission: ${cancel.reason}`, {}, cancel.actor)
      : to(ended, atDeadline, reason);
  if (result.kind === 'rejected') {
    // Eko does not know the tid: an answer only if this refund never saw the transaction.
    if (r.view.phase === CHECKING && r.view.transitions.length === 1)
      return notRefunded(NOT_REFUNDABLE, rejection(result.eko));
    return to(ended, NEEDS_REVIEW, `${rejection(result.eko)}: a person must check the transaction`);
  }
  switch (result.txStatus) {
    case TxStatus.Refunded:
      if (cancel) return to(ended, REFUNDED, 'refunded at Eko: nothing left to cancel', {}, cancel.actor);
      return to(ended, REFUNDED, 'refunded at Eko while waiting for the OTP: no refund call made here');
    case TxStatus.RefundPending:
      return notRefunded(OTP_EXPIRED, 'no OTP arrived before the OTP deadline');
    case TxStatus.Success:
    case TxStatus.Fail:
      return notRefunded(NOT_REFUNDABLE, `at the OTP deadline the transaction is ${describe(result.eko)}`);
    default:
      return to(ended, PENDING, `Eko reports ${describe(result.eko)}: polling until final`);
  }
}

function move(
  r: Refund,
  phase: Phase,
  reason: string,
  { policy, now, patch = {}, by }: { policy: Policy; now: number; patch?: Partial<RefundState>; by?: string },
): Refund {
  const { view: v } = r;
  const at = new Date(now).toISOString();
  const transition = { from: v.phase, to: phase, at, reason, ...(by === undefined ? {} : { by }) };
  const transitions = phase === v.phase ? v.transitions : [...v.transitions, transition].slice(-20);
  const view: RefundState = { ...v, ...patch, phase, updatedAt: at, transitions };
  if (isOutcome(phase)) view.outcome = phase;
  if (phase === AWAITING_OTP) view.otpDeadline ??= new Date(now + policy.otpTimeoutMs).toISOString();
  if (phase === SENDING_OTP) view.resendAllowedAt = new Date(now + policy.resendIntervalMs).toISOString();
  if (!isOutcome(phase) && phase !== PENDING) return { ...r, view };
  // Past taking messages: those waiting are answered, with why they were not used.
  const why = isOutcome(phase) ? `the refund ended (${phase})` : 'the refund reached Eko and is tracked to its outcome';
  const unused = r.inbox.reduce((s, q) => dropped(s, q, why, now), { ...r, view, inbox: [] as Queued[] });
  return { ...unused, acting: undefined, ending: undefined };
}

function dropped(r: Refund, q: Queued, why: string, now: number): Refund {
  const what = { otp: 'an OTP was not used', resend: 'a resend was not sent', cancel: 'a cancel was not applied' }[
    q.message.kind
  ];
  const from = q.message.actor ? ` (from ${q.message.actor})` : '';
  return note({ ...r, unused: { ...r.unused, [q.id]: `${what}: ${why}` } }, `${what}${from}: ${why}`, now);
}

export function note(r: Refund, text: string, now: number): Refund {
  const at = new Date(now).toISOString();
  return { ...r, view: { ...r.view, updatedAt: at, notes: [...r.view.notes, `${at} ${text}`].slice(-20) } };
}

const withEko = (r: Refund, eko: EkoAnswerSummary | undefined, amount?: string): Refund =>
  eko ? { ...r, view: { ...r.view, lastEkoAnswer: eko, ...(amount && { refund: { amount, ...r.view.refund } }) } } : r;

type Result = PrepareResult | OtpRequestResult | SubmitResult | InquiryResult;
const ekoOf = (result: Result) => ('check' in result ? (result.otp?.eko ?? result.check.eko) : result.eko);
const amountOf = (r: Result) => ('check' in r && r.check.kind === 'settled' ? r.check.amount : undefined);

const rejection = (eko: EkoAnswerSummary): string =>
  `Eko rejected the refund${eko.status === undefined ? '' : ` (code ${eko.status})`}: ${eko.message}`;

const describe = (eko: EkoAnswerSummary): string =>
  eko.txStatus === undefined ? eko.message : `tx_status ${eko.txStatus} ${eko.txStatusDesc ?? ''}`.trim();

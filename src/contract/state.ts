/**
 * A refund's state in visibility: what the workflow upserts with each phase change, and how a
 * reader turns it back into the state a dashboard shows, without a worker (no query, no replay).
 * Imported by workflow code too: nothing heavy, no Node built-ins.
 */
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import { type Phase, RefundPhase, SEARCH_ATTRIBUTES as SA } from './names';
import type { RefundResult, RefundState } from './types';

/** The refund call's activity type: while it is pending, the refund is SUBMITTING. */
export const REFUND_CALL_ACTIVITY = 'submitRefund';

/** Keyword values stay below SQL visibility's column size (255). */
const KEYWORD_CHARS = 200;
const keyword = (text: string): string => (text.length > KEYWORD_CHARS ? `${text.slice(0, KEYWORD_CHARS - 1)}…` : text);
const date = (iso: string | undefined): Date[] => (iso === undefined ? [] : [new Date(iso)]);

export const START_REASON = 'refund started: inquiring the transaction';

/** A refund as it starts: CHECKING, every OTP attempt left. */
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
    transitions: [{ from: null, to: RefundPhase.CHECKING, at, reason: START_REASON }],
    notes: [],
  };
}

/** The search attributes of a state. The reason carries no actor: `by` stays in the state. */
export function searchAttributesOf(state: RefundState): SearchAttributePair[] {
  const last = state.transitions[state.transitions.length - 1];
  return [
    { key: SA.phase, value: state.phase },
    { key: SA.tid, value: state.tid },
    { key: SA.otpAttemptsLeft, value: state.otpAttemptsLeft },
    { key: SA.wrongOtps, value: state.wrongOtpAttempts },
    { key: SA.resends, value: state.resendCount },
    { key: SA.updatedAt, value: new Date(state.updatedAt) },
    { key: SA.reason, value: keyword(last?.reason ?? '') },
    ...date(state.otpDeadline).map((value) => ({ key: SA.otpDeadline, value })),
    ...date(state.resendAllowedAt).map((value) => ({ key: SA.resendAllowedAt, value })),
    ...(state.lastEkoAnswer ? [{ key: SA.ekoMessage, value: keyword(state.lastEkoAnswer.message) }] : []),
    ...(state.refund?.amount ? [{ key: SA.amount, value: state.refund.amount }] : []),
  ] as SearchAttributePair[];
}

/**
 * A running (or terminated) refund's state as its search attributes give it: the phase with its
 * reason and time, the OTP deadline and counts, Eko's last message. The refund call's pending
 * activity shows the transient SUBMITTING, which is not written. The full timeline and notes
 * come with the result once the refund ends.
 */
export function stateFromSearchAttributes(
  sa: TypedSearchAttributes,
  startedAt: Date,
  pendingActivityType?: string,
): RefundState {
  const createdAt = startedAt.toISOString();
  const written = (sa.get(SA.phase) ?? RefundPhase.CHECKING) as Phase;
  const phase = pendingActivityType === REFUND_CALL_ACTIVITY ? RefundPhase.SUBMITTING : written;
  const updatedAt = sa.get(SA.updatedAt)?.toISOString() ?? createdAt;
  const reason = sa.get(SA.reason) ?? START_REASON;
  const ekoMessage = sa.get(SA.ekoMessage);
  return {
    tid: sa.get(SA.tid) ?? '',
    phase,
    createdAt,
    updatedAt,
    otpDeadline: sa.get(SA.otpDeadline)?.toISOString(),
    wrongOtpAttempts: sa.get(SA.wrongOtps) ?? 0,
    otpAttemptsLeft: sa.get(SA.otpAttemptsLeft) ?? 0,
    resendCount: sa.get(SA.resends) ?? 0,
    resendAllowedAt: sa.get(SA.resendAllowedAt)?.toISOString(),
    submittedToEko: phase === RefundPhase.SUBMITTING || phase === RefundPhase.PENDING,
    lastEkoAnswer: ekoMessage === undefined ? undefined : { message: ekoMessage, at: updatedAt },
    transitions: [
      { from: null, to: RefundPhase.CHECKING, at: createdAt, reason: START_REASON },
      ...(phase === RefundPhase.CHECKING && updatedAt === createdAt
        ? []
        : [{ from: null, to: phase, at: updatedAt, reason }]),
    ],
    notes: [],
  };
}

/** A finished refund's result: how it ended, why, Eko's last word, and the final state. */
export function resultOf(state: RefundState): RefundResult {
  const { tid, lastEkoAnswer: eko, refund, updatedAt: completedAt, transitions } = state;
  const reason = transitions[transitions.length - 1].reason;
  return {
    tid,
    outcome: state.outcome!,
    reason,
    ekoCode: eko?.status,
    ekoMessage: eko?.message,
    refund,
    completedAt,
    state,
  };
}

/**
 * Initiate Refund, money-safe (docs/contract/refund-workflow.md, Money-safety rules). Eko has no
 * idempotency key and may apply a refund after the caller gave up waiting, so an attempt takes over
 * the record of the attempt before it (or presumes that attempt's call), learns until when an
 * earlier run's call may be applied, inquires, and calls only at tx_status 3 once every call that
 * may be in flight had a whole settle window (`decideCall`). A refusal is a question too: the
 * inquiry after it decides by the same rule.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { TxStatus } from '../eko/answers';
import type { EkoClient } from '../eko/client';
import { callTimeout, hadEarlierAttempts, retryNoLaterThan } from './attempt';
import { amounts, retryable, type Summarize } from './observe';
import type { RefundRefusal, SubmitRequest, SubmitResult } from './results';

/** Thrown while a settle window runs: expected, so Temporal logs it quietly and retries. */
export const SETTLING = 'RefundSettling';

/** In the activity's heartbeat details, which survive the attempt that wrote them; it names that attempt. */
export interface CallRecord {
  attempt: number;
  /** A call of ours with no clear answer may be taken by Eko until then (epoch ms); null: none outstanding. */
  callEndedBy: number | null;
  /** Eko refused a call that followed another: believed once the transaction stayed 3 a whole window. */
  refusal?: RefundRefusal;
}

/**
 * What this attempt starts from: the record of the attempt just before, or, without it (that
 * attempt killed, cut off from Temporal, its details reset), a call of that attempt, which Eko may
 * take until that attempt's deadline: no later than an attempt from now.
 */
export function carriedRecord(
  attempt: { attempt: number; hadEarlierAttempts: boolean; attemptMs: number },
  details: unknown,
  now: number,
): CallRecord {
  const record = readRecord(details);
  if (record?.attempt === attempt.attempt - 1) return { ...record, attempt: attempt.attempt };
  const ends = [record?.callEndedBy ?? null, attempt.hadEarlierAttempts ? now + attempt.attemptMs : null];
  const known = ends.filter((end): end is number => end !== null);
  return {
    attempt: attempt.attempt,
    callEndedBy: known.length > 0 ? Math.max(...known) : null,
    refusal: record?.refusal,
  };
}

export type CallDecision =
  | { kind: 'answered' } // Eko's status answers the refund: no call
  | { kind: 'wait'; until: number } // a call may still be applied: inquire again then
  | { kind: 'refused'; refusal: RefundRefusal } // a held refusal, after a whole window at 3
  | { kind: 'call'; afterAnother: boolean }; // after a call whose window ended less than a window ago

/**
 * What an inquiry made after `inquiredAfter` decides. While a call may still be applied only
 * "refunded" (4) answers; any other status is asked again at the window's end. Then 3 calls (or
 * believes a held refusal), and the rest answers.
 */
export function decideCall(
  record: CallRecord,
  { txStatus, inquiredAfter }: { txStatus: number; inquiredAfter: number },
  { settleWindowMs, earlierRunsSettleAt }: { settleWindowMs: number; earlierRunsSettleAt: number },
): CallDecision {
  if (txStatus === TxStatus.Refunded) return { kind: 'answered' };
  const ownSettleAt = record.callEndedBy === null ? -Infinity : record.callEndedBy + settleWindowMs;
  const until = Math.max(ownSettleAt, earlierRunsSettleAt);
  if (inquiredAfter < until) return { kind: 'wait', until };
  if (txStatus !== TxStatus.RefundPending) return { kind: 'answered' };
  if (record.refusal) return { kind: 'refused', refusal: record.refusal };
  return { kind: 'call', afterAnother: inquiredAfter < until + settleWindowMs };
}

/** The record a call leaves: an unclear answer may still be applied; a refusal after another call is held a window. */
export function recordOfCall(
  attempt: number,
  answer: 'unclear' | 'not_applied' | RefundRefusal,
  { now, afterAnother }: { now: number; afterAnother: boolean },
): CallRecord {
  if (answer === 'unclear') return { attempt, callEndedBy: now };
  if (answer === 'not_applied') return { attempt, callEndedBy: null };
  return { attempt, callEndedBy: afterAnother ? now : null, refusal: answer };
}

export interface RefundCallDeps {
  eko: EkoClient;
  initiator: { initiatorId: string; userCode: string };
  ekoTimeoutMs: number;
  summarize: Summarize;
  now: () => number;
  /** Until when a call of an earlier run may be applied (earlier-runs.ts); throws if Temporal cannot say. */
  earlierRunsSettleAt: () => Promise<number>;
}

export async function refundCall(request: SubmitRequest, deps: RefundCallDeps): Promise<SubmitResult> {
  const { eko, initiator, summarize, now } = deps;
  const { info } = Context.current();
  const startedAt = now();
  const timeout = () => ({ timeoutMs: callTimeout(deps.ekoTimeoutMs, startedAt, now()) });
  const attempt = {
    attempt: info.attempt,
    hadEarlierAttempts: hadEarlierAttempts(info),
    attemptMs: info.startToCloseTimeoutMs,
  };
  let record = carriedRecord(attempt, info.heartbeatDetails, startedAt);

  type Call = Extract<CallDecision, { kind: 'call' }>;
  async function decided(inquiredAfter: number, earlierRunsSettleAt: number): Promise<SubmitResult | Call> {
    const answer = await eko.inquireTransaction(request.tid, initiator, timeout());
    if (answer.kind === 'retryable') throw retryable(answer);
    if (answer.kind === 'rejected') {
      throw ApplicationFailure.create({ type: 'Eko.inquiry_refused', message: `inquiry refused: ${answer.message}` });
    }
    const { txStatus } = answer;
    const settle = { settleWindowMs: request.settleWindowMs, earlierRunsSettleAt };
    const decision = decideCall(record, { txStatus, inquiredAfter }, settle);
    if (decision.kind === 'wait') throw settling(record, txStatus, decision.until, now());
    if (decision.kind === 'refused') return decision.refusal;
    if (decision.kind === 'call') return decision;
    return { kind: 'settled', txStatus, eko: summarize(answer, answer) };
  }

  async function call(): Promise<SubmitResult> {
    const earlierRunsSettleAt = await deps.earlierRunsSettleAt();
    const before = await decided(startedAt, earlierRunsSettleAt);
    if (before.kind !== 'call') return before;
    // Eko slower than a window may refuse our call for an earlier one: such a refusal is held a window.
    const { afterAnother } = before;
    const callOptions = timeout(); // throws when no time is left: then no call was made
    // Eko may take the call until the attempt's deadline, whenever this worker stops waiting.
    record = recordOfCall(info.attempt, 'unclear', { now: startedAt + info.startToCloseTimeoutMs, afterAnother });
    Context.current().heartbeat(record); // sent at once (the attempt's first): most kills find it on record
    const answer = await eko.initiateRefund({ ...request, ...initiator }, callOptions);
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
      case 'retryable':
        if (notApplied(answer)) record = recordOfCall(info.attempt, 'not_applied', { now: now(), afterAnother });
        throw retryable(answer);
    }
    const refusal: RefundRefusal =
      answer.kind === 'rejected'
        ? { kind: 'rejected', reason: answer.reason, eko: summarize(answer) }
        : { kind: answer.kind, eko: summarize(answer) };
    const refusedAt = now();
    record = recordOfCall(info.attempt, refusal, { now: refusedAt, afterAnother });
    const after = await decided(refusedAt, earlierRunsSettleAt);
    if (after.kind === 'call') throw new Error('bug: a call decided with a refusal on record');
    return after;
  }

  try {
    return await call();
  } catch (err) {
    Context.current().heartbeat(record); // the next attempt takes it over
    throw err;
  }
}

/** Answers that prove Eko refused the call before touching the refund (not a gateway's 408 or 429). */
function notApplied(answer: { reason: string; httpStatus?: number }): boolean {
  if (answer.reason === 'forbidden' || answer.reason === 'config') return true;
  return answer.reason === 'client_error' && [400, 404, 405, 415].includes(answer.httpStatus ?? 0);
}

/** A call may still be applied: retried as the policy says, and at the latest when its window ends. */
function settling(record: CallRecord, txStatus: number, until: number, now: number): ApplicationFailure {
  const why = record.refusal
    ? `Eko refused a refund call that followed another (${record.refusal.eko.message}); the first may still be applied`
    : 'a refund call (of an earlier attempt or run) may still be applied';
  const message = `${why}: tx_status ${txStatus}, inquiring until ${new Date(until).toISOString()} before calling again`;
  const nextRetryDelay = retryNoLaterThan(until, now);
  return ApplicationFailure.create({ type: SETTLING, category: 'BENIGN', message, nextRetryDelay });
}

function readRecord(details: unknown): CallRecord | undefined {
  const record = details as Partial<CallRecord> | undefined;
  if (typeof record?.attempt !== 'number' || (record.callEndedBy !== null && typeof record.callEndedBy !== 'number'))
    return undefined;
  return { attempt: record.attempt, callEndedBy: record.callEndedBy, refusal: record.refusal };
}

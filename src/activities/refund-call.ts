/**
 * Initiate Refund, money-safe (docs/contract/refund-workflow.md, Money-safety rules). Eko has no
 * idempotency key and may apply a refund after the caller gave up waiting, so each attempt:
 * 1. takes over the record of the attempt before it, or presumes that attempt made a call;
 * 2. learns until when a call of an earlier run of the refund may still be applied;
 * 3. inquires: only tx_status 3 (Refund Pending) lets it go on;
 * 4. calls only once every call that may be in flight (its own attempts', earlier runs') had a
 *    whole settle window with the transaction at 3;
 * 5. confirms a refusal by inquiry, and believes the refusal of a call that followed another only
 *    after one more window at 3 (Eko may be refusing it because it still applies the first).
 * Steps 1 and 4 are the pure functions `carriedRecord` and `decideCall`.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { TxStatus } from '../eko/answers';
import type { EkoClient, Initiator } from '../eko/client';
import { callTimeout, hadEarlierAttempts, retryNoLaterThan } from './attempt';
import { amounts, retryable, type Summarize } from './observe';
import type { RefundRefusal, SubmitRequest, SubmitResult } from './results';

/** Thrown while a settle window runs: expected, so Temporal logs it quietly and retries. */
export const SETTLING = 'RefundSettling';

/**
 * The refund call's record, in the activity's heartbeat details (they survive a retry, a crash and
 * a timeout of the attempt that wrote them). It belongs to the attempt that wrote it.
 */
export interface CallRecord {
  attempt: number;
  /** A call of ours with no clear answer had ended by then (epoch ms); null: none outstanding. */
  callEndedBy: number | null;
  /** Eko refused a call that followed another: believed once the transaction stayed 3 a whole window. */
  refusal?: RefundRefusal;
}

/**
 * What this attempt starts from. The record of the attempt just before is taken over; without it
 * (that attempt was killed, cut off from Temporal, or its details were reset), that attempt may
 * have made a call, which Eko may take until that attempt's deadline: no later than an attempt
 * (`attemptMs`) from now, since it started before this one.
 */
export function carriedRecord(
  attempt: { attempt: number; hadEarlierAttempts: boolean; attemptMs: number },
  details: unknown,
  now: number,
): CallRecord {
  const record = readRecord(details);
  if (record && record.attempt === attempt.attempt - 1) return { ...record, attempt: attempt.attempt };
  const ends = [record?.callEndedBy ?? null, attempt.hadEarlierAttempts ? now + attempt.attemptMs : null];
  const known = ends.filter((end): end is number => end !== null);
  return {
    attempt: attempt.attempt,
    callEndedBy: known.length === 0 ? null : Math.max(...known),
    refusal: record?.refusal,
  };
}

export type CallDecision =
  /** The transaction is not Refund Pending: no call (none is needed, or one is under way). */
  | { kind: 'untouched' }
  /** A call may still be applied: inquire again at `until`. */
  | { kind: 'wait'; until: number }
  /** A held refusal, and the transaction stayed 3 a whole window since: believed. */
  | { kind: 'refused'; refusal: RefundRefusal }
  | { kind: 'call' };

/**
 * Whether to call, given the inquiry this attempt made after `inquiredAfter`: only at 3, and only
 * once every call that may be in flight had its settle window.
 */
export function decideCall(
  record: CallRecord,
  inquiry: { txStatus: number; inquiredAfter: number },
  { settleWindowMs, earlierRunsSettleAt }: { settleWindowMs: number; earlierRunsSettleAt: number },
): CallDecision {
  if (inquiry.txStatus !== TxStatus.RefundPending) return { kind: 'untouched' };
  const ownSettleAt = record.callEndedBy === null ? Number.NEGATIVE_INFINITY : record.callEndedBy + settleWindowMs;
  const until = Math.max(ownSettleAt, earlierRunsSettleAt);
  if (inquiry.inquiredAfter < until) return { kind: 'wait', until };
  return record.refusal ? { kind: 'refused', refusal: record.refusal } : { kind: 'call' };
}

/**
 * The record a call leaves, from what Eko answered: an unclear answer may still be applied, from
 * now; a refusal is held for a window when it followed another call.
 */
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
  initiator: Initiator;
  ekoTimeoutMs: number;
  summarize: Summarize;
  now: () => number;
  /** Until when a call of an earlier run may be applied (see earlier-runs.ts); throws if Temporal cannot say. */
  earlierRunsSettleAt: () => Promise<number>;
}

export async function refundCall(request: SubmitRequest, deps: RefundCallDeps): Promise<SubmitResult> {
  const { eko, initiator, summarize, now } = deps;
  const { info } = Context.current();
  const startedAt = now();
  const timeout = () => ({ timeoutMs: callTimeout(deps.ekoTimeoutMs, startedAt, now()) });
  const inquire = () => inquireStatus(eko, request.tid, initiator, timeout(), summarize);
  const attempt = {
    attempt: info.attempt,
    hadEarlierAttempts: hadEarlierAttempts(info),
    attemptMs: info.startToCloseTimeoutMs,
  };
  let record = carriedRecord(attempt, info.heartbeatDetails, startedAt);

  async function decided(inquiredAfter: number, earlierRunsSettleAt: number): Promise<SubmitResult | 'call'> {
    const inquiry = await inquire();
    const settle = { settleWindowMs: request.settleWindowMs, earlierRunsSettleAt };
    const decision = decideCall(record, { txStatus: inquiry.txStatus, inquiredAfter }, settle);
    if (decision.kind === 'untouched') return untouched(inquiry);
    if (decision.kind === 'wait') throw settling(record, decision.until, now());
    return decision.kind === 'refused' ? decision.refusal : 'call';
  }

  async function call(): Promise<SubmitResult> {
    const earlierRunsSettleAt = await deps.earlierRunsSettleAt();
    const before = await decided(startedAt, earlierRunsSettleAt);
    if (before !== 'call') return before;
    const afterAnother = record.callEndedBy !== null || earlierRunsSettleAt > Number.NEGATIVE_INFINITY;
    const callOptions = timeout(); // throws when no time is left: then no call was made
    // Until its answer says otherwise, the call may be applied: Eko may take it up to the attempt's
    // deadline, whenever this worker stopped waiting, so its window counts from there.
    record = recordOfCall(info.attempt, 'unclear', { now: startedAt + info.startToCloseTimeoutMs, afterAnother });
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
    // A refusal is a question: the inquiry after it decides, under the same rule as before a call.
    const refusedAt = now();
    record = recordOfCall(info.attempt, refusal, { now: refusedAt, afterAnother });
    const after = await decided(refusedAt, earlierRunsSettleAt);
    if (after === 'call') throw new Error('bug: a call decided with a refusal on record');
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

/** Inquires; what is not a plain tx_status is retried (an inquiry refusal decides nothing here). */
async function inquireStatus(
  eko: EkoClient,
  tid: string,
  initiator: Initiator,
  options: { timeoutMs: number },
  summarize: Summarize,
) {
  const answer = await eko.inquireTransaction(tid, initiator, options);
  if (answer.kind === 'retryable') throw retryable(answer);
  if (answer.kind === 'rejected') {
    throw ApplicationFailure.create({ type: 'Eko.inquiry_refused', message: `inquiry refused: ${answer.message}` });
  }
  return { txStatus: answer.txStatus, eko: summarize(answer, answer) };
}

/** The transaction is past Refund Pending: reported, no call made now. */
function untouched({ txStatus, eko }: { txStatus: number; eko: SubmitResult['eko'] }): SubmitResult {
  const final: number[] = [TxStatus.Success, TxStatus.Fail, TxStatus.Refunded];
  return final.includes(txStatus) ? { kind: 'settled', txStatus, eko } : { kind: 'pending', txStatus, refund: {}, eko };
}

/** A call may still be applied: retried as the policy says, and at the latest when its window ends. */
function settling(record: CallRecord, until: number, now: number): ApplicationFailure {
  const why = record.refusal
    ? `Eko refused a refund call that followed another (${record.refusal.eko.message}); the first may still be applied`
    : 'a refund call (of an earlier attempt or run) may still be applied';
  return ApplicationFailure.create({
    type: SETTLING,
    category: 'BENIGN',
    message: `${why}: tx_status 3, inquiring until ${new Date(until).toISOString()} before calling again`,
    nextRetryDelay: retryNoLaterThan(until, now),
  });
}

function readRecord(details: unknown): CallRecord | undefined {
  const record = details as Partial<CallRecord> | undefined;
  if (typeof record?.attempt !== 'number') return undefined;
  if (record.callEndedBy !== null && typeof record.callEndedBy !== 'number') return undefined;
  return { attempt: record.attempt, callEndedBy: record.callEndedBy, refusal: record.refusal };
}

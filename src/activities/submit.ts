/**
 * Initiate Refund, money-safe (docs/contract/refund-workflow.md, Money-safety rules). Eko has no
 * idempotency key and may apply a refund after the caller gave up waiting, so:
 * - every refund call is preceded, in the same attempt, by a Transaction Inquiry: only tx_status 3
 *   (Refund Pending) allows the call;
 * - after a call whose outcome is unknown, the next call waits until the transaction stayed 3 for
 *   a whole settle window counted from the end of that call (each retry inquires; any other status
 *   ends the wait; the retry policy's backoff is cut short to land on the window's end);
 * - a refusal is confirmed by an inquiry, and the refusal of a repeated call (Eko may be refusing
 *   it because it is still applying the first) only after a whole settle window.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { EkoRetryable } from '../eko/answers';
import { TxStatus } from '../eko/answers';
import type { EkoClient, Initiator } from '../eko/client';
import {
  attemptEndsAt,
  callTimeout,
  carriedProgress,
  earlierRunsCallsEndedBy,
  type HeldRefusal,
  madeByReset,
  recordProgress,
  type ResetTimeOf,
  retryNoLaterThan,
  type SubmitProgress,
} from './attempt';
import { amounts, retryable, type Summarize } from './observe';
import type { SubmitRequest, SubmitResult } from './results';

/** Thrown while a settle window runs: expected, so Temporal logs it quietly and retries. */
export const SETTLING = 'RefundSettling';

export const DEFAULT_SETTLE_WINDOW_MS = 10 * 60_000;

export interface SubmitDeps {
  eko: EkoClient;
  initiator: Initiator;
  ekoTimeoutMs: number;
  summarize: Summarize;
  now: () => number;
  /** In a run made by a reset, when the reset was: calls of the runs before it ended one attempt later. */
  resetTimeOf?: ResetTimeOf;
}

export async function submitRefund(request: SubmitRequest, deps: SubmitDeps): Promise<SubmitResult> {
  const { eko, initiator, summarize, now } = deps;
  const startedAt = now();
  const timeout = () => ({ timeoutMs: callTimeout(deps.ekoTimeoutMs, startedAt, now()) });
  const settleWindowMs = request.settleWindowMs ?? DEFAULT_SETTLE_WINDOW_MS; // older workflows omit it
  const afterReset = request.originalRunId !== undefined && madeByReset(request.originalRunId);
  const { progress, presumed } = await carriedProgress(
    startedAt,
    afterReset ? () => earlierRunsCallsEndedBy(startedAt, deps.resetTimeOf) : undefined,
  );
  const windowEndsAt = progress.callEndedBy === null ? null : progress.callEndedBy + settleWindowMs;
  const windowPassed = windowEndsAt === null || startedAt >= windowEndsAt;
  const mayCall = windowPassed && !progress.refusal;

  // A call this attempt may make is on record before the inquiry that precedes it.
  if (mayCall) recordProgress({ callEndedBy: attemptEndsAt(startedAt) });
  else if (presumed) recordProgress(progress); // anchor the presumption: each retry must not move it

  let before;
  try {
    before = await inquire(eko, request.tid, initiator, timeout, summarize);
  } catch (err) {
    if (mayCall) recordProgress(progress); // no call was made: as it was
    throw err;
  }
  if (before.txStatus !== TxStatus.RefundPending) return untouched(before.txStatus, before.eko);
  if (!windowPassed) throw settling(progress.callEndedBy!, windowEndsAt!, presumed, now());
  if (progress.refusal) return progress.refusal; // refused, and 3 for a whole window since

  let call;
  try {
    call = timeout();
  } catch (err) {
    recordProgress(progress); // no time left for a safe call: none was made
    throw err;
  }
  const answer = await eko.initiateRefund({ ...request, ...initiator }, call);
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
      if (notApplied(answer)) recordProgress({ callEndedBy: null } satisfies SubmitProgress);
      throw retryable(answer);
  }

  // A refusal may be Eko refusing a second call while it applies the first: ask the transaction.
  const after = await inquire(eko, request.tid, initiator, timeout, summarize);
  if (after.txStatus !== TxStatus.RefundPending) return untouched(after.txStatus, after.eko);
  const refusal: HeldRefusal =
    answer.kind === 'rejected'
      ? { kind: 'rejected', reason: answer.reason, eko: summarize(answer) }
      : { kind: answer.kind, eko: summarize(answer) };
  if (progress.callEndedBy === null) return refusal;
  // A repeated call: believe its refusal only once the transaction stayed 3 for a whole window.
  const refusedAt = now();
  recordProgress({ callEndedBy: refusedAt, refusal });
  const until = refusedAt + settleWindowMs;
  throw ApplicationFailure.create({
    type: SETTLING,
    category: 'BENIGN',
    message: `Eko refused a repeated refund call (${refusal.eko.message}); an earlier call may still be applied: inquiring until ${iso(until)} before believing it`,
    nextRetryDelay: retryNoLaterThan(until, refusedAt),
  });
}

/** Answers that prove Eko refused the call before touching the refund (not a gateway's 408 or 429). */
function notApplied(answer: EkoRetryable): boolean {
  if (answer.reason === 'forbidden' || answer.reason === 'config') return true;
  return answer.reason === 'client_error' && [400, 404, 405, 415].includes(answer.httpStatus ?? 0);
}

/** Inquires; what is not a plain tx_status is retried (an inquiry refusal decides nothing here). */
async function inquire(
  eko: EkoClient,
  tid: string,
  initiator: Initiator,
  timeout: () => { timeoutMs: number },
  summarize: Summarize,
) {
  const answer = await eko.inquireTransaction(tid, initiator, timeout());
  if (answer.kind === 'retryable') throw retryable(answer);
  if (answer.kind === 'rejected') {
    throw ApplicationFailure.create({ type: 'Eko.inquiry_refused', message: `inquiry refused: ${answer.message}` });
  }
  return { txStatus: answer.txStatus, eko: summarize(answer, answer) };
}

/** The transaction is past Refund Pending: report it, no refund call made (or needed). */
function untouched(txStatus: number, eko: SubmitResult['eko']): SubmitResult {
  const final: number[] = [TxStatus.Success, TxStatus.Fail, TxStatus.Refunded];
  return final.includes(txStatus) ? { kind: 'settled', txStatus, eko } : { kind: 'pending', txStatus, refund: {}, eko };
}

/** The window still runs: retried as the policy says, and at the latest when the window ends. */
function settling(callEndedBy: number, until: number, presumed: boolean, now: number): ApplicationFailure {
  const since = presumed
    ? `an earlier attempt or run left no record and may have made a refund call (ended by ${iso(callEndedBy)})`
    : `a refund call that ended by ${iso(callEndedBy)} got no clear answer`;
  return ApplicationFailure.create({
    type: SETTLING,
    category: 'BENIGN',
    message: `${since}; Eko may still apply it: tx_status 3, inquiring until ${iso(until)} before calling again`,
    nextRetryDelay: retryNoLaterThan(until, now),
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Initiate Refund, money-safe (docs/contract/refund-workflow.md, Money-safety rules). Eko has no
 * idempotency key and may apply a refund after the caller gave up waiting, so:
 * - every refund call is preceded, in the same attempt, by a Transaction Inquiry: only tx_status 3
 *   (Refund Pending) allows the call;
 * - after a call whose outcome is unknown, the next call waits until the transaction stayed 3 for
 *   a whole settle window (each retry inquires; any other status ends the wait);
 * - a refusal is confirmed by an inquiry before it decides anything.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EkoRetryable, RetryableReason } from '../eko/answers';
import { TxStatus } from '../eko/answers';
import type { EkoClient, Initiator } from '../eko/client';
import { callTimeout, carriedProgress, recordProgress, type SubmitProgress } from './attempt';
import { amounts, retryable, type Summarize } from './observe';
import type { SubmitRequest, SubmitResult } from './results';

/** Thrown while a settle window runs: expected, so Temporal logs it quietly and retries. */
export const SETTLING = 'RefundSettling';

/** Answers that prove Eko refused the call before touching the refund. */
const NOT_APPLIED: readonly RetryableReason[] = ['forbidden', 'client_error', 'busy', 'config'];

export const DEFAULT_SETTLE_WINDOW_MS = 10 * 60_000;

export interface SubmitDeps {
  eko: EkoClient;
  initiator: Initiator;
  ekoTimeoutMs: number;
  summarize: Summarize;
  now: () => number;
}

export async function submitRefund(request: SubmitRequest, deps: SubmitDeps): Promise<SubmitResult> {
  const { eko, initiator, summarize, now } = deps;
  const startedAt = now();
  const timeout = () => ({ timeoutMs: callTimeout(deps.ekoTimeoutMs, startedAt, now()) });
  const settleWindowMs = request.settleWindowMs ?? DEFAULT_SETTLE_WINDOW_MS; // older workflows omit it
  const { progress, presumed } = carriedProgress(startedAt);
  const firstRecordDue = presumed || Context.current().info.heartbeatDetails === undefined;

  /** Inquires; what is not a plain tx_status is retried (an inquiry refusal decides nothing here). */
  const inquire = async (why: string) => {
    const answer = await eko.inquireTransaction(request.tid, initiator, timeout());
    if (answer.kind === 'retryable') throw retryable(answer);
    if (answer.kind === 'rejected') {
      throw ApplicationFailure.create({ type: 'Eko.inquiry_refused', message: `${why}: ${answer.message}` });
    }
    return { txStatus: answer.txStatus, eko: summarize(answer, answer) };
  };

  let before;
  try {
    before = await inquire('inquiry before the refund call refused');
    if (before.txStatus === TxStatus.RefundPending && progress.lastPostAt !== null) {
      const settleUntil = progress.lastPostAt + settleWindowMs;
      if (now() < settleUntil) throw settling(progress.lastPostAt, settleUntil, presumed);
    }
  } catch (err) {
    // Anchor what this attempt knew, so a lost attempt is not mistaken for a lost refund call.
    if (firstRecordDue) recordProgress(progress);
    throw err;
  }
  if (before.txStatus !== TxStatus.RefundPending) return untouched(before.txStatus, before.eko);

  const call = timeout(); // no time for a safe call: fail before recording one
  recordProgress({ lastPostAt: now() });
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
      if (NOT_APPLIED.includes(answer.reason)) recordProgress({ lastPostAt: null } satisfies SubmitProgress);
      throw retryable(answer as EkoRetryable);
  }

  // A refusal may be Eko refusing a second call while it applies the first: ask the transaction.
  const after = await inquire('inquiry confirming a refusal refused');
  if (after.txStatus !== TxStatus.RefundPending) return untouched(after.txStatus, after.eko);
  switch (answer.kind) {
    case 'wrong_otp':
    case 'otp_expired':
      return { kind: answer.kind, eko: summarize(answer) };
    case 'rejected':
      return { kind: 'rejected', reason: answer.reason, eko: summarize(answer) };
  }
}

/** The transaction is past Refund Pending: report it, no refund call made (or needed). */
function untouched(txStatus: number, eko: SubmitResult['eko']): SubmitResult {
  const final: number[] = [TxStatus.Success, TxStatus.Fail, TxStatus.Refunded];
  return final.includes(txStatus) ? { kind: 'settled', txStatus, eko } : { kind: 'pending', txStatus, refund: {}, eko };
}

function settling(lastPostAt: number, until: number, presumed: boolean): ApplicationFailure {
  const since = presumed
    ? `an earlier attempt ended without a record and may have sent a refund call (by ${iso(lastPostAt)})`
    : `a refund call at ${iso(lastPostAt)} got no clear answer`;
  return ApplicationFailure.create({
    type: SETTLING,
    category: 'BENIGN',
    message: `${since}; Eko may still apply it: tx_status 3, inquiring until ${iso(until)} before calling again`,
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

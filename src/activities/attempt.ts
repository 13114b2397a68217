/**
 * What one activity attempt knows about itself: how much time it has left, and what earlier
 * attempts of the same refund call recorded (heartbeat details survive a retry, a crash and a
 * timeout of the attempt that wrote them).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { toMs } from '../contract/duration';
import { within } from '../timeout';
import type { SubmitResult } from './results';

/** Room kept between an Eko call's own timeout and the end of its attempt (less for short attempts). */
const MARGIN_MS = 1_000;
/** Shorter than this, an Eko call is not worth starting (less for short attempts). */
const MIN_CALL_MS = 1_000;

/**
 * The timeout for the next Eko call: never beyond this attempt's start-to-close deadline, so
 * Temporal cannot start the next attempt (and its refund call) while this one is still talking
 * to Eko. Throws a retryable failure when there is no time left for a call.
 */
export function callTimeout(configuredMs: number, attemptStartedAt: number, now: number): number {
  // Temporal shortens the last attempts' start-to-close to what is left of schedule-to-close.
  const { startToCloseTimeoutMs } = Context.current().info;
  const margin = Math.min(MARGIN_MS, startToCloseTimeoutMs / 10);
  const left = attemptStartedAt + startToCloseTimeoutMs - margin - now;
  if (left < Math.min(MIN_CALL_MS, startToCloseTimeoutMs / 4)) {
    throw ApplicationFailure.create({
      type: 'AttemptOutOfTime',
      message: `no time left in this attempt for an Eko call (ekoCallTimeout ${startToCloseTimeoutMs} ms)`,
    });
  }
  return Math.min(configuredMs, left);
}

/** When this attempt must be over: Temporal may start the next one from then on. */
export function attemptEndsAt(attemptStartedAt: number): number {
  return attemptStartedAt + Context.current().info.startToCloseTimeoutMs;
}

/**
 * The delay before the next attempt when waiting for `due` (a settle window's end): the retry
 * policy's own delay, unless `due` comes first; then exactly until `due`, so that a window shorter
 * than the policy's interval costs no more than itself. Undefined: the policy's own delay (also
 * when Temporal did not hand the policy over).
 */
export function retryNoLaterThan(due: number, now: number): number | undefined {
  const { attempt, retryPolicy } = Context.current().info;
  if (!retryPolicy) return undefined;
  const initial = toMs(retryPolicy.initialInterval ?? 1_000);
  const coefficient = retryPolicy.backoffCoefficient ?? 2;
  const maximum = toMs(retryPolicy.maximumInterval ?? 100 * initial);
  const policyDelay = Math.min(initial * coefficient ** (attempt - 1), maximum);
  const untilDue = Math.max(1, due - now);
  return untilDue < policyDelay ? untilDue : undefined;
}

/**
 * Whether the workflow run this attempt serves was made by a reset: its run id is not the
 * original one. Only the worker knows the run id for sure (a replay does not), so the workflow asks
 * through activities and acts on their recorded answers.
 */
export function madeByReset(originalRunId: string): boolean {
  return Context.current().info.workflowExecution?.runId !== originalRunId;
}

/** A refusal of a repeated refund call, kept until the settle window confirms it. */
export type HeldRefusal = Extract<SubmitResult, { kind: 'wrong_otp' | 'otp_expired' | 'rejected' }>;

/**
 * The refund call's "sent to Eko" fact, kept in the activity's heartbeat details, which survive a
 * retry, a crash and a timeout of the attempt that wrote them.
 */
export interface SubmitProgress {
  /**
   * By when a refund call of ours whose outcome is not known had ended on our side (or would
   * have: the end of its attempt); null when no such call is outstanding. No new call before
   * this time plus the settle window.
   */
  callEndedBy: number | null;
  /** Eko refused a repeated call: believed once the transaction stayed 3 for a whole window. */
  refusal?: HeldRefusal;
}

/** When a workflow run was made by a reset (Temporal's lastResetTime), or undefined if unknown. */
export type ResetTimeOf = (workflowId: string, runId: string) => Promise<number | undefined>;

/**
 * When this attempt's workflow run was made by a reset, as Temporal says; undefined if it does not,
 * or not within a quarter of the attempt (the Eko calls need the rest).
 */
export async function resetTime(resetTimeOf: ResetTimeOf | undefined): Promise<number | undefined> {
  const { workflowExecution: run, startToCloseTimeoutMs } = Context.current().info;
  if (!run || !resetTimeOf) return undefined;
  const asked = resetTimeOf(run.workflowId, run.runId);
  return within(asked, startToCloseTimeoutMs / 4, 'the reset time').catch(() => undefined);
}

/**
 * By when a refund call of a run before a reset had ended: a reset does not stop the attempt the
 * run before had under way, and that attempt ends one attempt's length after it started, at the
 * latest as the reset came. One more attempt's length allows for a worker that started that
 * attempt a while after Temporal handed it over, and for the worker's clock against Temporal's
 * (the reset's time is Temporal's).
 */
export function callsBeforeResetEndedBy(resetAt: number): number {
  return resetAt + 2 * Context.current().info.startToCloseTimeoutMs;
}

/**
 * In a run made by a reset: by when a refund call of a run before it had ended. Without the reset
 * time (Temporal did not say), one attempt's length from now.
 */
export async function earlierRunsCallsEndedBy(now: number, resetTimeOf: ResetTimeOf | undefined): Promise<number> {
  const resetAt = await resetTime(resetTimeOf);
  return resetAt === undefined ? attemptEndsAt(now) : callsBeforeResetEndedBy(resetAt);
}

/**
 * What earlier attempts recorded. An earlier attempt that left no record (worker killed, attempt
 * timed out) may have made a refund call whose record is lost: presume one, ended no later than
 * now. In a run made by a reset, the runs before it may have made one: presume it ended by what
 * `earlierRunsEndedBy` says (asked only when no attempt left a record: the first one records it).
 * Both may hold: the later end counts.
 */
export async function carriedProgress(
  now: number,
  earlierRunsEndedBy: (() => Promise<number>) | undefined,
): Promise<{ progress: SubmitProgress; presumed: boolean }> {
  const { attempt, heartbeatDetails } = Context.current().info;
  const carried = heartbeatDetails as Partial<SubmitProgress> | undefined;
  if (carried && (carried.callEndedBy === null || typeof carried.callEndedBy === 'number')) {
    return { progress: { callEndedBy: carried.callEndedBy, refusal: carried.refusal }, presumed: false };
  }
  // The latest of what may be in flight: a call of the runs before, and one of an earlier attempt.
  const runsBefore = earlierRunsEndedBy ? await earlierRunsEndedBy() : Number.NEGATIVE_INFINITY;
  const callEndedBy = Math.max(runsBefore, attempt > 1 ? now : Number.NEGATIVE_INFINITY);
  if (callEndedBy === Number.NEGATIVE_INFINITY) return { progress: { callEndedBy: null }, presumed: false };
  return { progress: { callEndedBy }, presumed: true };
}

/**
 * Records the fact. The first heartbeat of an attempt is sent at once; later ones may be held back
 * by throttling and go with the attempt's failure. So a coming call is recorded by the attempt's
 * first heartbeat, before the inquiry that precedes the call (its round trip gives the record a
 * head start); later heartbeats only say "no call outstanding" or hold a refusal: if one of those
 * is lost, the next attempt waits a settle window it did not need, which is safe.
 */
export function recordProgress(progress: SubmitProgress): void {
  Context.current().heartbeat(progress);
}

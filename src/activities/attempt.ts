/** What one activity attempt knows about itself: how long it may still talk to Eko, and when its retry should come. */
import { ApplicationFailure, Context, type Info } from '@temporalio/activity';
import { toMs } from '../contract/duration';

/**
 * The timeout for the next Eko call: never past this attempt's deadline (less a margin), so that
 * Temporal cannot start the next attempt, and its refund call, while this one still talks to Eko.
 */
export function callTimeout(configuredMs: number, attemptStartedAt: number, now: number): number {
  // Temporal shortens the last attempts' start-to-close to what is left of schedule-to-close.
  const { startToCloseTimeoutMs: attemptMs } = Context.current().info;
  const left = attemptStartedAt + attemptMs - Math.min(1_000, attemptMs / 10) - now;
  if (left < Math.min(1_000, attemptMs / 4)) {
    const message = `no time left in this attempt for an Eko call (ekoCallTimeout ${attemptMs} ms)`;
    throw ApplicationFailure.create({ type: 'AttemptOutOfTime', message });
  }
  return Math.min(configuredMs, left);
}

/** The retry delay when waiting for `due` (a window's end): the policy's, unless `due` comes first, so a window costs no more than itself. */
export function retryNoLaterThan(due: number, now: number): number | undefined {
  const { attempt, retryPolicy } = Context.current().info;
  if (!retryPolicy) return undefined;
  const initial = toMs(retryPolicy.initialInterval ?? 1_000);
  const backoff = initial * (retryPolicy.backoffCoefficient ?? 2) ** (attempt - 1);
  const policyDelay = Math.min(backoff, toMs(retryPolicy.maximumInterval ?? 100 * initial));
  return due - now < policyDelay ? Math.max(1, due - now) : undefined;
}

/** Whether an attempt came before this one: a retry, or attempt 1 again after `temporal activity reset` (scheduled later than the activity was). */
export const hadEarlierAttempts = (info: Info): boolean =>
  info.attempt > 1 || info.currentAttemptScheduledTimestampMs !== info.scheduledTimestampMs;

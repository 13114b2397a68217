/**
 * What one activity attempt knows about itself: how long it may still talk to Eko, when its retry
 * should come, and what the attempt before it recorded.
 */
import { ApplicationFailure, Context, type Info } from '@temporalio/activity';
import { toMs } from '../contract/duration';

/** Room kept between an Eko call's own timeout and the end of its attempt (less for short attempts). */
const MARGIN_MS = 1_000;
/** Shorter than this, an Eko call is not worth starting (less for short attempts). */
const MIN_CALL_MS = 1_000;

/**
 * The timeout for the next Eko call: never beyond this attempt's start-to-close deadline, so that
 * Temporal cannot start the next attempt (and its refund call) while this one still talks to Eko.
 * Throws a retryable failure when there is no time left for a call.
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

/**
 * The delay before the next attempt when waiting for `due` (a settle window's end): the retry
 * policy's own delay, unless `due` comes first; then exactly until `due`, so that a window costs
 * no more than itself. Undefined: the policy's own delay.
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
 * Whether an attempt before this one may exist: a retry, or attempt 1 again after `temporal
 * activity reset` (it is then scheduled later than the activity was).
 */
export const hadEarlierAttempts = (
  info: Pick<Info, 'attempt' | 'scheduledTimestampMs' | 'currentAttemptScheduledTimestampMs'>,
): boolean => info.attempt > 1 || info.currentAttemptScheduledTimestampMs !== info.scheduledTimestampMs;

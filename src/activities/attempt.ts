/**
 * What one activity attempt knows about itself: how much time it has left, and what earlier
 * attempts of the same refund call recorded (heartbeat details survive a retry, a crash and a
 * timeout of the attempt that wrote them).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';

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

/**
 * The refund call's "sent to Eko" fact. `lastPostAt` is when a refund call whose outcome is not
 * known may have reached Eko; null when no call is outstanding.
 */
export interface SubmitProgress {
  lastPostAt: number | null;
}

/**
 * What earlier attempts recorded. An earlier attempt that ended without recording anything
 * (worker killed, attempt timed out) may have sent a refund call whose record was lost: presume
 * one, made no later than now.
 */
export function carriedProgress(now: number): { progress: SubmitProgress; presumed: boolean } {
  const { attempt, heartbeatDetails } = Context.current().info;
  const carried = heartbeatDetails as Partial<SubmitProgress> | undefined;
  if (carried && (carried.lastPostAt === null || typeof carried.lastPostAt === 'number')) {
    return { progress: { lastPostAt: carried.lastPostAt }, presumed: false };
  }
  if (attempt > 1) return { progress: { lastPostAt: now }, presumed: true };
  return { progress: { lastPostAt: null }, presumed: false };
}

/**
 * Records the fact. The first heartbeat of an attempt is sent at once; later ones may be held
 * back by throttling and are sent with the attempt's failure. So a refund call is always
 * recorded by the attempt's first heartbeat, and only "no call outstanding" may come later (if
 * that one is lost, the next attempt waits a settle window it did not need: safe).
 */
export function recordProgress(progress: SubmitProgress): void {
  Context.current().heartbeat(progress);
}

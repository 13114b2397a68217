/**
 * Every earlier run counts (docs/contract/refund-workflow.md, Money-safety rules): a reset, a
 * terminate then a new start, a run timeout and a new start after an outcome all leave runs of
 * `refund-<tid>` before this one, and any of them may have a refund call that Eko still applies.
 */
import { RefundOutcome, RefundPhase } from '../contract/names';
import { DURATIONS } from '../contract/rules';

/** A run's own attempt length and settle window, from its input. */
export type Timings = { attemptMs: number; settleWindowMs: number };

/**
 * A run as visibility lists it; `running` while visibility still shows it so (it lags a close by
 * about a second); `timings` absent when its input cannot be read.
 */
export type EarlierRun = { runId: string; running: boolean; phase?: string; closedAt?: number; timings?: Timings };

/** The runs of a workflow id, newest first; the own run's timings are not needed. */
export type RunsOf = (workflowId: string, ownRunId: string) => Promise<EarlierRun[]>;

/** A run whose input cannot be read is presumed to have had the longest attempt and window the input allows. */
export const LONGEST: Timings = { attemptMs: DURATIONS.ekoCallTimeout.max, settleWindowMs: DURATIONS.settleWindow.max };

/**
 * A run that closed in one of these had no refund call in flight: it never made one (the phase
 * after CHECKING is written before any call), or its outcome waited until none could be applied.
 */
const CLOSED_WITHOUT_CALLS: readonly string[] = [
  RefundPhase.CHECKING,
  RefundPhase.SENDING_OTP,
  ...Object.values(RefundOutcome).filter((outcome) => outcome !== RefundOutcome.NEEDS_REVIEW),
];

export const mayHaveCallInFlight = (run: EarlierRun): boolean =>
  run.running || !CLOSED_WITHOUT_CALLS.includes(run.phase ?? '');

/**
 * Until when a call of an earlier run may be applied: its close (now while it shows running), plus
 * one of its attempts (one under way outlives its run), plus the longer of its settle window and
 * ours; -Infinity when none may be.
 */
export function earlierCallsSettleAt(
  runs: readonly EarlierRun[],
  at: { ownRunId: string; now: number; settleWindowMs: number },
): number {
  const ends = runs
    .filter((run) => run.runId !== at.ownRunId && mayHaveCallInFlight(run))
    .map((run) => {
      const closedAt = run.running ? at.now : (run.closedAt ?? at.now);
      const { attemptMs, settleWindowMs } = run.timings ?? LONGEST;
      return closedAt + attemptMs + Math.max(at.settleWindowMs, settleWindowMs);
    });
  return Math.max(-Infinity, ...ends);
}

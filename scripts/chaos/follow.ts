// Following a refund to its outcome: the result of its newest run. A reset makes a new run (of a
// refund that already ended too): the driver then follows that one, and hands the OTP over again
// when the new run waits for one, as support staff would.
import { CancelledFailure, TerminatedFailure, WorkflowFailedError } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RefundResult, workflowIdFor } from '../../src/contract';
import { within } from '../../src/timeout';
import { type ChaosContext, noteError } from './context';
import { handOverOtps } from './otp';
import type { ChaosRefund } from './refund';

/** At least a moment, to read a result that is already there when the driver looks at the deadline. */
const RESULT_GRACE_MS = 2_000;
const RETRY_MS = 500;

/** Follows a started refund until its newest run ends (or the deadline); once at a time per refund. */
export function follow(ctx: ChaosContext, refund: ChaosRefund): void {
  if (refund.following !== undefined || !refund.started) return;
  refund.following = followToOutcome(ctx, refund).finally(() => (refund.following = undefined));
}

/** Until no refund is being followed (one reopened by a reset meanwhile included). */
export async function allFollowed(refunds: readonly ChaosRefund[]): Promise<void> {
  for (;;) {
    const following = refunds.flatMap((r) => (r.following ? [r.following] : []));
    if (following.length === 0) return;
    await Promise.all(following);
  }
}

type RunEnd =
  | { kind: 'result'; result: RefundResult }
  /** The run ended without a result: failed (a bug), cancelled or terminated by hand. */
  | { kind: 'no result'; outcome: string; why: string }
  /** Terminated by a reset: a newer run carries the refund on. */
  | { kind: 'superseded' }
  | { kind: 'deadline' };

async function followToOutcome(ctx: ChaosContext, refund: ChaosRefund): Promise<void> {
  for (;;) {
    const resets = refund.resets;
    if (resets > refund.resetsHandedOver && refund.plan.otpSteps.length > 0) {
      refund.resetsHandedOver = resets;
      ctx.tally.afterReset += 1;
      try {
        await handOverOtps(ctx, refund.plan, []);
      } catch (err) {
        refund.problem = `after a reset: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    const end = await Promise.race([endOfNewestRun(ctx, refund), refund.nextReset()]);
    if (end === 'reset' || end.kind === 'superseded' || refund.resets !== resets) continue;
    switch (end.kind) {
      case 'result': {
        // The workflow's own completion time decides whether it was terminal by the deadline.
        const inTime = Date.parse(end.result.completedAt) <= ctx.deadlineAt;
        refund.result = end.result;
        refund.outcome = end.result.outcome;
        if (!inTime) refund.phaseAtDeadline = 'not terminal yet';
        return;
      }
      case 'no result':
        refund.outcome = end.outcome;
        refund.problem = end.why;
        return;
      case 'deadline': {
        const state = await within(ctx.refunds.getState(refund.tid), 10_000, 'state read').catch(() => undefined);
        refund.phaseAtDeadline = state?.phase ?? 'unknown (Temporal did not answer)';
        return;
      }
    }
  }
}

/** Waits for the end of the refund's newest run, until the run's deadline. */
async function endOfNewestRun(ctx: ChaosContext, refund: ChaosRefund): Promise<RunEnd> {
  const { tid } = refund;
  for (;;) {
    try {
      const runId = await newestRunId(ctx, tid);
      const wait = Math.max(RESULT_GRACE_MS, ctx.deadlineAt - Date.now());
      const result = await within(
        ctx.client.workflow.getHandle(workflowIdFor(tid), runId).result(),
        wait,
        'result',
      ).catch(async (err: unknown): Promise<RunEnd | RefundResult> => {
        if (!(err instanceof WorkflowFailedError)) throw err;
        // Terminated by a reset, or by an operator who starts the tid again: a newer run carries it.
        if (err.cause instanceof TerminatedFailure && (await newerRun(ctx, refund, runId)))
          return { kind: 'superseded' };
        const outcome =
          err.cause instanceof TerminatedFailure
            ? 'WORKFLOW_TERMINATED'
            : err.cause instanceof CancelledFailure
              ? 'WORKFLOW_CANCELLED'
              : 'WORKFLOW_FAILED';
        return { kind: 'no result', outcome, why: `the workflow ended without a result: ${err.cause?.message ?? err}` };
      });
      return 'kind' in result ? result : { kind: 'result', result };
    } catch (err) {
      noteError(ctx, 'result', err);
      if (Date.now() > ctx.deadlineAt) return { kind: 'deadline' };
      await sleep(RETRY_MS);
    }
  }
}

/** Whether a run newer than `runId` carries the refund on (waiting while an operator starts it again). */
async function newerRun(ctx: ChaosContext, refund: ChaosRefund, runId: string): Promise<boolean> {
  for (;;) {
    if ((await newestRunId(ctx, refund.tid)) !== runId) return true;
    if (!refund.restarting) return false;
    await sleep(RETRY_MS);
  }
}

/** The run the workflow id stands for now (a reset's new run, once there is one). */
async function newestRunId(ctx: ChaosContext, tid: string): Promise<string> {
  const description = await within(ctx.client.workflow.getHandle(workflowIdFor(tid)).describe(), 10_000, 'describe');
  return description.runId;
}

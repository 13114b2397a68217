// One chaos refund from start to outcome: seed its tid at the simulator, start it, let the faults
// loose, hand over the OTP, then wait for the outcome. Errors from killed workers are tolerated;
// whatever goes wrong is recorded, never thrown, so one refund cannot stop the run.
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { isOutcome, type RefundInput, RefundPhase, type RefundResult } from '../../src/contract';
import { within } from '../../src/timeout';
import { type ChaosContext, injectFaults, noteError, waitForState } from './context';
import { handOverOtps } from './otp';
import type { RefundPlan } from './plans';

/** Short timings, so that a run takes minutes; everything else as in production. */
const CHAOS_TIMINGS: Partial<RefundInput> = {
  pollInterval: '1s', // the input's floor
  maxPollInterval: '1s',
  // A lost worker is presumed dead after this; the retry then inquires first. Above EKO_TIMEOUT_MS.
  ekoCallTimeout: '3s',
  resendInterval: '1s',
  // After a refund call with no answer, the retry waits this long before calling Eko again: above
  // the simulator's slowest answer (3 s, see plans.ts), so that Eko has applied it by then.
  settleWindow: '5s',
  // Room for a wrong OTP handed over twice (an update retried after a killed worker) besides the
  // plan's wrong ones, so that retries do not turn a refund into OTP_EXPIRED.
  maxOtpAttempts: 5,
};
const RESULT_GRACE_MS = 2_000;

export interface RefundRecord {
  plan: RefundPlan;
  started: boolean;
  /** Epoch ms of the first start attempt. */
  startedAt?: number;
  /** The workflow's outcome, `WORKFLOW_FAILED` when it failed (a bug), or undefined at the deadline. */
  outcome?: string;
  result?: RefundResult;
  /** Where the refund stood at the deadline, when it was not terminal. */
  phaseAtDeadline?: string;
  /** What went wrong while driving it (the OTP could not be handed over, say). */
  problem?: string;
}

/** Starts the refund and hands over its OTP; returns once the refund no longer needs the driver. */
export async function driveRefund(ctx: ChaosContext, plan: RefundPlan): Promise<RefundRecord> {
  const record: RefundRecord = { plan, started: false };
  if (Date.now() > ctx.deadlineAt) return { ...record, problem: 'not started before the deadline' };
  ctx.sim.seed(plan.seed);
  const waitsForOtp = plan.otpSteps.length > 0;
  // Without an OTP the workflow only inquires, from its first step: the faults must be there first.
  if (!waitsForOtp) injectFaults(ctx, plan.faults);
  try {
    record.startedAt = Date.now();
    await start(ctx, plan);
    record.started = true;
    if (!waitsForOtp) return record;
    const state = await waitForState(
      ctx,
      plan.tid,
      'AWAITING_OTP',
      (s) => s.phase === RefundPhase.AWAITING_OTP || isOutcome(s.phase),
    );
    // The faults strike the Eko calls made from here on: the refund call, inquiries, OTP requests.
    if (state.phase === RefundPhase.AWAITING_OTP) injectFaults(ctx, plan.faults);
    await handOverOtps(ctx, plan);
  } catch (err) {
    record.problem = err instanceof Error ? err.message : String(err);
  }
  return record;
}

/** `start` is idempotent per tid (USE_EXISTING), so retrying it after an error is safe. */
async function start(ctx: ChaosContext, plan: RefundPlan): Promise<void> {
  const input: RefundInput = { tid: plan.tid, ...CHAOS_TIMINGS, requestedBy: 'chaos', reason: plan.scenario };
  for (;;) {
    try {
      await within(ctx.refunds.start(input), 10_000, 'start');
      return;
    } catch (err) {
      noteError(ctx, 'start', err);
      if (Date.now() > ctx.deadlineAt) throw err;
      await sleep(500);
    }
  }
}

/** Waits for the refund's result until the run's deadline; notes where it stands if there is none. */
export async function awaitOutcome(ctx: ChaosContext, record: RefundRecord): Promise<RefundRecord> {
  if (!record.started) return record;
  const tid = record.plan.tid;
  try {
    // At least a moment, to read a result that is already there when the driver ends at the deadline.
    const wait = Math.max(RESULT_GRACE_MS, ctx.deadlineAt - Date.now());
    const result = await within(ctx.refunds.result(tid), wait, 'result');
    // The workflow's own completion time decides whether it was terminal by the deadline.
    const inTime = Date.parse(result.completedAt) <= ctx.deadlineAt;
    return { ...record, outcome: result.outcome, result, phaseAtDeadline: inTime ? undefined : 'not terminal yet' };
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      return { ...record, outcome: 'WORKFLOW_FAILED', problem: `the workflow failed: ${err.cause?.message ?? err}` };
    }
    noteError(ctx, 'result', err);
    const state = await within(ctx.refunds.getState(tid), 10_000, 'state query').catch(() => undefined);
    return { ...record, phaseAtDeadline: state?.phase ?? 'unknown (no answer to the state query)' };
  }
}

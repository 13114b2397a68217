// One chaos refund from start to past the OTP: seed its tid at the simulator, start it, let the
// faults loose, hand over the OTP. Errors from killed workers are tolerated; whatever goes wrong is
// recorded, never thrown, so one refund cannot stop the run. follow.ts takes it from there.
import { setTimeout as sleep } from 'node:timers/promises';
import { isOutcome, type RefundInput, RefundPhase } from '../../src/contract';
import { within } from '../../src/timeout';
import { type ChaosContext, injectFaults, noteError, waitForState } from './context';
import { handOverOtps } from './otp';
import { REFUND_TIMINGS, type RefundPlan } from './plans';
import type { ChaosRefund } from './refund';

/** Starts the refund and hands over its OTP; returns once the refund no longer needs the driver. */
export async function driveRefund(ctx: ChaosContext, refund: ChaosRefund): Promise<void> {
  const { plan } = refund;
  if (Date.now() > ctx.deadlineAt) {
    refund.problem = 'not started before the deadline';
    return;
  }
  ctx.sim.seed(plan.seed);
  const waitsForOtp = plan.otpSteps.length > 0 || plan.waitsForDeadline;
  // Without an OTP the workflow only inquires, from its first step: the faults must be there first.
  if (!waitsForOtp) injectFaults(ctx, plan.faults);
  try {
    refund.startedAt = Date.now();
    await start(ctx, refund);
    if (!waitsForOtp) return;
    const state = await waitForState(
      ctx,
      plan.tid,
      'AWAITING_OTP',
      (s) => s.phase === RefundPhase.AWAITING_OTP || isOutcome(s.phase),
    );
    // The faults strike the Eko calls made from here on: the refund call, inquiries, OTP requests.
    if (state.phase === RefundPhase.AWAITING_OTP) injectFaults(ctx, plan.faults);
    refund.resetsHandedOver = refund.resets;
    if (!plan.waitsForDeadline) await handOverOtps(ctx, plan, plan.otpSteps);
  } catch (err) {
    refund.problem = err instanceof Error ? err.message : String(err);
  }
}

/** How the chaos starts a refund: short timings, and the plan's own. */
export const refundInput = (plan: RefundPlan): RefundInput => ({
  tid: plan.tid,
  ...REFUND_TIMINGS,
  ...plan.input,
  requestedBy: 'chaos',
  reason: plan.scenario,
});

/** `start` is idempotent per tid (USE_EXISTING), so retrying it after an error is safe. */
async function start(ctx: ChaosContext, refund: ChaosRefund): Promise<void> {
  const { plan } = refund;
  const input = refundInput(plan);
  for (;;) {
    try {
      await within(ctx.refunds.start(input), 10_000, 'start');
      refund.started = true;
      return;
    } catch (err) {
      noteError(ctx, 'start', err);
      if (Date.now() > ctx.deadlineAt) throw err;
      await sleep(500);
    }
  }
}

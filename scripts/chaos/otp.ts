// The customer's OTP, handed over by "support staff" while workers are being killed. The rule that
// keeps this honest: an OTP is handed over again only while the refund still waits for it (phase
// AWAITING_OTP, no new submission). Once the refund left AWAITING_OTP for it, it is never sent
// again, unless the refund came back to AWAITING_OTP (a wrong or expired OTP) or a reset made a new
// run that waits for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { RefundRequestError, type RefundStatus } from '../../src/client';
import { isOutcome, RefundPhase, workflowIdFor } from '../../src/contract';
import { within } from '../../src/timeout';
import { type ChaosContext, comesTo, noteError, stateOf, waitForState } from './context';
import type { OtpStep, RefundPlan } from './plans';

/** How long an update may take: the refund call it answers for may meet faults and killed workers. */
const UPDATE_TIMEOUT_MS = 30_000;
/** After an error, how long a handed-over OTP or resend gets to show before it is asked again. */
const PATIENCE_MS = 15_000;

/**
 * Works through the OTP steps, each once the refund waits for an OTP, until the refund is past the
 * OTP (PENDING or an outcome). A refund that comes back to AWAITING_OTP after the steps gets the
 * right OTP, as support staff would do.
 */
export async function handOverOtps(ctx: ChaosContext, plan: RefundPlan, otpSteps: readonly OtpStep[]): Promise<void> {
  const steps = [...otpSteps];
  for (;;) {
    const state = await waitForState(
      ctx,
      plan.tid,
      'AWAITING_OTP, PENDING or an outcome',
      (s) => [RefundPhase.AWAITING_OTP, RefundPhase.PENDING].includes(s.phase as RefundPhase) || isOutcome(s.phase),
    );
    if (state.phase !== RefundPhase.AWAITING_OTP) return;
    const step = steps.shift();
    if (step === undefined) ctx.tally.extraOtps += 1;
    // Support staff take a moment to relay what the customer reads out.
    await sleep(plan.relayMs);
    await perform(ctx, plan, step ?? 'right', await stateOf(ctx, plan.tid));
  }
}

async function perform(ctx: ChaosContext, plan: RefundPlan, step: OtpStep, state: RefundStatus): Promise<void> {
  if (state.phase !== RefundPhase.AWAITING_OTP) return; // moved on meanwhile (cancelled, reset...): look again
  // The workflow could not get an OTP texted (its OTP request gave up): ask Eko to send one.
  if (step === 'resend' || ctx.sim.lastOtp(plan.tid) === undefined) {
    await resend(ctx, plan.tid, state);
    if (step === 'resend') return;
    state = await waitForState(ctx, plan.tid, 'new OTP', (s) => s.phase !== RefundPhase.SENDING_OTP);
    if (state.phase !== RefundPhase.AWAITING_OTP) return;
  }
  const current = ctx.sim.lastOtp(plan.tid);
  if (current === undefined) return; // the resend could not get one either: the loop asks again
  if (step === 'expired') ctx.sim.expireOtp(plan.tid);
  await submit(ctx, plan, step === 'wrong' ? wrongOtp(current) : current, state);
}

/** The right OTP with its last digit changed: same length, so it passes validation and reaches Eko. */
function wrongOtp(otp: string): string {
  const last = Number(otp[otp.length - 1]);
  return otp.slice(0, -1) + String((last + 1) % 10);
}

async function submit(ctx: ChaosContext, plan: RefundPlan, otp: string, state: RefundStatus): Promise<void> {
  // The OTP reached the refund once it moved: a call (SUBMITTING and on), a wrong OTP written back
  // (visibility's updatedAt), or a new run (a reset, a restart) that waits on its own.
  const moved = (s: RefundStatus) =>
    s.runId !== state.runId || s.updatedAt !== state.updatedAt || s.phase !== RefundPhase.AWAITING_OTP;
  for (;;) {
    const sent = await send(ctx, plan, otp);
    if (sent === 'answered') return;
    // A signal the server took is never lost: wait for it as long as it takes. Otherwise look.
    if (sent === 'signalled') return void (await waitForState(ctx, plan.tid, 'submission of the OTP', moved));
    if (await comesTo(ctx, plan.tid, moved, PATIENCE_MS)) return;
    // Still AWAITING_OTP and nothing submitted: no refund call was made with it, so again is safe.
    ctx.tally.otpRetries += 1;
  }
}

async function send(ctx: ChaosContext, plan: RefundPlan, otp: string): Promise<'answered' | 'signalled' | 'failed'> {
  const workflowId = workflowIdFor(plan.tid);
  try {
    switch (plan.delivery) {
      case 'update':
        ctx.tally.otpByUpdate += 1;
        if (ctx.otpViaApi) ctx.tally.otpByApi += 1;
        await within(
          ctx.otpViaApi?.(plan.tid, otp) ?? ctx.refunds.submitOtp(plan.tid, { otp }).then(() => undefined),
          UPDATE_TIMEOUT_MS,
          'submitOtp update',
        );
        return 'answered';
      case 'signal':
        ctx.tally.otpBySignal += 1;
        await within(ctx.client.workflow.getHandle(workflowId).signal('otp', { otp }), UPDATE_TIMEOUT_MS, 'otp signal');
        return 'signalled';
      case 'signal by hand':
        ctx.tally.otpByHand += 1;
        await ctx.cli([
          'workflow',
          'signal',
          '--workflow-id',
          workflowId,
          '--name',
          'otp',
          '--input',
          JSON.stringify({ otp }),
        ]);
        return 'signalled';
    }
  } catch (err) {
    // A killed worker, an update refused because an earlier attempt got through...: look first.
    noteError(ctx, `otp ${plan.delivery}`, err);
    return 'failed';
  }
}

/** Asks Eko to resend the OTP, by the `resendOtp` update, until the refund took the request. */
async function resend(ctx: ChaosContext, tid: string, state: RefundStatus): Promise<void> {
  const before = state.resendCount;
  ctx.tally.resends += 1;
  for (;;) {
    try {
      await within(ctx.refunds.resendOtp(tid), UPDATE_TIMEOUT_MS, 'resendOtp update');
      return;
    } catch (err) {
      noteError(ctx, 'resendOtp update', err);
      // "an OTP was requested less than 1s ago; retry in 1 s": the resend interval, not a failure.
      if (err instanceof RefundRequestError && /retry in/.test(err.message)) {
        await sleep(1_000);
        continue;
      }
    }
    if (await comesTo(ctx, tid, (s) => s.resendCount > before, PATIENCE_MS)) return;
    if ((await stateOf(ctx, tid)).phase !== RefundPhase.AWAITING_OTP) return;
  }
}

/**
 * The durable refund of one failed Eko transaction (docs/contract/refund-workflow.md): a loop
 * that runs the step of the current phase and feeds its event to the pure rules in decide.ts.
 */
import { allHandlersFinished, CancellationScope, condition, patched } from '@temporalio/workflow';
import { CANCELLABLE_PHASES, RefundPhase } from '../contract/names';
import type { RefundInput } from '../contract/schemas';
import type { RefundResult } from '../contract/types';
import { RefundInbox } from './inbox';
import { readInput } from './input';
import { RefundRun } from './run';
import { refundSteps } from './steps';

/**
 * Refunds started before this release run the commands they started with (`patched` is false
 * while their histories replay); new ones record the marker. Remove with `deprecatePatch` once
 * no refund started before it is running (README, "Changing the workflow safely").
 */
export const CURRENT_RELEASE_PATCH = 'refund-v2';

/**
 * otp and resendOtp signals wait for AWAITING_OTP before anything is decided on them (see
 * RefundInbox.admitSignal); refunds started before it decide on arrival, as their histories did.
 */
export const SIGNALS_WAIT_PATCH = 'signals-wait';

export async function refundWorkflow(rawInput: RefundInput): Promise<RefundResult> {
  const legacy = !patched(CURRENT_RELEASE_PATCH);
  const signalsWait = !legacy && patched(SIGNALS_WAIT_PATCH);
  const { params, ignored } = readInput(rawInput, legacy);
  const run = new RefundRun(params, legacy);
  if (ignored.length > 0) run.note(`ignored input field(s) this worker does not know: ${ignored.join(', ')}`);
  const inbox = new RefundInbox(run, signalsWait);
  inbox.listen();
  // A Temporal cancel request is one more message: honoured before SUBMITTING, noted after it.
  CancellationScope.current().cancelRequested.catch(() => inbox.temporalCancel());

  const { step, cancel } = refundSteps(run, inbox, legacy);
  // Not cancellable: a cancel request is handled above, and the refund always ends with a result.
  return CancellationScope.nonCancellable(async () => {
    while (!run.ended) {
      if (inbox.cancel !== undefined && CANCELLABLE_PHASES.includes(run.phase)) {
        // Usually CANCELLED; REFUNDED or PENDING when Eko shows a refund applied or under way.
        run.apply(await cancel(inbox.cancel));
        if (!run.ended) inbox.dropQueued('the cancel found a refund under way at Eko');
        continue;
      }
      const from = run.phase as RefundPhase;
      const events = await step(from);
      if (events === 'cancelled') continue;
      run.apply(events);
      if (from === RefundPhase.SUBMITTING) inbox.otpAnswered(); // answers the submitOtp update waiting on it
    }
    const result = run.result();
    inbox.dropSignals(); // a note in the state; the result keeps the time the refund ended
    await condition(allHandlersFinished);
    return result;
  });
}

/** What the refund does in each working phase: one activity or one wait, turned into an event. */
import {
  ActivityFailure,
  CancellationScope,
  condition,
  patched,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { RefundActivities } from '../activities';
import type { InquiryResult, ResetRunAnswer } from '../activities/results';
import { toMs } from '../contract/duration';
import { RefundPhase } from '../contract/names';
import { CHECK_SETTLES, SETTLE_SETTLES, TxStatus } from '../eko/answers';
import type { RefundEvent } from './decide';
import type { CancelRequested, RefundInbox } from './inbox';
import { activityOptions } from './options';
import type { RefundRun } from './run';

/**
 * Reset runs that learn when their reset was (isResetRun answers a time) wait only as long as a
 * call of the runs before could still be applied; histories recorded before it wait as they did.
 */
export const RESET_TIME_PATCH = 'reset-time';

/** The events of one step (usually one), or 'cancelled' when a cancel request cut it short. */
export type StepResult = RefundEvent[] | 'cancelled';

/**
 * The steps of one refund. `legacy` keeps the commands of refunds started before this release
 * (see refund.ts), so that their histories replay.
 */
export function refundSteps(run: RefundRun, inbox: RefundInbox, legacy: boolean) {
  const options = activityOptions(run.input);
  const { awaitTransactionStatus, prepareRefund } = proxyActivities<RefundActivities>(options.poll);
  const { requestRefundOtp } = proxyActivities<RefundActivities>(options.otp);
  // Refunds started before refund-v2 keep the activity type of their history; new ones use a type
  // that a worker one release behind does not have, so its unsafe refund call cannot run them.
  const submit = proxyActivities<RefundActivities>(options.submit);
  const submitRefund = legacy ? submit.submitRefund : submit.submitRefundV2;
  const { awaitTransactionStatus: deadlineCheck, isResetRun } = proxyActivities<RefundActivities>(
    options.deadlineCheck,
  );
  const { tid, initiatorId, userCode } = run.input;
  const initiator = { tid, initiatorId, userCode };

  // One timer for the whole OTP wait, started on the first AWAITING_OTP and never cancelled: wrong
  // OTPs and resends add no timer events, and a refund that ends first simply leaves it behind.
  let otpDeadline: Promise<void> | undefined;
  const startOtpDeadline = () => {
    if (otpDeadline) return;
    const remainingMs = Date.parse(run.state.otpDeadline ?? '') - Date.now();
    // A timer even when the deadline passed: whether there is one must not depend on the clock.
    const timer = legacy ? (remainingMs > 0 ? sleep(remainingMs) : Promise.resolve()) : sleep(Math.max(1, remainingMs));
    otpDeadline = timer.then(() => {
      inbox.otpDeadlinePassed = true;
    });
  };

  /** Runs an activity, abandoning it if a cancel is accepted meanwhile (phases before SUBMITTING only). */
  async function unlessCancelled<T>(work: () => Promise<T>): Promise<T | 'cancelled'> {
    const scope = new CancellationScope();
    let done = false;
    const running = scope.run(work).finally(() => (done = true));
    const cancelled = condition(() => inbox.cancel !== undefined || done).then(() => 'cancelled' as const);
    const first = await Promise.race([running, cancelled]);
    if (first === 'cancelled' && !done) {
      scope.cancel();
      running.catch(() => undefined);
      return first;
    }
    return running;
  }

  /** Turns an activity whose retries ran out into the event that says so. */
  async function orGaveUp(work: () => Promise<StepResult | RefundEvent>, what: string): Promise<StepResult> {
    try {
      const result = await work();
      return result === 'cancelled' || Array.isArray(result) ? result : [result];
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return [{ type: 'gave_up', message: `${what} (last error: ${lastError(err)})` }];
    }
  }

  /** An activity whose retries ran out: `fallback`, with a note saying why. */
  async function orNoted<T, F>(work: () => Promise<T>, fallback: F, why: (error: string) => string): Promise<T | F> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      run.note(why(lastError(err)));
      return fallback;
    }
  }

  /** Transaction Inquiry until the tx_status is final (0, 1, 3 or 4), as CHECKING polls. */
  const untilFinalStatus = () =>
    awaitTransactionStatus({ ...initiator, settledStatuses: CHECK_SETTLES, purpose: 'check' });

  /** CHECKING as refunds before this release ran it: an inquiry alone, then SENDING_OTP as its own step. */
  async function legacyCheck(): Promise<StepResult | RefundEvent> {
    const result = await unlessCancelled(untilFinalStatus);
    return result === 'cancelled' ? result : { type: 'checked', result };
  }

  /** CHECKING and the OTP request in one activity; if the OTP request failed, SENDING_OTP asks again. */
  async function check(): Promise<StepResult> {
    const result = await unlessCancelled(() => prepareRefund({ ...initiator, requestOtp: run.input.requestOtp }));
    if (result === 'cancelled') return result;
    const events: RefundEvent[] = [{ type: 'checked', result: result.check }];
    if (result.otp) {
      run.otpRequested();
      if (result.otp.kind === 'sent') run.otpRefId = result.otp.otpRefId ?? run.otpRefId;
      events.push({ type: 'otp_requested', result: result.otp });
    }
    if (result.otpFailed) run.note(`requesting the OTP failed (${result.otpFailed}): asking again`);
    return events;
  }

  /**
   * A cancel before SUBMITTING. New refunds inquire first: a refund applied meanwhile (by a run that
   * was reset) is reported as such, not as CANCELLED.
   */
  async function cancel(request: CancelRequested): Promise<RefundEvent[]> {
    if (legacy) return [{ type: 'cancelled', ...request }];
    return [{ type: 'cancelled', ...request, ...(await finalInquiry('before cancelling')) }];
  }

  async function step(phase: RefundPhase): Promise<StepResult> {
    switch (phase) {
      case RefundPhase.CHECKING:
        return orGaveUp(
          legacy ? legacyCheck : check,
          'Eko did not report a final status for the transaction before the poll deadline',
        );

      case RefundPhase.SENDING_OTP: {
        run.otpRequested();
        try {
          const result = await unlessCancelled(() => requestRefundOtp({ tid, initiatorId }));
          if (result === 'cancelled') return result;
          if (result.kind === 'sent') run.otpRefId = result.otpRefId ?? run.otpRefId;
          return [{ type: 'otp_requested', result }];
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          return [{ type: 'otp_request_failed', message: lastError(err) }];
        } finally {
          inbox.resend = undefined;
        }
      }

      case RefundPhase.AWAITING_OTP: {
        startOtpDeadline();
        const actionable = () =>
          inbox.hasOtp || inbox.cancel !== undefined || inbox.resend !== undefined || inbox.otpDeadlinePassed;
        // Signals are decided on here, one at a time in arrival order, with the refund waiting for
        // the OTP; those after the first that asks for something wait for the next time it waits.
        await condition(() => actionable() || inbox.hasSignals);
        while (!actionable()) {
          inbox.admitSignal();
          if (!actionable()) await condition(() => actionable() || inbox.hasSignals);
        }
        if (inbox.cancel !== undefined) return 'cancelled'; // the loop applies it
        // An OTP in hand wins over a resend asked for in the same moment: it was typed for the
        // OTP the customer holds, and a resend would make it wrong (refunds before this release: resend first).
        if (inbox.hasOtp && !(legacy && inbox.resend !== undefined)) {
          if (inbox.resend !== undefined)
            run.note('a resend asked for as an OTP arrived was dropped: the OTP goes first');
          inbox.resend = undefined;
          return [{ type: 'otp_received', actor: inbox.nextOtpActor }];
        }
        // The deadline wins over a resend asked for in the same moment: a new OTP could not be used
        // (refunds before this release: the resend first).
        if (inbox.resend !== undefined && (legacy || !inbox.otpDeadlinePassed)) {
          return [{ type: 'resend_requested', actor: inbox.resend.actor }];
        }
        if (legacy) return [{ type: 'otp_timed_out' }];
        if (inbox.resend !== undefined) {
          run.note('a resend asked for as the OTP deadline passed was not sent');
          inbox.resend = undefined;
        }
        return [{ type: 'otp_timed_out', ...(await finalInquiry('at the OTP deadline')) }];
      }

      case RefundPhase.SUBMITTING: {
        const otp = inbox.takeOtp();
        if (!otp) throw new Error('bug: SUBMITTING without an OTP');
        return orGaveUp(async () => {
          const result = await submitRefund({
            ...initiator,
            otp: otp.otp,
            otpRefId: otp.otpRefId,
            serviceCode: run.input.serviceCode,
            settleWindowMs: toMs(run.input.settleWindow),
            // The activity tells from its run id whether this run was made by a reset (see madeByReset).
            ...(!legacy && { originalRunId: workflowInfo().originalExecutionRunId }),
          });
          return { type: 'refund_answered', result };
        }, 'the refund call kept failing; it may or may not have reached Eko: check the transaction with Eko');
      }

      case RefundPhase.PENDING:
        return orGaveUp(async () => {
          const result = await awaitTransactionStatus({
            ...initiator,
            settledStatuses: SETTLE_SETTLES,
            purpose: 'settle',
          });
          return { type: 'settled', result };
        }, 'the refund was not final before the poll deadline');
    }
  }

  /**
   * The inquiry before a refund ends without a refund call (at the OTP deadline, or cancelled). In a
   * run made by a reset, "refund pending" or no answer may hide a refund call of the run before that
   * Eko is still applying: as the refund call's own check does, it waits until that call's settle
   * window ended (not at all if it had when Eko read the first inquiry) and asks again. A
   * transaction in flight (2, 5, unknown) is inquired until its status is final, as CHECKING does.
   */
  async function finalInquiry(when: string): Promise<{ result?: InquiryResult; afterReset: boolean }> {
    const [reset, first] = await Promise.all([madeByReset(), inquireOnce(when)]);
    const afterReset = reset !== false;
    let result = first;
    // A refusal of the inquiry says nothing about a refund call in flight: asked again too.
    const unclear = result?.kind !== 'settled' || result.txStatus === TxStatus.RefundPending;
    const waitMs = afterReset && unclear ? resetRunWait(reset, first) : 0;
    if (waitMs > 0) {
      run.note(
        `a reset run: the run before may have sent a refund call; asking Eko again ${when}, after the settle window`,
      );
      await sleep(waitMs);
      result = await inquireOnce(when);
    }
    if (result?.kind === 'settled' && !CHECK_SETTLES.includes(result.txStatus)) {
      run.note(`the transaction is in flight at Eko ${when}: inquiring until its status is final`);
      result = await orNoted(untilFinalStatus, undefined, (error) => `the status stayed in flight ${when} (${error})`);
    }
    return { result, afterReset };
  }

  /**
   * How long a reset run waits before it asks Eko again: until a refund call the runs before had
   * under way can no longer be applied (the end isResetRun gave, plus a settle window). Recorded
   * times only, never the workflow's clock, which may differ between the live run and a replay
   * when a message started this: Eko read the status no earlier than its answer's time less a
   * call's timeout. Without the reset's time, and for histories from before RESET_TIME_PATCH: a
   * settle window plus `ekoCallTimeout`.
   */
  function resetRunWait(reset: ResetRunAnswer, first: InquiryResult | undefined): number {
    const settleMs = toMs(run.input.settleWindow);
    const callMs = toMs(run.input.ekoCallTimeout);
    const answeredAt = Date.parse(first?.eko?.at ?? '');
    if (typeof reset !== 'number' || !Number.isFinite(answeredAt) || !patched(RESET_TIME_PATCH)) {
      return settleMs + callMs;
    }
    const readNoEarlierThan = answeredAt - callMs;
    return Math.max(0, reset + settleMs - readNoEarlierThan);
  }

  /** Asked of the worker (recorded in history), never read from workflowInfo(): see isResetRun. */
  const madeByReset = () =>
    orNoted(
      () => isResetRun({ originalRunId: workflowInfo().originalExecutionRunId }),
      true,
      (error) => `could not tell whether this run was made by a reset (${error}): presumed so`,
    );

  /** One inquiry (retried as deadlineCheck allows); if Eko does not answer, undefined and a note. */
  const inquireOnce = (when: string) =>
    orNoted(
      () => deadlineCheck(initiator),
      undefined,
      (error) => `no inquiry ${when} (${error})`,
    );

  return { step, cancel };
}

function lastError(err: ActivityFailure): string {
  return (err.cause?.cause as Error | undefined)?.message ?? err.cause?.message ?? 'unknown error';
}

import { msToNumber } from '@temporalio/common/lib/time';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  metricMeter,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RefundActivities } from '../activities';
import { TxStatus } from '../eko/answers';
import {
  CANCELLABLE_PHASES,
  cancelRequestSchema,
  describeZodError,
  isOutcome,
  type OtpSubmission,
  otpSubmissionSchema,
  parseOrThrow,
  type Phase,
  type RefundInput,
  refundInputSchema,
  RefundPhase,
  type RefundResult,
  type RefundState,
  SEARCH_ATTRIBUTES,
} from '../contract';
import { METRICS } from '../contract';
import { addNote, decide, initialState, type RefundEvent } from './decide';
import { cancelUpdate, otpSignal, resendOtpSignal, resendOtpUpdate, stateQuery, submitOtpUpdate } from '../contract';

const { phase: PHASE_KEY, tid: TID_KEY } = SEARCH_ATTRIBUTES;

/** The durable refund of one failed Eko transaction. See ../shared/refund-workflow.md. */
export async function refundWorkflow(rawInput: RefundInput): Promise<RefundResult> {
  const parsed = refundInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid refund input: ${describeZodError(parsed.error)}`,
      'InvalidRefundInput',
    );
  }
  const input = parsed.data;
  const { tid, initiatorId, userCode } = input;
  const otpTimeoutMs = msToNumber(input.otpTimeout);
  const resendIntervalMs = msToNumber(input.resendInterval);

  const acts = proxyActivities<RefundActivities>({
    startToCloseTimeout: input.ekoCallTimeout,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  });
  // Configuration and auth errors are retried so that fixing the configuration resumes the refund.
  const { submitRefund } = proxyActivities<RefundActivities>({
    startToCloseTimeout: input.ekoCallTimeout,
    scheduleToCloseTimeout: input.submitDeadline,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });
  // Polling is activity retries: the history does not grow with the number of polls.
  const { awaitTransactionStatus } = proxyActivities<RefundActivities>({
    startToCloseTimeout: input.ekoCallTimeout,
    scheduleToCloseTimeout: input.pollDeadline,
    retry: { initialInterval: input.pollInterval, backoffCoefficient: 2, maximumInterval: input.maxPollInterval },
  });

  let state: RefundState = initialState(tid, input.maxOtpAttempts, Date.now());
  let otpRefId = input.otpRefId; // a secret: kept out of the state the query returns
  const otpQueue: OtpSubmission[] = [];
  let otpsReceived = 0;
  let otpsAnswered = 0;
  let cancelReason: string | undefined;
  let resendRequested = false;
  let lastOtpRequestAt = Number.NEGATIVE_INFINITY;

  const apply = (event: RefundEvent) => {
    const from = state.phase;
    state = decide(state, event, {
      now: Date.now(),
      requestOtp: input.requestOtp,
      maxOtpAttempts: input.maxOtpAttempts,
      otpTimeoutMs,
    });
    if (state.phase !== from) upsertSearchAttributes([{ key: PHASE_KEY, value: state.phase }]);
    if (event.type === 'otp_received' && !otpWaitRecorded && state.otpDeadline) {
      otpWaitRecorded = true;
      const waitingSince = Date.parse(state.otpDeadline) - otpTimeoutMs;
      metricMeter.createHistogram(METRICS.otpWait, 'int', 'ms').record(Date.now() - waitingSince);
    }
  };
  let otpWaitRecorded = false;
  const note = (text: string) => {
    state = addNote(state, text, Date.now());
  };

  // ---- messages ----
  setHandler(stateQuery, () => state);

  const otpRefusal = (): string | undefined => {
    if (state.phase !== RefundPhase.AWAITING_OTP) return `the refund is ${state.phase}, not waiting for an OTP`;
    if (otpQueue.length > 0) return 'an OTP is already being submitted';
    if (cancelReason !== undefined) return 'the refund is being cancelled';
    return undefined;
  };
  const enqueueOtp = (submission: OtpSubmission): number => {
    otpQueue.push(submission);
    return (otpsReceived += 1);
  };

  setHandler(otpSignal, (submission) => {
    const valid = otpSubmissionSchema.safeParse(submission);
    if (!valid.success) return note(`dropped an otp signal: ${describeZodError(valid.error)}`);
    const refusal = otpRefusal();
    if (refusal) return note(`ignored an otp signal: ${refusal}`);
    enqueueOtp(valid.data);
  });
  setHandler(
    submitOtpUpdate,
    async (submission) => {
      const ticket = enqueueOtp(otpSubmissionSchema.parse(submission));
      await condition(() => otpsAnswered >= ticket || isOutcome(state.phase));
      return {
        phase: state.phase,
        message: state.lastEkoAnswer?.message ?? state.transitions[state.transitions.length - 1].reason,
        otpAttemptsLeft: state.otpAttemptsLeft,
      };
    },
    {
      // Runs before anything is written to history: a bad OTP or a wrong phase leaves no trace.
      validator: (submission) => {
        parseOrThrow(otpSubmissionSchema, submission, 'OTP submission');
        const refusal = otpRefusal();
        if (refusal) throw new Error(`OTP not accepted: ${refusal}`);
      },
    },
  );

  const resendRefusal = (): string | undefined => {
    if (state.phase !== RefundPhase.AWAITING_OTP) return `the refund is ${state.phase}, not waiting for an OTP`;
    if (resendRequested) return 'a resend is already under way';
    if (state.resendCount >= input.maxResends) return `the OTP was already resent ${state.resendCount} times`;
    const waitMs = lastOtpRequestAt + resendIntervalMs - Date.now();
    if (waitMs > 0)
      return `an OTP was requested less than ${input.resendInterval} ago; retry in ${Math.ceil(waitMs / 1000)} s`;
    return undefined;
  };
  setHandler(resendOtpSignal, () => {
    const refusal = resendRefusal();
    if (refusal) return note(`ignored a resendOtp signal: ${refusal}`);
    resendRequested = true;
  });
  setHandler(
    resendOtpUpdate,
    async (_request) => {
      resendRequested = true;
      await condition(() => !resendRequested && state.phase !== RefundPhase.SENDING_OTP);
      return { phase: state.phase, resendCount: state.resendCount };
    },
    {
      validator: (_request) => {
        const refusal = resendRefusal();
        if (refusal) throw new Error(`OTP not resent: ${refusal}`);
      },
    },
  );

  setHandler(
    cancelUpdate,
    async ({ reason }) => {
      cancelReason = reason;
      await condition(() => isOutcome(state.phase));
      return { phase: state.phase };
    },
    {
      validator: (request) => {
        parseOrThrow(cancelRequestSchema, request, 'cancel request');
        if (!CANCELLABLE_PHASES.includes(state.phase)) {
          throw new Error(
            isOutcome(state.phase)
              ? `cannot cancel: the refund already ended as ${state.phase}`
              : `cannot cancel: the refund was submitted to Eko (${state.phase}); it is tracked to a final outcome`,
          );
        }
      },
    },
  );

  // ---- the refund ----
  const tidAttribute = workflowInfo().typedSearchAttributes.get(TID_KEY);
  const phaseAttribute = workflowInfo().typedSearchAttributes.get(PHASE_KEY);
  if (tidAttribute !== tid || phaseAttribute !== state.phase) {
    // Starts from the client set these already; a start from the `temporal` CLI may not have.
    upsertSearchAttributes([
      { key: TID_KEY, value: tid },
      { key: PHASE_KEY, value: state.phase },
    ]);
  }

  /** Runs an activity, abandoning it if a cancel is accepted meanwhile (phases before SUBMITTING only). */
  async function unlessCancelled<T>(work: () => Promise<T>): Promise<T | 'cancelled'> {
    const scope = new CancellationScope();
    const running = scope.run(work);
    const cancelled = condition(() => cancelReason !== undefined).then(() => 'cancelled' as const);
    const first = await Promise.race([running, cancelled]);
    if (first === 'cancelled') {
      scope.cancel();
      running.catch(() => undefined);
    }
    return first;
  }

  /** Turns an activity whose retries ran out into the event that says so. */
  async function orGaveUp(
    work: () => Promise<RefundEvent | 'cancelled'>,
    what: string,
  ): Promise<RefundEvent | 'cancelled'> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = (err.cause?.cause as Error | undefined)?.message ?? err.cause?.message ?? 'unknown';
      return { type: 'gave_up', message: `${what} (last error: ${cause})` };
    }
  }

  // One timer for the whole OTP wait, started on the first AWAITING_OTP and never cancelled: wrong
  // OTPs and resends add no timer events, and a refund that ends first simply leaves it behind.
  let otpDeadlinePassed = false;
  let otpDeadlineTimer: Promise<void> | undefined;
  function startOtpDeadlineTimer(): void {
    if (otpDeadlineTimer) return;
    const remainingMs = Date.parse(state.otpDeadline ?? '') - Date.now();
    otpDeadlineTimer = remainingMs > 0 ? sleep(remainingMs) : Promise.resolve();
    void otpDeadlineTimer.then(() => (otpDeadlinePassed = true));
  }

  const initiator = { initiatorId, userCode };
  while (!isOutcome(state.phase)) {
    if (cancelReason !== undefined && CANCELLABLE_PHASES.includes(state.phase)) {
      apply({ type: 'cancelled', reason: cancelReason });
      break;
    }
    const from = state.phase;
    const event = await step(from);
    if (event === 'cancelled') continue;
    apply(event);
    if (from === RefundPhase.SUBMITTING) otpsAnswered += 1; // answers the submitOtp update waiting on it
  }

  async function step(phase: Phase): Promise<RefundEvent | 'cancelled'> {
    switch (phase) {
      case RefundPhase.CHECKING:
        return orGaveUp(async () => {
          const result = await unlessCancelled(() =>
            awaitTransactionStatus({
              tid,
              ...initiator,
              settledStatuses: [TxStatus.Success, TxStatus.Fail, TxStatus.RefundPending, TxStatus.Refunded],
              purpose: 'check',
            }),
          );
          return result === 'cancelled' ? result : { type: 'checked', result };
        }, 'Eko did not report a final status for the transaction before the poll deadline');

      case RefundPhase.SENDING_OTP: {
        lastOtpRequestAt = Date.now();
        try {
          const result = await unlessCancelled(() => acts.requestRefundOtp({ tid, initiatorId }));
          if (result === 'cancelled') return result;
          if (result.kind === 'sent') otpRefId = result.otpRefId ?? otpRefId;
          return { type: 'otp_requested', result };
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          return { type: 'otp_request_failed', message: err.cause?.message ?? 'unknown error' };
        } finally {
          resendRequested = false;
        }
      }

      case RefundPhase.AWAITING_OTP: {
        startOtpDeadlineTimer();
        await condition(
          () => otpQueue.length > 0 || cancelReason !== undefined || resendRequested || otpDeadlinePassed,
        );
        if (cancelReason !== undefined) return 'cancelled'; // the loop applies it
        if (resendRequested) return { type: 'resend_requested' };
        if (otpQueue.length > 0) return { type: 'otp_received' };
        return { type: 'otp_timed_out' };
      }

      case RefundPhase.SUBMITTING: {
        const submission = otpQueue.shift();
        if (!submission) throw new Error('bug: SUBMITTING without an OTP');
        return orGaveUp(async () => {
          const result = await submitRefund({
            tid,
            ...initiator,
            otp: submission.otp,
            otpRefId: submission.otpRefId ?? otpRefId,
            serviceCode: input.serviceCode,
          });
          return { type: 'refund_answered', result };
        }, 'the refund call kept failing; it may or may not have reached Eko: check the transaction with Eko');
      }

      case RefundPhase.PENDING:
        return orGaveUp(async () => {
          const result = await awaitTransactionStatus({
            tid,
            ...initiator,
            settledStatuses: [TxStatus.Success, TxStatus.Fail, TxStatus.Refunded],
            purpose: 'settle',
          });
          return { type: 'settled', result };
        }, 'the refund was not final before the poll deadline');

      default:
        throw new Error(`bug: no step for phase ${phase}`);
    }
  }

  const outcome = { outcome: state.outcome! };
  metricMeter.createCounter(METRICS.refundsCompleted, 'refunds').add(1, outcome);
  const durationMs = Date.now() - workflowInfo().runStartTime.getTime();
  metricMeter.createHistogram(METRICS.refundDuration, 'int', 'ms').record(durationMs, outcome);

  const last = state.lastEkoAnswer;
  return {
    tid,
    outcome: state.outcome!,
    reason: state.transitions[state.transitions.length - 1].reason,
    ekoCode: last?.status,
    ekoMessage: last?.message,
    refund: state.refund,
    completedAt: state.updatedAt,
  };
}

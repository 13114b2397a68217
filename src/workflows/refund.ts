/**
 * The durable refund of one failed Eko transaction (docs/contract/refund-workflow.md). Every
 * message it takes is registered at the top of `refundWorkflow`; handlers only queue. The loop
 * below it runs the step the rules choose (rules.ts) and feeds the step's result back to them.
 */
import {
  ActivityFailure,
  allHandlersFinished,
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
import { toMs } from '../contract/duration';
import {
  cancelUpdate,
  otpSignal,
  resendOtpSignal,
  resendOtpUpdate,
  stateQuery,
  submitOtpUpdate,
} from '../contract/messages';
import { FAILURE_TYPES, isOutcome, METRICS, RefundPhase, SEARCH_ATTRIBUTES } from '../contract/names';
import {
  acceptedOrThrow,
  checkCancelRequest,
  checkOtpSubmission,
  checkResendRequest,
  describeIssues,
  type Checked,
} from '../contract/rules';
import type { RefundInput, RefundParams } from '../contract/schemas';
import { searchAttributesOf } from '../contract/state';
import type { RefundResult } from '../contract/types';
import { SETTLE_SETTLES } from '../eko/answers';
import { readInput } from './input';
import { activityOptions } from './options';
import {
  addNote,
  answered,
  cancelWaiting,
  decide,
  type Message,
  nextStep,
  type Policy,
  type Refund,
  type RefundEvent,
  start,
  type Step,
} from './rules';

export async function refundWorkflow(rawInput: RefundInput): Promise<RefundResult> {
  const input = readInput(rawInput);
  const run = new RefundRun(input.params);
  if (input.ignored.length > 0)
    run.note(`ignored input field(s) this worker does not know: ${input.ignored.join(', ')}`);

  setHandler(stateQuery, () => run.model.view);
  setHandler(otpSignal, (raw) => run.signal(checkOtpSubmission(raw), 'otp'));
  setHandler(submitOtpUpdate, (raw) => run.submitOtp(raw), { validator: (raw) => run.checkOtp(raw) });
  setHandler(resendOtpSignal, (raw) => run.signal(checkResendRequest(raw ?? {}), 'resend'));
  setHandler(resendOtpUpdate, (raw) => run.resendOtp(raw), { validator: (raw) => run.checkResend(raw) });
  setHandler(cancelUpdate, (raw) => run.cancel(raw), { validator: (raw) => run.checkCancel(raw) });
  // A Temporal cancel (Web UI, `temporal workflow cancel`, handle.cancel()) is one more message.
  CancellationScope.current().cancelRequested.catch(() => run.arrive({ kind: 'cancel', reason: TEMPORAL_CANCEL }));

  const perform = steps(run);
  // Not cancellable: a cancel request is a message, and the refund always ends with a result.
  return CancellationScope.nonCancellable(async () => {
    for (let step = nextStep(run.model); step.kind !== 'done'; step = nextStep(run.model)) {
      run.apply(await perform(step));
    }
    await condition(allHandlersFinished);
    return run.result();
  });
}

const TEMPORAL_CANCEL = 'cancel requested through Temporal (Web UI, temporal workflow cancel or handle.cancel())';

/** One refund's state, its messages, and what visibility shows of it. */
class RefundRun {
  model: Refund;
  readonly policy: Policy;
  private readonly waiting = new Map<number, () => void>();
  /** The search attributes last written, as (phase, attempts left, resends). */
  private written: string | undefined;

  constructor(readonly input: RefundParams) {
    this.policy = {
      requestOtp: input.requestOtp,
      maxOtpAttempts: input.maxOtpAttempts,
      maxResends: input.maxResends,
      otpTimeoutMs: toMs(input.otpTimeout),
      resendIntervalMs: toMs(input.resendInterval),
    };
    this.model = start(input.tid, this.policy, Date.now(), input.otpRefId);
    // Starts from the client carry these already; a start by hand may not.
    const given = workflowInfo().typedSearchAttributes;
    if (given.get(SEARCH_ATTRIBUTES.tid) === input.tid && given.get(SEARCH_ATTRIBUTES.phase) === RefundPhase.CHECKING) {
      this.written = this.searchKey();
    }
    this.writeSearchAttributes();
  }

  apply(event: RefundEvent): void {
    const before = this.model;
    this.model = decide(this.model, event, this.policy, Date.now());
    if (this.model.view.phase === RefundPhase.SUBMITTING && before.view.phase === RefundPhase.AWAITING_OTP) {
      const waitedMs = Date.now() - (Date.parse(this.model.view.otpDeadline!) - this.policy.otpTimeoutMs);
      metricMeter.createHistogram(METRICS.otpWait, 'int', 'ms').record(waitedMs);
    }
    this.writeSearchAttributes();
    for (const [id, answer] of this.waiting) if (answered(this.model, id)) answer();
  }

  note(text: string): void {
    this.model = addNote(this.model, text, Date.now());
  }

  /** Queues a message; resolves, once it was acted on (or dropped), with the refund as it was then. */
  arrive(message: Message): Promise<{ id: number; then: Refund }> {
    const id = this.model.nextId;
    this.apply({ type: 'arrived', message });
    if (answered(this.model, id)) return Promise.resolve({ id, then: this.model });
    return new Promise((resolve) =>
      this.waiting.set(id, () => (this.waiting.delete(id), resolve({ id, then: this.model }))),
    );
  }

  /** A signal by hand carries no answer: a malformed one is noted and dropped, never fatal. */
  signal<T>(checked: Checked<T>, kind: 'otp' | 'resend'): void {
    if (!checked.ok)
      return this.note(`dropped a${kind === 'otp' ? 'n otp' : ' resendOtp'} signal: ${describeIssues(checked.issues)}`);
    void this.arrive({ kind, ...checked.value } as Message);
  }

  async submitOtp(raw: unknown) {
    const { id, then } = await this.arrive({
      kind: 'otp',
      ...acceptedOrThrow(checkOtpSubmission(raw), 'OTP submission'),
    });
    const { view } = then;
    const message =
      then.unused[id] ?? view.lastEkoAnswer?.message ?? view.transitions[view.transitions.length - 1].reason;
    return { phase: view.phase, message, otpAttemptsLeft: view.otpAttemptsLeft };
  }

  async resendOtp(raw: unknown) {
    const { then } = await this.arrive({
      kind: 'resend',
      ...acceptedOrThrow(checkResendRequest(raw ?? {}), 'resend request'),
    });
    return { phase: then.view.phase, resendCount: then.view.resendCount };
  }

  async cancel(raw: unknown) {
    const { then } = await this.arrive({
      kind: 'cancel',
      ...acceptedOrThrow(checkCancelRequest(raw), 'cancel request'),
    });
    return { phase: then.view.phase };
  }

  /*
   * Validators refuse only what will not change: malformed input, an ended refund, one that reached
   * Eko (PENDING), the clock. A transient phase refuses nothing: the message waits its turn.
   */
  checkOtp(raw: unknown): void {
    acceptedOrThrow(checkOtpSubmission(raw), 'OTP submission');
    this.refuseWhenPast('OTP not accepted');
    const { otpDeadline } = this.model.view;
    if (this.model.deadlinePassed || (otpDeadline !== undefined && Date.now() >= Date.parse(otpDeadline))) {
      throw refused(FAILURE_TYPES.notAwaitingOtp, 'OTP not accepted: the OTP deadline passed');
    }
  }

  checkResend(raw: unknown): void {
    acceptedOrThrow(checkResendRequest(raw ?? {}), 'resend request');
    this.refuseWhenPast('OTP not resent');
    const { model, input } = this;
    const queued = model.inbox.filter((q) => q.message.kind === 'resend').length;
    const why = model.deadlinePassed
      ? 'the OTP deadline passed'
      : queued > 0 || model.acting?.message.kind === 'resend'
        ? 'a resend is already under way'
        : model.view.resendCount >= input.maxResends
          ? `the OTP was already resent ${model.view.resendCount} times`
          : undefined;
    if (why) throw refused(FAILURE_TYPES.resendRefused, `OTP not resent: ${why}`);
    const waitMs = Date.parse(model.view.resendAllowedAt ?? '') - Date.now();
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      const message = `OTP not resent: an OTP was requested less than ${input.resendInterval} ago; retry in ${retryAfterSeconds} s`;
      throw ApplicationFailure.create({ type: FAILURE_TYPES.resendTooSoon, message, details: [{ retryAfterSeconds }] });
    }
  }

  checkCancel(raw: unknown): void {
    acceptedOrThrow(checkCancelRequest(raw), 'cancel request');
    this.refuseWhenPast('cannot cancel');
  }

  private refuseWhenPast(what: string): void {
    const { phase } = this.model.view;
    if (isOutcome(phase)) throw refused(FAILURE_TYPES.refundEnded, `${what}: the refund already ended as ${phase}`);
    if (phase === RefundPhase.PENDING) {
      throw refused(
        FAILURE_TYPES.submittedToEko,
        `${what}: the refund was submitted to Eko (PENDING); it is tracked to a final outcome`,
      );
    }
  }

  /** One upsert when what a dashboard filters on changes; the transient SUBMITTING is not written. */
  private writeSearchAttributes(): void {
    if (this.model.view.phase === RefundPhase.SUBMITTING) return;
    const key = this.searchKey();
    if (key === this.written) return;
    this.written = key;
    upsertSearchAttributes(searchAttributesOf(this.model.view));
  }

  private searchKey(): string {
    const { phase, otpAttemptsLeft, resendCount } = this.model.view;
    return `${phase} ${otpAttemptsLeft} ${resendCount}`;
  }

  result(): RefundResult {
    const state = this.model.view;
    const outcome = { outcome: state.outcome! };
    metricMeter.createCounter(METRICS.refundsCompleted, 'refunds').add(1, outcome);
    const durationMs = Date.now() - workflowInfo().runStartTime.getTime();
    metricMeter.createHistogram(METRICS.refundDuration, 'int', 'ms').record(durationMs, outcome);
    return {
      tid: state.tid,
      outcome: state.outcome!,
      reason: state.transitions[state.transitions.length - 1].reason,
      ekoCode: state.lastEkoAnswer?.status,
      ekoMessage: state.lastEkoAnswer?.message,
      refund: state.refund,
      completedAt: state.updatedAt,
      state,
    };
  }
}

const refused = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

/** What each step does: one activity or one wait, turned into the event the rules take. */
function steps(run: RefundRun) {
  const options = activityOptions(run.input);
  const { prepareRefund, awaitTransactionStatus, inquireBeforeEnding } = proxyActivities<RefundActivities>(
    options.poll,
  );
  const { requestRefundOtp } = proxyActivities<RefundActivities>(options.otp);
  const { submitRefund } = proxyActivities<RefundActivities>(options.submit);
  const { tid, initiatorId, userCode, serviceCode, requestOtp } = run.input;
  const initiator = { tid, initiatorId, userCode };
  const settleWindowMs = toMs(run.input.settleWindow);

  // One timer for the whole OTP wait, started on the first AWAITING_OTP and never cancelled.
  let deadline: Promise<void> | undefined;
  const startDeadline = () => {
    deadline ??= sleep(Math.max(1, Date.parse(run.model.view.otpDeadline!) - Date.now())).then(() =>
      run.apply({ type: 'deadline_passed' }),
    );
  };

  /** An activity that a cancel in the inbox cuts short (CHECKING and SENDING_OTP only). */
  async function unlessCancelled<T>(work: () => Promise<T>, done: (result: T) => RefundEvent): Promise<RefundEvent> {
    // Always started, then cut short: a replay that sees the cancel already queued must schedule
    // (and cancel) the same activity as a worker that got the cancel a task later.
    const scope = new CancellationScope();
    const activity = scope.run(work);
    const cancel = condition(() => cancelWaiting(run.model)).then(() => 'cancel' as const);
    const first = await Promise.race([activity, cancel]);
    if (first !== 'cancel') return done(first);
    scope.cancel();
    activity.catch(() => undefined);
    return { type: 'cancel_first' };
  }

  /** An activity whose retries ran out: the rules hear it gave up, and why. */
  async function orGaveUp<T>(
    work: () => Promise<T>,
    done: (result: T) => RefundEvent,
    what: string,
  ): Promise<RefundEvent> {
    try {
      return done(await work());
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return { type: 'gave_up', message: `${what} (last error: ${lastError(err)})` };
    }
  }

  return async (step: Exclude<Step, { kind: 'done' }>): Promise<RefundEvent> => {
    switch (step.kind) {
      case 'check':
        return orGaveUp(
          () =>
            unlessCancelled(
              () => prepareRefund({ ...initiator, requestOtp }),
              (result) => ({ type: 'checked', result }),
            ),
          (event) => event,
          'Eko did not report a final status for the transaction before the poll deadline',
        );
      case 'request_otp':
        try {
          return await unlessCancelled(
            () => requestRefundOtp(initiator),
            (result) => ({ type: 'otp_requested', result }),
          );
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          return { type: 'otp_request_failed', message: lastError(err) };
        }
      case 'wait':
        startDeadline();
        await condition(() => run.model.inbox.length > 0 || run.model.deadlinePassed);
        return { type: 'attend' };
      case 'refund_call':
        return orGaveUp(
          () => submitRefund({ ...initiator, ...step.otp, serviceCode, settleWindowMs }),
          (result) => ({ type: 'refund_answered', result }),
          'the refund call kept failing; it may or may not have reached Eko: check the transaction with Eko',
        );
      case 'poll':
        return orGaveUp(
          () => awaitTransactionStatus({ ...initiator, settledStatuses: SETTLE_SETTLES }),
          (result) => ({ type: 'settled', result }),
          'the refund was not final before the poll deadline',
        );
      case 'inquire_before_ending':
        return orGaveUp(
          () => inquireBeforeEnding({ ...initiator, settleWindowMs }),
          (result) => ({ type: 'inquired_before_ending', result }),
          'Eko gave no final status before the refund could end without a refund: check the transaction with Eko',
        );
    }
  };
}

function lastError(err: ActivityFailure): string {
  return (err.cause?.cause as Error | undefined)?.message ?? err.cause?.message ?? 'unknown error';
}

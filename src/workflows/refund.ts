/**
 * The durable refund of one failed Eko transaction (docs/contract/refund-workflow.md). Every
 * message it takes is registered at the top of `refundWorkflow`; handlers only queue, and the loop
 * below them runs the step the rules choose (rules.ts), feeding each step's result back to them.
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
import * as messages from '../contract/messages';
import { METRICS, RefundPhase, SEARCH_ATTRIBUTES } from '../contract/names';
import { acceptedOrThrow, describeIssues } from '../contract/rules';
import type { RefundInput, RefundParams } from '../contract/schemas';
import { resultOf, searchAttributesOf } from '../contract/state';
import type { RefundResult } from '../contract/types';
import { Announcer } from '../notifications/announcer';
import { readInput } from './input';
import { activityOptions } from './options';
import * as rules from './rules';
import type { Kind, Message, Refund, RefundEvent, Via } from './rules';

export async function refundWorkflow(rawInput: RefundInput): Promise<RefundResult> {
  const { params, ignored } = readInput(rawInput);
  const keeper = new RefundKeeper(params);
  if (ignored.length > 0) keeper.note(`ignored input field(s) this worker does not know: ${ignored.join(', ')}`);

  const validated = (kind: Kind) => ({ validator: (raw: unknown) => keeper.validate(kind, raw) });
  setHandler(messages.stateQuery, () => keeper.model.view);
  setHandler(messages.otpSignal, (raw) => keeper.signal('otp', raw));
  setHandler(messages.submitOtpUpdate, (raw) => keeper.update('otp', raw), validated('otp'));
  setHandler(messages.resendOtpSignal, (raw) => keeper.signal('resend', raw));
  setHandler(messages.resendOtpUpdate, (raw) => keeper.update('resend', raw), validated('resend'));
  setHandler(messages.cancelUpdate, (raw) => keeper.update('cancel', raw), validated('cancel'));
  // A Temporal cancel (Web UI, `temporal workflow cancel`, handle.cancel()) is one more message.
  CancellationScope.current().cancelRequested.catch(() => keeper.arrive({ kind: 'cancel', reason: TEMPORAL_CANCEL }));

  const perform = steps(keeper);
  // Not cancellable: a cancel request is a message, and the refund always ends with a result.
  return CancellationScope.nonCancellable(async () => {
    for (let step = rules.nextStep(keeper.model); step.kind !== 'done'; step = rules.nextStep(keeper.model)) {
      keeper.apply(await perform(step));
    }
    await condition(allHandlersFinished);
    await keeper.announcer.done();
    return keeper.result();
  });
}

const TEMPORAL_CANCEL = 'cancel requested through Temporal (Web UI, temporal workflow cancel or handle.cancel())';

/** One refund's state, its callers waiting for answers, and what visibility shows of it. */
class RefundKeeper {
  model: Refund;
  readonly policy: rules.Policy;
  private readonly waiting = new Map<number, (then: Refund) => void>();
  /** What the search attributes last written filter on: phase, attempts left, resends. */
  private written: string | undefined;
  readonly announcer = new Announcer((text) => this.note(text));

  constructor(readonly input: RefundParams) {
    const { requestOtp, maxOtpAttempts, maxResends, resendInterval } = input;
    const [otpTimeoutMs, resendIntervalMs] = [toMs(input.otpTimeout), toMs(resendInterval)];
    this.policy = { requestOtp, maxOtpAttempts, maxResends, resendInterval, otpTimeoutMs, resendIntervalMs };
    this.model = rules.start(input.tid, this.policy, Date.now(), input.otpRefId);
    // Starts from the client carry them already; a start by hand may not.
    const given = workflowInfo().typedSearchAttributes;
    const { tid, phase } = SEARCH_ATTRIBUTES;
    if (given.get(tid) === input.tid && given.get(phase) === RefundPhase.CHECKING) this.written = this.searchKey();
    this.writeSearchAttributes();
  }

  apply(event: RefundEvent): void {
    const before = this.model.view.phase;
    if (event.type === 'checked') this.announcer.wanted = event.result.notify ?? [];
    this.model = rules.decide(this.model, event, this.policy, Date.now());
    if (this.model.view.phase !== before) this.announcer.phase(this.model.view);
    if (before === RefundPhase.AWAITING_OTP && this.model.view.phase === RefundPhase.SUBMITTING) {
      const waitedMs = this.policy.otpTimeoutMs - (Date.parse(this.model.view.otpDeadline!) - Date.now());
      metricMeter.createHistogram(METRICS.otpWait, 'int', 'ms').record(waitedMs);
    }
    this.writeSearchAttributes();
    for (const [id, answer] of this.waiting) if (rules.answered(this.model, id)) answer(this.model);
  }

  note(text: string): void {
    this.model = rules.note(this.model, text, Date.now());
  }

  /** Queues a message; resolves, once it was acted on (or dropped), with the refund as it was then. */
  arrive(message: Message, route?: Via['route']): Promise<{ id: number; then: Refund }> {
    const id = this.model.nextId;
    this.apply({ type: 'arrived', message, via: route && { route, task: workflowInfo().historyLength } });
    if (rules.answered(this.model, id)) return Promise.resolve({ id, then: this.model });
    return new Promise((resolve) => this.waiting.set(id, (then) => (this.waiting.delete(id), resolve({ id, then }))));
  }

  /** A signal carries no answer: a malformed one is noted and dropped, never fatal. */
  signal(kind: 'otp' | 'resend', raw: unknown): void {
    const read = rules.READ[kind].check(raw ?? {});
    if (!read.ok)
      return this.note(`dropped a${kind === 'otp' ? 'n otp' : ' resendOtp'} signal: ${describeIssues(read.issues)}`);
    void this.arrive({ kind, ...read.value } as Message, 'signal');
  }

  async update<K extends Kind>(kind: K, raw: unknown): Promise<rules.Answers[K]> {
    const message = { kind, ...acceptedOrThrow(rules.READ[kind].check(raw ?? {}), rules.READ[kind].what) } as Message;
    const { id, then } = await this.arrive(message, 'update');
    return rules.answerTo(kind, then, id);
  }

  /** Runs before anything is written to history: a refused update leaves no trace. */
  validate(kind: Kind, raw: unknown): void {
    acceptedOrThrow(rules.READ[kind].check(raw ?? {}), rules.READ[kind].what);
    const refused = rules.refusal(kind, this.model, this.policy, Date.now());
    if (refused) throw ApplicationFailure.create({ ...refused, nonRetryable: true });
  }

  /** One upsert when what a dashboard filters on changes; the transient SUBMITTING is not written. */
  private writeSearchAttributes(): void {
    const key = this.searchKey();
    if (this.model.view.phase === RefundPhase.SUBMITTING || key === this.written) return;
    this.written = key;
    upsertSearchAttributes(searchAttributesOf(this.model.view));
  }

  private searchKey(): string {
    const { phase, otpAttemptsLeft, resendCount } = this.model.view;
    return `${phase} ${otpAttemptsLeft} ${resendCount}`;
  }

  result(): RefundResult {
    const outcome = { outcome: this.model.view.outcome! };
    metricMeter.createCounter(METRICS.refundsCompleted, 'refunds').add(1, outcome);
    const durationMs = Date.now() - workflowInfo().runStartTime.getTime();
    metricMeter.createHistogram(METRICS.refundDuration, 'int', 'ms').record(durationMs, outcome);
    return resultOf(this.model.view);
  }
}

/** What each step does: one activity or one wait, turned into the event the rules take. */
function steps(keeper: RefundKeeper) {
  const options = activityOptions(keeper.input);
  const poll = proxyActivities<RefundActivities>(options.poll);
  const { requestRefundOtp } = proxyActivities<RefundActivities>(options.otp);
  const { submitRefund } = proxyActivities<RefundActivities>(options.submit);
  const { tid, initiatorId, userCode, serviceCode, requestOtp } = keeper.input;
  const initiator = { tid, initiatorId, userCode, settleWindowMs: toMs(keeper.input.settleWindow) };

  // One timer for the whole OTP wait, started on the first AWAITING_OTP and never cancelled.
  let deadline: Promise<void> | undefined;
  const startDeadline = () => {
    deadline ??= sleep(Math.max(1, Date.parse(keeper.model.view.otpDeadline!) - Date.now())).then(() =>
      keeper.apply({ type: 'deadline_passed' }),
    );
  };

  /**
   * An activity a cancel in the inbox cuts short (CHECKING, SENDING_OTP). Always started, then cut:
   * a replay that finds the cancel already queued issues the same commands as a worker that got it later.
   */
  async function unlessCancelled<T>(work: () => Promise<T>, done: (result: T) => RefundEvent): Promise<RefundEvent> {
    const scope = new CancellationScope();
    const activity = scope.run(work);
    const cancel = condition(() => rules.cancelWaiting(keeper.model)).then(() => 'cancel' as const);
    const first = await Promise.race([activity, cancel]);
    if (first !== 'cancel') return done(first);
    scope.cancel();
    activity.catch(() => undefined);
    return { type: 'cancel_first' };
  }

  return async (step: Exclude<rules.Step, { kind: 'done' }>): Promise<RefundEvent> => {
    try {
      switch (step.kind) {
        case 'check':
          return await unlessCancelled(
            () => poll.prepareRefund({ ...initiator, requestOtp, notAfter: keeper.model.view.otpDeadline }),
            (result) => ({ type: 'checked', result }),
          );
        case 'request_otp':
          return await unlessCancelled(
            () => requestRefundOtp({ ...initiator, notAfter: keeper.model.view.otpDeadline }),
            (result) => ({ type: 'otp_requested', result }),
          );
        case 'wait':
          startDeadline();
          await condition(() => keeper.model.inbox.length > 0 || keeper.model.deadlinePassed);
          return { type: 'attend' };
        case 'refund_call':
          return { type: 'refund_answered', result: await submitRefund({ ...initiator, ...step.otp, serviceCode }) };
        case 'poll':
          return { type: 'settled', result: await poll.awaitTransactionStatus(initiator) };
        case 'inquire_before_ending':
          return { type: 'inquired_before_ending', result: await poll.inquireBeforeEnding(initiator) };
      }
    } catch (err) {
      // An activity whose retries ran out: the rules hear that it gave up, and why.
      if (!(err instanceof ActivityFailure)) throw err;
      const why = (err.cause?.cause as Error | undefined)?.message ?? err.cause?.message ?? 'unknown error';
      if (step.kind === 'request_otp') return { type: 'otp_request_failed', message: why };
      return { type: 'gave_up', message: `${GAVE_UP[step.kind as keyof typeof GAVE_UP]} (last error: ${why})` };
    }
  };
}

const GAVE_UP = {
  check: 'Eko did not report a final status for the transaction before the poll deadline',
  refund_call: 'the refund call kept failing; it may or may not have reached Eko: check the transaction with Eko',
  poll: 'the refund was not final before the poll deadline',
  inquire_before_ending:
    'Eko gave no final status before the refund could end without a refund: check the transaction with Eko',
};

/**
 * Operators' Temporal actions are part of the contract (docs/contract/refund-workflow.md,
 * Money-safety rules): cancel, reset, terminate and signals by hand, through the official
 * `temporal` CLI (the calls the Web UI's buttons make) and the client, in every phase they can meet.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import {
  otpSignal,
  type Phase,
  resendOtpSignal,
  RefundOutcome,
  RefundPhase,
  type RefundInput,
  WORKFLOW_TYPE,
  toMs,
  workflowIdFor,
} from '../../src/contract';
import type { FaultInput, SeedInput } from '../../simulator';
import { FAST, newTid, phaseOf as waitForPhase, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { reset as resetBy, resetToBeforeTheOtp as resetBeforeOtp } from '../helpers/reset';
import { temporalCli } from '../helpers/temporal-cli';
import { waitFor } from '../helpers/wait';

const { EventType } = temporal.api.enums.v1;

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack({ ekoTimeoutMs: 1_000 });
}, 60_000);
afterAll(() => stack?.stop());

const refunds = () => stack.refunds;
const sim = () => stack.sim;
const cli = (...args: string[]) => temporalCli(stack.server.env.address, args);
const handleOf = (tid: string): WorkflowHandle => stack.server.env.client.workflow.getHandle(workflowIdFor(tid));

const QUICK: Partial<RefundInput> = { ...FAST, ekoCallTimeout: '3s', settleWindow: '2s' };

const phaseOf = (tid: string, phase: Phase) => waitForPhase(refunds(), tid, phase);

async function start(seed: Omit<SeedInput, 'tid'> = {}, input: Partial<RefundInput> = {}) {
  const tid = newTid();
  sim().seed({ tid, ...seed });
  await refunds().start({ tid, ...QUICK, ...input });
  return tid;
}

/** Every workflow task of the refund completed: nothing failed in a loop. */
async function workflowTasksFailed(tid: string): Promise<number> {
  const history = await handleOf(tid).fetchHistory();
  return (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).length;
}

/** How to hold a refund in each working phase long enough for an operator to act. */
const HOLD: Record<
  RefundPhase,
  (tid: string) => { seed: Omit<SeedInput, 'tid'>; fault?: FaultInput; then?: () => Promise<unknown> }
> = {
  // Eko answers "initiated" a few times: CHECKING inquires until it settles (and so does a
  // cancel, which ends the refund only on a final status: "initiated" may hide a refund call).
  [RefundPhase.CHECKING]: () => ({ seed: { txStatus: 2, pendingInquiries: 5 } }),
  // Get Refund OTP never answers: SENDING_OTP retries.
  [RefundPhase.SENDING_OTP]: (tid) => ({ seed: {}, fault: { type: 'hang', endpoint: 'otp', tid, times: 1000 } }),
  [RefundPhase.AWAITING_OTP]: () => ({ seed: {} }),
  // The refund call never answers (and is not applied): SUBMITTING retries after the settle window.
  [RefundPhase.SUBMITTING]: (tid) => ({
    seed: {},
    fault: { type: 'hang', endpoint: 'refund', tid, times: 1 },
    then: () => refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! }),
  }),
  // Eko accepted the refund and answers "initiated" for a while: PENDING polls.
  [RefundPhase.PENDING]: (tid) => ({
    seed: { refundMode: 'pending', refundPendingInquiries: 8 },
    then: () => refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! }),
  }),
};

/** The refund's tid, and the answer of the submitOtp update still waiting (SUBMITTING, PENDING). */
async function refundHeldIn(phase: RefundPhase): Promise<string> {
  return (await heldWithOtp(phase)).tid;
}

async function heldWithOtp(phase: RefundPhase): Promise<{ tid: string; otpAnswer?: Promise<unknown> }> {
  const tid = newTid();
  const hold = HOLD[phase](tid);
  const beforeOtp = phase === RefundPhase.SUBMITTING || phase === RefundPhase.PENDING;
  if (hold.fault && !beforeOtp) sim().injectFault(hold.fault);
  sim().seed({ tid, ...hold.seed });
  await refunds().start({ tid, ...QUICK });
  if (beforeOtp) {
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    if (hold.fault) sim().injectFault(hold.fault);
    const otpAnswer = hold.then?.();
    otpAnswer?.catch(() => undefined);
    await phaseOf(tid, phase);
    return { tid, otpAnswer };
  }
  await phaseOf(tid, phase);
  return { tid };
}

describe('a Temporal cancel request', () => {
  test.each([RefundPhase.CHECKING, RefundPhase.SENDING_OTP, RefundPhase.AWAITING_OTP])(
    'in %s (temporal workflow cancel, as the Web UI) ends the refund CANCELLED with a result, no refund call',
    async (phase) => {
      const tid = await refundHeldIn(phase);
      await cli('workflow', 'cancel', '--workflow-id', workflowIdFor(tid));
      const result = await refunds().result(tid);
      expect(result).toMatchObject({
        outcome: RefundOutcome.CANCELLED,
        reason: expect.stringMatching(/cancel requested through Temporal/),
      });
      expect((await handleOf(tid).describe()).status.name).toBe('COMPLETED');
      expect(await workflowTasksFailed(tid)).toBe(0);
      expect(sim().transaction(tid)?.calls.refund).toBe(0);
      sim().clearFaults();
    },
  );

  test("a client's handle.cancel() in AWAITING_OTP ends it CANCELLED too, and the tid can be started again", async () => {
    const tid = await refundHeldIn(RefundPhase.AWAITING_OTP);
    const cancelledRun = (await handleOf(tid).describe()).runId;
    await handleOf(tid).cancel();
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.CANCELLED });
    // Not jammed: a new start makes a new run, which refunds.
    expect((await refunds().start({ tid, ...QUICK })).runId).not.toBe(cancelledRun);
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundOutcome.REFUNDED,
    });
  });

  test.each([RefundPhase.SUBMITTING, RefundPhase.PENDING])(
    'in %s is not applied: the refund is tracked to REFUNDED, applied once, the OTP answered, the cancel noted',
    async (phase) => {
      const { tid, otpAnswer } = await heldWithOtp(phase);
      await cli('workflow', 'cancel', '--workflow-id', workflowIdFor(tid));
      const result = await refunds().result(tid);
      expect(result).toMatchObject({ outcome: RefundOutcome.REFUNDED });
      expect(result.state.notes).toContainEqual(
        expect.stringMatching(/a cancel was not applied: the refund (reached Eko|ended \(REFUNDED\))/),
      );
      // The support agent's submitOtp gets Eko's verdict, not "Workflow cancelled".
      expect(await otpAnswer).toMatchObject({
        phase: phase === RefundPhase.SUBMITTING ? RefundOutcome.REFUNDED : RefundPhase.PENDING,
      });
      expect(await workflowTasksFailed(tid)).toBe(0);
      expect(sim().transaction(tid)?.refundCount).toBe(1);
    },
  );
});

const reset = (tid: string, ...how: string[]) => resetBy(stack.server.env.address, handleOf(tid), ...how);
const resetToBeforeTheOtp = (tid: string) => resetBeforeOtp(stack.server.env.address, handleOf(tid));

describe('a reset', () => {
  test('to before SUBMITTING, with the OTP entered again, makes no second refund call (the inquiry finds it refunded)', async () => {
    const tid = await start();
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    const otp = sim().lastOtp(tid)!;
    expect(await refunds().submitOtp(tid, { otp })).toMatchObject({ phase: RefundOutcome.REFUNDED });
    await resetToBeforeTheOtp(tid);
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    const again = await refunds().submitOtp(tid, { otp });
    expect(again).toMatchObject({ phase: RefundOutcome.REFUNDED });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });

  test('to the first workflow task (updates reapplied) refunds nothing twice', async () => {
    const tid = await start();
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    await reset(tid, '--type', 'FirstWorkflowTask');
    await waitFor(
      'the reset run to end',
      () => handleOf(tid).describe(),
      (d) => d.status.name === 'COMPLETED',
    );
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });

  test('that puts back an update and a signal in one task: taken alike live and in replay (found by the chaos run)', async () => {
    const tid = await start({ sendOtp: true }, { requestOtp: false });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    expect(await refunds().submitOtp(tid, { otp: '000000' })).toMatchObject({ phase: RefundPhase.AWAITING_OTP });
    await handleOf(tid).signal(resendOtpSignal, {});
    await waitFor(
      'the resend',
      () => refunds().getState(tid),
      (s) => s.resendCount === 1,
    );
    expect(await refunds().cancel(tid, { reason: 'test' })).toMatchObject({ phase: RefundOutcome.CANCELLED });
    // Back to the task that took CHECKING's answer: the updates are put back around the signal, in
    // that task; core hands a replay the signal first.
    const events = (await handleOf(tid).fetchHistory()).events ?? [];
    const tasks = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    await reset(tid, '--event-id', String(tasks[1].eventId));
    await waitFor(
      'the reset run to end',
      () => handleOf(tid).describe(),
      (d) => d.status.name === 'COMPLETED',
    );
    const history = await handleOf(tid).fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    const admitted = types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED);
    expect(admitted).toBeGreaterThan(0);
    expect(types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toBeGreaterThan(admitted);
    await Worker.runReplayHistory(
      { workflowsPath: require.resolve('../../src/workflows') },
      history,
      workflowIdFor(tid),
    );
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.CANCELLED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 0, calls: { refund: 1 } }); // the wrong OTP's
  });
});

describe('every earlier run counts: a run closed long enough ago holds nothing back', () => {
  /** A refund reset in AWAITING_OTP, once the run before's calls could no longer be applied (its close + an attempt + a window). */
  async function resetLongAgo(): Promise<string> {
    const tid = await start(); // ekoCallTimeout 3 s, settleWindow 2 s
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    await reset(tid, '--type', 'LastWorkflowTask');
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    const runs = await stack.server.env.client.workflow.list({
      query: `WorkflowId = '${workflowIdFor(tid)}' AND ExecutionStatus = 'Terminated'`,
    });
    let closedAt = 0;
    for await (const run of runs) closedAt = Math.max(closedAt, run.closeTime?.getTime() ?? 0);
    const quietAfter = closedAt + toMs(QUICK.ekoCallTimeout) + toMs(QUICK.settleWindow);
    // The scenario itself: that much time passes after the reset.
    await waitFor(
      'the reset long enough ago',
      async () => Date.now(),
      (now) => now > quietAfter,
    );
    return tid;
  }

  test('the refund call is not held back: made on its first attempt', async () => {
    const tid = await resetLongAgo();
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundOutcome.REFUNDED,
    });
    const events = (await handleOf(tid).fetchHistory()).events ?? [];
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitRefund',
    )!;
    const started = events.find(
      (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled.eventId),
    );
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(1);
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });

  test('a cancel is not held back: its first inquiry decides, CANCELLED', async () => {
    const tid = await resetLongAgo();
    const inquiries = sim().transaction(tid)!.calls.inquiry;
    expect(await refunds().cancel(tid, { reason: 'customer left' })).toEqual({ phase: RefundOutcome.CANCELLED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 0, calls: { refund: 0, inquiry: inquiries + 1 } });
  });
});

describe('terminate while Eko applies the refund call, then start again (found by review)', () => {
  /** The refund call sent, Eko applying it slowly, the run terminated by hand, a new run started. */
  async function terminatedWhileApplying(): Promise<string> {
    const tid = await start({}, { ekoCallTimeout: '10s', settleWindow: '8s' });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    sim().injectFault({ type: 'slow_apply', endpoint: 'refund', tid, applyAfterMs: 6_000 });
    await handleOf(tid).signal(otpSignal, { otp: sim().lastOtp(tid)! });
    await waitFor(
      'Eko applying the refund',
      async () => sim().transaction(tid),
      (tx) => tx?.applying === true,
    );
    await cli('workflow', 'terminate', '--workflow-id', workflowIdFor(tid), '--reason', 'operator test');
    await refunds().start({ tid, ...QUICK, ekoCallTimeout: '10s', settleWindow: '8s' });
    await phaseOf(tid, RefundPhase.AWAITING_OTP); // Eko still shows refund pending: the new run sent an OTP
    return tid;
  }

  test('the new OTP entered: no refund call while the old one may be applied; REFUNDED, applied once', async () => {
    const tid = await terminatedWhileApplying();
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundOutcome.REFUNDED,
    });
    expect(sim().transaction(tid)).toMatchObject({
      refundCount: 1,
      callsWhileApplying: 0,
      callsAfterApplied: 0,
      calls: { refund: 1 },
    });
  });

  test('a cancel then: REFUNDED, not CANCELLED (the inquiry waits out the old call)', async () => {
    const tid = await terminatedWhileApplying();
    expect(await refunds().cancel(tid, { reason: 'customer left' })).toEqual({ phase: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });
});

describe('temporal activity reset --clear-heartbeat-details on the refund call (a call record belongs to its attempt)', () => {
  test('the attempt after the reset presumes the call before it: no second call while Eko applies it', async () => {
    const tid = await start({}, { settleWindow: '8s' }); // ekoCallTimeout 3 s: the call is cut off before Eko answers
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    sim().injectFault({ type: 'slow_apply', endpoint: 'refund', tid, applyAfterMs: 6_000 });
    const answered = refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    const retrying = await waitFor(
      'the refund call retried after its unclear call',
      () => handleOf(tid).describe(),
      (d) => (d.raw.pendingActivities?.[0]?.attempt ?? 0) >= 2,
    );
    const activityId = retrying.raw.pendingActivities![0].activityId!;
    await cli(
      'activity',
      'reset',
      '--workflow-id',
      workflowIdFor(tid),
      '--activity-id',
      activityId,
      '--clear-heartbeat-details',
    );
    expect(await answered).toMatchObject({ phase: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, callsWhileApplying: 0, calls: { refund: 1 } });
  });
});

describe('a reset while Eko applies the refund call (found by review)', () => {
  test('the reset run presumes the call in flight: no second call while Eko applies it, REFUNDED', async () => {
    const tid = await start({}, { ekoCallTimeout: '30s', settleWindow: '20s', maxOtpAttempts: 1 });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    sim().injectFault({ type: 'slow_apply', endpoint: 'refund', tid, applyAfterMs: 8_000 });
    // The OTP by signal (the Web UI's way): it stays in the reset run's history.
    await handleOf(tid).signal(otpSignal, { otp: sim().lastOtp(tid)! });
    await waitFor(
      'Eko applying the refund',
      async () => sim().transaction(tid),
      (tx) => tx?.applying === true,
    );
    await reset(tid, '--type', 'LastWorkflowTask');

    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, callsWhileApplying: 0, calls: { refund: 1 } });
  });
});

describe('a reset of a refunded refund, then a cancel (found by the chaos run)', () => {
  test('the cancel finds the refund done at Eko: REFUNDED, not CANCELLED, and no refund call', async () => {
    const tid = await start();
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundOutcome.REFUNDED,
    });
    await resetToBeforeTheOtp(tid);
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    await cli('workflow', 'cancel', '--workflow-id', workflowIdFor(tid));
    expect(await refunds().result(tid)).toMatchObject({
      outcome: RefundOutcome.REFUNDED,
      reason: expect.stringMatching(/nothing left to cancel/),
    });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });

  test("a cancel that finds a refund under way waits for Eko's final status: REFUNDED, not CANCELLED (found by review)", async () => {
    // Eko answers "Refund initiated" (tx_status 2) and inquiries read 2 a while before 4.
    const tid = await start({ refundMode: 'pending', refundPendingInquiries: 6 });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundPhase.PENDING,
    });
    await resetToBeforeTheOtp(tid);
    await phaseOf(tid, RefundPhase.AWAITING_OTP);

    expect(await refunds().cancel(tid, { reason: 'customer left' })).toEqual({ phase: RefundOutcome.REFUNDED });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });

  test("a cancel while Eko still applies the run before's refund call waits a settle window: REFUNDED, not CANCELLED (found by review)", async () => {
    const tid = await start({}, { ekoCallTimeout: '10s', settleWindow: '8s' });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    sim().injectFault({ type: 'slow_apply', endpoint: 'refund', tid, applyAfterMs: 5_000 });
    await handleOf(tid).signal(otpSignal, { otp: sim().lastOtp(tid)! });
    await waitFor(
      'Eko applying the refund',
      async () => sim().transaction(tid),
      (tx) => tx?.applying === true,
    );
    await resetToBeforeTheOtp(tid);
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    expect(sim().transaction(tid)?.applying).toBe(true); // the cancel's first inquiry reads "refund pending"
    await cli('workflow', 'cancel', '--workflow-id', workflowIdFor(tid));

    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    // A replay (a worker that lost its cache, a deploy's replay check) decides the same way, though it
    // cannot know the run id that told the live run it was made by a reset.
    await Worker.runReplayHistory(
      { workflowsPath: require.resolve('../../src/workflows') },
      await handleOf(tid).fetchHistory(),
      workflowIdFor(tid),
    );
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });
});

describe('one refund workflow per tid (found by review)', () => {
  test('a start by hand under another workflow id fails at once, before any Eko call', async () => {
    const tid = newTid();
    sim().seed({ tid });
    const other = await stack.server.env.client.workflow.start(WORKFLOW_TYPE, {
      workflowId: `${workflowIdFor(tid)}-by-hand`,
      taskQueue: stack.taskQueue,
      args: [{ tid, ...QUICK }],
    });
    await expect(other.result()).rejects.toMatchObject({
      cause: {
        type: 'InvalidRefundInput',
        message: expect.stringContaining(`workflow id must be ${workflowIdFor(tid)}`),
      },
    });
    expect(sim().transaction(tid)?.calls).toEqual({ otp: 0, refund: 0, inquiry: 0 });
  });
});

describe('a terminate', () => {
  test('while Eko applies the refund call, then a new start: the new run inquires first and reports REFUNDED', async () => {
    const tid = await start({}, { ekoCallTimeout: '30s' });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    sim().injectFault({ type: 'timeout_after_apply', endpoint: 'refund', tid });
    void refunds()
      .submitOtp(tid, { otp: sim().lastOtp(tid)! })
      .catch(() => undefined);
    await waitFor(
      'the refund applied',
      async () => sim().transaction(tid),
      (tx) => tx?.refundCount === 1,
    );
    await cli('workflow', 'terminate', '--workflow-id', workflowIdFor(tid), '--reason', 'operator test');

    await refunds().start({ tid, ...QUICK });
    expect(await refunds().result(tid)).toMatchObject({
      outcome: RefundOutcome.REFUNDED,
      reason: expect.stringMatching(/no refund call made/),
    });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });
});

describe('signals and updates by hand (temporal workflow signal / update)', () => {
  test('the otp signal with the OTP refunds', async () => {
    const tid = await start();
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    await cli(
      'workflow',
      'signal',
      '--workflow-id',
      workflowIdFor(tid),
      '--name',
      'otp',
      '--input',
      JSON.stringify({ otp: sim().lastOtp(tid)! }),
    );
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
  });

  test('a malformed otp signal is dropped and noted, and the refund keeps waiting (no failing workflow task)', async () => {
    const tid = await start();
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    await cli('workflow', 'signal', '--workflow-id', workflowIdFor(tid), '--name', 'otp', '--input', '"123456"');
    expect((await refunds().getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
    await refunds().cancel(tid, { reason: 'test done' });
    const { state } = await refunds().result(tid);
    expect(state.notes).toContainEqual(expect.stringContaining('dropped an otp signal'));
    expect(JSON.stringify(state)).not.toContain('123456');
    expect(await workflowTasksFailed(tid)).toBe(0);
  });

  test('resendOtp with no input (as the CLI sends it) resends the OTP', async () => {
    const tid = await start({}, { resendInterval: '1s' });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    await waitFor(
      'the resend interval',
      async () => refunds().getState(tid),
      () => true,
      { timeoutMs: 1_000 },
    );
    // Refused (and noted) until resendInterval has passed since the first OTP; then it resends.
    await waitFor(
      'the OTP resent',
      async () => {
        await cli('workflow', 'signal', '--workflow-id', workflowIdFor(tid), '--name', 'resendOtp');
        return refunds().getState(tid);
      },
      (s) => s.resendCount === 1,
      { everyMs: 500 },
    );
    expect(sim().sms(tid)).toHaveLength(2);
    await refunds().cancel(tid, { reason: 'test done' });
  });

  test('the cancel update by hand ends the refund CANCELLED and names the actor', async () => {
    const tid = await start();
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    await cli(
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      workflowIdFor(tid),
      '--name',
      'cancel',
      '--input',
      JSON.stringify({ reason: 'customer left', actor: 'asha' }),
    );
    const result = await refunds().result(tid);
    expect(result).toMatchObject({
      outcome: RefundOutcome.CANCELLED,
      reason: 'cancelled before submission: customer left',
    });
    expect(result.state.transitions.at(-1)?.by).toBe('asha');
  });

  test('a start by hand with input that cannot run fails at once with InvalidRefundInput, before any Eko call', async () => {
    const tid = newTid();
    sim().seed({ tid });
    await expect(
      cli(
        'workflow',
        'execute',
        '--type',
        'refundWorkflow',
        '--task-queue',
        stack.taskQueue,
        '--workflow-id',
        workflowIdFor(tid),
        '--input',
        JSON.stringify({ tid, pollInterval: '1 hour' }),
      ),
    ).rejects.toThrow(/workflow failed/);
    await expect(handleOf(tid).result()).rejects.toMatchObject({
      cause: {
        type: 'InvalidRefundInput',
        message: expect.stringContaining('maxPollInterval: must be at least pollInterval'),
      },
    });
    expect(await workflowTasksFailed(tid)).toBe(0);
    expect(sim().transaction(tid)?.calls).toEqual({ otp: 0, refund: 0, inquiry: 0 });
  });
});

/**
 * Messages that land together, or while the refund is busy: they wait their turn in one queue and
 * are acted on in arrival order, whichever route brought them (signal or update). A worker that is
 * down while messages arrive gets them all in one activation, so some tests stop the worker, send,
 * and start another one.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { RefundClient } from '../../src/client';
import {
  otpSignal,
  RefundOutcome,
  RefundPhase,
  type RefundInput,
  type RefundResult,
  type ResendOtpResponse,
  resendOtpSignal,
  stateQuery,
  workflowIdFor,
} from '../../src/contract';
import { createEkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { createRefundWorker } from '../../src/worker';
import type { SeedInput } from '../../simulator';
import { recordHistory } from '../helpers/histories';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { resetToBeforeTheOtp } from '../helpers/reset';
import { waitFor } from '../helpers/wait';
import { startDevServerProcess } from '../../tools/temporal-server';
import { startWorkerProcess } from '../../tools/worker-process';

const { EventType } = temporal.api.enums.v1;

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

const QUICK: Partial<RefundInput> = { ...FAST, ekoCallTimeout: '3s', settleWindow: '2s' };
const taskQueue = `races-${process.pid}`;
let running: { worker: Worker; done: Promise<void> } | undefined;

const workerOn = (connection = stack.server.env.nativeConnection, queue = taskQueue, maxCachedWorkflows = 0) =>
  createRefundWorker({
    connection,
    namespace: 'default',
    taskQueue: queue,
    eko: createEkoClient({
      baseUrl: stack.sim.baseUrl,
      developerKey: UAT.developerKey,
      accessKey: UAT.accessKey,
      timeoutMs: 2_000,
    }),
    defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
    shutdownGraceMs: 500,
    tuning: { maxCachedWorkflows },
  });

async function startWorker(): Promise<void> {
  const worker = await workerOn();
  running = { worker, done: worker.run() };
}

async function stopWorker(): Promise<void> {
  running?.worker.shutdown();
  await running?.done;
  running = undefined;
}
afterEach(stopWorker);

const refunds = () => new RefundClient(stack.server.env.client, taskQueue);
const handleOf = (tid: string) => stack.server.env.client.workflow.getHandle(workflowIdFor(tid));
const replays = async (tid: string) =>
  Worker.runReplayHistory(
    { workflowsPath: require.resolve('../../src/workflows') },
    await handleOf(tid).fetchHistory(),
    workflowIdFor(tid),
  );

async function inPhase(tid: string, phase: RefundPhase): Promise<void> {
  await waitFor(
    `${tid} ${phase}`,
    () => refunds().getState(tid),
    (s) => s.phase === phase,
  );
}

/** Waiting for the OTP Eko texted at failure (no OTP requested yet, so a resend is allowed at once). */
async function awaitingOtp(seed: Omit<SeedInput, 'tid'> = {}, input: Partial<RefundInput> = {}): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid, sendOtp: true, ...seed });
  await startWorker();
  await refunds().start({ tid, ...QUICK, requestOtp: false, ...input });
  await inPhase(tid, RefundPhase.AWAITING_OTP);
  return tid;
}

describe('one queue, whichever route: an OTP by update and one by signal wait their turn alike', () => {
  test('a second submitOtp while the first is with Eko: tried once the first proved wrong, and both answered', async () => {
    const tid = await awaitingOtp({ otpCode: '482913' });
    stack.sim.injectFault({ type: 'latency', endpoint: 'refund', tid, latencyMs: 1_500 });
    const first = refunds().submitOtp(tid, { otp: '111111' });
    await inPhase(tid, RefundPhase.SUBMITTING);
    const second = refunds().submitOtp(tid, { otp: '482913' });
    expect(await first).toMatchObject({ phase: RefundPhase.AWAITING_OTP, message: 'Wrong OTP', otpAttemptsLeft: 2 });
    expect(await second).toMatchObject({ phase: RefundOutcome.REFUNDED });
    expect(stack.sim.transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 2 } });
    await replays(tid);
  });

  test('an OTP sent while the refund is still CHECKING waits for AWAITING_OTP instead of being refused', async () => {
    const tid = newTid();
    // Eko answers "initiated" twice before refund pending: CHECKING lasts a couple of polls.
    stack.sim.seed({ tid, sendOtp: true, otpCode: '482913', txStatus: 2, pendingInquiries: 2, settlesTo: 3 });
    await startWorker();
    await refunds().start({ tid, ...QUICK, requestOtp: false });
    expect((await refunds().getState(tid)).phase).toBe(RefundPhase.CHECKING);
    expect(await refunds().submitOtp(tid, { otp: '482913' })).toMatchObject({ phase: RefundOutcome.REFUNDED });
    expect(stack.sim.transaction(tid)?.calls.inquiry).toBeGreaterThanOrEqual(3);
  });

  test('an OTP and then a resend by signal in one workflow task: in arrival order, the OTP first', async () => {
    const tid = await awaitingOtp();
    const otp = stack.sim.lastOtp(tid)!;
    await stopWorker();
    await handleOf(tid).signal(otpSignal, { otp });
    await handleOf(tid).signal(resendOtpSignal, {});
    await startWorker();

    const result = await refunds().result(tid);
    expect(result).toMatchObject({ outcome: RefundOutcome.REFUNDED, state: { wrongOtpAttempts: 0, resendCount: 0 } });
    expect(result.state.notes.join('\n')).toContain('a resend was not sent: the refund ended (REFUNDED)');
    expect(stack.sim.sms(tid)).toHaveLength(1); // no second OTP was sent over the first
  });

  test('an OTP typed before a resend (sent in the same task, after it) is not tried against the new OTP: no attempt spent', async () => {
    const tid = await awaitingOtp();
    const old = stack.sim.lastOtp(tid)!;
    await stopWorker();
    await handleOf(tid).signal(resendOtpSignal, {});
    await handleOf(tid).signal(otpSignal, { otp: old });
    await startWorker();
    await waitFor(
      'the new OTP',
      async () => stack.sim.sms(tid).length,
      (n) => n === 2,
    );
    await inPhase(tid, RefundPhase.AWAITING_OTP);
    expect(await refunds().submitOtp(tid, { otp: stack.sim.lastOtp(tid)! })).toMatchObject({
      phase: RefundOutcome.REFUNDED,
      otpAttemptsLeft: 3,
    });
    const { state } = await refunds().result(tid);
    expect(state.notes.join('\n')).toMatch(/an OTP was not used: it was typed before the newest OTP was sent/);
    expect(stack.sim.transaction(tid)?.calls.refund).toBe(1);
  });
});

/** A resendOtp update and a Temporal cancel in one workflow task (sent while no worker runs); the resend's answer, still to come. */
async function resendAndCancelInOneTask(tid: string): Promise<{ resend: Promise<ResendOtpResponse> }> {
  await stopWorker();
  const resend = refunds().resendOtp(tid);
  await waitFor(
    'the resend admitted',
    () => handleOf(tid).describe(),
    (d) => Boolean(d.raw.pendingWorkflowTask),
  );
  await handleOf(tid).cancel();
  await startWorker();
  return { resend };
}

test('a resend and a cancel in one task: the resend is taken first and gives way to the cancel; both answered with the outcome', async () => {
  const tid = await awaitingOtp();
  const { resend } = await resendAndCancelInOneTask(tid);
  expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.CANCELLED });
  expect(await resend).toEqual({ phase: RefundOutcome.CANCELLED, resendCount: 0 });
  expect(stack.sim.sms(tid)).toHaveLength(1);
  await replays(tid);
});

test('a resend with a cancel that finds a refund under way (a reset run) is answered with the outcome Eko reached', async () => {
  // Eko answers "Refund initiated" (2), and inquiries read 2 a while before 4.
  const tid = await awaitingOtp({ refundMode: 'pending', refundPendingInquiries: 8 });
  expect(await refunds().submitOtp(tid, { otp: stack.sim.lastOtp(tid)! })).toMatchObject({
    phase: RefundPhase.PENDING,
  });
  await resetToBeforeTheOtp(stack.server.env.address, handleOf(tid));
  await inPhase(tid, RefundPhase.AWAITING_OTP);
  const { resend } = await resendAndCancelInOneTask(tid);

  // The cancel's inquiry waits for the run before's call, then for Eko's final status: no resend is sent.
  expect(await resend).toEqual({ phase: RefundOutcome.REFUNDED, resendCount: 0 });
  expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
  expect(stack.sim.sms(tid)).toHaveLength(1);
  expect(stack.sim.transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
});

describe('signals wait their turn while the refund is busy', () => {
  async function submittingWrongOtp(): Promise<{ tid: string; answered: Promise<unknown> }> {
    const tid = await awaitingOtp({ otpCode: '482913' }, { resendInterval: '1s' });
    // The refund call takes a while: the signal arrives while the refund is SUBMITTING.
    stack.sim.injectFault({ type: 'latency', endpoint: 'refund', tid, latencyMs: 1_500 });
    const answered = refunds().submitOtp(tid, { otp: '111111' });
    await inPhase(tid, RefundPhase.SUBMITTING);
    return { tid, answered };
  }

  test('a resend signal sent while a wrong OTP is submitted resends once the refund waits again', async () => {
    const { tid, answered } = await submittingWrongOtp();
    await handleOf(tid).signal(resendOtpSignal, {});
    expect(await answered).toMatchObject({ message: 'Wrong OTP', otpAttemptsLeft: 2 });
    await waitFor(
      'the resend',
      () => refunds().getState(tid),
      (s) => s.resendCount === 1 && s.phase === RefundPhase.AWAITING_OTP,
    );
    expect(stack.sim.sms(tid)).toHaveLength(2);
    await replays(tid);
  });

  test('an otp signal sent while a wrong OTP is submitted is used once the refund waits again', async () => {
    const { tid, answered } = await submittingWrongOtp();
    await handleOf(tid).signal(otpSignal, { otp: '482913' });
    await answered;
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(stack.sim.transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 2 } });
    await replays(tid);
  });
});

/**
 * The cause of the histories that did not replay (../shared/evidence/2026-12-06-replay): a `state`
 * query answered by a worker without the refund cached applies the events after the last
 * completed task (a resend signal) in a live activation, and the real task then brings the rest
 * (a Temporal cancel) alone. A replay applies both at once. The refund must decide the same way.
 */
/**
 * The evidence of review finding 8: worker A (with a cache) freezes holding the refund on its
 * sticky queue; a query by hand then waits out the sticky timeout and goes to worker B, which
 * answers it from the history and applies the message that came meanwhile in a live activation.
 * The message after it comes in the real task. Core hands a replay signals and updates before a
 * Temporal cancel, whatever their order in history.
 */
async function splitByAQuery(
  first: 'resend' | 'cancel',
  cacheOfB: number,
  check: (tid: string, result: RefundResult, address: string) => Promise<void>,
): Promise<void> {
  const server = await startDevServerProcess();
  const connection = await Connection.connect({ address: server.address });
  const queue = 'split-by-a-query';
  const workerA = startWorkerProcess({
    TEMPORAL_ADDRESS: server.address,
    REFUND_TASK_QUEUE: queue,
    EKO_BASE_URL: stack.sim.baseUrl,
    EKO_TIMEOUT_MS: '1500',
    WORKER_MAX_CACHED_WORKFLOWS: '100',
  });
  const client = new Client({ connection });
  const refundsHere = new RefundClient(client, queue);
  const tid = newTid();
  const handle = client.workflow.getHandle(workflowIdFor(tid));
  const send = { resend: () => handle.signal(resendOtpSignal, {}), cancel: () => handle.cancel() };
  try {
    await workerA.ready();
    stack.sim.seed({ tid, sendOtp: true });
    await refundsHere.start({ tid, ...QUICK, requestOtp: false });
    await waitFor(
      `${tid} AWAITING_OTP`,
      () => refundsHere.getState(tid),
      (s) => s.phase === RefundPhase.AWAITING_OTP,
    );
    const { NativeConnection } = await import('@temporalio/worker');
    const nativeB = await NativeConnection.connect({ address: server.address });
    const workerB = await workerOn(nativeB, queue, cacheOfB);

    // A freezes with its sticky poll open: the query goes there, and waits out the sticky timeout (10 s).
    workerA.child.kill('SIGSTOP');
    const asked = handle.query(stateQuery);
    await workerA.kill();
    // The first message comes a few seconds after the query, so its task (on the dead worker's
    // sticky queue too) times out a few seconds after the query does.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await send[first]();
    const runningB = workerB.run();
    try {
      expect((await asked).phase).toBeDefined(); // B answered it from the history, the first message applied live
      await send[first === 'resend' ? 'cancel' : 'resend'](); // before the first one's task leaves the sticky queue
      const result = await refundsHere.result(tid);
      const history = await handle.fetchHistory();
      const types = (history.events ?? []).map((e) => e.eventType);
      const between = types.slice(
        types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
        types.indexOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED),
      );
      expect(between).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED); // one task brought both
      await Worker.runReplayHistory(
        { workflowsPath: require.resolve('../../src/workflows') },
        history,
        workflowIdFor(tid),
      );
      await check(tid, result, server.address);
    } finally {
      workerB.shutdown();
      await runningB;
      await nativeB.close();
    }
  } finally {
    await workerA.kill();
    await connection.close();
    await server.stop();
  }
}

describe('an update’s task that hands over an earlier task’s signal again', () => {
  // A speculative task for an update, on a worker without the run cached, gets the signals of the
  // task before it (one that completed with no commands) again, live, at the update's time; a
  // replay splits them at the tasks. Heavy chaos run, seed 1600879504: a resend signal just too
  // soon was dropped live and sent on replay. A queued message is now decided without the clock.
  test('a resend signal just before resendInterval allows it, then an OTP by update: the history replays', async () => {
    const tid = newTid();
    stack.sim.seed({ tid });
    await startWorker();
    await refunds().start({ tid, ...QUICK, requestOtp: true });
    await inPhase(tid, RefundPhase.AWAITING_OTP);
    const allowedAt = Date.parse((await refunds().getState(tid)).resendAllowedAt!);
    const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));
    await handleOf(tid).signal(resendOtpSignal, {});
    await at(allowedAt - 120); // timing is what this reproduces: the clock a message is attended at
    await handleOf(tid).signal(resendOtpSignal, {});
    await at(allowedAt + 300);
    await refunds()
      .submitOtp(tid, { otp: stack.sim.lastOtp(tid)! })
      .catch(() => undefined); // stale or not: what matters is that every task replays
    await waitFor(
      'the OTP update decided',
      () => refunds().getState(tid),
      (s) => s.phase !== RefundPhase.SENDING_OTP && s.phase !== RefundPhase.SUBMITTING,
    );
    await replays(tid);
    await recordHistory(stack.server.env.address, tid, 'resend-signal-then-update');
  });
});

describe('a query by hand that splits a workflow task', () => {
  test('a resend, then a cancel: acted on in arrival order live and in replay, even by a worker with a cache', async () => {
    await splitByAQuery('resend', 100, async (tid, result, address) => {
      expect(result).toMatchObject({ outcome: RefundOutcome.CANCELLED });
      await recordHistory(address, tid, 'split-by-a-query');
    });
  }, 120_000);

  test('a Temporal cancel, then a resend: the worker keeps no cache (the default), so the task replays whole', async () => {
    await splitByAQuery('cancel', 0, async (_tid, result) => {
      expect(result).toMatchObject({ outcome: RefundOutcome.CANCELLED });
    });
  }, 120_000);
});

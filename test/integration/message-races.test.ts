/**
 * Messages that land in the same workflow task. A worker that is down while messages arrive gets
 * them all in one activation, so these tests stop the worker, send, and start another one.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { RefundClient } from '../../src/client';
import {
  otpSignal,
  RefundOutcome,
  RefundPhase,
  type ResendOtpResponse,
  resendOtpSignal,
  workflowIdFor,
} from '../../src/contract';
import { createEkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { createRefundWorker } from '../../src/worker';
import type { SeedInput } from '../../simulator';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { resetToBeforeTheOtp } from '../helpers/reset';
import { buildProduction } from '../helpers/build';
import { waitFor } from '../helpers/wait';
import { type DevServerProcess, startDevServerProcess } from '../../tools/temporal-server';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

const taskQueue = `races-${process.pid}`;
let running: { worker: Worker; done: Promise<void> } | undefined;

async function startWorker(): Promise<void> {
  const worker = await createRefundWorker({
    connection: stack.server.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    eko: createEkoClient({
      baseUrl: stack.sim.baseUrl,
      developerKey: UAT.developerKey,
      accessKey: UAT.accessKey,
      timeoutMs: 2_000,
    }),
    defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
    shutdownGraceMs: 500,
  });
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

/** Waiting for the OTP Eko texted at failure (no OTP requested yet, so a resend is allowed at once). */
async function awaitingOtp(seed: Omit<SeedInput, 'tid'> = {}): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid, sendOtp: true, ...seed });
  await startWorker();
  await refunds().start({ tid, ...FAST, requestOtp: false });
  await waitFor(
    `${tid} AWAITING_OTP`,
    () => refunds().getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  return tid;
}

test('an OTP and then a resend by signal in the same workflow task: decided in arrival order, the OTP first, with the otp_ref_id it was sent with', async () => {
  const tid = await awaitingOtp();
  const otp = stack.sim.lastOtp(tid)!;
  await stopWorker();
  // Past resendInterval, so the resend is allowed when it is handled.
  await waitFor(
    'resendInterval to pass',
    async () => Date.now(),
    () => true,
    { timeoutMs: 1_100 },
  ).catch(() => undefined);
  await handleOf(tid).signal('otp', { otp });
  await handleOf(tid).signal('resendOtp', {});
  await startWorker();

  expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
  const state = await refunds().getState(tid);
  expect(state).toMatchObject({ wrongOtpAttempts: 0, resendCount: 0 });
  expect(state.notes.join('\n')).toContain('signal(s) not used'); // the resend, once the refund was done
  expect(stack.sim.sms(tid)).toHaveLength(1); // no second OTP was sent over the first
});

/**
 * A resendOtp update and a Temporal cancel in one workflow task: sent while no worker runs. Returns
 * the resend's answer, still to come.
 */
async function resendAndCancelInOneTask(tid: string): Promise<{ resend: Promise<ResendOtpResponse> }> {
  await stopWorker();
  const resend = refunds().resendOtp(tid);
  // The update admitted: the server schedules a workflow task for it (no worker takes it yet).
  await waitFor(
    'the resend admitted',
    () => handleOf(tid).describe(),
    (d) => Boolean(d.raw.pendingWorkflowTask),
  );
  await handleOf(tid).cancel();
  await startWorker();
  return { resend };
}

test('a resend still waiting when the refund ends (a cancel in the same task) answers with the outcome', async () => {
  const tid = await awaitingOtp();
  const { resend } = await resendAndCancelInOneTask(tid);

  expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.CANCELLED });
  expect(await resend).toEqual({
    phase: RefundOutcome.CANCELLED,
    resendCount: 0,
  });
  expect(stack.sim.sms(tid)).toHaveLength(1);
});

test('a resend with a cancel that finds a refund under way (a reset run) is answered with the outcome Eko reached (found by review)', async () => {
  // Eko answers "Refund initiated" (2), and inquiries read 2 a while before 4.
  const tid = await awaitingOtp({ refundMode: 'pending', refundPendingInquiries: 8 });
  expect(await refunds().submitOtp(tid, { otp: stack.sim.lastOtp(tid)! })).toMatchObject({
    phase: RefundPhase.PENDING,
  });
  await resetToBeforeTheOtp(stack.server.env.address, handleOf(tid));
  await waitFor(
    'the reset run waiting for an OTP',
    () => refunds().getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  const { resend } = await resendAndCancelInOneTask(tid);

  // The cancel's inquiry finds the refund in flight and waits for Eko's final status: no resend is sent.
  expect(await resend).toEqual({ phase: RefundOutcome.REFUNDED, resendCount: 0 });
  expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
  expect(stack.sim.sms(tid)).toHaveLength(1);
  expect(stack.sim.transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
});

/**
 * Found by the chaos run: a refund's worker is killed in AWAITING_OTP, a cold worker answers
 * `state` queries, and a resendOtp signal arrives meanwhile. The SDK (1.24) may apply the signal
 * while answering a query, with the clock of an earlier workflow task; a handler that let the clock
 * decide then wrote a history its own replay contradicts (a workflow task failing in a loop).
 */
const { EventType } = temporal.api.enums.v1;

describe('a signal while a cold worker answers queries', () => {
  let server: DevServerProcess;
  let workers: WorkerProcess[] = [];
  beforeAll(async () => {
    server = await startDevServerProcess();
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await server?.stop();
  });

  test('the resend is decided the same way live and in replay', async () => {
    const env = {
      TEMPORAL_ADDRESS: server.address,
      REFUND_TASK_QUEUE: 'cold-worker',
      EKO_BASE_URL: stack.sim.baseUrl,
      EKO_TIMEOUT_MS: '1500',
      SHUTDOWN_GRACE_MS: '1000',
    };
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const refunds = new RefundClient(client, 'cold-worker');
      await buildProduction(); // compiled workers start in a second, as in production
      const first = startWorkerProcess(env, { entry: 'compiled' });
      workers.push(first);
      await first.ready();
      const tid = newTid();
      stack.sim.seed({ tid });
      await refunds.start({ tid, ...FAST, resendInterval: '1s' });
      await waitFor(
        `${tid} AWAITING_OTP`,
        () => refunds.getState(tid),
        (s) => s.phase === RefundPhase.AWAITING_OTP,
      );
      await first.kill(); // its sticky queue keeps the refund for a while: the server waits for it
      // A second worker, cold: it has never run this refund.
      const cold = startWorkerProcess(env, { entry: 'compiled' });
      workers.push(cold);
      await cold.ready();

      // A dashboard asks while the signal arrives: the query waits on the dead worker's sticky
      // queue, then the cold worker answers it from the whole history, the signal included.
      const handle = client.workflow.getHandle(workflowIdFor(tid));
      const asked = refunds.getState(tid);
      await handle.signal(resendOtpSignal, {});
      await asked;
      // The resend is applied once the server gives up on the dead worker's sticky queue too; the
      // OTP goes to the customer's new code (an OTP while SENDING_OTP is ignored, by design).
      await waitFor(
        'the resend sent',
        () => refunds.getState(tid),
        (s) => s.resendCount === 1 && s.phase === RefundPhase.AWAITING_OTP,
        { timeoutMs: 30_000, everyMs: 300 },
      );
      await handle.signal(otpSignal, { otp: stack.sim.lastOtp(tid)! });
      expect(await refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });

      const history = await handle.fetchHistory();
      const failedTasks = (history.events ?? []).filter(
        (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      );
      expect(failedTasks).toEqual([]);
      await Worker.runReplayHistory(
        { workflowsPath: require.resolve('../../src/workflows') },
        history,
        workflowIdFor(tid),
      );
    } finally {
      await connection.close();
      for (const worker of workers) await worker.stop();
      workers = [];
    }
  }, 120_000);
});

/**
 * A worker answering queries may apply a signal before an activity's answer that came before it,
 * while a replay applies the signals of a workflow task first (found by the chaos run at three
 * times its action rate: histories that did not replay). So a signal is decided on only once the
 * refund waits for the OTP: whichever came first, both see the same phase.
 */
describe('signals wait for the refund to wait for the OTP', () => {
  async function submittingWrongOtp(): Promise<{ tid: string; answered: Promise<unknown> }> {
    await startWorker();
    const tid = newTid();
    stack.sim.seed({ tid, otpCode: '482913' });
    await refunds().start({ tid, ...FAST, resendInterval: '1s' });
    await waitFor(
      `${tid} AWAITING_OTP`,
      () => refunds().getState(tid),
      (s) => s.phase === RefundPhase.AWAITING_OTP,
    );
    // The refund call takes a while: the signal arrives while the refund is SUBMITTING.
    stack.sim.injectFault({ type: 'latency', endpoint: 'refund', tid, latencyMs: 1_500 });
    const answered = refunds().submitOtp(tid, { otp: '111111' });
    await waitFor(
      `${tid} SUBMITTING`,
      () => refunds().getState(tid),
      (s) => s.phase === RefundPhase.SUBMITTING,
    );
    return { tid, answered };
  }

  const replays = async (tid: string) =>
    Worker.runReplayHistory(
      { workflowsPath: require.resolve('../../src/workflows') },
      await handleOf(tid).fetchHistory(),
      workflowIdFor(tid),
    );

  test('a resend signal sent while the wrong OTP is submitted resends once the refund waits again', async () => {
    const { tid, answered } = await submittingWrongOtp();
    await handleOf(tid).signal(resendOtpSignal, {});
    // The caller hears "wrong OTP" (the phase it reads may already be the resend's).
    expect(await answered).toMatchObject({ otpAttemptsLeft: 2 });
    const resent = await waitFor(
      'the resend',
      () => refunds().getState(tid),
      (s) => s.resendCount === 1 && s.phase === RefundPhase.AWAITING_OTP,
    );
    expect(resent.resendCount).toBe(1);
    expect(stack.sim.sms(tid)).toHaveLength(2);
    await replays(tid);
  });

  test('an otp signal sent while the wrong OTP is submitted is used once the refund waits again', async () => {
    const { tid, answered } = await submittingWrongOtp();
    await handleOf(tid).signal(otpSignal, { otp: '482913' });
    await answered;
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(stack.sim.transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 2 } });
    await replays(tid);
  });
});

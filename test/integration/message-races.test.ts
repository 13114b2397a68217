/**
 * Messages that land in the same workflow task. A worker that is down while messages arrive gets
 * them all in one activation, so these tests stop the worker, send, and start another one.
 */
import type { Worker } from '@temporalio/worker';
import { RefundClient } from '../../src/client';
import { RefundOutcome, RefundPhase, workflowIdFor } from '../../src/contract';
import { createEkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { createRefundWorker } from '../../src/worker';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

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
async function awaitingOtp(): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid, sendOtp: true });
  await startWorker();
  await refunds().start({ tid, ...FAST, requestOtp: false });
  await waitFor(
    `${tid} AWAITING_OTP`,
    () => refunds().getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  return tid;
}

test('an OTP and a resend in the same workflow task: the OTP goes first, with the otp_ref_id it was sent with', async () => {
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
  await handleOf(tid).signal('resendOtp', {});
  await handleOf(tid).signal('otp', { otp });
  await startWorker();

  expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
  const state = await refunds().getState(tid);
  expect(state).toMatchObject({ wrongOtpAttempts: 0, resendCount: 0 });
  expect(state.notes.join('\n')).toContain('the OTP goes first');
  expect(stack.sim.sms(tid)).toHaveLength(1); // no second OTP was sent over the first
});

test('a resend still waiting when the refund ends (a cancel in the same task) answers with the outcome', async () => {
  const tid = await awaitingOtp();
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

  expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.CANCELLED });
  expect(await resend).toEqual({
    phase: RefundOutcome.CANCELLED,
    resendCount: 0,
  });
  expect(stack.sim.sms(tid)).toHaveLength(1);
});

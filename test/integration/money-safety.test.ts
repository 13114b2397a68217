import { RefundClient } from '../../src/client';
import { UAT } from '../../src/eko/uat';
import { type RefundInput, RefundOutcome, RefundPhase } from '../../src/contract';
import type { FaultInput } from '../../simulator';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';

/**
 * Money safety under faults: whatever goes wrong, Eko applies the refund exactly once and the
 * refund ends with the right outcome. Each test injects one fault on the real stack.
 */
let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack({ ekoTimeoutMs: 1_000 });
}, 60_000);
afterAll(() => stack?.stop());

// A lost worker is presumed dead after ekoCallTimeout; the retry inquires first, and waits a
// settle window after a refund call whose outcome it does not know.
const QUICK: Partial<RefundInput> = { ...FAST, ekoCallTimeout: '3s', settleWindow: '2s' };

async function awaitingOtp(refunds: RefundClient, tid: string, seed = {}) {
  stack.sim.seed({ tid, ...seed });
  await refunds.start({ tid, ...QUICK });
  await waitFor(
    `${tid} AWAITING_OTP`,
    () => refunds.getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
}

describe('a fault on the refund call (in-process worker)', () => {
  const refunds = () => stack.refunds;

  test.each<[string, FaultInput['type'], number]>([
    // [what, fault, refund POSTs Eko receives]
    ['Eko times out after applying the refund', 'timeout_after_apply', 1],
    ['Eko resets the connection after applying the refund', 'reset_after_apply', 1],
    ['Eko answers 500 without applying it', 'http500', 2],
    ['Eko resets the connection before applying it', 'reset', 2],
    ['Eko answers a non-JSON body without applying it', 'non_json', 2],
  ])('%s: refunded exactly once', async (_what, type, posts) => {
    const tid = newTid();
    await awaitingOtp(refunds(), tid);
    stack.sim.injectFault({ type, endpoint: 'refund', tid });
    await refunds().submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(stack.sim.transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: posts } });
  });

  test('Eko answering 403 (wrong access key) is retried until the configuration is fixed, then refunds once', async () => {
    const tid = newTid();
    await awaitingOtp(refunds(), tid);
    stack.sim.configure({ accessKey: 'rotated-at-eko' });
    try {
      const answered = refunds().submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
      const failing = await waitFor(
        'a retried 403',
        () => refunds().getState(tid),
        (s) => (s.pendingActivity?.attempt ?? 0) >= 2,
      );
      expect(failing.pendingActivity?.lastFailure).toContain('HTTP 403');
      expect(failing.phase).toBe(RefundPhase.SUBMITTING);
      stack.sim.configure({ accessKey: UAT.accessKey });
      expect(await answered).toMatchObject({ phase: RefundOutcome.REFUNDED });
    } finally {
      stack.sim.configure({ accessKey: UAT.accessKey });
    }
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(stack.sim.transaction(tid)?.refundCount).toBe(1);
  });
});

describe('the worker process is killed (SIGKILL) during the refund call', () => {
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    if (worker) await worker.kill();
    worker = undefined;
  });

  const startWorker = async (taskQueue: string) => {
    worker = startWorkerProcess({
      TEMPORAL_ADDRESS: stack.server.env.address,
      REFUND_TASK_QUEUE: taskQueue,
      EKO_BASE_URL: stack.sim.baseUrl,
      EKO_TIMEOUT_MS: '60000',
    });
    await worker.ready();
  };

  test.each<[string, FaultInput['type'], number]>([
    ['before Eko applied it', 'hang', 2],
    ['after Eko applied it, before the answer arrived', 'timeout_after_apply', 1],
  ])('%s: a new worker finishes the refund, applied exactly once', async (_when, type, posts) => {
    const taskQueue = `kill-${type}-${process.pid}`;
    const refunds = new RefundClient(stack.server.env.client, taskQueue);
    const tid = newTid();
    await startWorker(taskQueue);
    await awaitingOtp(refunds, tid);
    stack.sim.injectFault({ type, endpoint: 'refund', tid });
    void refunds.submitOtp(tid, { otp: stack.sim.lastOtp(tid)! }).catch(() => undefined);
    await waitFor(
      'the refund call in flight',
      async () => stack.sim.transaction(tid),
      (tx) => tx?.calls.refund === 1,
      {
        everyMs: 10,
      },
    );

    await worker!.kill();
    await startWorker(taskQueue);

    expect(await refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(stack.sim.transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: posts } });
  });
});

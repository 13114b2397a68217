import { google } from '@temporalio/proto';
import { RefundClient } from '../../src/client';
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { SEARCH_ATTRIBUTES } from '../../src/contract';
import { ensureSearchAttributes } from '../../src/worker';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';
import { startWorkerProcess as startWorker } from '../../tools/worker-process';

/** The production entry point (`src/worker.ts`) as its own process, configured from the environment. */
let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

function startWorkerProcess(env: Record<string, string>) {
  return startWorker({ TEMPORAL_ADDRESS: stack.server.env.address, ...env });
}

test('a bad configuration value stops start-up with a message naming the variable', async () => {
  const worker = startWorkerProcess({ EKO_INITIATOR_ID: '12345', EKO_ACCESS_KEY: 'do-not-print-me' });
  expect(await worker.exited).toBe(1);
  expect(worker.output()).toContain('invalid configuration: EKO_INITIATOR_ID: must be a 10-digit mobile number');
  expect(worker.output()).not.toContain('do-not-print-me');
});

test('registers the search attributes a namespace lacks, once', async () => {
  const namespace = `ns-${process.pid}`;
  await stack.server.env.connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: google.protobuf.Duration.fromObject({ seconds: 24 * 3600 }),
  });
  const connection = stack.server.env.nativeConnection;
  const added = await waitFor(
    'the new namespace',
    () => ensureSearchAttributes(connection, namespace),
    () => true,
  );
  expect(added.sort()).toEqual(
    Object.values(SEARCH_ATTRIBUTES)
      .map(({ name }) => name)
      .sort(),
  );
  expect(await ensureSearchAttributes(connection, namespace)).toEqual([]);
});

test('SIGTERM lets the in-flight refund call finish before the worker exits', async () => {
  const taskQueue = `worker-process-${process.pid}`;
  const worker = startWorkerProcess({ REFUND_TASK_QUEUE: taskQueue, EKO_BASE_URL: stack.sim.baseUrl });
  await worker.ready();
  const refunds = new RefundClient(stack.server.env.client, taskQueue);
  const tid = newTid();
  stack.sim.seed({ tid });
  await refunds.start({ tid, ...FAST });
  await waitFor(
    'AWAITING_OTP',
    () => refunds.getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );

  stack.sim.injectFault({ type: 'latency', endpoint: 'refund', tid, latencyMs: 1_500 });
  const submitted = refunds.submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
  await waitFor(
    'the refund call to reach Eko',
    async () => stack.sim.transaction(tid)?.calls.refund,
    (calls) => calls === 1,
    { everyMs: 10 },
  );
  expect(stack.sim.transaction(tid)?.refundCount).toBe(0); // still in flight
  worker.child.kill('SIGTERM');

  expect(await worker.exited).toBe(0);
  expect(stack.sim.transaction(tid)?.refundCount).toBe(1);
  // The stopped worker completed the activity; a worker on the same queue finishes the workflow.
  const history = await stack.server.env.client.workflow.getHandle(`refund-${tid}`).fetchHistory();
  const completed = history.events?.filter((e) => e.activityTaskCompletedEventAttributes) ?? [];
  expect(completed).toHaveLength(2); // the check with the OTP request, and the refund call
  const second = startWorkerProcess({ REFUND_TASK_QUEUE: taskQueue, EKO_BASE_URL: stack.sim.baseUrl });
  try {
    expect(await submitted).toMatchObject({ phase: RefundOutcome.REFUNDED });
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});

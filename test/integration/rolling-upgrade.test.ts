/**
 * Rolling upgrades: a worker one release behind must not fail a refund because a newer client
 * sent an input or message field it does not know. The workflow ignores such fields and notes
 * them; callers (client, CLI, API) still refuse misspelt fields, naming them.
 */
import { RefundOutcome, RefundPhase, workflowIdFor, WORKFLOW_TYPE } from '../../src/contract';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

const client = () => stack.server.env.client;

test('an input field from a newer client is ignored and noted; the refund runs', async () => {
  const tid = newTid();
  stack.sim.seed({ tid });
  const handle = await client().workflow.start(WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: workflowIdFor(tid),
    args: [{ tid, ...FAST, priority: 'high', channel: { name: 'api' } }],
  });
  await waitFor(
    'AWAITING_OTP',
    () => stack.refunds.getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  // A newer client's field on the OTP update and signal is ignored too.
  const answer = await handle.executeUpdate('submitOtp', {
    args: [{ otp: stack.sim.lastOtp(tid)!, confirmedBy: 'voice' }],
  });
  expect(answer).toMatchObject({ phase: RefundOutcome.REFUNDED });
  const { state } = await stack.refunds.result(tid);
  expect(state.notes.join('\n')).toContain('ignored input field(s) this worker does not know: priority, channel');
});

test('an otp signal with a field this worker does not know is taken, not dropped', async () => {
  const tid = newTid();
  stack.sim.seed({ tid });
  await stack.refunds.start({ tid, ...FAST });
  await waitFor(
    'AWAITING_OTP',
    () => stack.refunds.getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  await client()
    .workflow.getHandle(workflowIdFor(tid))
    .signal('otp', { otp: stack.sim.lastOtp(tid)!, channel: 'ivr' });
  expect(await stack.refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
});

test('the client still refuses a misspelt field, naming it (a typo is not a newer field)', async () => {
  await expect(stack.refunds.start({ tid: newTid(), pollIntervall: '30s' } as never)).rejects.toThrow(
    'unknown field(s) pollIntervall',
  );
});

import { RefundOutcome, RefundPhase } from '../../src/contract';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

async function waitForPhase(tid: string, phase: string) {
  for (;;) {
    const state = await stack.refunds.getState(tid).catch(() => undefined);
    if (state?.phase === phase) return state;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('happy path: OTP sent, submitOtp answers REFUNDED, one refund applied', async () => {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '5000.00', fee: '50.00' });
  await stack.refunds.start({ tid, ...FAST });
  await waitForPhase(tid, RefundPhase.AWAITING_OTP);
  const otp = stack.sim.lastOtp(tid)!;
  const answer = await stack.refunds.submitOtp(tid, { otp });
  expect(answer).toMatchObject({ phase: RefundOutcome.REFUNDED, message: 'Refund done' });
  const result = await stack.refunds.result(tid);
  expect(result).toMatchObject({ outcome: RefundOutcome.REFUNDED, refund: { refundedAmount: '5050.00' } });
  expect(stack.sim.transaction(tid)?.refundCount).toBe(1);
});

import { RefundOutcome, RefundPhase } from '../../src/contract';
import { recordHistory } from '../helpers/histories';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';

/** Waiting a day for an OTP, on the time-skipping test server: no real waiting. */
let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack({ timeSkipping: true });
}, 60_000);
afterAll(() => stack?.stop());

test('no OTP before otpTimeout (24 hours) ends OTP_EXPIRED, with no refund call', async () => {
  const tid = newTid();
  stack.sim.seed({ tid });
  const startedAtMs = await stack.server.env.currentTimeMs();
  await stack.refunds.start({ tid, ...FAST, otpTimeout: '24 hours' });

  const result = await stack.refunds.result(tid);

  expect(result).toMatchObject({
    outcome: RefundOutcome.OTP_EXPIRED,
    reason: 'no OTP arrived before the OTP deadline',
  });
  expect(Date.parse(result.completedAt) - startedAtMs).toBeGreaterThanOrEqual(24 * 3600_000);
  expect(stack.sim.transaction(tid)).toMatchObject({ calls: { otp: 1, refund: 0 }, refundCount: 0 });
  const state = await stack.refunds.getState(tid);
  expect(state.transitions.map((t) => t.to)).toEqual([
    RefundPhase.CHECKING,
    RefundPhase.SENDING_OTP,
    RefundPhase.AWAITING_OTP,
    RefundOutcome.OTP_EXPIRED,
  ]);
  await recordHistory(stack.server.env.address, tid, 'otp-timed-out');
});

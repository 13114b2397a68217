import { RefundOutcome, RefundPhase, workflowIdFor } from '../../src/contract';
import { recordHistory } from '../helpers/histories';
import { FAST, newTid, phaseOf, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

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

test.each([
  ['an otp signal', 'otp'],
  ['a resendOtp signal', 'resendOtp'],
])(
  '%s during the inquiry made at the deadline is not used, and noted (not silently dropped)',
  async (_what, signal) => {
    const note = 'signal(s) not used: the refund no longer waited for an OTP';
    const tid = newTid();
    stack.sim.seed({ tid });
    await stack.refunds.start({ tid, ...FAST, otpTimeout: '24 hours' });
    await phaseOf(stack.refunds, tid, RefundPhase.AWAITING_OTP);
    const checks = stack.sim.transaction(tid)!.calls.inquiry;
    // The inquiry at the deadline takes a while to answer: the message arrives meanwhile.
    stack.sim.injectFault({ type: 'latency', endpoint: 'inquiry', tid, latencyMs: 3_000 });
    const result = stack.refunds.result(tid); // the time-skipping server moves to the deadline
    await waitFor(
      'the inquiry at the deadline',
      async () => stack.sim.transaction(tid)!.calls.inquiry,
      (inquiries) => inquiries > checks,
    );
    const handle = stack.server.env.client.workflow.getHandle(workflowIdFor(tid));
    await handle.signal(signal, signal === 'otp' ? { otp: stack.sim.lastOtp(tid)! } : {});

    expect(await result).toMatchObject({ outcome: RefundOutcome.OTP_EXPIRED });
    expect((await stack.refunds.getState(tid)).notes).toContainEqual(expect.stringContaining(note));
    expect(stack.sim.transaction(tid)).toMatchObject({ calls: { otp: 1, refund: 0 }, refundCount: 0 });
  },
);

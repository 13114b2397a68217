/**
 * The OTP deadline on the real dev server: the refund ends without a refund only on an inquiry
 * made then, and Eko's silence never ends it (docs/contract/refund-workflow.md, "Ending without a
 * refund needs proof").
 */
import { RefundOutcome, RefundPhase, workflowIdFor, type RefundInput } from '../../src/contract';
import { recordHistory } from '../helpers/histories';
import { FAST, newTid, phaseOf, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack({ ekoTimeoutMs: 1_000 });
}, 60_000);
afterAll(() => stack?.stop());

const DEADLINE: Partial<RefundInput> = { ...FAST, otpTimeout: '2s', ekoCallTimeout: '3s' };

async function waitingForOtp(input: Partial<RefundInput> = {}): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid });
  await stack.refunds.start({ tid, ...DEADLINE, ...input });
  await phaseOf(stack.refunds, tid, RefundPhase.AWAITING_OTP);
  return tid;
}

test('no OTP before otpTimeout ends OTP_EXPIRED on the inquiry made then, with no refund call', async () => {
  const tid = await waitingForOtp();
  const inquiries = stack.sim.transaction(tid)!.calls.inquiry;
  const result = await stack.refunds.result(tid);
  expect(result).toMatchObject({
    outcome: RefundOutcome.OTP_EXPIRED,
    reason: 'no OTP arrived before the OTP deadline',
  });
  expect(stack.sim.transaction(tid)).toMatchObject({ calls: { otp: 1, refund: 0 }, refundCount: 0 });
  expect(stack.sim.transaction(tid)!.calls.inquiry).toBe(inquiries + 1);
  expect(result.state.transitions.map((t) => t.to)).toEqual([
    RefundPhase.CHECKING,
    RefundPhase.SENDING_OTP,
    RefundPhase.AWAITING_OTP,
    RefundOutcome.OTP_EXPIRED,
  ]);
  await recordHistory(stack.server.env.address, tid, 'otp-timed-out');
});

test('Eko silent at the deadline: the refund keeps asking, and ends on the answer that finally comes', async () => {
  const tid = await waitingForOtp();
  stack.sim.injectFault({ type: 'http500', endpoint: 'inquiry', tid, times: 3 });
  expect(await stack.refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.OTP_EXPIRED });
  // Three failures, then the answer that decided.
  expect(stack.sim.faults().filter((f) => f.tid === tid)).toEqual([]);
});

test('Eko silent until the poll deadline: NEEDS_REVIEW, never OTP_EXPIRED on no answer (found by review)', async () => {
  const tid = await waitingForOtp({ pollDeadline: '4s' });
  stack.sim.injectFault({ type: 'http500', endpoint: 'inquiry', tid, times: 1000 });
  try {
    const result = await stack.refunds.result(tid);
    expect(result).toMatchObject({ outcome: RefundOutcome.NEEDS_REVIEW });
    expect(result.reason).toMatch(/Eko gave no final status before the refund could end without a refund/);
  } finally {
    stack.sim.clearFaults();
  }
});

test.each([
  ['an otp signal', 'otp'],
  ['a resendOtp signal', 'resendOtp'],
])(
  '%s during the inquiry made at the deadline is not used, and noted (not silently dropped)',
  async (_what, signal) => {
    const tid = await waitingForOtp();
    const before = stack.sim.transaction(tid)!.calls.inquiry;
    // The inquiry at the deadline takes a while to answer: the message arrives meanwhile.
    stack.sim.injectFault({ type: 'latency', endpoint: 'inquiry', tid, latencyMs: 2_000 });
    await waitFor(
      'the inquiry at the deadline',
      async () => stack.sim.transaction(tid)!.calls.inquiry,
      (inquiries) => inquiries > before,
    );
    const handle = stack.server.env.client.workflow.getHandle(workflowIdFor(tid));
    await handle.signal(signal, signal === 'otp' ? { otp: stack.sim.lastOtp(tid)! } : {});

    const result = await stack.refunds.result(tid);
    expect(result).toMatchObject({ outcome: RefundOutcome.OTP_EXPIRED });
    expect(result.state.notes).toContainEqual(
      expect.stringMatching(/(an OTP was not used|a resend was not sent): the refund ended \(OTP_EXPIRED\)/),
    );
    expect(stack.sim.transaction(tid)).toMatchObject({ calls: { otp: 1, refund: 0 }, refundCount: 0 });
  },
);

/**
 * The refund against Eko as its docs and samples show it, not only as we first simulated it:
 * an Eko slower than our timeout, refusals of Get Refund OTP, and both envelope shapes of every
 * failure (`{status: <code>, response_status_id: 1}` and Eko's QR sample `{status: 1,
 * response_status_id: <code>}`), on the real dev server.
 */
import { type Phase, RefundOutcome, RefundPhase, type RefundInput } from '../../src/contract';
import type { Dialect, SeedInput } from '../../simulator';
import {
  FAST,
  newTid,
  phaseOf as waitForPhase,
  type RefundStack,
  startAwaitingOtp,
  startRefundStack,
} from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack({ ekoTimeoutMs: 1_000 });
}, 60_000);
afterAll(() => stack?.stop());

const refunds = () => stack.refunds;
const sim = () => stack.sim;
const QUICK: Partial<RefundInput> = { ...FAST, ekoCallTimeout: '3s', settleWindow: '2s' };

const phaseOf = (tid: string, phase: Phase) => waitForPhase(refunds(), tid, phase);
const awaitingOtp = (seed: Omit<SeedInput, 'tid'> = {}, input: Partial<RefundInput> = {}) =>
  startAwaitingOtp(stack, seed, { ...QUICK, ...input });

describe('an Eko slower than our timeout', () => {
  test('applies the refund 3 s after a call we gave up on after 1 s: one refund call, REFUNDED', async () => {
    const tid = await awaitingOtp({}, { settleWindow: '30s' });
    sim().injectFault({ type: 'slow_apply', tid, applyAfterMs: 3_000 });
    const answer = await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    expect(answer.phase).toBe(RefundOutcome.REFUNDED);
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 }, callsAfterApplied: 0 });
    const state = await refunds().getState(tid);
    expect(state.transitions.map((t) => t.to)).not.toContain(RefundOutcome.OTP_EXPIRED);
  });

  test('while the settle window runs, getState says why the refund is not called again', async () => {
    const tid = await awaitingOtp({}, { settleWindow: '30s' });
    sim().injectFault({ type: 'slow_apply', tid, applyAfterMs: 6_000 });
    void refunds()
      .submitOtp(tid, { otp: sim().lastOtp(tid)! })
      .catch(() => undefined);
    const settling = await waitFor(
      'a settling retry',
      () => refunds().getState(tid),
      (s) => s.pendingActivity?.lastFailure?.includes('may still be applied') ?? false,
    );
    expect(settling.phase).toBe(RefundPhase.SUBMITTING);
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });

  test('the OTP deadline passing while the refund call is in flight does not end the refund: Eko decides', async () => {
    const tid = await awaitingOtp({}, { otpTimeout: '2s', settleWindow: '30s' });
    sim().injectFault({ type: 'slow_apply', tid, applyAfterMs: 4_000 });
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)?.refundCount).toBe(1);
  });
});

describe('the settle window counts from the end of the call (found by review)', () => {
  test('a call that hangs past the settle window: no second call while Eko applies the first', async () => {
    const tid = await awaitingOtp({}, { ekoCallTimeout: '8s', settleWindow: '5s', maxOtpAttempts: 1 });
    sim().injectFault({ type: 'slow_apply', endpoint: 'refund', tid, applyAfterMs: 11_000 });
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, callsWhileApplying: 0, calls: { refund: 1 } });
  });
});

describe('a settle window costs no more than itself', () => {
  test("the retry that may call again is scheduled at the window's end, not at the backoff's next step", async () => {
    // The call hangs past the worker's 1 s Eko timeout and is never applied. Its window (10 s from
    // the end of its 3 s attempt) outlasts attempts 2 and 3; attempt 3's backoff (8 s) would
    // pass the window's end, so attempt 4 is scheduled at the end itself.
    const tid = await awaitingOtp({}, { settleWindow: '10s' });
    sim().injectFault({ type: 'hang', endpoint: 'refund', tid });
    const submitted = refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    const until = (s: { pendingActivity?: { lastFailure?: string } }) =>
      /inquiring until (\S+) before calling again/.exec(s.pendingActivity?.lastFailure ?? '')?.[1];
    const settling = await waitFor(
      'the third attempt in the settle window',
      () => refunds().getState(tid),
      (s) => (s.pendingActivity?.attempt ?? 0) >= 4 && until(s) !== undefined && !!s.pendingActivity?.nextAttemptAt,
    );
    const lateBy = Date.parse(settling.pendingActivity!.nextAttemptAt!) - Date.parse(until(settling)!);
    expect(lateBy).toBeGreaterThanOrEqual(0);
    expect(lateBy).toBeLessThan(1_000);
    expect(await submitted).toMatchObject({ phase: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 2 } });
  });
});

describe('refusals of Get Refund OTP are decided by an inquiry', () => {
  test('refunded elsewhere, then a resend ("already in refunded state") → REFUNDED, no refund call', async () => {
    const tid = await awaitingOtp({}, { resendInterval: '1s' });
    sim().seed({ tid, txStatus: 4 }); // refunded through Eko's portal meanwhile
    const resent = await waitFor(
      'the resend accepted',
      () => refunds().resendOtp(tid),
      () => true,
      { everyMs: 250 },
    );
    expect(resent.phase).toBe(RefundOutcome.REFUNDED);
    expect(await refunds().result(tid)).toMatchObject({
      outcome: RefundOutcome.REFUNDED,
      reason: expect.stringMatching(/already refunded at Eko/),
    });
    expect(sim().transaction(tid)?.calls.refund).toBe(0);
  });

  test('a refused resend while the customer holds a valid OTP keeps waiting for it, and that OTP refunds', async () => {
    const tid = await awaitingOtp({ maxOtpRequests: 1 }, { resendInterval: '1s' });
    const otp = sim().lastOtp(tid)!;
    const resent = await waitFor(
      'the resend accepted',
      () => refunds().resendOtp(tid),
      () => true,
      { everyMs: 250 },
    );
    expect(resent.phase).toBe(RefundPhase.AWAITING_OTP);
    const state = await refunds().getState(tid);
    expect(state.transitions.at(-1)?.reason).toMatch(
      /Eko did not send an OTP .*waiting for the OTP the customer already holds/,
    );
    expect(await refunds().submitOtp(tid, { otp })).toMatchObject({ phase: RefundOutcome.REFUNDED });
  });
});

describe.each<Dialect>(['status-code', 'response-code'])('Eko failures in the %s shape', (dialect) => {
  test('a wrong OTP (302) asks for the OTP again, attempts counted, never FAILED', async () => {
    const tid = await awaitingOtp({ dialect, otpCode: '482913' });
    expect(await refunds().submitOtp(tid, { otp: '111111' })).toMatchObject({
      phase: RefundPhase.AWAITING_OTP,
      otpAttemptsLeft: 2,
    });
    expect(await refunds().submitOtp(tid, { otp: '482913' })).toMatchObject({ phase: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)?.refundCount).toBe(1);
  });

  test('an expired OTP (303) requests a new one and waits for it', async () => {
    const tid = await awaitingOtp({ dialect });
    sim().expireOtp(tid);
    // submitOtp answers with Eko's verdict at once: a new OTP is on its way.
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundPhase.SENDING_OTP,
    });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    expect(sim().sms(tid)).toHaveLength(2);
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundOutcome.REFUNDED,
    });
  });

  test('an unknown tid ends NOT_REFUNDABLE at once, not after days of polling', async () => {
    const tid = newTid();
    if (dialect === 'response-code') sim().configure({ dialect });
    try {
      await refunds().start({ tid, ...QUICK });
      expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.NOT_REFUNDABLE });
    } finally {
      sim().configure({ dialect: 'status-code' });
    }
    expect(sim().transaction(tid)).toBeUndefined();
  });

  test('insufficient balance (347) ends FAILED with the code, after an inquiry confirmed nothing moved', async () => {
    const tid = await awaitingOtp({ dialect, rejectRefund: { status: 347, message: 'Insufficient balance' } });
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({ phase: RefundOutcome.FAILED });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.FAILED, ekoCode: 347 });
  });

  test('"" and null amounts keep the rest of the answer: refund_tid and the amounts Eko knew', async () => {
    const tid = await awaitingOtp({
      dialect,
      amount: '5000.00',
      fee: '50.00',
      emptyAmounts: ['balance', 'tds'],
      nullAmounts: ['commission_reverse'],
    });
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    const result = await refunds().result(tid);
    expect(result).toMatchObject({
      outcome: RefundOutcome.REFUNDED,
      refund: { refundTid: expect.stringMatching(/^\d+$/), amount: '5000.00', refundedAmount: '5050.00', fee: '50.00' },
    });
    expect(result.refund?.balance).toBeUndefined();
  });
});

test("digits that could be an OTP or a mobile in Eko's message are masked in the state and result; the tid stays", async () => {
  const tid = newTid();
  const message = `Insufficient balance for tid ${tid}, customer 9876543210, ref 482913, amount 5000.00`;
  sim().seed({ tid, rejectRefund: { status: 347, message } });
  await refunds().start({ tid, ...QUICK });
  await phaseOf(tid, RefundPhase.AWAITING_OTP);
  await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
  const result = await refunds().result(tid);
  const text = JSON.stringify([result, await refunds().getState(tid)]);
  expect(result.ekoMessage).toContain(tid);
  expect(result.ekoMessage).toContain('5000.00');
  expect(text).not.toContain('9876543210');
  expect(text).not.toContain('482913');
});

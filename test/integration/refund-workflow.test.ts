import { RefundRequestError } from '../../src/client';
import { InvalidInputError, type Phase, RefundOutcome, RefundPhase, type RefundInput } from '../../src/contract';
import type { SeedInput } from '../../simulator';
import { historyLength, recordHistory } from '../helpers/histories';
import {
  FAST,
  newTid,
  phaseOf as waitForPhase,
  type RefundStack,
  startAwaitingOtp as awaitingOtpIn,
  startRefundStack,
} from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

/** The refund workflow's behaviours, one per test, on the real dev server and the simulator. */
let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

const refunds = () => stack.refunds;
const sim = () => stack.sim;
const client = () => stack.server.env.client;

const phaseOf = (tid: string, phase: Phase) => waitForPhase(refunds(), tid, phase);
const startAwaitingOtp = (seed: Omit<SeedInput, 'tid'> = {}, input: Partial<RefundInput> = {}) =>
  awaitingOtpIn(stack, seed, input);

describe('refundWorkflow', () => {
  test('happy path: the OTP from the SMS refunds once, and submitOtp answers REFUNDED with Eko message', async () => {
    const tid = await startAwaitingOtp({ amount: '5000.00', fee: '50.00' });
    expect(sim().sms(tid)).toHaveLength(1);
    const answer = await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    expect(answer).toEqual({ phase: RefundOutcome.REFUNDED, message: 'Refund done', otpAttemptsLeft: 3 });
    expect(await refunds().result(tid)).toMatchObject({
      tid,
      outcome: RefundOutcome.REFUNDED,
      refund: { amount: '5000.00', refundedAmount: '5050.00', fee: '50.00' },
    });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
    await recordHistory(stack.server.env.address, tid, 'happy-path');
  });

  test('a wrong OTP goes back to AWAITING_OTP; the right one then refunds', async () => {
    const tid = await startAwaitingOtp({ otpCode: '482913' });
    expect(await refunds().submitOtp(tid, { otp: '111111' })).toEqual({
      phase: RefundPhase.AWAITING_OTP,
      message: 'Wrong OTP',
      otpAttemptsLeft: 2,
    });
    expect(await refunds().submitOtp(tid, { otp: '482913' })).toMatchObject({ phase: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)?.refundCount).toBe(1);
    await recordHistory(stack.server.env.address, tid, 'wrong-otp-then-right');
  });

  test('maxOtpAttempts wrong OTPs end in OTP_EXPIRED with no refund', async () => {
    const tid = await startAwaitingOtp({ otpCode: '482913' }, { maxOtpAttempts: 2 });
    await refunds().submitOtp(tid, { otp: '111111' });
    expect(await refunds().submitOtp(tid, { otp: '222222' })).toMatchObject({
      phase: RefundOutcome.OTP_EXPIRED,
      otpAttemptsLeft: 0,
    });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.OTP_EXPIRED });
    expect(sim().transaction(tid)?.refundCount).toBe(0);
  });

  test('Eko answering 303 (OTP expired) gets a new OTP sent, and the new OTP refunds', async () => {
    const tid = await startAwaitingOtp();
    const oldOtp = sim().lastOtp(tid)!;
    sim().expireOtp(tid);
    expect(await refunds().submitOtp(tid, { otp: oldOtp })).toMatchObject({ message: 'OTP expired' });
    await phaseOf(tid, RefundPhase.AWAITING_OTP);
    expect(sim().transaction(tid)?.otpsIssued).toBe(2);
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundOutcome.REFUNDED,
    });
  });

  test('CHECKING sees tx_status 4: REFUNDED with no OTP and no refund call', async () => {
    const tid = newTid();
    sim().seed({ tid, txStatus: 4 });
    await refunds().start({ tid, ...FAST });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ calls: { otp: 0, refund: 0 }, refundCount: 0 });
    await recordHistory(stack.server.env.address, tid, 'already-refunded');
  });

  test('CHECKING sees tx_status 0: NOT_REFUNDABLE', async () => {
    const tid = newTid();
    sim().seed({ tid, txStatus: 0 });
    await refunds().start({ tid, ...FAST });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.NOT_REFUNDABLE });
    expect(sim().transaction(tid)).toMatchObject({ calls: { otp: 0, refund: 0 } });
  });

  test('CHECKING sees tx_status 2: keeps inquiring until it becomes 3, then sends the OTP', async () => {
    const tid = await startAwaitingOtp({ txStatus: 2, pendingInquiries: 3, settlesTo: 3 });
    expect(sim().transaction(tid)).toMatchObject({ txStatus: 3, calls: { inquiry: 4, otp: 1 } });
    await refunds().cancel(tid, { reason: 'test done' });
  });

  test('a refund answered "pending" is polled until Eko reports it refunded', async () => {
    const tid = await startAwaitingOtp({ refundMode: 'pending', refundPendingInquiries: 2, refundSettlesTo: 4 });
    expect(await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! })).toMatchObject({
      phase: RefundPhase.PENDING,
    });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
    await recordHistory(stack.server.env.address, tid, 'pending-then-refunded');
  });

  test('a polled refund that Eko reports failed (tx_status 1) ends FAILED', async () => {
    const tid = await startAwaitingOtp({ refundMode: 'pending', refundPendingInquiries: 1, refundSettlesTo: 1 });
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.FAILED });
  });

  test('a refund still pending at pollDeadline ends NEEDS_REVIEW', async () => {
    const tid = await startAwaitingOtp(
      { refundMode: 'pending', refundPendingInquiries: 1_000_000 },
      { pollDeadline: '1500ms' },
    );
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    const result = await refunds().result(tid);
    expect(result).toMatchObject({ outcome: RefundOutcome.NEEDS_REVIEW });
    expect(result.reason).toContain('poll deadline');
    expect(sim().transaction(tid)?.refundCount).toBe(1);
  });

  test.each([
    [168, 'TID does not exist', RefundOutcome.NOT_REFUNDABLE],
    [347, 'Insufficient balance', RefundOutcome.FAILED],
  ])(
    'Eko rejecting the refund with %p "%s" ends %s, carrying the code and message',
    async (status, message, outcome) => {
      const tid = await startAwaitingOtp({ rejectRefund: { status, message } });
      await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
      expect(await refunds().result(tid)).toMatchObject({ outcome, ekoCode: status, ekoMessage: message });
      expect(sim().transaction(tid)?.refundCount).toBe(0);
    },
  );

  test('cancel before submission ends CANCELLED with the reason, and no refund call', async () => {
    const tid = await startAwaitingOtp();
    expect(await refunds().cancel(tid, { reason: 'customer took cash back in store' })).toEqual({
      phase: RefundOutcome.CANCELLED,
    });
    const result = await refunds().result(tid);
    expect(result).toMatchObject({ outcome: RefundOutcome.CANCELLED });
    expect(result.reason).toContain('customer took cash back in store');
    expect(sim().transaction(tid)?.calls.refund).toBe(0);
    await recordHistory(stack.server.env.address, tid, 'cancelled');
  });

  test('cancel after submission is refused, and the refund is still tracked to REFUNDED', async () => {
    const tid = await startAwaitingOtp({ refundMode: 'pending', refundPendingInquiries: 3 });
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    await expect(refunds().cancel(tid, { reason: 'too late' })).rejects.toThrow(
      /cannot cancel: the refund was submitted to Eko \(PENDING\); it is tracked to a final outcome/,
    );
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
  });

  test('a second start of the same tid returns the same workflow run', async () => {
    const tid = await startAwaitingOtp();
    const first = await refunds().start({ tid, ...FAST });
    const second = await refunds().start({ tid, ...FAST, reason: 'retry from another service' });
    expect(second).toEqual(first);
    expect(sim().transaction(tid)?.calls.otp).toBe(1);
    await refunds().cancel(tid, { reason: 'test done' });
  });

  test('starting an already refunded tid again ends REFUNDED without a second refund', async () => {
    const tid = await startAwaitingOtp();
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    await refunds().result(tid);
    const again = await refunds().start({ tid, ...FAST });
    expect(await client().workflow.getHandle(again.workflowId, again.runId).result()).toMatchObject({
      outcome: RefundOutcome.REFUNDED,
    });
    expect(sim().transaction(tid)).toMatchObject({ refundCount: 1, calls: { refund: 1 } });
  });

  test('submitOtp with a malformed OTP is rejected by name and leaves no trace in history', async () => {
    const tid = await startAwaitingOtp();
    const before = await historyLength(client(), tid);
    await expect(refunds().submitOtp(tid, { otp: '12ab56' })).rejects.toThrow(
      new InvalidInputError('invalid OTP submission: otp: otp must be 4 to 8 digits'),
    );
    // The workflow's own validator refuses it too, for callers that bypass the client's check.
    const handle = client().workflow.getHandle(`refund-${tid}`);
    await expect(handle.executeUpdate('submitOtp', { args: [{ otp: 'nope' }] })).rejects.toThrow();
    expect(await historyLength(client(), tid)).toBe(before);
    expect((await refunds().getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
    await refunds().cancel(tid, { reason: 'test done' });
  });

  test('a malformed OTP sent as a signal is dropped and noted in the state, without the value', async () => {
    const tid = await startAwaitingOtp();
    await client().workflow.getHandle(`refund-${tid}`).signal('otp', { otp: '98x' });
    expect((await refunds().getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
    await refunds().cancel(tid, { reason: 'test done' });
    const { state } = await refunds().result(tid);
    expect(state.notes[0]).toContain('dropped an otp signal: otp: otp must be 4 to 8 digits');
    expect(JSON.stringify(state)).not.toContain('98x');
    expect(state.outcome).toBe(RefundOutcome.CANCELLED);
  });

  test('resendOtp sends a new SMS, and a second one within resendInterval is refused', async () => {
    const tid = await startAwaitingOtp({}, { resendInterval: '1 hour', requestOtp: false });
    expect(await refunds().resendOtp(tid)).toEqual({ phase: RefundPhase.AWAITING_OTP, resendCount: 1 });
    expect(sim().sms(tid)).toHaveLength(1);
    await expect(refunds().resendOtp(tid)).rejects.toThrow(RefundRequestError);
    await expect(refunds().resendOtp(tid)).rejects.toThrow(/OTP not resent: an OTP was requested less than 1 hour ago/);
    await refunds().cancel(tid, { reason: 'test done' });
  });

  test('state and getState show polling progress: phase PENDING, attempt count, last failure, next attempt', async () => {
    const tid = await startAwaitingOtp(
      { refundMode: 'pending', refundPendingInquiries: 6 },
      { pollInterval: '1s', maxPollInterval: '1s' },
    );
    await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
    const polling = await waitFor(
      'three polls',
      () => refunds().getState(tid),
      (s) => (s.pendingActivity?.attempt ?? 0) >= 3,
    );
    expect(polling).toMatchObject({
      phase: RefundPhase.PENDING,
      pendingActivity: {
        activityType: 'awaitTransactionStatus',
        lastFailure: expect.stringContaining('not final yet'),
        nextAttemptAt: expect.any(String),
      },
    });
    expect(await refunds().result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
  });

  test('history does not grow with polls: 1 poll and 10 polls give the same event count', async () => {
    const run = async (polls: number) => {
      const tid = await startAwaitingOtp(
        { refundMode: 'pending', refundPendingInquiries: polls },
        { pollInterval: '1s', maxPollInterval: '1s' },
      );
      await refunds().submitOtp(tid, { otp: sim().lastOtp(tid)! });
      await refunds().result(tid);
      // CHECKING, the inquiry before the refund call, the polls, the settling one
      expect(sim().transaction(tid)?.calls.inquiry).toBe(1 + 1 + polls + 1);
      return historyLength(client(), tid);
    };
    const [one, ten] = [await run(1), await run(10)];
    console.log(`history events per refund: 1 poll → ${one}, 10 polls → ${ten}`);
    expect(ten).toBe(one);
  });

  test('list finds refunds by phase through visibility', async () => {
    const waiting = await startAwaitingOtp();
    const done = newTid();
    sim().seed({ tid: done, txStatus: 4 });
    await refunds().start({ tid: done, ...FAST });
    await refunds().result(done);
    const listed = (phase: string, tid: string) =>
      waitFor(
        `${tid} listed as ${phase}`,
        () => refunds().list({ phase }),
        (rows) => rows.some((r) => r.tid === tid),
      );
    expect((await listed('AWAITING_OTP', waiting)).find((r) => r.tid === waiting)).toMatchObject({
      workflowId: `refund-${waiting}`,
      phase: 'AWAITING_OTP',
      status: 'RUNNING',
    });
    expect((await listed('REFUNDED', done)).find((r) => r.tid === done)).toMatchObject({ status: 'COMPLETED' });
    expect((await refunds().list({ phase: 'AWAITING_OTP' })).some((r) => r.tid === done)).toBe(false);
    await refunds().cancel(waiting, { reason: 'test done' });
  });

  test('start refuses bad input by field name and starts no workflow', async () => {
    await expect(refunds().start({ tid: '12-34', initiatorId: '123' })).rejects.toThrow(
      'invalid refund input: tid: tid must be 1 to 20 digits; initiatorId: initiatorId must be a 10-digit mobile number',
    );
    expect(await refunds().list({ phase: 'CHECKING' })).toEqual([]);
  });
});

/**
 * The refund call's money-safety branches, one attempt at a time, with the SDK's activity test
 * environment (attempt number, heartbeat details and timeouts as Temporal would hand them over)
 * and a scripted Eko client that records every call in order.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import type { SubmitRequest } from '../../../src/activities/results';
import type { InquiryAnswer, OtpAnswer } from '../../../src/eko/answers';
import type { EkoClient } from '../../../src/eko/client';
import { forbidden, refundDone, scriptedEko, timedOut, tx, wrongOtp } from './scripted-eko';

Runtime.install({ logger: new DefaultLogger('WARN') });

const NOW = Date.parse('2026-11-29T10:00:00.000Z');
const MINUTE = 60_000;
const SETTLE = 10 * MINUTE;
const REQUEST: SubmitRequest = {
  tid: '13192443',
  otp: '123456',
  otpRefId: 'ref-1',
  serviceCode: '80',
  settleWindowMs: SETTLE,
};

async function attempt(
  eko: EkoClient,
  info: Partial<Info>,
  options: { now?: number } = {},
): Promise<{ result?: unknown; error?: Error & { type?: string }; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: MINUTE, ...info });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const activities = createActivities({
    eko,
    ekoTimeoutMs: 30_000,
    defaults: { initiatorId: '9962981729', userCode: '20810200' },
    now: () => options.now ?? NOW,
  });
  try {
    return { result: await env.run(activities.submitRefund, REQUEST), heartbeats };
  } catch (error) {
    return { error: error as Error & { type?: string }, heartbeats };
  }
}

describe('submitRefund: an inquiry precedes every refund call', () => {
  test('first attempt: inquiry says 3, the call is recorded, then made, and Refund done ends it', async () => {
    const { eko, calls } = scriptedEko({ inquiry: [tx(3)], refund: [refundDone] });
    const { result, heartbeats } = await attempt(eko, { attempt: 1 });
    expect(result).toMatchObject({ kind: 'refunded', refund: { refundTid: '2147591637' } });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund']);
    expect(heartbeats).toEqual([{ lastPostAt: NOW }]);
  });

  test.each([
    [4, { kind: 'settled', txStatus: 4 }],
    [0, { kind: 'settled', txStatus: 0 }],
    [1, { kind: 'settled', txStatus: 1 }],
    [2, { kind: 'pending', txStatus: 2 }],
    [5, { kind: 'pending', txStatus: 5 }],
    [42, { kind: 'pending', txStatus: 42 }],
  ])('first attempt (a reset replays attempt 1): inquiry says %p → no refund call', async (status, outcome) => {
    const { eko, calls } = scriptedEko({ inquiry: [tx(status)] });
    const { result, heartbeats } = await attempt(eko, { attempt: 1 });
    expect(result).toMatchObject(outcome);
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
    expect(heartbeats).toEqual([]);
  });

  test('an inquiry refused before the call is retried, and no call is made', async () => {
    const refused: InquiryAnswer = { kind: 'rejected', reason: 'other', message: 'Invalid reference_id', code: 1 };
    const { eko, calls } = scriptedEko({ inquiry: [refused] });
    const { error } = await attempt(eko, { attempt: 1 });
    expect(error?.message).toContain('Invalid reference_id');
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('a failed inquiry on the first attempt records "no call outstanding", so the retry may call at once', async () => {
    const down: InquiryAnswer = {
      kind: 'retryable',
      reason: 'server_error',
      httpStatus: 502,
      message: 'Eko answered HTTP 502',
    };
    const { eko } = scriptedEko({ inquiry: [down] });
    const { error, heartbeats } = await attempt(eko, { attempt: 1 });
    expect(error?.message).toContain('HTTP 502');
    expect(heartbeats).toEqual([{ lastPostAt: null }]);

    const retry = scriptedEko({ inquiry: [tx(3)], refund: [refundDone] });
    const second = await attempt(retry.eko, { attempt: 2, heartbeatDetails: { lastPostAt: null } });
    expect(second.result).toMatchObject({ kind: 'refunded' });
    expect(retry.calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund']);
  });
});

describe('submitRefund: the settle window after a call whose outcome is unknown', () => {
  test('a call that timed out leaves its record (the retry will settle) and fails retryably', async () => {
    const { eko } = scriptedEko({ inquiry: [tx(3)], refund: [timedOut] });
    const { error, heartbeats } = await attempt(eko, { attempt: 1 });
    expect(error?.message).toContain('did not answer');
    expect(heartbeats).toEqual([{ lastPostAt: NOW }]);
  });

  test('within the window, tx_status 3 means "Eko may still apply it": inquire again later, no second call', async () => {
    const { eko, calls } = scriptedEko({ inquiry: [tx(3)] });
    const { error, heartbeats } = await attempt(
      eko,
      { attempt: 2, heartbeatDetails: { lastPostAt: NOW - MINUTE } },
      { now: NOW },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error?.message).toMatch(/inquiring until 2026-11-29T10:09:00.000Z before calling again/);
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
    expect(heartbeats).toEqual([]); // the record stays as the first call left it
  });

  test('within the window, Eko applying the first call ends the wait: REFUNDED with one call in all', async () => {
    const { eko, calls } = scriptedEko({ inquiry: [tx(4)] });
    const { result } = await attempt(eko, { attempt: 3, heartbeatDetails: { lastPostAt: NOW - MINUTE } });
    expect(result).toMatchObject({ kind: 'settled', txStatus: 4 });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('after a whole window at tx_status 3, the refund is called again (recorded first)', async () => {
    const { eko, calls } = scriptedEko({ inquiry: [tx(3)], refund: [refundDone] });
    const { result, heartbeats } = await attempt(eko, {
      attempt: 9,
      heartbeatDetails: { lastPostAt: NOW - SETTLE - 1 },
    });
    expect(result).toMatchObject({ kind: 'refunded' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund']);
    expect(heartbeats).toEqual([{ lastPostAt: NOW }]);
  });

  test('an earlier attempt that left no record (worker killed, attempt timed out) is presumed to have called', async () => {
    const { eko, calls } = scriptedEko({ inquiry: [tx(3)] });
    const { error, heartbeats } = await attempt(eko, { attempt: 2, heartbeatDetails: undefined });
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error?.message).toMatch(/ended without a record/);
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
    expect(heartbeats).toEqual([{ lastPostAt: NOW }]); // the window is anchored, not restarted by each retry
  });

  test('a refusal that proves nothing was applied (403) clears the record after the call', async () => {
    const { eko } = scriptedEko({ inquiry: [tx(3)], refund: [forbidden] });
    const { error, heartbeats } = await attempt(eko, { attempt: 1 });
    expect(error?.message).toContain('403');
    expect(heartbeats).toEqual([{ lastPostAt: NOW }, { lastPostAt: null }]);
  });
});

describe('submitRefund: a refusal is confirmed by an inquiry', () => {
  test('wrong OTP, and the transaction is still refund pending → wrong_otp', async () => {
    const { eko, calls } = scriptedEko({ inquiry: [tx(3), tx(3)], refund: [wrongOtp] });
    const { result } = await attempt(eko, { attempt: 1 });
    expect(result).toMatchObject({ kind: 'wrong_otp' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund', 'inquiry']);
  });

  test('wrong OTP while Eko applied an earlier call (the OTP was used) → the refund, not a wrong OTP', async () => {
    const { eko } = scriptedEko({ inquiry: [tx(3), tx(4)], refund: [wrongOtp] });
    const { result } = await attempt(eko, { attempt: 1 });
    expect(result).toMatchObject({ kind: 'settled', txStatus: 4 });
  });

  test('a refusal that cannot be confirmed (the inquiry fails) is not believed: retried with the call on record', async () => {
    const down: InquiryAnswer = { kind: 'retryable', reason: 'timeout', message: 'Eko did not answer within 30000 ms' };
    const { eko } = scriptedEko({ inquiry: [tx(3), down], refund: [wrongOtp] });
    const { error, heartbeats } = await attempt(eko, { attempt: 1 });
    expect(error?.message).toContain('did not answer');
    expect(heartbeats).toEqual([{ lastPostAt: NOW }]);
  });
});

describe('submitRefund: no Eko call outlives its attempt', () => {
  test('each call gets at most the time left in the attempt', async () => {
    const { eko, calls } = scriptedEko({ inquiry: [tx(3)], refund: [refundDone] });
    await attempt(eko, { attempt: 1, startToCloseTimeoutMs: 5_000 });
    expect(calls.map((c) => c.timeoutMs)).toEqual([4_500, 4_500]);
  });

  test('with no time left for a safe call, nothing is called and nothing is recorded', async () => {
    let clock = NOW;
    const { eko, calls } = scriptedEko({ inquiry: [tx(3)], refund: [refundDone] });
    const slowInquiry: EkoClient = {
      ...eko,
      inquireTransaction: async (...args) => {
        const answer = await eko.inquireTransaction(...args);
        clock += 4_500; // the inquiry took most of a 5 s attempt
        return answer;
      },
    };
    const env = new MockActivityEnvironment({ attempt: 1, startToCloseTimeoutMs: 5_000 });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const activities = createActivities({
      eko: slowInquiry,
      defaults: { initiatorId: '9962981729', userCode: '20810200' },
      now: () => clock,
    });
    await expect(env.run(activities.submitRefund, REQUEST)).rejects.toMatchObject({ type: 'AttemptOutOfTime' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
    expect(heartbeats).toEqual([]);
  });
});

describe('requestRefundOtp: a refusal is a question, the inquiry after it answers', () => {
  test('refused because the transaction was refunded elsewhere → refused, with the inquiry saying 4', async () => {
    const refused: OtpAnswer = {
      kind: 'rejected',
      reason: 'already_refunded',
      message: 'Transaction is already in refunded state.',
      code: -1,
    };
    const { eko, calls } = scriptedEko({ otp: [refused], inquiry: [tx(4)] });
    const env = new MockActivityEnvironment({ attempt: 1, startToCloseTimeoutMs: MINUTE });
    const activities = createActivities({ eko, defaults: { initiatorId: '9962981729', userCode: '20810200' } });
    const result = await env.run(activities.requestRefundOtp, { tid: REQUEST.tid });
    expect(result).toMatchObject({ kind: 'refused', inquiry: { kind: 'settled', txStatus: 4 } });
    expect(calls.map((c) => c.endpoint)).toEqual(['otp', 'inquiry']);
  });
});

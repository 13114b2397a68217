/**
 * The refund call's money-safety branches, one attempt at a time, with the SDK's activity test
 * environment (attempt number, heartbeat details and timeouts as Temporal hands them over) and a
 * scripted Eko client. Heartbeats and Eko calls go into one log, in the order they happened.
 */
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import type { ResetTimeOf } from '../../../src/activities/attempt';
import type { SubmitRequest } from '../../../src/activities/results';
import type { InquiryAnswer } from '../../../src/eko/answers';
import type { EkoClient } from '../../../src/eko/client';
import { busy, forbidden, refundDone, scriptedEko, timedOut, tx, wrongOtp } from './scripted-eko';

Runtime.install({ logger: new DefaultLogger('WARN') });

const NOW = Date.parse('2026-11-29T10:00:00.000Z');
const MINUTE = 60_000;
const SETTLE = 10 * MINUTE;
/** Where an attempt of the default one-minute ekoCallTimeout must be over. */
const ATTEMPT_END = NOW + MINUTE;
const REQUEST: SubmitRequest = {
  tid: '13192443',
  otp: '123456',
  otpRefId: 'ref-1',
  serviceCode: '80',
  settleWindowMs: SETTLE,
};
const down: InquiryAnswer = {
  kind: 'retryable',
  reason: 'server_error',
  httpStatus: 502,
  message: 'Eko answered HTTP 502',
};
const hb = (details: unknown) => ({ heartbeat: details });

async function attempt(
  script: Parameters<typeof scriptedEko>[0],
  info: Partial<Info>,
  {
    request = REQUEST,
    now = () => NOW,
    resetTimeOf,
  }: { request?: SubmitRequest; now?: () => number; resetTimeOf?: ResetTimeOf } = {},
) {
  const log: unknown[] = [];
  const { eko, calls } = scriptedEko(script, log);
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: MINUTE, ...info });
  env.on('heartbeat', (details: unknown) => log.push(hb(details)));
  const defaults = { initiatorId: '9962981729', userCode: '20810200' };
  const activities = createActivities({ eko, defaults, now, resetTimeOf });
  try {
    return { result: await env.run(activities.submitRefundV2, request), log, calls };
  } catch (error) {
    return { error: error as Error & { type?: string }, log, calls };
  }
}

describe('an inquiry precedes every refund call', () => {
  test('first attempt: the coming call is recorded, then the inquiry says 3, then the call; Refund done ends it', async () => {
    const { result, log } = await attempt({ inquiry: [tx(3)], refund: [refundDone] }, { attempt: 1 });
    expect(result).toMatchObject({ kind: 'refunded', refund: { refundTid: '2147591637' } });
    expect(log).toEqual([hb({ callEndedBy: ATTEMPT_END }), 'inquiry', 'refund']);
  });

  test.each([
    [4, { kind: 'settled', txStatus: 4 }],
    [0, { kind: 'settled', txStatus: 0 }],
    [1, { kind: 'settled', txStatus: 1 }],
    [2, { kind: 'pending', txStatus: 2 }],
    [5, { kind: 'pending', txStatus: 5 }],
    [42, { kind: 'pending', txStatus: 42 }],
  ])('first attempt (a reset replays attempt 1): inquiry says %p → no refund call', async (status, outcome) => {
    const { result, calls } = await attempt({ inquiry: [tx(status)] }, { attempt: 1 });
    expect(result).toMatchObject(outcome);
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('an inquiry refused before the call is retried, and no call is made', async () => {
    const refused: InquiryAnswer = { kind: 'rejected', reason: 'other', message: 'Invalid reference_id', code: 1 };
    const { error, calls } = await attempt({ inquiry: [refused] }, { attempt: 1 });
    expect(error?.message).toContain('Invalid reference_id');
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('a failed inquiry takes the record back ("no call outstanding"), so the retry may call at once', async () => {
    const first = await attempt({ inquiry: [down] }, { attempt: 1 });
    expect(first.error?.message).toContain('HTTP 502');
    expect(first.log).toEqual([hb({ callEndedBy: ATTEMPT_END }), 'inquiry', hb({ callEndedBy: null })]);

    const retry = await attempt(
      { inquiry: [tx(3)], refund: [refundDone] },
      { attempt: 2, heartbeatDetails: { callEndedBy: null } },
    );
    expect(retry.result).toMatchObject({ kind: 'refunded' });
    expect(retry.calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund']);
  });
});

describe('the settle window after a call whose outcome is unknown', () => {
  test.each([
    ['timed out', timedOut],
    ['answered "another transaction in progress" (-2: maybe ours)', busy],
  ])(
    'a call that %s leaves its record, counted to the end of its attempt, and fails retryably',
    async (_what, answer) => {
      const { error, log } = await attempt({ inquiry: [tx(3)], refund: [answer] }, { attempt: 1 });
      expect(error).toBeDefined();
      expect(log).toEqual([hb({ callEndedBy: ATTEMPT_END }), 'inquiry', 'refund']);
    },
  );

  test('within the window (counted from the end of the call), tx_status 3 means "Eko may still apply it": no second call', async () => {
    const { error, log } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 2, heartbeatDetails: { callEndedBy: NOW - MINUTE } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error?.message).toMatch(/inquiring until 2026-11-29T10:09:00.000Z before calling again/);
    expect(log).toEqual(['inquiry']); // the record stays as it is
  });

  test("a call that hung for most of the window does not use the window up (the review's case)", async () => {
    // The first call was recorded as ending by its attempt's end; the retry comes 2 s after that.
    const { error, calls } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 2, heartbeatDetails: { callEndedBy: NOW - 2_000 } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('within the window, Eko applying the first call ends the wait: settled 4, one call in all', async () => {
    const { result, calls } = await attempt(
      { inquiry: [tx(4)] },
      { attempt: 3, heartbeatDetails: { callEndedBy: NOW - MINUTE } },
    );
    expect(result).toMatchObject({ kind: 'settled', txStatus: 4 });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('after a whole window at tx_status 3, the refund is called again, recorded before the inquiry', async () => {
    const { result, log } = await attempt(
      { inquiry: [tx(3)], refund: [refundDone] },
      { attempt: 9, heartbeatDetails: { callEndedBy: NOW - SETTLE - 1 } },
    );
    expect(result).toMatchObject({ kind: 'refunded' });
    expect(log).toEqual([hb({ callEndedBy: ATTEMPT_END }), 'inquiry', 'refund']);
  });

  test('an earlier attempt that left no record (worker killed, attempt timed out) is presumed to have called', async () => {
    const { error, log } = await attempt({ inquiry: [tx(3)] }, { attempt: 2, heartbeatDetails: undefined });
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error?.message).toMatch(/left no record/);
    expect(log).toEqual([hb({ callEndedBy: NOW }), 'inquiry']); // anchored, not moved by each retry
  });

  test('a run made by a reset presumes the run before it called, ending as late as its attempt could (found by review)', async () => {
    const { error, log } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 1, workflowExecution: { workflowId: 'refund-13192443', runId: 'run-made-by-the-reset' } },
      { request: { ...REQUEST, originalRunId: 'run-before-the-reset' } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    // The reset does not stop the run before's attempt: its call may end one attempt from now.
    expect(log).toEqual([hb({ callEndedBy: ATTEMPT_END }), 'inquiry']);
  });

  describe('a reset run that knows when its reset was (Temporal says: lastResetTime)', () => {
    const resetRun = {
      attempt: 1,
      workflowExecution: { workflowId: 'refund-13192443', runId: 'run-made-by-the-reset' },
    };
    const request = { ...REQUEST, originalRunId: 'run-before-the-reset' };
    const resetAt = (at: number) => ({ request, resetTimeOf: async () => at });

    // The run before's call ended one attempt after the reset; one more attempt allows for a late
    // start of that attempt and for clocks (see callsBeforeResetEndedBy).
    const BEFORE_RESET_ENDED = 2 * MINUTE;

    test("reset within two attempts and a settle window: the run before's call is presumed until then", async () => {
      const { error, log } = await attempt({ inquiry: [tx(3)] }, resetRun, resetAt(NOW - 5_000));
      expect(error).toMatchObject({ type: 'RefundSettling' });
      expect(log).toEqual([hb({ callEndedBy: NOW - 5_000 + BEFORE_RESET_ENDED }), 'inquiry']);
      expect(error?.message).toMatch(/inquiring until 2026-11-29T10:11:55.000Z/);
    });

    test('reset longer ago than an attempt and a settle window: nothing presumed, inquiry then the call', async () => {
      const { result, calls } = await attempt(
        { inquiry: [tx(3)], refund: [refundDone] },
        resetRun,
        resetAt(NOW - BEFORE_RESET_ENDED - SETTLE - 1),
      );
      expect(result).toMatchObject({ kind: 'refunded' });
      expect(calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund']);
    });

    test('a reset long ago, but an earlier attempt of this call left no record: that attempt presumes its own call (found by review)', async () => {
      const { error, log } = await attempt(
        { inquiry: [tx(3)] },
        { ...resetRun, attempt: 2 },
        resetAt(NOW - BEFORE_RESET_ENDED - SETTLE - 1),
      );
      expect(error).toMatchObject({ type: 'RefundSettling' });
      expect(log).toEqual([hb({ callEndedBy: NOW }), 'inquiry']);
    });

    test("a retry that finds the first attempt's record does not ask Temporal again", async () => {
      const resetTimeOf = jest.fn(async () => NOW - 5_000);
      const { error } = await attempt(
        { inquiry: [tx(3)] },
        { ...resetRun, attempt: 2, heartbeatDetails: { callEndedBy: NOW - 5_000 + BEFORE_RESET_ENDED } },
        { request, resetTimeOf },
      );
      expect(error).toMatchObject({ type: 'RefundSettling' });
      expect(resetTimeOf).not.toHaveBeenCalled();
    });

    test('the reset time unknown (Temporal did not answer): presumed as late as an attempt from now can end', async () => {
      const { error, log } = await attempt({ inquiry: [tx(3)] }, resetRun, {
        request,
        resetTimeOf: () => Promise.reject(new Error('deadline exceeded')),
      });
      expect(error).toMatchObject({ type: 'RefundSettling' });
      expect(log).toEqual([hb({ callEndedBy: ATTEMPT_END }), 'inquiry']);
    });
  });

  test('the original run (its run id is the original one) presumes nothing: inquiry, then the call', async () => {
    const { result, calls } = await attempt(
      { inquiry: [tx(3)], refund: [refundDone] },
      { attempt: 1, workflowExecution: { workflowId: 'refund-13192443', runId: 'the-original-run' } },
      { request: { ...REQUEST, originalRunId: 'the-original-run' } },
    );
    expect(result).toMatchObject({ kind: 'refunded' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund']);
  });

  test('a refusal that proves nothing was applied (403) clears the record after the call', async () => {
    const { error, log } = await attempt({ inquiry: [tx(3)], refund: [forbidden] }, { attempt: 1 });
    expect(error?.message).toContain('403');
    expect(log).toEqual([hb({ callEndedBy: ATTEMPT_END }), 'inquiry', 'refund', hb({ callEndedBy: null })]);
  });
});

describe('the retry during a settle window lands on its end, not a backoff interval after it', () => {
  /** The submit activity's policy (src/workflows/options.ts): 2 s, doubling, at most a minute. */
  const retryPolicy = { initialInterval: 2_000, backoffCoefficient: 2, maximumInterval: MINUTE };

  test('a window ending before the policy would retry: the next attempt comes exactly at its end', async () => {
    // Attempt 4 would wait 16 s; the window ends in 5 s.
    const { error } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 4, retryPolicy, heartbeatDetails: { callEndedBy: NOW - SETTLE + 5_000 } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling', nextRetryDelay: 5_000 });
    expect(error?.message).toMatch(/inquiring until 2026-11-29T10:00:05.000Z/);
  });

  test('a window ending after the policy would retry: the policy decides (each retry inquires)', async () => {
    const { error } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 2, retryPolicy, heartbeatDetails: { callEndedBy: NOW - MINUTE } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error).toHaveProperty('nextRetryDelay', undefined);
  });

  test("a held refusal is retried at the end of its window, not at the policy's minute", async () => {
    const { error } = await attempt(
      { inquiry: [tx(3), tx(3)], refund: [wrongOtp] },
      { attempt: 12, retryPolicy, heartbeatDetails: { callEndedBy: NOW - SETTLE - 1 } },
      { request: { ...REQUEST, settleWindowMs: 5_000 } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling', nextRetryDelay: 5_000 });
  });
});

describe('a refusal is confirmed by an inquiry', () => {
  test('first call: wrong OTP, and the transaction is still refund pending → wrong_otp', async () => {
    const { result, calls } = await attempt({ inquiry: [tx(3), tx(3)], refund: [wrongOtp] }, { attempt: 1 });
    expect(result).toMatchObject({ kind: 'wrong_otp' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund', 'inquiry']);
  });

  test('wrong OTP while Eko applied an earlier call (the OTP was used) → the refund, not a wrong OTP', async () => {
    const { result } = await attempt({ inquiry: [tx(3), tx(4)], refund: [wrongOtp] }, { attempt: 1 });
    expect(result).toMatchObject({ kind: 'settled', txStatus: 4 });
  });

  test('a refusal that cannot be confirmed (the inquiry fails) is not believed: retried with the call on record', async () => {
    const { error, log } = await attempt({ inquiry: [tx(3), down], refund: [wrongOtp] }, { attempt: 1 });
    expect(error?.message).toContain('HTTP 502');
    expect(log).toEqual([hb({ callEndedBy: ATTEMPT_END }), 'inquiry', 'refund', 'inquiry']);
  });

  test('the refusal of a repeated call is held for a whole window, not believed at once', async () => {
    const { error, log } = await attempt(
      { inquiry: [tx(3), tx(3)], refund: [wrongOtp] },
      { attempt: 12, heartbeatDetails: { callEndedBy: NOW - SETTLE - 1 } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error?.message).toMatch(/refused a repeated refund call/);
    expect(log.at(-1)).toEqual(
      hb({ callEndedBy: NOW, refusal: { kind: 'wrong_otp', eko: expect.objectContaining({ status: 302 }) } }),
    );
  });

  test('a held refusal, after a whole window at tx_status 3, is believed: no further call', async () => {
    const refusal = { kind: 'wrong_otp', eko: { status: 302, message: 'Wrong OTP', at: new Date(NOW).toISOString() } };
    const { result, calls } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 20, heartbeatDetails: { callEndedBy: NOW - SETTLE - 1, refusal } },
    );
    expect(result).toEqual(refusal);
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('a held refusal while Eko applies the earlier call → the refund', async () => {
    const refusal = { kind: 'wrong_otp', eko: { status: 302, message: 'Wrong OTP', at: new Date(NOW).toISOString() } };
    const { result } = await attempt(
      { inquiry: [tx(4)] },
      { attempt: 13, heartbeatDetails: { callEndedBy: NOW - MINUTE, refusal } },
    );
    expect(result).toMatchObject({ kind: 'settled', txStatus: 4 });
  });
});

describe('no Eko call outlives its attempt', () => {
  test('each call gets at most the time left in the attempt', async () => {
    const { calls } = await attempt(
      { inquiry: [tx(3)], refund: [refundDone] },
      { attempt: 1, startToCloseTimeoutMs: 5_000 },
    );
    expect(calls.map((c) => c.timeoutMs)).toEqual([4_500, 4_500]);
  });

  test('with no time left for a safe call, no call is made and the record is taken back', async () => {
    let clock = NOW;
    const { eko } = scriptedEko({ inquiry: [tx(3)], refund: [refundDone] });
    const calls: string[] = [];
    const slowInquiry: EkoClient = {
      ...eko,
      inquireTransaction: async (...args) => {
        calls.push('inquiry');
        const answer = await eko.inquireTransaction(...args);
        clock += 4_500; // the inquiry took most of a 5 s attempt
        return answer;
      },
      initiateRefund: async (...args) => {
        calls.push('refund');
        return eko.initiateRefund(...args);
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
    await expect(env.run(activities.submitRefundV2, REQUEST)).rejects.toMatchObject({ type: 'AttemptOutOfTime' });
    expect(calls).toEqual(['inquiry']);
    expect(heartbeats).toEqual([{ callEndedBy: NOW + 5_000 }, { callEndedBy: null }]);
  });
});

test('submitRefund (the type refunds started before refund-v2 schedule) runs the same safe code', async () => {
  const { eko, calls } = scriptedEko({ inquiry: [tx(4)] });
  const env = new MockActivityEnvironment({ attempt: 1, startToCloseTimeoutMs: MINUTE });
  const activities = createActivities({ eko, defaults: { initiatorId: '9962981729', userCode: '20810200' } });
  expect(await env.run(activities.submitRefund, REQUEST)).toMatchObject({ kind: 'settled', txStatus: 4 });
  expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
});

describe('isResetRun: whether a run was made by a reset, and by when the runs before ended their calls', () => {
  const original = { workflowId: 'refund-13192443', runId: 'the-original-run' };
  const madeByReset = { workflowId: 'refund-13192443', runId: 'run-made-by-the-reset' };
  const ask = (workflowExecution: typeof original, resetTimeOf?: ResetTimeOf, startToCloseTimeoutMs = MINUTE) => {
    const { eko } = scriptedEko({});
    const activities = createActivities({
      eko,
      defaults: { initiatorId: '1', userCode: '2' },
      now: () => NOW,
      resetTimeOf,
    });
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs, workflowExecution });
    return env.run(activities.isResetRun, { originalRunId: original.runId });
  };

  test('the original run: false, and Temporal is not asked', async () => {
    const resetTimeOf = jest.fn(async () => NOW);
    expect(await ask(original, resetTimeOf)).toBe(false);
    expect(resetTimeOf).not.toHaveBeenCalled();
  });

  test('a reset run whose reset time Temporal gives: that time plus two attempts', async () => {
    expect(await ask(madeByReset, async () => NOW - 5_000)).toBe(NOW - 5_000 + 2 * MINUTE);
  });

  test('a reset run whose reset time is unknown: true (truthy, as workers before this release answered)', async () => {
    expect(await ask(madeByReset, async () => undefined)).toBe(true);
    expect(await ask(madeByReset, () => Promise.reject(new Error('unavailable')))).toBe(true);
  });

  test('Temporal silent for a quarter of the attempt: the reset time is unknown, the Eko calls keep the rest', async () => {
    expect(await ask(madeByReset, () => new Promise(() => undefined), 400)).toBe(true);
  });
});

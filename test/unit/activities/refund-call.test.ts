/**
 * The refund call's money-safety branches, one attempt at a time, with the SDK's activity test
 * environment (attempt number, heartbeat details and timeouts as Temporal hands them over), a
 * scripted Eko client and a scripted list of the refund's earlier runs. Heartbeats and Eko calls
 * go into one log, in the order they happened.
 */
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import type { EarlierRun, RunsOf } from '../../../src/activities/earlier-runs';
import type { SubmitRequest } from '../../../src/activities/results';
import type { InquiryAnswer } from '../../../src/eko/answers';
import type { EkoClient } from '../../../src/eko/client';
import { busy, forbidden, refundDone, scriptedEko, timedOut, tx, wrongOtp } from './scripted-eko';

Runtime.install({ logger: new DefaultLogger('WARN') });

const NOW = Date.parse('2026-11-29T10:00:00.000Z');
const MINUTE = 60_000;
const SETTLE = 10 * MINUTE;
const RUN = { workflowId: 'refund-13192443', runId: 'this-run' };
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
const noEarlierRuns: RunsOf = async () => [{ runId: RUN.runId, running: true, phase: 'SUBMITTING' }];

async function attempt(
  script: Parameters<typeof scriptedEko>[0],
  info: Partial<Info>,
  {
    request = REQUEST,
    now = () => NOW,
    runsOf = noEarlierRuns,
  }: { request?: SubmitRequest; now?: () => number; runsOf?: RunsOf } = {},
) {
  const log: unknown[] = [];
  const { eko, calls } = scriptedEko(script, log);
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: MINUTE, workflowExecution: RUN, ...info });
  env.on('heartbeat', (details: unknown) => log.push(hb(details)));
  const activities = createActivities({
    eko,
    defaults: { initiatorId: '9962981729', userCode: '20810200' },
    now,
    runsOf,
  });
  try {
    return { result: await env.run(activities.submitRefund, request), log, calls };
  } catch (error) {
    return { error: error as Error & { type?: string; nextRetryDelay?: number }, log, calls };
  }
}

describe('an inquiry precedes every refund call', () => {
  test('first attempt: the inquiry says 3, then the call; Refund done ends it', async () => {
    const { result, log } = await attempt({ inquiry: [tx(3)], refund: [refundDone] }, { attempt: 1 });
    expect(result).toMatchObject({ kind: 'refunded', refund: { refundTid: '2147591637' } });
    // The record goes to Temporal before the call: an attempt killed mid-call leaves it.
    expect(log).toEqual(['inquiry', hb({ attempt: 1, callEndedBy: NOW + MINUTE }), 'refund']);
  });

  test.each([
    [4, { kind: 'settled', txStatus: 4 }],
    [0, { kind: 'settled', txStatus: 0 }],
    [1, { kind: 'settled', txStatus: 1 }],
    [2, { kind: 'settled', txStatus: 2 }],
    [5, { kind: 'settled', txStatus: 5 }],
    [42, { kind: 'settled', txStatus: 42 }],
  ])('the inquiry says %p → no refund call', async (status, outcome) => {
    const { result, calls } = await attempt({ inquiry: [tx(status)] }, { attempt: 1 });
    expect(result).toMatchObject(outcome);
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('an inquiry that fails or is refused: no call, and the record says so, so the retry may call at once', async () => {
    const refused: InquiryAnswer = { kind: 'rejected', reason: 'other', message: 'Invalid reference_id', code: 1 };
    for (const answer of [down, refused]) {
      const first = await attempt({ inquiry: [answer] }, { attempt: 1 });
      expect(first.error).toBeDefined();
      expect(first.log).toEqual(['inquiry', hb({ attempt: 1, callEndedBy: null })]);
    }
    const retry = await attempt(
      { inquiry: [tx(3)], refund: [refundDone] },
      { attempt: 2, heartbeatDetails: { attempt: 1, callEndedBy: null } },
    );
    expect(retry.result).toMatchObject({ kind: 'refunded' });
    expect(retry.calls.map((c) => c.endpoint)).toEqual(['inquiry', 'refund']);
  });
});

describe('the settle window after a call with no clear answer', () => {
  test.each([
    ['timed out', timedOut],
    ['answered "another transaction in progress" (-2: maybe ours)', busy],
  ])(
    'a call that %s is recorded as ending with its attempt (Eko may take it until then), and fails retryably',
    async (_what, answer) => {
      const { error, log } = await attempt({ inquiry: [tx(3)], refund: [answer] }, { attempt: 1 });
      expect(error).toBeDefined();
      expect(log).toEqual([
        'inquiry',
        hb({ attempt: 1, callEndedBy: NOW + MINUTE }),
        'refund',
        hb({ attempt: 1, callEndedBy: NOW + MINUTE }),
      ]);
    },
  );

  test('a refusal that proves nothing was applied (403) leaves no call on record', async () => {
    const { error, log } = await attempt({ inquiry: [tx(3)], refund: [forbidden] }, { attempt: 1 });
    expect(error?.message).toContain('403');
    expect(log).toEqual([
      'inquiry',
      hb({ attempt: 1, callEndedBy: NOW + MINUTE }),
      'refund',
      hb({ attempt: 1, callEndedBy: null }),
    ]);
  });

  test('within the window, tx_status 3 means "Eko may still apply it": no second call, the record kept', async () => {
    const record = { attempt: 1, callEndedBy: NOW - MINUTE };
    const { error, log } = await attempt({ inquiry: [tx(3)] }, { attempt: 2, heartbeatDetails: record });
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error?.message).toMatch(/inquiring until 2026-11-29T10:09:00.000Z before calling again/);
    expect(log).toEqual(['inquiry', hb({ ...record, attempt: 2 })]);
  });

  test('within the window, Eko applying the first call ends the wait: settled 4, one call in all', async () => {
    const { result, calls } = await attempt(
      { inquiry: [tx(4)] },
      { attempt: 3, heartbeatDetails: { attempt: 2, callEndedBy: NOW - MINUTE } },
    );
    expect(result).toMatchObject({ kind: 'settled', txStatus: 4 });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('after a whole window at tx_status 3, the refund is called again', async () => {
    const { result, log } = await attempt(
      { inquiry: [tx(3)], refund: [refundDone] },
      { attempt: 9, heartbeatDetails: { attempt: 8, callEndedBy: NOW - SETTLE - 1 } },
    );
    expect(result).toMatchObject({ kind: 'refunded' });
    expect(log).toEqual(['inquiry', hb({ attempt: 9, callEndedBy: NOW + MINUTE }), 'refund']);
  });

  test.each([0, 1])("within the window, tx_status %p ends nothing: asked again at the window's end", async (status) => {
    const { error, calls } = await attempt(
      { inquiry: [tx(status)] },
      { attempt: 2, heartbeatDetails: { attempt: 1, callEndedBy: NOW - MINUTE } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });
});

describe('a call record belongs to its attempt', () => {
  test('attempt 2 finds no record (attempt 1 killed mid-call): it presumes that call, which Eko may take until an attempt from now', async () => {
    const { error, log, calls } = await attempt({ inquiry: [tx(3)] }, { attempt: 2 });
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
    expect(log.at(-1)).toEqual(hb({ attempt: 2, callEndedBy: NOW + MINUTE })); // anchored: attempt 3 takes it over
  });

  test("attempt 3 finds attempt 1's record (attempt 2's heartbeat never reached Temporal): it presumes attempt 2's call", async () => {
    const { error, calls } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 3, heartbeatDetails: { attempt: 1, callEndedBy: null } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('an older record keeps what it knew: its later call end and its held refusal', async () => {
    const refusal = { kind: 'wrong_otp', eko: { status: 302, message: 'Wrong OTP', at: new Date(NOW).toISOString() } };
    const { error, log } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 4, heartbeatDetails: { attempt: 2, callEndedBy: NOW + 2 * MINUTE, refusal } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(log.at(-1)).toEqual(hb({ attempt: 4, callEndedBy: NOW + 2 * MINUTE, refusal }));
  });

  test.each([
    ['its heartbeat details cleared', undefined],
    ['its heartbeat details kept', { attempt: 5, callEndedBy: null }],
  ])(
    'attempt 1 again after `temporal activity reset` (%s): it presumes the call of the attempt before the reset',
    async (_what, heartbeatDetails) => {
      const { error, calls } = await attempt(
        { inquiry: [tx(3)] },
        { attempt: 1, heartbeatDetails, scheduledTimestampMs: NOW - MINUTE, currentAttemptScheduledTimestampMs: NOW },
      );
      expect(error).toMatchObject({ type: 'RefundSettling' });
      expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
    },
  );
});

describe('every earlier run counts', () => {
  const earlier =
    (run: Partial<EarlierRun>): RunsOf =>
    async () => [
      { runId: RUN.runId, running: true, phase: 'AWAITING_OTP' },
      {
        runId: 'run-before',
        running: false,
        phase: 'AWAITING_OTP',
        closedAt: NOW - 5_000,
        timings: { attemptMs: MINUTE, settleWindowMs: SETTLE },
        ...run,
      },
    ];

  test('a run that closed 5 s ago in AWAITING_OTP (terminated, reset, timed out): no call until its close + an attempt + a window', async () => {
    const { error, calls } = await attempt({ inquiry: [tx(3)] }, { attempt: 1 }, { runsOf: earlier({}) });
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error?.message).toMatch(/inquiring until 2026-11-29T10:10:55.000Z/);
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test.each(['SUBMITTING', 'PENDING', 'NEEDS_REVIEW', undefined])('closed in %p: counted', async (phase) => {
    const { error } = await attempt({ inquiry: [tx(3)] }, { attempt: 1 }, { runsOf: earlier({ phase }) });
    expect(error).toMatchObject({ type: 'RefundSettling' });
  });

  test.each(['CHECKING', 'SENDING_OTP', 'CANCELLED', 'OTP_EXPIRED', 'REFUNDED'])(
    'closed in %p (no call could be in flight): not counted, the call is made',
    async (phase) => {
      const { result } = await attempt(
        { inquiry: [tx(3)], refund: [refundDone] },
        { attempt: 1 },
        { runsOf: earlier({ phase }) },
      );
      expect(result).toMatchObject({ kind: 'refunded' });
    },
  );

  test('a run that closed longer ago than an attempt and a window: the call is made', async () => {
    const closedAt = NOW - MINUTE - SETTLE - 1;
    const { result } = await attempt(
      { inquiry: [tx(3)], refund: [refundDone] },
      { attempt: 1 },
      { runsOf: earlier({ closedAt }) },
    );
    expect(result).toMatchObject({ kind: 'refunded' });
  });

  test("an earlier run's own attempt and window count when longer than ours", async () => {
    const runsOf = earlier({ timings: { attemptMs: 10 * MINUTE, settleWindowMs: 20 * MINUTE } });
    const { error } = await attempt({ inquiry: [tx(3)] }, { attempt: 1 }, { runsOf });
    expect(error?.message).toMatch(/inquiring until 2026-11-29T10:29:55.000Z/);
  });

  test('an earlier run whose input cannot be read is presumed to have had the longest attempt and window (10 minutes, a day)', async () => {
    const runsOf = earlier({ timings: undefined });
    const { error } = await attempt({ inquiry: [tx(3)] }, { attempt: 1 }, { runsOf });
    expect(error?.message).toMatch(/inquiring until 2026-11-30T10:09:55.000Z/);
  });

  test('an earlier run visibility still shows running: counted as closing now', async () => {
    const { error } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 1 },
      { runsOf: earlier({ running: true, closedAt: undefined }) },
    );
    expect(error?.message).toMatch(/inquiring until 2026-11-29T10:11:00.000Z/);
  });

  test('Temporal cannot say (an error, or no answer within a quarter of the attempt): no inquiry, no call', async () => {
    for (const runsOf of [() => Promise.reject(new Error('unavailable')), () => new Promise<never>(() => undefined)]) {
      const { error, calls } = await attempt({}, { attempt: 1, startToCloseTimeoutMs: 400 }, { runsOf });
      expect(error).toBeDefined();
      expect(calls).toEqual([]);
    }
  });

  test("the refusal of the first call after an earlier run's window is held for a window too", async () => {
    const closedAt = NOW - MINUTE - SETTLE - 1;
    const { error } = await attempt(
      { inquiry: [tx(3), tx(3)], refund: [wrongOtp] },
      { attempt: 1 },
      { runsOf: earlier({ closedAt }) },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error?.message).toMatch(/refused a refund call that followed another/);
  });
});

test("a refusal long after an earlier run's window (a reset days ago) is confirmed at once, not held", async () => {
  const runsOf: RunsOf = async () => [
    { runId: RUN.runId, running: true, phase: 'AWAITING_OTP' },
    { runId: 'run-before', running: false, phase: 'AWAITING_OTP', closedAt: NOW - 3 * 24 * 60 * MINUTE },
  ];
  const { result } = await attempt({ inquiry: [tx(3), tx(3)], refund: [wrongOtp] }, { attempt: 1 }, { runsOf });
  expect(result).toMatchObject({ kind: 'wrong_otp' });
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

  test('a refusal whose inquiry fails is kept, and the retry confirms it without calling again', async () => {
    const first = await attempt({ inquiry: [tx(3), down], refund: [wrongOtp] }, { attempt: 1 });
    expect(first.error?.message).toContain('HTTP 502');
    const record = first.log.at(-1) as { heartbeat: unknown };
    expect(record.heartbeat).toMatchObject({ attempt: 1, callEndedBy: null, refusal: { kind: 'wrong_otp' } });
    const retry = await attempt({ inquiry: [tx(3)] }, { attempt: 2, heartbeatDetails: record.heartbeat });
    expect(retry.result).toMatchObject({ kind: 'wrong_otp' });
    expect(retry.calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });

  test('the refusal of a call that followed another is held for a whole window, not believed at once', async () => {
    const { error, log } = await attempt(
      { inquiry: [tx(3), tx(3)], refund: [wrongOtp] },
      { attempt: 12, heartbeatDetails: { attempt: 11, callEndedBy: NOW - SETTLE - 1 } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(log.at(-1)).toEqual(
      hb({
        attempt: 12,
        callEndedBy: NOW,
        refusal: { kind: 'wrong_otp', eko: expect.objectContaining({ status: 302 }) },
      }),
    );
  });

  test('a held refusal, after a whole window at tx_status 3, is believed: no further call', async () => {
    const refusal = { kind: 'wrong_otp', eko: { status: 302, message: 'Wrong OTP', at: new Date(NOW).toISOString() } };
    const { result, calls } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 20, heartbeatDetails: { attempt: 19, callEndedBy: NOW - SETTLE - 1, refusal } },
    );
    expect(result).toEqual(refusal);
    expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
  });
});

describe('the retry during a settle window lands on its end, not a backoff interval after it', () => {
  /** The submit activity's policy (src/workflows/options.ts): 2 s, doubling, at most a minute. */
  const retryPolicy = { initialInterval: 2_000, backoffCoefficient: 2, maximumInterval: MINUTE };

  test('a window ending before the policy would retry: the next attempt comes exactly at its end', async () => {
    const { error } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 4, retryPolicy, heartbeatDetails: { attempt: 3, callEndedBy: NOW - SETTLE + 5_000 } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling', nextRetryDelay: 5_000 });
  });

  test('a window ending after the policy would retry: the policy decides (each retry inquires)', async () => {
    const { error } = await attempt(
      { inquiry: [tx(3)] },
      { attempt: 2, retryPolicy, heartbeatDetails: { attempt: 1, callEndedBy: NOW - MINUTE } },
    );
    expect(error).toMatchObject({ type: 'RefundSettling' });
    expect(error).toHaveProperty('nextRetryDelay', undefined);
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

  test('with no time left for a safe call, no call is made and nothing is on record', async () => {
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
    const env = new MockActivityEnvironment({ attempt: 1, startToCloseTimeoutMs: 5_000, workflowExecution: RUN });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    const activities = createActivities({
      eko: slowInquiry,
      defaults: { initiatorId: '9962981729', userCode: '20810200' },
      now: () => clock,
      runsOf: noEarlierRuns,
    });
    await expect(env.run(activities.submitRefund, REQUEST)).rejects.toMatchObject({ type: 'AttemptOutOfTime' });
    expect(calls).toEqual(['inquiry']);
    expect(heartbeats).toEqual([{ attempt: 1, callEndedBy: null }]);
  });
});

// The refund endpoints over real HTTP, on the real stack: start (idempotent), read, list, OTP,
// resend, cancel, their errors as problem+json, the audit lines, and no OTP in any log or answer.
import { defaultPayloadConverter } from '@temporalio/common';
import { RefundOutcome, RefundPhase } from '../../src/contract';
import {
  type ApiStack,
  auditEntries,
  callApi,
  OTHER_SUPPORT_KEY,
  startApiServer,
  startApiStack,
  TEST_KEYS,
} from '../helpers/api-stack';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack({ otpLimitPerMinute: 1000 });
}, 60_000);
afterAll(() => stack?.stop());

/** Seeds a refund-pending transaction, starts its refund through the API, and waits for the OTP. */
async function refundAwaitingOtp(extra: object = {}, seed: object = {}): Promise<{ tid: string; otp: string }> {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '5000.00', fee: '50.00', ...seed });
  const started = await stack.call('support', 'POST', '/v1/refunds', { tid, ...FAST, ...extra });
  expect(started.status).toBe(201);
  await waitFor(
    'AWAITING_OTP',
    () => stack.call('viewer', 'GET', `/v1/refunds/${tid}`),
    (a) => a.body?.phase === RefundPhase.AWAITING_OTP,
  );
  return { tid, otp: stack.sim.lastOtp(tid)! };
}

/** The updates the workflow accepted, with their argument, from its history. */
async function acceptedUpdates(tid: string): Promise<{ name: string; arg: unknown }[]> {
  const history = await stack.server.env.client.workflow.getHandle(`refund-${tid}`).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const input = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    const payload = input?.args?.payloads?.[0];
    return input?.name && payload ? [{ name: input.name, arg: defaultPayloadConverter.fromPayload(payload) }] : [];
  });
}

const auditLines = (action: string, tid: string) =>
  auditEntries(stack.logs).filter((audit) => audit.action === action && audit.tid === tid);

describe('POST /v1/refunds', () => {
  test('starts a refund (201, created) and answers 200 created:false while it runs with the same options', async () => {
    const tid = newTid();
    stack.sim.seed({ tid });
    const first = await stack.call('service', 'POST', '/v1/refunds', { tid, ...FAST });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ tid, workflowId: `refund-${tid}`, runId: expect.any(String), created: true });
    expect(first.headers.get('location')).toBe(`/v1/refunds/${tid}`);

    // Another key and reason are not options; a duration is the same however it is written.
    const again = await stack.call('support', 'POST', '/v1/refunds', { tid, ...FAST, reason: 'again' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, created: false });
  });

  test('a start with other options while the tid runs is a 409 start-conflict naming them; nothing changes', async () => {
    const tid = newTid();
    stack.sim.seed({ tid });
    const first = await stack.call('service', 'POST', '/v1/refunds', { tid, ...FAST, maxOtpAttempts: 3 });
    expect(first.status).toBe(201);
    const other = await stack.call('service', 'POST', '/v1/refunds', {
      tid,
      ...FAST,
      maxOtpAttempts: 2,
      otpTimeout: '2h',
    });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({
      type: '/docs#problem-start-conflict',
      status: 409,
      fields: ['maxOtpAttempts', 'otpTimeout'],
      detail: expect.stringContaining('maxOtpAttempts, otpTimeout'),
    });
    const runs = await stack.server.env.client.workflow.list({ query: `WorkflowId = 'refund-${tid}'` });
    const ids: string[] = [];
    for await (const run of runs) ids.push(run.runId);
    expect(ids).toEqual([first.body.runId]);
  });

  test("the API key's name reaches the workflow as requestedBy, and one audit line says who", async () => {
    const tid = newTid();
    stack.sim.seed({ tid });
    await stack.call('service', 'POST', '/v1/refunds', { tid, ...FAST, reason: 'agent returned the cash' });
    const description = await stack.server.env.client.workflow.getHandle(`refund-${tid}`).describe();
    expect(await description.memo).toMatchObject({
      requestedBy: TEST_KEYS.service.name,
      reason: 'agent returned the cash',
    });
    expect(auditLines('start', tid)).toEqual([
      { action: 'start', keyName: 'test-service', role: 'service', tid, status: 201, result: 'created' },
    ]);
  });

  test('bad input is a 422 problem naming each field, and starts nothing', async () => {
    const tid = newTid();
    const answer = await stack.call('service', 'POST', '/v1/refunds', { tid, maxOtpAttempts: 99, colour: 'red' });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: '/docs#problem-invalid-input', title: 'Invalid input', status: 422 });
    expect(answer.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'maxOtpAttempts', message: expect.any(String) },
        { field: 'colour', message: 'unknown field' },
      ]),
    );
    expect(answer.body.detail).toContain('maxOtpAttempts');
    expect((await stack.call('viewer', 'GET', `/v1/refunds/${tid}`)).status).toBe(404);
  });

  test('a requestedBy in the body is refused: the key name is the requester', async () => {
    const answer = await stack.call('service', 'POST', '/v1/refunds', { tid: newTid(), requestedBy: 'someone else' });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([{ field: 'requestedBy', message: expect.stringContaining('API key') }]);
  });

  test('a body that is not JSON is a 400 problem, with no stack trace', async () => {
    const answer = await stack.call('service', 'POST', '/v1/refunds', '{"tid": ');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ type: '/docs#problem-malformed-request', status: 400 });
    expect(answer.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});

describe('GET /v1/refunds/{tid} and GET /v1/refunds', () => {
  test('the state, as eko-refund status --json shows it', async () => {
    const { tid } = await refundAwaitingOtp();
    const answer = await stack.call('viewer', 'GET', `/v1/refunds/${tid}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(await stack.refunds.getState(tid))));
    expect(answer.body).toMatchObject({
      tid,
      phase: RefundPhase.AWAITING_OTP,
      otpAttemptsLeft: 3,
      workflowStatus: 'RUNNING',
    });
  });

  test('an unknown tid is a 404 problem; a malformed one a 422 naming tid', async () => {
    const unknown = await stack.call('viewer', 'GET', `/v1/refunds/${newTid()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      type: '/docs#problem-not-found',
      status: 404,
      detail: expect.stringContaining('no refund'),
    });
    const malformed = await stack.call('viewer', 'GET', '/v1/refunds/12ab');
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors).toEqual([{ field: 'tid', message: 'tid must be 1 to 20 digits' }]);
  });

  test('lists newest first, filtered by phase or tid, a page at a time', async () => {
    const a = await refundAwaitingOtp();
    const b = await refundAwaitingOtp();
    const c = await refundAwaitingOtp();
    const listed = (answer: { body: { refunds: { tid: string }[] } }) => answer.body.refunds.map((r) => r.tid);
    const all = await waitFor(
      'the three refunds in visibility',
      () => stack.call('viewer', 'GET', '/v1/refunds?phase=AWAITING_OTP&limit=100'),
      (answer) => [a, b, c].every(({ tid }) => listed(answer).includes(tid)),
    );
    const order = listed(all).filter((tid) => [a.tid, b.tid, c.tid].includes(tid));
    expect(order).toEqual([c.tid, b.tid, a.tid]);

    const first = await stack.call('viewer', 'GET', '/v1/refunds?phase=AWAITING_OTP&limit=2');
    expect(first.body.refunds).toHaveLength(2);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    const second = await stack.call(
      'viewer',
      'GET',
      `/v1/refunds?phase=AWAITING_OTP&limit=2&pageToken=${first.body.nextPageToken}`,
    );
    expect(second.status).toBe(200);
    expect(listed(second).some((tid) => listed(first).includes(tid))).toBe(false);

    const byTid = await stack.call('viewer', 'GET', `/v1/refunds?tid=${b.tid}`);
    expect(byTid.body).toEqual({
      refunds: [expect.objectContaining({ tid: b.tid, phase: RefundPhase.AWAITING_OTP, status: 'RUNNING' })],
      nextPageToken: null,
    });
  });

  test('a bad filter is a 422 naming it', async () => {
    const answer = await stack.call('viewer', 'GET', '/v1/refunds?phase=HAPPY&limit=0');
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'phase']);
    const garbage = await stack.call('viewer', 'GET', '/v1/refunds?pageToken=bm90LWEtdG9rZW4');
    expect(garbage.status).toBe(422);
    expect(garbage.body.detail).toContain('pageToken');
    await refundAwaitingOtp();
    await refundAwaitingOtp();
    const page = await waitFor(
      'a list with a next page',
      () => stack.call('viewer', 'GET', '/v1/refunds?limit=1'),
      (answer) => typeof answer.body?.nextPageToken === 'string',
    );
    const otherFilter = await stack.call(
      'viewer',
      'GET',
      `/v1/refunds?phase=REFUNDED&limit=1&pageToken=${page.body.nextPageToken}`,
    );
    expect(otherFilter.status).toBe(422);
    expect(otherFilter.body.detail).toContain('pageToken: belongs to a list with other filters');
  });
});

describe('POST /v1/refunds/{tid}/otp', () => {
  test('a wrong OTP answers 200 with the attempts left, the right one REFUNDED; the OTP is in no log or answer', async () => {
    const { tid, otp } = await refundAwaitingOtp();
    const wrongOtp = otp === '999999' ? '999998' : '999999';
    const wrong = await stack.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp: wrongOtp });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ phase: RefundPhase.AWAITING_OTP, otpAttemptsLeft: 2 });

    const right = await stack.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp });
    expect(right.status).toBe(200);
    expect(right.body).toEqual({ phase: RefundOutcome.REFUNDED, message: 'Refund done', otpAttemptsLeft: 2 });
    expect((await acceptedUpdates(tid)).map(({ name, arg }) => [name, (arg as { actor?: string }).actor])).toEqual([
      ['submitOtp', 'test-support'],
      ['submitOtp', 'test-support'],
    ]);
    expect(stack.sim.transaction(tid)?.refundCount).toBe(1);

    const state = await stack.call('viewer', 'GET', `/v1/refunds/${tid}`);
    for (const text of [wrong.text, right.text, state.text, stack.logs.join('\n')]) {
      expect(text).not.toContain(otp);
      expect(text).not.toContain(wrongOtp);
    }
    expect(auditLines('submitOtp', tid)).toEqual([
      { action: 'submitOtp', keyName: 'test-support', role: 'support', tid, status: 200, result: 'AWAITING_OTP' },
      { action: 'submitOtp', keyName: 'test-support', role: 'support', tid, status: 200, result: 'REFUNDED' },
    ]);
  });

  test('a malformed OTP is a 422 naming otp, without echoing it', async () => {
    const { tid } = await refundAwaitingOtp();
    const answer = await stack.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp: '12x4567', actor: 'me' });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'otp', message: 'otp must be 4 to 8 digits' },
        { field: 'actor', message: 'unknown field' },
      ]),
    );
    expect(answer.text).not.toContain('12x4567');
  });

  test('409 refund-ended for an OTP sent again after the refund ended; 404 for an unknown tid', async () => {
    const { tid, otp } = await refundAwaitingOtp();
    await stack.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp });
    const again = await stack.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      type: '/docs#problem-refund-ended',
      status: 409,
      detail: expect.stringContaining('ended'),
    });
    expect((await stack.call('support', 'POST', `/v1/refunds/${newTid()}/otp`, { otp: '123456' })).status).toBe(404);
  });

  test('429 past the limit of OTPs a minute from one key, with Retry-After; another key is not limited', async () => {
    const limit = 3;
    const limited = await startApiServer(stack.refunds, { otpLimitPerMinute: limit });
    try {
      const { tid } = await refundAwaitingOtp();
      // Refused by the workflow (404: no refund for the tid), but each counts against the key.
      for (let i = 0; i < limit; i += 1) {
        expect((await limited.call('support', 'POST', `/v1/refunds/${newTid()}/otp`, { otp: '123456' })).status).toBe(
          404,
        );
      }
      const refused = await limited.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp: '123456' });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ type: '/docs#problem-rate-limited', status: 429 });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(auditEntries(limited.logs).at(-1)).toMatchObject({
        action: 'submitOtp',
        tid,
        status: 429,
        keyName: 'test-support',
      });
      // The refund never saw that OTP.
      expect((await stack.call('viewer', 'GET', `/v1/refunds/${tid}`)).body.wrongOtpAttempts).toBe(0);

      const other = await callApi(limited.url, OTHER_SUPPORT_KEY.key, 'POST', `/v1/refunds/${tid}/otp`, {
        otp: '123456',
      });
      expect(other.status).toBe(200);
      expect(other.body).toMatchObject({ phase: RefundPhase.AWAITING_OTP, otpAttemptsLeft: 2 });
    } finally {
      await limited.close();
    }
  });
});

describe('resend and cancel', () => {
  test('resend answers the count; too soon is a 429 with the wait', async () => {
    const { tid } = await refundAwaitingOtp({ resendInterval: '1s' });
    const resent = await waitFor(
      'the resend interval to pass',
      () => stack.call('support', 'POST', `/v1/refunds/${tid}/resend-otp`),
      (answer) => answer.status === 200,
    );
    expect(resent.body).toEqual({ phase: RefundPhase.AWAITING_OTP, resendCount: 1 });

    const { tid: slow } = await refundAwaitingOtp({ resendInterval: '1 hour' });
    const tooSoon = await stack.call('support', 'POST', `/v1/refunds/${slow}/resend-otp`);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.type).toBe('/docs#problem-resend-too-soon');
    expect(tooSoon.body.detail).toMatch(/retry in \d+ s/);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(auditLines('resendOtp', slow)).toEqual([
      expect.objectContaining({ keyName: 'test-support', status: 429, result: '429 resend-too-soon' }),
    ]);
  });

  test('cancel with a reason ends the refund CANCELLED; once the refund reached Eko, 409', async () => {
    const { tid } = await refundAwaitingOtp();
    const cancelled = await stack.call('support', 'POST', `/v1/refunds/${tid}/cancel`, {
      reason: 'customer took cash back',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ phase: RefundOutcome.CANCELLED });
    expect(auditLines('cancel', tid)).toEqual([
      { action: 'cancel', keyName: 'test-support', role: 'support', tid, status: 200, result: 'CANCELLED' },
    ]);
    // The key's name reaches the workflow as the actor of the cancel.
    expect(await acceptedUpdates(tid)).toEqual([
      { name: 'cancel', arg: { reason: 'customer took cash back', actor: 'test-support' } },
    ]);

    // Eko answers "initiated" and keeps the transaction pending: the refund polls in PENDING.
    const { tid: sent, otp } = await refundAwaitingOtp({}, { refundMode: 'pending', refundPendingInquiries: 10_000 });
    expect((await stack.call('support', 'POST', `/v1/refunds/${sent}/otp`, { otp })).body.phase).toBe(
      RefundPhase.PENDING,
    );
    const late = await stack.call('support', 'POST', `/v1/refunds/${sent}/cancel`, { reason: 'too late' });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({
      type: '/docs#problem-submitted-to-eko',
      detail: expect.stringMatching(/cannot cancel/),
    });
    expect((await stack.call('viewer', 'GET', `/v1/refunds/${sent}`)).body.phase).toBe(RefundPhase.PENDING);
  });

  test('cancel without a reason is a 422 naming reason', async () => {
    const { tid } = await refundAwaitingOtp();
    const answer = await stack.call('support', 'POST', `/v1/refunds/${tid}/cancel`, {});
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([{ field: 'reason', message: expect.any(String) }]);
  });
});

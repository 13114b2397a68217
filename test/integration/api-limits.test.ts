// Limits that hold under abuse, over real HTTP on the real stack: the OTP policy is the server's
// (a start may only tighten it), and wrong OTPs have a budget per key or person that API replicas
// share through Redis (Debian's redis-server).
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { DEFAULT_OTP_POLICY } from '../../src/api/otp-policy';
import {
  type ApiServer,
  type ApiStack,
  auditEntries,
  auditLines,
  callApi,
  OTHER_SUPPORT_KEY,
  startApiServer,
  startApiStack,
  TEST_KEYS,
} from '../helpers/api-stack';
import { FAST, newTid } from '../helpers/refund-stack';
import { startRedis, type TestRedis } from '../helpers/redis';
import { waitFor } from '../helpers/wait';

let stack: ApiStack;
let redis: TestRedis;
/** Two replicas sharing one Redis, with a budget of 2 wrong OTPs a day. */
let replicas: ApiServer[];

beforeAll(async () => {
  // This stack's API has the production default policy.
  stack = await startApiStack({ otpPolicy: DEFAULT_OTP_POLICY });
  redis = await startRedis();
  replicas = await Promise.all(
    [0, 1].map(() =>
      startApiServer(stack.refunds, { redis: redis.client(), wrongOtps: { perMinute: 100, perDay: 2 } }),
    ),
  );
}, 60_000);
afterAll(async () => {
  for (const replica of replicas ?? []) await replica.close();
  await redis?.stop();
  await stack?.stop();
});

async function awaitingOtp(api: Pick<ApiServer, 'call'>, input: object = {}): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid });
  expect((await api.call('support', 'POST', '/v1/refunds', { tid, ...input })).status).toBe(201);
  await waitFor(
    'AWAITING_OTP',
    () => stack.refunds.getState(tid),
    (state) => state.phase === RefundPhase.AWAITING_OTP,
  );
  return tid;
}

describe('the OTP policy is the server’s', () => {
  test('a start that loosens it is a 422 naming each field, and starts nothing', async () => {
    const tid = newTid();
    const answer = await stack.call('support', 'POST', '/v1/refunds', {
      tid,
      maxOtpAttempts: DEFAULT_OTP_POLICY.maxOtpAttempts + 1,
      maxResends: DEFAULT_OTP_POLICY.maxResends + 1,
      otpTimeout: '30 days',
      resendInterval: '1s',
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'maxOtpAttempts',
      'maxResends',
      'otpTimeout',
      'resendInterval',
    ]);
    expect((await stack.call('viewer', 'GET', `/v1/refunds/${tid}`)).status).toBe(404);
  });

  test('a start may tighten it; what it leaves out is the server’s', async () => {
    const tid = newTid();
    stack.sim.seed({ tid });
    const answer = await stack.call('support', 'POST', '/v1/refunds', { tid, maxOtpAttempts: 2, otpTimeout: '1 hour' });
    expect(answer.status).toBe(201);
    const history = await stack.server.env.client.workflow.getHandle(`refund-${tid}`).fetchHistory();
    const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    expect(JSON.parse(Buffer.from(payload.data!).toString())).toMatchObject({
      maxOtpAttempts: 2,
      otpTimeout: '1 hour',
      maxResends: DEFAULT_OTP_POLICY.maxResends,
      resendInterval: DEFAULT_OTP_POLICY.resendIntervalMs,
    });
  });
});

describe('wrong OTPs', () => {
  test('the budget is shared by two API replicas through Redis: spent on one, refused on the other', async () => {
    const [a, b] = replicas;
    const tid = await awaitingOtp(a, FAST);
    const wrong = stack.sim.lastOtp(tid) === '000000' ? '111111' : '000000';
    expect((await a.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp: wrong })).body.phase).toBe(
      RefundPhase.AWAITING_OTP,
    );
    expect((await b.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp: wrong })).body.phase).toBe(
      RefundPhase.AWAITING_OTP,
    );
    const refused = await a.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp: stack.sim.lastOtp(tid)! });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      type: '/docs#problem-rate-limited',
      detail: expect.stringContaining('this day'),
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Refused before Temporal: the refund still waits, its attempts untouched by the refusal.
    expect((await stack.refunds.getState(tid)).otpAttemptsLeft).toBe(1);
    expect(auditEntries(a.logs).at(-1)).toMatchObject({ action: 'submitOtp', status: 429, result: '429 rate-limited' });
    // Another key has its own budget: its OTP goes through.
    const other = await callApi(b.url, OTHER_SUPPORT_KEY.key, 'POST', `/v1/refunds/${tid}/otp`, {
      otp: stack.sim.lastOtp(tid)!,
    });
    expect(other.body.phase).toBe(RefundOutcome.REFUNDED);
  });
});

describe('live streams', () => {
  /** Opens a stream and waits for its first state; the response stays open until `abort`. */
  async function openStream(url: string, headers: Record<string, string>) {
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    if (response.status !== 200) return { status: response.status, body: await response.json(), abort };
    const reader = response.body!.getReader();
    await reader.read(); // the first bytes: the stream is open
    return { status: 200, reader, abort };
  }

  test('the 21st stream of one key is a 429; another key may still open one', async () => {
    const tid = await awaitingOtp(stack);
    const url = `${stack.url}/v1/refunds/${tid}/events`;
    const viewer = { authorization: `Bearer ${TEST_KEYS.viewer.key}` };
    const open = [];
    try {
      for (let i = 0; i < 20; i += 1) open.push(await openStream(url, viewer));
      expect(open.map((s) => s.status)).toEqual(Array(20).fill(200));
      const refused = await openStream(url, viewer);
      open.push(refused);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({
        type: '/docs#problem-rate-limited',
        detail: expect.stringContaining('20 per key'),
      });
      const other = await openStream(url, { authorization: `Bearer ${TEST_KEYS.service.key}` });
      open.push(other);
      expect(other.status).toBe(200);
    } finally {
      for (const stream of open) stream.abort.abort();
    }
  });

  test('signing out ends the session’s streams', async () => {
    const signIn = await fetch(`${stack.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: TEST_KEYS.support.key }),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const tid = await awaitingOtp(stack);
    const stream = await openStream(`${stack.url}/v1/refunds/${tid}/events`, { cookie });
    expect(stream.status).toBe(200);
    const out = await fetch(`${stack.url}/v1/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(out.status).toBe(204);
    // The server ends the stream: the reader comes to its end, the refund still waiting.
    let done = false;
    while (!done) done = (await stream.reader!.read()).done;
    expect((await stack.refunds.getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
  });
});

describe('audit', () => {
  test('an OTP whose client goes away mid-call is on record, before the action, with request id, address and agent', async () => {
    const tid = await awaitingOtp(stack);
    // Eko takes its time with the refund call: the client gives up first.
    stack.sim.injectFault({ type: 'latency', endpoint: 'refund', tid, latencyMs: 1_500, times: 1 });
    const abort = new AbortController();
    const submitted = fetch(`${stack.url}/v1/refunds/${tid}/otp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_KEYS.support.key}`,
        'content-type': 'application/json',
        'user-agent': 'desk-browser/1.0',
      },
      body: JSON.stringify({ otp: stack.sim.lastOtp(tid) }),
      signal: abort.signal,
    }).catch((err: Error) => err);
    const [requested] = await waitFor(
      'the audit line before the OTP goes to Temporal',
      async () => auditLines(stack.logs).filter((a) => a.action === 'submitOtp' && a.tid === tid),
      (lines) => lines.length > 0,
    );
    abort.abort();
    expect(await submitted).toMatchObject({ name: 'AbortError' });
    expect(requested).toEqual({
      stage: 'requested',
      action: 'submitOtp',
      keyName: TEST_KEYS.support.name,
      role: 'support',
      tid,
      requestId: expect.any(String),
      address: '127.0.0.1',
      userAgent: 'desk-browser/1.0',
    });
    // The OTP goes on without its client: the refund ends REFUNDED, and no line holds the OTP.
    expect((await stack.refunds.result(tid)).outcome).toBe(RefundOutcome.REFUNDED);
    expect(stack.logs.join('\n')).not.toContain(`"${stack.sim.lastOtp(tid)}"`);
  });
});

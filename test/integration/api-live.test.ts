// Live state over server-sent events, the summary counts, health, and the generated OpenAPI
// document and reference page.
import type { OpenApiDocument } from '../../src/api/openapi';
import { dateIn } from '../../src/api/time-zone';
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { type ApiStack, readEvents, startApiStack, TEST_KEYS } from '../helpers/api-stack';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack({ eventsPollMs: 250 });
}, 60_000);
afterAll(() => stack?.stop());

async function refundAwaitingOtp(): Promise<{ tid: string; otp: string }> {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '750.00', fee: '7.50' });
  await stack.refunds.start({ tid, ...FAST });
  await waitFor(
    'AWAITING_OTP',
    () => stack.refunds.getState(tid),
    (state) => state.phase === RefundPhase.AWAITING_OTP,
  );
  return { tid, otp: stack.sim.lastOtp(tid)! };
}

describe('GET /v1/refunds/{tid}/events', () => {
  test('sends the state at once, the phase change after the OTP, then ends', async () => {
    const { tid, otp } = await refundAwaitingOtp();
    const events = readEvents(`${stack.url}/v1/refunds/${tid}/events`, TEST_KEYS.viewer.key);
    const first = await events.next();
    expect(first.value).toMatchObject({ event: 'state' });
    expect(JSON.parse(first.value!.data)).toMatchObject({ tid, phase: RefundPhase.AWAITING_OTP, otpAttemptsLeft: 3 });

    await stack.refunds.submitOtp(tid, { otp });
    const seen: { event: string; data: string }[] = [];
    for await (const event of events) seen.push(event);
    const phases = seen.filter((e) => e.event === 'state').map((e) => JSON.parse(e.data).phase);
    expect(phases.at(-1)).toBe(RefundOutcome.REFUNDED);
    expect(seen.at(-1)).toEqual({
      event: 'end',
      data: JSON.stringify({ phase: RefundOutcome.REFUNDED, outcome: RefundOutcome.REFUNDED }),
    });
    // Nothing secret on the stream either.
    expect(seen.map((e) => e.data).join('\n')).not.toContain(otp);
  });

  test('an unknown tid is a 404 problem, not a stream', async () => {
    const answer = await stack.call('viewer', 'GET', `/v1/refunds/${newTid()}/events`);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

test('GET /v1/summary counts running refunds by phase, ended ones by outcome, and per day', async () => {
  const waiting = await refundAwaitingOtp();
  const refunded = await refundAwaitingOtp();
  await stack.refunds.submitOtp(refunded.tid, { otp: refunded.otp });
  const summary = await waitFor(
    'both refunds in the counts',
    () => stack.call('viewer', 'GET', '/v1/summary?days=3'),
    (answer) => answer.body?.running?.AWAITING_OTP >= 1 && answer.body?.closed?.REFUNDED >= 1,
  );
  expect(summary.status).toBe(200);
  expect(Object.keys(summary.body.running)).toEqual(Object.values(RefundPhase));
  expect(Object.keys(summary.body.closed)).toEqual(Object.values(RefundOutcome));
  expect(summary.body.closedWithoutOutcome).toBe(0);
  expect(summary.body.days.map((day: { date: string }) => day.date)).toHaveLength(3);
  // Days are the desk's, in REFUND_TIME_ZONE (Asia/Kolkata by default), not UTC's.
  expect(summary.body.timeZone).toBe('Asia/Kolkata');
  expect(summary.body.days.at(-1)).toMatchObject({ date: dateIn('Asia/Kolkata', Date.now()) });
  expect(summary.body.days.at(-1).closed.REFUNDED).toBe(summary.body.closed.REFUNDED);
  expect(waiting.tid).toBeDefined();

  const bad = await stack.call('viewer', 'GET', '/v1/summary?days=90');
  expect(bad.status).toBe(422);
  expect(bad.body.errors).toEqual([{ field: 'days', message: expect.any(String) }]);
});

test('health: /healthz live, /readyz ready while Temporal answers', async () => {
  expect(await stack.call(null, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'live' } });
  expect(await stack.call(null, 'GET', '/readyz')).toMatchObject({
    status: 200,
    body: { status: 'ready', temporal: 'ok' },
  });
});

test('GET /openapi.json: OpenAPI 3.1 of every endpoint, from the schemas that validate', async () => {
  const { status, body: doc } = await stack.call(null, 'GET', '/openapi.json');
  expect(status).toBe(200);
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths).sort()).toEqual(
    [
      '/healthz',
      '/readyz',
      '/v1/refunds',
      '/v1/refunds/export.csv',
      '/v1/refund-batches',
      '/v1/refunds/{tid}',
      '/v1/refunds/{tid}/cancel',
      '/v1/refunds/{tid}/events',
      '/v1/refunds/{tid}/notifications',
      '/v1/refunds/{tid}/otp',
      '/v1/refunds/{tid}/resend-otp',
      '/v1/notifications/{id}/redeliver',
      '/v1/session',
      '/v1/summary',
    ].sort(),
  );
  const start = doc.paths['/v1/refunds'].post;
  expect(start.requestBody.content['application/json'].schema.properties.tid).toEqual({
    type: 'string',
    pattern: '^\\d{1,20}$',
  });
  expect(start.responses['422'].content['application/problem+json'].schema).toEqual({
    $ref: '#/components/schemas/Problem',
  });
  expect(doc.paths['/v1/refunds/{tid}/otp'].post.description).toContain('Roles: support.');
  expect(
    doc.paths['/v1/refunds/{tid}/otp'].post.requestBody.content['application/json'].schema.properties.otp.pattern,
  ).toBe('^\\d{4,8}$');
  expect(doc.components.schemas.RefundState.properties.phase.enum).toContain('AWAITING_OTP');
  expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
});

test('GET /docs: the reference page, served by the process with no external assets', async () => {
  const response = await fetch(`${stack.url}/docs`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await response.text();
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  // Swagger UI renders the document it reads from /docs/json: every path, the problem types.
  const doc = (await (await fetch(`${stack.url}/docs/json`)).json()) as OpenApiDocument;
  for (const path of ['/v1/refunds/{tid}/otp', '/v1/summary', '/v1/refunds/{tid}/events'])
    expect(doc.paths).toHaveProperty([path]);
  expect(doc.info.description).toContain('id="problem-invalid-input"');
});

import { withWantedEvents } from '../../src/notifications/activities';
import { parseWebhooks, wantedEvents } from '../../src/notifications/config';
import { eventTypeOf, EVENT_TYPES } from '../../src/notifications/events';
import { signWebhook, verifyWebhook } from '../../src/notifications/signature';
import { RefundOutcome, RefundPhase } from '../../src/contract';

const SECRET = 'a-webhook-secret-of-32-characters-x';

describe('Eko-Refund-Signature', () => {
  const body = JSON.stringify({ id: 'evt', type: 'refund.refunded' });
  const now = Date.parse('2026-12-06T10:00:00Z');

  test('the verifier accepts what the signer signed, within 5 minutes', () => {
    const header = signWebhook(body, SECRET, now);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(body, header, SECRET, { nowMs: now + 299_000 })).toBe(true);
    expect(verifyWebhook(Buffer.from(body), header, SECRET, { nowMs: now })).toBe(true);
  });

  test('it refuses another body, another secret, an old or missing timestamp, and no header', () => {
    const header = signWebhook(body, SECRET, now);
    expect(verifyWebhook(`${body} `, header, SECRET, { nowMs: now })).toBe(false);
    expect(verifyWebhook(body, header, `${SECRET}y`, { nowMs: now })).toBe(false);
    expect(verifyWebhook(body, header, SECRET, { nowMs: now + 301_000 })).toBe(false);
    expect(verifyWebhook(body, header.replace(/^t=\d+,/, ''), SECRET, { nowMs: now })).toBe(false);
    expect(verifyWebhook(body, header.replace(/v1=[0-9a-f]+/, 'v1=zz'), SECRET, { nowMs: now })).toBe(false);
    expect(verifyWebhook(body, undefined, SECRET, { nowMs: now })).toBe(false);
  });
});

describe('REFUND_WEBHOOKS', () => {
  test('subscribers get a name (the URL’s host unless given) and every event unless they pick some', () => {
    const json = JSON.stringify([
      { url: 'https://billing.example.com/hooks', secret: SECRET },
      { name: 'desk', url: 'https://desk.example.com/x', secret: SECRET, events: ['refund.needs_review'] },
    ]);
    const { subscribers, problems } = parseWebhooks(json, true);
    expect(problems).toEqual([]);
    expect(subscribers).toEqual([
      { name: 'billing.example.com', url: 'https://billing.example.com/hooks', secret: SECRET, events: EVENT_TYPES },
      { name: 'desk', url: 'https://desk.example.com/x', secret: SECRET, events: ['refund.needs_review'] },
    ]);
    expect(wantedEvents(subscribers.slice(1))).toEqual(['refund.needs_review']);
    expect(parseWebhooks(undefined, true)).toEqual({ subscribers: [], problems: [] });
  });

  test('problems name the entry and field, never the secret; production needs https', () => {
    const bad = JSON.stringify([
      { url: 'http://billing.example.com/hooks', secret: 'short-secret' },
      { url: 'https://x.example.com', secret: SECRET, events: ['refund.done'] },
    ]);
    const { problems } = parseWebhooks(bad, true);
    expect(problems.join('; ')).toMatch(/0\.url: must be https:\/\/ in production/);
    expect(problems.join('; ')).toMatch(/0\.secret: at least 32 characters/);
    expect(problems.join('; ')).toMatch(/1\.events\.0/);
    expect(problems.join('; ')).not.toContain('short-secret');
    expect(parseWebhooks('[{"url":"http://localhost:9/x","secret":"' + SECRET + '"}]', false).problems).toEqual([]);
    expect(parseWebhooks('{', false).problems).toEqual([expect.stringMatching(/^not JSON/)]);
    const twice = JSON.stringify([
      { url: 'https://a.example.com/1', secret: SECRET },
      { url: 'https://a.example.com/2', secret: SECRET },
    ]);
    expect(parseWebhooks(twice, false).problems).toEqual([
      expect.stringMatching(/two subscribers are named a.example.com/),
    ]);
  });
});

test('the check tells the refund which events the subscribers want; the money path is left as it is', async () => {
  const check = { check: { kind: 'settled' as const, txStatus: 0, eko: { message: 'ok', at: '' } } };
  const activities = { prepareRefund: async (_request: unknown) => check, submitRefund: async () => 'untouched' };
  const subscribers = parseWebhooks(
    JSON.stringify([{ url: 'https://a.example.com', secret: SECRET, events: ['refund.failed'] }]),
    true,
  ).subscribers;
  const wrapped = withWantedEvents(activities, subscribers);
  expect(await wrapped.prepareRefund({ tid: '1', settleWindowMs: 1, requestOtp: false })).toEqual({
    ...check,
    notify: ['refund.failed'],
  });
  expect(wrapped.submitRefund).toBe(activities.submitRefund);
  expect(
    await withWantedEvents(activities, []).prepareRefund({ tid: '1', settleWindowMs: 1, requestOtp: false }),
  ).toEqual({
    ...check,
    notify: [],
  });
});

test('each phase that matters announces one event; the transient ones none', () => {
  expect(eventTypeOf(RefundPhase.AWAITING_OTP)).toBe('refund.awaiting_otp');
  expect(eventTypeOf(RefundPhase.PENDING)).toBe('refund.pending');
  expect(eventTypeOf(RefundOutcome.NOT_REFUNDABLE)).toBe('refund.not_refundable');
  for (const phase of [RefundPhase.CHECKING, RefundPhase.SENDING_OTP, RefundPhase.SUBMITTING])
    expect(eventTypeOf(phase)).toBeUndefined();
});

// Outcome notifications on the real dev server: signed events reach real HTTP receivers, through a
// subscriber's outage, without the refund waiting; the API lists and redelivers them.
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { TxStatus } from '../../src/eko/answers';
import { type ApiServer, auditEntries, startApiServer } from '../helpers/api-stack';
import { recordHistory } from '../helpers/histories';
import { resetToBeforeTheOtp } from '../helpers/reset';
import { FAST, newTid, phaseOf, type RefundStack, startAwaitingOtp, startRefundStack } from '../helpers/refund-stack';
import { startWebhookReceiver, type WebhookReceiver } from '../../tools/webhook-receiver';
import { waitFor } from '../helpers/wait';

const SECRET = 'all-events-secret-0123456789abcdef';
const FLAKY_SECRET = 'flaky-secret-0123456789abcdef0123';
const OUTAGE = 5;

let stack: RefundStack;
let api: ApiServer;
let all: WebhookReceiver;
let flaky: WebhookReceiver;
/** Answers 503 to everything: its deliveries retry until someone stops them. */
let down: WebhookReceiver;

beforeAll(async () => {
  all = await startWebhookReceiver(SECRET);
  flaky = await startWebhookReceiver(FLAKY_SECRET, { refuseFirst: OUTAGE });
  down = await startWebhookReceiver(SECRET, { refuseFirst: Number.MAX_SAFE_INTEGER });
  stack = await startRefundStack({
    webhooks: [
      {
        name: 'all',
        url: all.url,
        secret: SECRET,
        events: ['refund.awaiting_otp', 'refund.refunded', 'refund.not_refundable'],
      },
      { name: 'flaky', url: flaky.url, secret: FLAKY_SECRET, events: ['refund.not_refundable'] },
      { name: 'down', url: down.url, secret: SECRET, events: ['refund.cancelled'] },
    ],
  });
  api = await startApiServer(stack.refunds);
}, 60_000);
afterAll(async () => {
  await api?.close();
  await stack?.stop();
  await all?.close();
  await flaky?.close();
  await down?.close();
});

const eventsOf = (receiver: WebhookReceiver, tid: string) => receiver.received.filter((r) => r.event.data.tid === tid);

/** The announcements in the refund's own history: one activity per announced event. */
async function announcementsIn(tid: string): Promise<number> {
  const history = await stack.server.env.client.workflow.getHandle(`refund-${tid}`).fetchHistory();
  return (history.events ?? []).filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'announceEvent',
  ).length;
}

test('a refund’s events reach its subscriber signed, once each, with no OTP, otp_ref_id or mobile', async () => {
  const tid = newTid();
  stack.sim.seed({ tid });
  await stack.refunds.start({ tid, ...FAST });
  await phaseOf(stack.refunds, tid, RefundPhase.AWAITING_OTP);
  await stack.refunds.submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
  expect(await stack.refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });

  const got = await waitFor(
    'both events at the receiver',
    async () => eventsOf(all, tid),
    (events) => events.length >= 2,
  );
  expect(got.map((r) => r.event.type)).toEqual(['refund.awaiting_otp', 'refund.refunded']);
  expect(got.every((r) => r.signed)).toBe(true);
  expect(new Set(got.map((r) => r.event.id)).size).toBe(2);
  expect(got[1].event).toMatchObject({
    type: 'refund.refunded',
    data: { tid, phase: 'REFUNDED', outcome: 'REFUNDED', amount: '1000.00', refundTid: expect.any(String) },
  });
  const tx = stack.sim.transaction(tid)!;
  for (const secret of [...tx.issuedOtpRefIds, tx.customerMobile, stack.sim.lastOtp(tid)!])
    expect(got.map((r) => r.body).join()).not.toContain(secret);
  // Events nobody subscribed to (refund.pending here) start nothing in the refund's history.
  expect(await announcementsIn(tid)).toBe(2);
  await recordHistory(stack.server.env.address, tid, 'announced');
  expect(eventsOf(flaky, tid)).toEqual([]);
});

test('a reset to before the OTP announces nothing twice: the event ids belong to the reset chain', async () => {
  const tid = newTid();
  stack.sim.seed({ tid });
  const handle = stack.server.env.client.workflow.getHandle(`refund-${tid}`);
  await stack.refunds.start({ tid, ...FAST });
  await phaseOf(stack.refunds, tid, RefundPhase.AWAITING_OTP);
  await stack.refunds.submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
  await stack.refunds.result(tid);
  await waitFor(
    'both events',
    async () => eventsOf(all, tid),
    (events) => events.length === 2,
  );

  await resetToBeforeTheOtp(stack.server.env.address, handle);
  await phaseOf(stack.refunds, tid, RefundPhase.AWAITING_OTP);
  await stack.refunds.submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
  expect(await stack.refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
  // The reset run announced REFUNDED again, under the same id: the delivery was not started twice.
  expect(await announcementsIn(tid)).toBeGreaterThanOrEqual(2);
  const listed = await api.call('viewer', 'GET', `/v1/refunds/${tid}/notifications`);
  expect(listed.body.notifications.map((n: { event: string }) => n.event).sort()).toEqual([
    'refund.awaiting_otp',
    'refund.refunded',
  ]);
  expect(eventsOf(all, tid).map((r) => r.event.type)).toEqual(['refund.awaiting_otp', 'refund.refunded']);
});

test('a subscriber down for its first attempts still gets the event; the refund never waited; the API shows the attempts', async () => {
  const tid = newTid();
  stack.sim.seed({ tid, txStatus: TxStatus.Success });
  await stack.refunds.start({ tid, ...FAST });
  // The refund ends while its subscriber refuses: it does not wait on deliveries.
  expect(await stack.refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.NOT_REFUNDABLE });
  expect(eventsOf(flaky, tid)).toEqual([]);

  // One event, two subscribers: the one already served is listed while the other retries.
  const retrying = await waitFor(
    'a delivery to flaky retrying, the one to all done',
    () => api.call('viewer', 'GET', `/v1/refunds/${tid}/notifications`),
    (a) =>
      a.body?.notifications?.some(
        (n: { subscriber: string; lastResult?: string }) => n.subscriber === 'flaky' && n.lastResult !== undefined,
      ) && a.body.notifications.some((n: { subscriber: string; state: string }) => n.subscriber === 'all'),
  );
  expect(retrying.body.notifications.find((n: { subscriber: string }) => n.subscriber === 'flaky')).toMatchObject({
    event: 'refund.not_refundable',
    state: 'delivering',
    lastResult: 'flaky answered HTTP 503',
    nextAttemptAt: expect.any(String),
  });
  expect(retrying.body.notifications.find((n: { subscriber: string }) => n.subscriber === 'all')).toMatchObject({
    event: 'refund.not_refundable',
    state: 'delivered',
    attempts: 1,
    lastResult: 'HTTP 204',
  });

  const [event] = await waitFor(
    'the event past the outage',
    async () => eventsOf(flaky, tid),
    (e) => e.length > 0,
    {
      timeoutMs: 60_000,
    },
  );
  expect(event).toMatchObject({ signed: true, event: { type: 'refund.not_refundable', data: { tid } } });
  expect(flaky.refused).toBe(OUTAGE);
  const listed = await waitFor(
    'both deliveries listed as delivered',
    () => api.call('viewer', 'GET', `/v1/refunds/${tid}/notifications`),
    (a) =>
      a.body?.notifications?.length === 2 &&
      a.body.notifications.every((n: { state: string }) => n.state === 'delivered'),
  );
  expect(listed.body.notifications.find((n: { subscriber: string }) => n.subscriber === 'flaky')).toMatchObject({
    attempts: OUTAGE + 1,
    lastResult: 'HTTP 204',
    redelivery: false,
  });
}, 90_000);

test('support redelivers one event to one subscriber: the same event id again', async () => {
  const tid = newTid();
  stack.sim.seed({ tid, txStatus: TxStatus.Success });
  await stack.refunds.start({ tid, ...FAST });
  await stack.refunds.result(tid);
  const [first] = await waitFor(
    'the event',
    async () => eventsOf(all, tid),
    (e) => e.length > 0,
  );
  const id = `${first.event.id}~all`;

  expect((await api.call('viewer', 'POST', `/v1/notifications/${id}/redeliver`)).status).toBe(403);
  // Only to a subscriber the event went to: not one it never did (nor one unknown).
  expect((await api.call('support', 'POST', `/v1/notifications/${first.event.id}~nobody-x/redeliver`)).status).toBe(
    404,
  );
  expect((await api.call('support', 'POST', `/v1/notifications/no-such-event~all/redeliver`)).status).toBe(404);
  const answer = await api.call('support', 'POST', `/v1/notifications/${id}/redeliver`);
  expect(answer.status).toBe(202);

  const both = await waitFor(
    'the redelivery',
    async () => eventsOf(all, tid),
    (e) => e.length === 2,
  );
  expect(both[1].body).toBe(first.body);
  expect(both[1].signed).toBe(true);
  const listed = await waitFor(
    'the redelivery listed',
    () => api.call('viewer', 'GET', `/v1/refunds/${tid}/notifications`),
    (a) => a.body?.notifications?.filter((n: { state: string }) => n.state !== 'delivering').length === 3,
  );
  const states = listed.body.notifications.map((n: { subscriber: string; redelivery: boolean; state: string }) =>
    [n.subscriber, n.redelivery, n.state].join(' '),
  );
  expect(states.sort()).toEqual(['all false delivered', 'all true delivered', 'flaky false delivered']);
  expect(auditEntries(api.logs).filter((line) => line.action === 'redeliver')).toEqual(
    expect.arrayContaining([expect.objectContaining({ tid, status: 202, result: 'redelivering' })]),
  );
});

test('a delivery whose workflow an operator terminated is listed as stopped', async () => {
  const tid = await startAwaitingOtp(stack);
  await stack.refunds.cancel(tid, { reason: 'customer took the cash back' });
  const retrying = await waitFor(
    'the cancelled event retrying to down',
    () => api.call('viewer', 'GET', `/v1/refunds/${tid}/notifications`),
    (a) =>
      a.body?.notifications?.some(
        (n: { subscriber: string; attempts: number }) => n.subscriber === 'down' && n.attempts >= 1,
      ),
  );
  const { eventId } = retrying.body.notifications.find((n: { subscriber: string }) => n.subscriber === 'down');
  await stack.server.env.client.workflow.getHandle(eventId).terminate('operator: subscriber retired');
  const stopped = await api.call('viewer', 'GET', `/v1/refunds/${tid}/notifications`);
  expect(stopped.body.notifications.find((n: { subscriber: string }) => n.subscriber === 'down')).toMatchObject({
    event: 'refund.cancelled',
    state: 'failed',
    lastResult: 'delivery stopped: its workflow is TERMINATED',
  });
});

// A refund's webhook deliveries: each announced event to each subscriber, its attempts, last
// result and next attempt; support staff can send one again (the same event id: receivers dedupe
// on it). Read again while a delivery is retrying, and when one is expected: after the refund
// moved (it may have announced an event) and after a redelivery, until it shows (visibility lags
// the workflows a little) or a while has passed.
import { api } from '../api.js';
import { fill, formatTime, h } from '../dom.js';
import { may, unattended } from '../session.js';

const RETRYING_MS = 5_000;
const EXPECTING_MS = 1_000;
const EXPECT_FOR_MS = 20_000;

/**
 * A delivery's state as the desk reads it. The API answers `failed` with no attempt and no result
 * for a delivery whose workflow runs but whose first attempt it did not see yet (its listing reads
 * the workflow's pending attempts and its history one after the other): that one is starting.
 */
const stateOf = (n) => (n.state === 'failed' && n.attempts === 0 && !n.lastResult ? 'starting' : n.state);

export function deliveriesOf(tid) {
  const status = h('p', { class: 'action-status', role: 'status' });
  const alert = h('p', { class: 'error', role: 'alert' });
  const body = h('div', {}, h('p', {}, 'Loading…'));
  const refreshButton = h('button', { type: 'button', class: 'secondary', onClick: () => void load() }, 'Refresh');
  let timer = null;
  let left = false;
  let seen = 0;
  /** A new delivery expected: read again until there is one more, or EXPECT_FOR_MS passed. */
  let expecting = null;

  let unsettled = false;
  async function load() {
    clearTimeout(timer);
    try {
      const { notifications } = await api('GET', `/v1/refunds/${tid}/notifications`);
      seen = notifications.length;
      fill(
        body,
        notifications.length === 0 ? h('p', {}, 'No webhook deliveries for this refund.') : table(notifications),
      );
      if (expecting && (seen > expecting.count || Date.now() > expecting.until)) expecting = null;
      unsettled = notifications.some((n) => stateOf(n) !== 'delivered' && stateOf(n) !== 'failed');
    } catch (err) {
      fill(body, h('p', { class: 'error' }, `The deliveries could not be read: ${err.message}`));
    }
    clearTimeout(timer);
    if (!left && (expecting || (unsettled && !unattended())))
      timer = setTimeout(() => void load(), expecting ? EXPECTING_MS : RETRYING_MS);
  }

  async function redeliver(delivery, button) {
    alert.textContent = status.textContent = '';
    button.disabled = true;
    try {
      await api('POST', `/v1/notifications/${encodeURIComponent(delivery.id)}/redeliver`);
      status.textContent = `Sending ${delivery.event} to ${delivery.subscriber} again.`;
      expectNew();
    } catch (err) {
      alert.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  function table(notifications) {
    const columns = ['Event', 'Subscriber', 'State', 'Attempts', 'Last result', 'Next attempt', 'Started'];
    if (may('operate')) columns.push('Action');
    const cell = (i, ...content) =>
      h(i === 0 ? 'th' : 'td', { 'data-label': columns[i], scope: i === 0 ? 'row' : null }, ...content);
    return h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'cards deliveries' },
        h('caption', { class: 'visually-hidden' }, 'Webhook deliveries, oldest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            columns.map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          notifications.map((n) =>
            h(
              'tr',
              {},
              cell(0, h('code', {}, n.event), n.redelivery ? [' ', h('span', { class: 'badge' }, 'redelivery')] : null),
              cell(1, n.subscriber),
              cell(2, h('span', { class: `badge delivery-${stateOf(n)}` }, stateOf(n))),
              cell(3, n.attempts),
              cell(4, n.lastResult ?? '—'),
              cell(5, n.nextAttemptAt ? formatTime(n.nextAttemptAt) : '—'),
              cell(6, formatTime(n.startedAt)),
              may('operate') &&
                cell(
                  7,
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'secondary',
                      'aria-label': `Redeliver ${n.event} to ${n.subscriber}`,
                      onClick: (event) => void redeliver(n, event.currentTarget),
                    },
                    'Redeliver',
                  ),
                ),
            ),
          ),
        ),
      ),
    );
  }

  function expectNew() {
    expecting = { count: seen, until: Date.now() + EXPECT_FOR_MS };
    void load();
  }

  void load();
  return {
    element: h(
      'section',
      { class: 'deliveries-part', 'aria-labelledby': 'deliveries-heading' },
      h('h2', { id: 'deliveries-heading' }, 'Webhook deliveries'),
      h(
        'p',
        { class: 'help' },
        'Services that subscribed hear of this refund by signed webhooks, retried for 3 days until they answer.',
      ),
      status,
      alert,
      body,
      refreshButton,
    ),
    /** The refund moved: it may have announced an event. */
    expectNew,
    leave() {
      left = true;
      clearTimeout(timer);
    },
  };
}

// The work queue, the desk's landing page: refunds waiting for the customer's OTP, nearest
// deadline first (the ones to chase), then refunds that need a person's review, then recent
// failures. Each part is one of the list's filters; the page reads them again every 30 s while
// someone uses it.
import { api } from '../api.js';
import { fill, h, title } from '../dom.js';
import { unattended } from '../session.js';
import { addDays, dayOf, formatTime } from '../time.js';
import { refundTable } from './refund-table.js';

const REFRESH_MS = 30_000;
/** Waiting refunds read for sorting by deadline (the list is newest first, so all are read). */
const MAX_WAITING = 500;
const SHOWN = 20;
const RECENT_DAYS = 7;

export function queueView() {
  const updated = h('p', { class: 'help' });
  const refresh = h('button', { type: 'button', class: 'secondary', onClick: () => void load() }, 'Refresh');
  const parts = [
    part({
      id: 'queue-waiting',
      heading: "Waiting for the customer's OTP",
      help: 'Nearest OTP deadline first: chase the customer before it passes.',
      empty: 'No refund is waiting for an OTP.',
      columns: ['tid', 'otpDeadline', 'attemptsLeft', 'amount', 'message', 'started'],
      fetch: waitingForOtp,
      shown: 50,
      more: () => '#/refunds?phase=AWAITING_OTP',
    }),
    part({
      id: 'queue-review',
      heading: 'Needs review',
      help: 'The worker stopped: a person must decide (see the refund page and the support guide).',
      empty: 'Nothing needs review.',
      columns: ['tid', 'amount', 'message', 'requestedBy', 'started', 'ended'],
      fetch: () => page({ outcome: 'NEEDS_REVIEW' }),
      more: () => '#/refunds?outcome=NEEDS_REVIEW',
    }),
    part({
      id: 'queue-failed',
      heading: `Failed in the last ${RECENT_DAYS} days`,
      help: 'Eko refused the refund or reported it failed: fix the cause Eko names, then start it again.',
      empty: `No refund failed in the last ${RECENT_DAYS} days.`,
      columns: ['tid', 'amount', 'message', 'requestedBy', 'started', 'ended'],
      fetch: () =>
        page({ outcome: 'FAILED', startedAfter: new Date(Date.now() - RECENT_DAYS * 86_400_000).toISOString() }),
      more: () => `#/refunds?outcome=FAILED&from=${addDays(dayOf(Date.now()), -RECENT_DAYS)}`,
    }),
  ];

  let loading = null;
  function load() {
    loading ??= (async () => {
      refresh.disabled = true;
      await Promise.all(parts.map((p) => p.load()));
      updated.textContent = `Updated ${formatTime(new Date().toISOString())}; read again every ${REFRESH_MS / 1000} s.`;
      refresh.disabled = false;
      loading = null;
    })();
    return loading;
  }

  void load();
  const timer = setInterval(() => {
    if (!unattended()) void load();
    else updated.textContent = 'Not read again while nobody uses the page: press Refresh.';
  }, REFRESH_MS);
  return {
    element: h(
      'section',
      { class: 'queue' },
      title('Work queue'),
      h('div', { class: 'toolbar' }, updated, refresh),
      parts.map((p) => p.element),
    ),
    leave: () => clearInterval(timer),
  };
}

/** One part of the queue: a heading with its count, a table, a link to the whole list. */
function part({ id, heading, help, empty, columns, fetch, more, shown = SHOWN }) {
  const count = h('span', { class: 'count' });
  const body = h('div', {}, h('p', {}, 'Loading…'));
  const element = h(
    'section',
    { class: 'queue-part', 'aria-labelledby': id },
    h('h2', { id }, heading, ' ', count),
    h('p', { class: 'help' }, help),
    body,
  );
  async function load() {
    try {
      const { refunds, truncated } = await fetch();
      count.textContent = `(${refunds.length}${truncated ? '+' : ''})`;
      fill(
        body,
        refunds.length === 0 ? h('p', {}, empty) : refundTable(refunds.slice(0, shown), columns, heading),
        refunds.length > shown || truncated
          ? h('p', {}, h('a', { href: more() }, `All of them in the refunds list`))
          : null,
      );
    } catch (err) {
      count.textContent = '';
      fill(body, h('p', { class: 'error', role: 'alert' }, err.message));
    }
  }
  return { element, load };
}

async function page(filter) {
  const query = new URLSearchParams({ ...filter, limit: String(SHOWN) });
  const { refunds, nextPageToken } = await api('GET', `/v1/refunds?${query}`);
  return { refunds, truncated: Boolean(nextPageToken) };
}

/** Every refund waiting for an OTP (up to MAX_WAITING), nearest deadline first. */
async function waitingForOtp() {
  const refunds = [];
  let pageToken;
  do {
    const query = new URLSearchParams({ phase: 'AWAITING_OTP', limit: '100' });
    if (pageToken) query.set('pageToken', pageToken);
    const answer = await api('GET', `/v1/refunds?${query}`);
    refunds.push(...answer.refunds.filter((r) => r.status === 'RUNNING'));
    pageToken = answer.nextPageToken;
  } while (pageToken && refunds.length < MAX_WAITING);
  const deadline = (r) => (r.otpDeadline ? Date.parse(r.otpDeadline) : Infinity);
  refunds.sort((a, b) => deadline(a) - deadline(b));
  return { refunds, truncated: Boolean(pageToken) };
}

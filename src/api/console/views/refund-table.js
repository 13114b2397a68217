// A table of refunds as the list answers them, with the columns a view picks: the refunds list
// and the work queue share it. On a phone each row reads as a card (every cell carries its
// column's name in data-label).
import { formatTime, h, phaseBadge } from '../dom.js';
import { countdown } from '../time.js';

const waitingForOtp = (r) => r.phase === 'AWAITING_OTP' && r.status === 'RUNNING';

export const COLUMNS = {
  tid: {
    label: 'Transaction',
    cell: (r) => (r.tid ? h('a', { href: `#/refunds/${r.tid}` }, r.tid) : r.workflowId),
  },
  phase: {
    label: 'Phase',
    cell: (r) => [
      phaseBadge(r.phase),
      r.status !== 'RUNNING' && r.status !== 'COMPLETED' ? ` (${r.status.toLowerCase()})` : '',
    ],
  },
  amount: { label: 'Amount', number: true, cell: (r) => r.amount ?? '—' },
  otpDeadline: {
    label: 'OTP deadline',
    cell: (r) =>
      r.otpDeadline && waitingForOtp(r)
        ? h('span', {}, countdown(r.otpDeadline), h('br'), h('small', {}, formatTime(r.otpDeadline)))
        : '—',
  },
  attemptsLeft: { label: 'Attempts left', number: true, cell: (r) => r.otpAttemptsLeft ?? '—' },
  message: { label: "Eko's last message", cell: (r) => r.lastEkoMessage ?? '—' },
  requestedBy: { label: 'Requested by', cell: (r) => r.requestedBy ?? '—' },
  started: { label: 'Started', cell: (r) => formatTime(r.startedAt) },
  ended: { label: 'Ended', cell: (r) => (r.closedAt ? formatTime(r.closedAt) : '—') },
};

/** `columns`: keys of COLUMNS, the first one the row's header (the tid). */
export function refundTable(refunds, columns, caption) {
  const picked = columns.map((key) => COLUMNS[key]);
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'cards refunds' },
      h('caption', { class: 'visually-hidden' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          picked.map((c) => h('th', { scope: 'col', class: c.number ? 'number' : null }, c.label)),
        ),
      ),
      h(
        'tbody',
        {},
        refunds.map((r) =>
          h(
            'tr',
            {},
            picked.map((c, i) =>
              h(
                i === 0 ? 'th' : 'td',
                { 'data-label': c.label, scope: i === 0 ? 'row' : null, class: c.number ? 'number' : null },
                c.cell(r),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

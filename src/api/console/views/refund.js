// One refund: where it stands, its timeline, updated live over server-sent events, its webhook
// deliveries, and for support staff the OTP, resend, cancel and redeliver actions. The OTP goes in
// a POST body only: never in the URL, stored state or a log, and the field is cleared once sent.
import { api, ApiError, loadContract } from '../api.js';
import { fill, formatTime, h, phaseBadge, relativeTime, title } from '../dom.js';
import { may, takeFlash } from '../session.js';
import { deliveriesOf } from './deliveries.js';
import { refundActions, resendsLeft } from './refund-actions.js';
import { countdown } from '../time.js';

export function refundView(tid) {
  const flash = takeFlash();
  const live = h('p', { class: 'live', role: 'status' }, 'Loading…');
  const overview = h('div', { class: 'overview' });
  const timeline = h('div');
  const actions = may('operate') ? refundActions(tid) : null;
  const missing = h('div');
  const deliveries = deliveriesOf(tid);
  let source = null;
  let left = false;
  let phase = null;

  function render(state) {
    fill(overview, overviewOf(state));
    fill(timeline, timelineOf(state));
    actions?.update(state);
    // A new phase may have announced an event to the webhook subscribers.
    if (phase !== null && state.phase !== phase) deliveries.expectNew();
    phase = state.phase;
  }

  async function open() {
    try {
      render(await api('GET', `/v1/refunds/${tid}`));
    } catch (err) {
      const notFound = err instanceof ApiError && err.status === 404;
      live.textContent = notFound ? `No refund for tid ${tid}.` : err.message;
      if (notFound && may('start'))
        fill(missing, h('p', {}, h('a', { href: `#/start?tid=${tid}` }, `Start a refund of tid ${tid}`)));
      return;
    }
    await loadContract().then((contract) => actions?.useContract(contract));
    // The user may have moved on while this loaded: open no stream for a page that is gone.
    if (!left) follow();
  }

  function follow() {
    source = new EventSource(`/v1/refunds/${tid}/events`);
    source.addEventListener('state', (event) => {
      live.textContent = 'Live: this page follows the refund as it moves.';
      render(JSON.parse(event.data));
    });
    source.addEventListener('end', (event) => {
      source.close();
      const { outcome } = JSON.parse(event.data);
      live.textContent = outcome
        ? `The refund ended: ${outcome}.`
        : 'The refund stopped without an outcome (see the Temporal Web UI).';
    });
    source.addEventListener('problem', () => {
      live.textContent = 'Temporal did not answer; trying again…';
    });
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) live.textContent = 'Connection lost; reconnecting…';
    });
  }

  void open();
  return {
    element: h(
      'section',
      { class: 'refund' },
      title(`Refund of tid ${tid}`),
      flash && h('p', { class: 'flash', role: 'status' }, flash),
      live,
      missing,
      h(
        'div',
        { class: 'columns' },
        h('div', {}, overview, actions?.element),
        h(
          'div',
          {},
          h('h2', {}, 'Timeline'),
          timeline,
          h('p', {}, h('a', { href: `#/refunds?tid=${tid}` }, 'Every run of this tid')),
        ),
      ),
      deliveries.element,
    ),
    leave() {
      left = true;
      source?.close();
      actions?.leave();
      deliveries.leave();
    },
  };
}

function row(label, ...value) {
  return [h('dt', {}, label), h('dd', {}, ...value)];
}

function overviewOf(state) {
  const answer = state.lastEkoAnswer;
  const amounts = state.refund ?? {};
  const pending = state.pendingActivity;
  return [
    h('h2', {}, 'Where it stands'),
    h(
      'dl',
      { class: 'facts' },
      row('Phase', phaseBadge(state.phase)),
      row('Outcome', state.outcome ?? 'not yet'),
      row(
        'OTP attempts left',
        `${state.otpAttemptsLeft}`,
        state.wrongOtpAttempts ? ` (${state.wrongOtpAttempts} wrong)` : '',
      ),
      row(
        'OTP deadline',
        state.otpDeadline
          ? state.phase === 'AWAITING_OTP'
            ? [formatTime(state.otpDeadline), ' (', countdown(state.otpDeadline), ')']
            : `${formatTime(state.otpDeadline)} (${relativeTime(state.otpDeadline)})`
          : '—',
      ),
      row('OTP resent', `${state.resendCount} time(s)`, state.phase === 'AWAITING_OTP' ? `, ${resendText(state)}` : ''),
      row(
        'Sent to Eko',
        state.submittedToEko ? 'yes: it is tracked to a final outcome and can no longer be cancelled' : 'no',
      ),
      row(
        "Eko's last answer",
        answer
          ? [
              h('q', {}, answer.message),
              ` ${[answer.status !== undefined && `status ${answer.status}`, answer.txStatusDesc && `tx: ${answer.txStatusDesc}`].filter(Boolean).join(', ')}`,
              h('br'),
              h('small', {}, formatTime(answer.at)),
            ]
          : '—',
      ),
      state.refund
        ? [
            row('Amount', amounts.amount ?? '—'),
            row('Fee', amounts.fee ?? '—'),
            row('Refunded', amounts.refundedAmount ?? '—'),
            row('Refund tid', amounts.refundTid ?? '—'),
          ]
        : row('Amounts', "— (Eko's refund answer carries them)"),
      pending &&
        row(
          'In progress',
          `${pending.activityType}, attempt ${pending.attempt}`,
          pending.lastFailure ? `: ${pending.lastFailure}` : '',
          pending.nextAttemptAt ? ` (next ${relativeTime(pending.nextAttemptAt)})` : '',
        ),
      row('Started', formatTime(state.createdAt)),
      row('Updated', formatTime(state.updatedAt)),
      row('Workflow', h('code', {}, state.workflowId), ` (${state.workflowStatus.toLowerCase()})`),
    ),
  ];
}

function resendText(state) {
  const { left, max, known } = resendsLeft(state);
  return known ? `${left} of ${max} left` : `${left} left of the default ${max}`;
}

function timelineOf(state) {
  return [
    h(
      'ol',
      { class: 'timeline' },
      state.transitions.map((t) =>
        h(
          'li',
          {},
          h('time', { datetime: t.at }, formatTime(t.at)),
          ' ',
          t.from ? [phaseBadge(t.from), ' → '] : null,
          phaseBadge(t.to),
          h('p', {}, t.reason),
        ),
      ),
    ),
    state.notes.length > 0
      ? [
          h('h3', {}, 'Notes'),
          h(
            'ul',
            {},
            state.notes.map((note) => h('li', {}, note)),
          ),
        ]
      : null,
  ];
}

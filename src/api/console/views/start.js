// Start the refund of a failed transaction by its tid (service and support roles).
import { api } from '../api.js';
import { h, title } from '../dom.js';
import { setFlash } from '../session.js';

export function startView(params = new URLSearchParams()) {
  const given = params.get('tid') ?? '';
  const tid = h('input', {
    id: 'start-tid',
    name: 'tid',
    inputmode: 'numeric',
    pattern: '\\d{1,20}',
    maxlength: '20',
    required: true,
    autocomplete: 'off',
    value: /^\d{1,20}$/.test(given) ? given : undefined,
    'aria-describedby': 'start-tid-help start-tid-error',
  });
  const tidError = h('p', { id: 'start-tid-error', class: 'error' });
  const reason = h('textarea', { id: 'start-reason', name: 'reason', rows: '2', maxlength: '1000' });
  const requestOtp = h('input', { id: 'start-request-otp', name: 'requestOtp', type: 'checkbox', checked: true });
  const status = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { method: 'post', class: 'stack narrow', onSubmit: submit },
    h('label', { for: 'start-tid' }, 'Transaction id (tid)'),
    tid,
    h('p', { id: 'start-tid-help', class: 'help' }, "Eko's tid of the failed transaction, digits only."),
    tidError,
    h('label', { for: 'start-reason' }, 'Reason (optional)'),
    reason,
    h(
      'div',
      { class: 'check' },
      requestOtp,
      h('label', { for: 'start-request-otp' }, 'Ask Eko to text the customer an OTP now'),
    ),
    h('button', { type: 'submit' }, 'Start refund'),
    status,
  );

  async function submit(event) {
    event.preventDefault();
    status.textContent = tidError.textContent = '';
    tid.removeAttribute('aria-invalid');
    const body = { tid: tid.value.trim(), requestOtp: requestOtp.checked };
    if (reason.value.trim()) body.reason = reason.value.trim();
    try {
      const started = await api('POST', '/v1/refunds', body);
      setFlash(started.created ? 'Refund started.' : 'A refund of this tid was already running: here it is.');
      location.hash = `#/refunds/${started.tid}`;
    } catch (err) {
      const message = err.fieldMessage?.('tid');
      if (message) {
        tidError.textContent = message;
        tid.setAttribute('aria-invalid', 'true');
        tid.focus();
      } else {
        status.textContent = err.message;
      }
    }
  }

  return {
    element: h(
      'section',
      {},
      title('Start a refund'),
      h(
        'p',
        {},
        'One refund runs per transaction: starting one that already runs opens it. Many at once: ',
        h('a', { href: '#/batch' }, 'start many'),
        '.',
      ),
      form,
    ),
  };
}

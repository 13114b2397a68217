// Support staff's actions on one refund: submit the customer's OTP, ask Eko to resend it, cancel
// with a reason. Each shows only while the refund's phase allows it.
import { api } from '../api.js';
import { fill, formatTime, h } from '../dom.js';
import { countdownText, everySecond } from '../time.js';

/**
 * The contract's default maxResends. The state does not carry the refund's own allowance (a start
 * may set another), so "left" counts from the default unless the state says (maxResends).
 */
const DEFAULT_MAX_RESENDS = 5;
/** How long the resend button waits for the state after a resend before it trusts the old one. */
const RESENT_WAIT_MS = 30_000;

/** How many resends a refund has left, and whether that is its own allowance or the default's. */
export function resendsLeft(state) {
  const max = state.maxResends ?? DEFAULT_MAX_RESENDS;
  return { left: Math.max(0, max - state.resendCount), max, known: state.maxResends !== undefined };
}

export function refundActions(tid) {
  let contract = { cancellablePhases: [] };
  let state = null;
  /** When a resend is allowed: the state's resendAllowedAt, or later after the API said too soon. */
  let tooSoonUntil = 0;
  /** After a resend: the resendAllowedAt it replaces, until the live state brings the new one. */
  let resent = null;
  const status = h('div', { class: 'action-status', role: 'status', 'aria-live': 'polite' });
  const alert = h('p', { class: 'error', role: 'alert' });

  // ---- OTP ----
  const otp = h('input', {
    id: 'otp',
    name: 'otp',
    inputmode: 'numeric',
    pattern: '\\d{4,8}',
    minlength: '4',
    maxlength: '8',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'otp-help',
  });
  const otpHelp = h('p', { id: 'otp-help', class: 'help' });
  const otpButton = h('button', { type: 'submit' }, 'Submit OTP');
  const otpForm = h(
    'form',
    { method: 'post', class: 'stack', onSubmit: submitOtp },
    h('label', { for: 'otp' }, "Customer's OTP"),
    otp,
    otpHelp,
    otpButton,
  );

  // ---- resend ----
  const resendButton = h('button', { type: 'button', class: 'secondary', onClick: resend }, 'Resend OTP');
  const resendHint = h('p', { class: 'help', id: 'resend-hint' });
  const resendPart = h('div', { class: 'stack resend' }, resendButton, resendHint);
  resendButton.setAttribute('aria-describedby', 'resend-hint');

  // ---- cancel ----
  const reason = h('textarea', { id: 'cancel-reason', name: 'reason', rows: '2', required: true, maxlength: '1000' });
  const cancelForm = h(
    'form',
    { method: 'post', class: 'stack', onSubmit: cancel },
    h('label', { for: 'cancel-reason' }, 'Reason for cancelling'),
    reason,
    h('button', { type: 'submit', class: 'danger' }, 'Cancel refund'),
  );

  // Hidden until the refund's state says which apply.
  const otpSection = h(
    'section',
    { 'aria-labelledby': 'otp-heading', hidden: true },
    h('h3', { id: 'otp-heading' }, 'OTP from the customer'),
    otpForm,
    resendPart,
  );
  const cancelSection = h(
    'section',
    { 'aria-labelledby': 'cancel-heading', hidden: true },
    h('h3', { id: 'cancel-heading' }, 'Cancel'),
    h('p', { class: 'help' }, 'Only before the refund reaches Eko.'),
    cancelForm,
  );
  const ended = h('p', { class: 'help', hidden: true }, 'No actions: the refund is with Eko or ended.');
  const element = h(
    'section',
    { class: 'actions', 'aria-labelledby': 'actions-heading' },
    h('h2', { id: 'actions-heading' }, 'Actions'),
    status,
    alert,
    otpSection,
    cancelSection,
    ended,
  );

  function update(next) {
    state = next;
    const awaiting = state.phase === 'AWAITING_OTP';
    otpSection.hidden = !awaiting;
    otpHelp.textContent = `${state.otpAttemptsLeft} attempt(s) left.`;
    showResend(Date.now());
    cancelSection.hidden = !contract.cancellablePhases.includes(state.phase) || state.submittedToEko;
    ended.hidden = !otpSection.hidden || !cancelSection.hidden;
  }

  function useContract(loaded) {
    contract = loaded;
    if (state) update(state);
  }

  let busy = false;
  /** Runs an action with the buttons of its form disabled, and shows the API's refusal. */
  async function act(button, call) {
    alert.textContent = '';
    button.disabled = busy = true;
    try {
      await call();
    } catch (err) {
      alert.textContent = err.message;
      return err;
    } finally {
      button.disabled = busy = false;
      showResend(Date.now());
    }
  }

  async function submitOtp(event) {
    event.preventDefault();
    fill(status, 'Sending the OTP to Eko…');
    const error = await act(otpButton, async () => {
      const body = { otp: otp.value.trim() };
      otp.value = '';
      const answer = await api('POST', `/v1/refunds/${tid}/otp`, body);
      fill(status, otpAnswerText(answer));
    });
    if (error) {
      fill(status);
      if (error.fieldMessage?.('otp'))
        alert.textContent = `The OTP is ${error.fieldMessage('otp').replace(/^otp /, '')}.`;
      otp.focus();
    }
  }

  async function resend() {
    fill(status, 'Asking Eko for a new OTP…');
    // Taken before: the live state may bring the resend's new time before its answer comes.
    const allowedBefore = state?.resendAllowedAt;
    const error = await act(resendButton, async () => {
      const answer = await api('POST', `/v1/refunds/${tid}/resend-otp`);
      fill(status, `Eko is texting the customer a new OTP (resent ${answer.resendCount} time(s)).`);
      // The live state brings the next resendAllowedAt; until then the count is the answer's.
      resent = { allowedAt: allowedBefore, until: Date.now() + RESENT_WAIT_MS };
      if (state) update({ ...state, resendCount: Math.max(state.resendCount, answer.resendCount) });
    });
    if (error) {
      fill(status);
      if (error.status === 429 && error.problem.retryAfterSeconds) {
        tooSoonUntil = Date.now() + error.problem.retryAfterSeconds * 1000;
        showResend(Date.now());
      }
    }
  }

  /** When Eko may be asked again (counted down on the page) and how many resends are left. */
  function showResend(now) {
    if (!state || state.phase !== 'AWAITING_OTP') return;
    const { left, max, known } = resendsLeft(state);
    const allowance = known ? `${left} of ${max} left` : `${left} left (of the default ${max})`;
    const allowedAt = Math.max(state.resendAllowedAt ? Date.parse(state.resendAllowedAt) : 0, tooSoonUntil);
    if (resent && (resent.allowedAt !== state.resendAllowedAt || now > resent.until)) resent = null;
    let when;
    if (resent) when = `Eko is sending the new OTP. Resends: ${allowance}.`;
    else if (left <= 0) when = `No resends left: the OTP was resent ${state.resendCount} time(s).`;
    else if (allowedAt > now)
      when = `A new OTP can be requested ${countdownText(new Date(allowedAt).toISOString(), now)}, at ${formatTime(new Date(allowedAt).toISOString())}. Resends: ${allowance}.`;
    else when = `A new OTP can be requested now. Resends: ${allowance}.`;
    resendButton.disabled = left <= 0 || allowedAt > now || busy || resent !== null;
    if (resendHint.textContent !== when) resendHint.textContent = when;
  }
  const stopTicking = everySecond(showResend);

  async function cancel(event) {
    event.preventDefault();
    fill(status, 'Cancelling…');
    const button = cancelForm.querySelector('button');
    const error = await act(button, async () => {
      const answer = await api('POST', `/v1/refunds/${tid}/cancel`, { reason: reason.value.trim() });
      reason.value = '';
      fill(
        status,
        answer.phase === 'CANCELLED'
          ? 'The refund was cancelled.'
          : answer.phase === 'PENDING'
            ? 'Not cancelled: Eko shows a refund under way, so it is tracked to its outcome.'
            : `The refund ended as ${answer.phase} before the cancel took effect.`,
      );
    });
    if (error) fill(status);
  }

  return { element, update, useContract, leave: stopTicking };
}

/** Eko's answer to an OTP, for support staff. */
function otpAnswerText({ phase, message, otpAttemptsLeft }) {
  switch (phase) {
    case 'AWAITING_OTP':
      return `Eko refused the OTP: “${message}”. ${otpAttemptsLeft} attempt(s) left: ask the customer for the OTP again.`;
    case 'SENDING_OTP':
      return `That OTP had expired: Eko is texting the customer a new one.`;
    case 'REFUNDED':
      return `Refunded: “${message}”.`;
    case 'PENDING':
      return `Eko accepted the refund and is confirming it (PENDING): “${message}”.`;
    case 'OTP_EXPIRED':
      return `No more attempts: the refund ended OTP_EXPIRED (“${message}”).`;
    default:
      return `${phase}: “${message}”.`;
  }
}

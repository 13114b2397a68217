// Sign in with an API key, once: the API answers with an HttpOnly session cookie. The key is
// not kept anywhere in the page after that.
import { api } from '../api.js';
import { h, title } from '../dom.js';

/** `notice`: why the desk is here again ("Your session ended"). */
export function signInView(signedIn, notice) {
  const key = h('input', {
    id: 'api-key',
    name: 'key',
    type: 'password',
    autocomplete: 'off',
    required: true,
    'aria-describedby': 'api-key-help',
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { method: 'post', class: 'stack narrow', onSubmit: submit },
    h('label', { for: 'api-key' }, 'API key'),
    key,
    h(
      'p',
      { id: 'api-key-help', class: 'help' },
      'Your key decides what you can do: viewers read, support staff also submit OTPs and cancel.',
    ),
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );

  async function submit(event) {
    event.preventDefault();
    error.textContent = '';
    try {
      const session = await api('POST', '/v1/session', { key: key.value });
      key.value = '';
      signedIn(session);
    } catch (err) {
      error.textContent = err.status === 401 ? 'That key is not known here.' : err.message;
      key.focus();
    }
  }

  return {
    element: h('section', {}, title('Sign in'), notice && h('p', { class: 'notice', role: 'status' }, notice), form),
  };
}

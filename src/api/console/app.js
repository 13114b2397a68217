// The support console: a hash-routed client app. Views render into <main>; the session lives in
// an HttpOnly cookie, and nothing is kept in localStorage, sessionStorage or the URL but filters.
import { api, loadContract, useSession } from './api.js';
import { fill, h, title } from './dom.js';
import { currentSession, may, noteActivity, setSession } from './session.js';
import { countdown, everySecond, formatTime, startClock, timeZone, useTimeZone } from './time.js';
import { batchView } from './views/batch.js';
import { queueView } from './views/queue.js';
import { refundView } from './views/refund.js';
import { refundsView } from './views/refunds.js';
import { signInView } from './views/sign-in.js';
import { startView } from './views/start.js';
import { summaryView } from './views/summary.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const search = document.getElementById('search');
const user = document.getElementById('user');
const warning = document.getElementById('session-warning');
const zoneNote = document.getElementById('zone-note');
let leaveView = () => {};
let signInNotice = null;

/** A session this close to its end is warned of. */
const WARN_BEFORE_MS = 10 * 60_000;
const HOME = '#/queue';

const query = (match) => new URLSearchParams(match[1]?.slice(1) ?? '');
const ROUTES = [
  [/^#\/refunds\/(\d{1,20})$/, (match) => refundView(match[1])],
  [/^#\/start(\?.*)?$/, (match) => (may('start') ? startView(query(match)) : null)],
  [/^#\/batch$/, () => (may('start') ? batchView() : null)],
  [/^#\/summary$/, () => summaryView()],
  [/^#\/queue$/, () => queueView()],
  [/^#\/refunds(\?.*)?$/, (match) => refundsView(query(match))],
];

function route() {
  leaveView();
  leaveView = () => {};
  if (!currentSession()) {
    show(signInView(signedIn, signInNotice));
    return;
  }
  const hash = location.hash || HOME;
  for (const [pattern, view] of ROUTES) {
    const match = pattern.exec(hash);
    const shown = match && view(match);
    if (shown) {
      show(shown);
      return;
    }
  }
  show({
    element: h('section', {}, title('Not found'), h('p', {}, h('a', { href: HOME }, 'Back to the work queue'))),
  });
}

/** A view is { element, leave? }; its h1 takes focus. */
function show(view) {
  fill(main, view.element);
  leaveView = view.leave ?? (() => {});
  document.getElementById('view-title')?.focus();
  document.title = `${document.getElementById('view-title')?.textContent ?? 'Console'} · Eko refunds`;
  markCurrentLink();
}

function signedIn(session) {
  signInNotice = null;
  setSession(session);
  useSession(session, () => signedOut('Your session ended: sign in again to go on.'));
  renderChrome();
  route();
}

function signedOut(notice = null) {
  signInNotice = notice;
  setSession(null);
  useSession(null);
  renderChrome();
  route();
}

function renderChrome() {
  const session = currentSession();
  nav.hidden = search.hidden = user.hidden = !session;
  warning.hidden = true;
  if (!session) return;
  fill(
    nav,
    h(
      'ul',
      {},
      h('li', {}, h('a', { href: '#/queue' }, 'Work queue')),
      h('li', {}, h('a', { href: '#/refunds' }, 'Refunds')),
      may('start') && h('li', {}, h('a', { href: '#/start' }, 'Start a refund')),
      may('start') && h('li', {}, h('a', { href: '#/batch' }, 'Start many')),
      h('li', {}, h('a', { href: '#/summary' }, 'Summary')),
    ),
  );
  fill(search, tidSearch());
  fill(
    user,
    h('span', {}, 'Signed in as ', h('strong', {}, session.name), ` (${session.role})`),
    h('button', { type: 'button', class: 'link', onClick: () => void signOut() }, 'Sign out'),
  );
}

/** A tid typed here opens its refund at once, from any page. */
function tidSearch() {
  const input = h('input', {
    id: 'tid-search',
    name: 'tid',
    type: 'search',
    inputmode: 'numeric',
    pattern: '\\d{1,20}',
    maxlength: '20',
    required: true,
    autocomplete: 'off',
    title: 'A tid: 1 to 20 digits',
  });
  return h(
    'form',
    {
      role: 'search',
      'aria-label': 'Open a refund',
      onSubmit: (event) => {
        event.preventDefault();
        const tid = input.value.trim();
        input.value = '';
        location.hash = `#/refunds/${tid}`;
      },
    },
    h('label', { for: 'tid-search' }, 'Open tid'),
    input,
    h('button', { type: 'submit', class: 'secondary' }, 'Open'),
  );
}

function markCurrentLink() {
  const hash = location.hash || HOME;
  for (const link of nav.querySelectorAll('a')) {
    const href = link.getAttribute('href');
    if (hash === href || hash.startsWith(`${href}/`) || hash.startsWith(`${href}?`))
      link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function signOut(notice) {
  await api('DELETE', '/v1/session').catch(() => undefined);
  signedOut(notice);
}

/**
 * The session ends at its expiresAt (the API's clock; the browser's is taken as close enough):
 * a warning shows WARN_BEFORE_MS before, and at the end the console returns to the sign-in form.
 */
function watchExpiry(now) {
  const session = currentSession();
  if (!session?.expiresAt) return;
  const left = Date.parse(session.expiresAt) - now;
  if (left <= 0) {
    signedOut('Your session ended: sign in again to go on.');
    return;
  }
  if (left > WARN_BEFORE_MS) {
    warning.hidden = true;
    return;
  }
  if (!warning.hidden) return;
  fill(
    warning,
    h(
      'p',
      { role: 'alert' },
      `Your session ends at ${formatTime(session.expiresAt)}. Sign in again before then: what you are typing ` +
        'is lost when it ends.',
    ),
    h('p', { 'aria-hidden': 'true' }, 'Time left: ', countdown(session.expiresAt)),
    h(
      'button',
      {
        type: 'button',
        onClick: () => void signOut('Signed out: sign in again for a new session.'),
      },
      'Sign in again now',
    ),
  );
  warning.hidden = false;
}

async function boot() {
  window.addEventListener('hashchange', route);
  for (const type of ['keydown', 'pointerdown']) document.addEventListener(type, noteActivity, { capture: true });
  // The refunds' time zone, when the server names it; Asia/Kolkata otherwise.
  await loadContract()
    .then((contract) => useTimeZone(contract.timeZone))
    .catch(() => undefined);
  zoneNote.textContent = `Times and days in ${timeZone()}.`;
  startClock();
  everySecond(watchExpiry);
  try {
    signedIn(await api('GET', '/v1/session'));
  } catch {
    signedOut();
  }
}

void boot();

// The support console: a hash-routed client app. Views render into <main>; the session lives in
// an HttpOnly cookie, and nothing is kept in localStorage, sessionStorage or the URL but filters.
import { api, useSession } from './api.js';
import { fill, h, title } from './dom.js';
import { currentSession, may, setSession } from './session.js';
import { refundView } from './views/refund.js';
import { refundsView } from './views/refunds.js';
import { signInView } from './views/sign-in.js';
import { startView } from './views/start.js';
import { summaryView } from './views/summary.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const user = document.getElementById('user');
let leaveView = () => {};

const ROUTES = [
  [/^#\/refunds\/(\d{1,20})$/, (match) => refundView(match[1])],
  [/^#\/start$/, () => startView()],
  [/^#\/summary$/, () => summaryView()],
  [/^#\/refunds(\?.*)?$/, (match) => refundsView(new URLSearchParams(match[1]?.slice(1) ?? ''))],
];

function route() {
  leaveView();
  leaveView = () => {};
  if (!currentSession()) {
    show(signInView(signedIn));
    return;
  }
  const hash = location.hash || '#/refunds';
  for (const [pattern, view] of ROUTES) {
    const match = pattern.exec(hash);
    if (match) {
      show(view(match));
      return;
    }
  }
  show({
    element: h('section', {}, title('Not found'), h('p', {}, h('a', { href: '#/refunds' }, 'Back to the refunds'))),
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
  setSession(session);
  useSession(session, signedOut);
  renderChrome();
  route();
}

function signedOut() {
  setSession(null);
  useSession(null);
  renderChrome();
  route();
}

function renderChrome() {
  const session = currentSession();
  nav.hidden = user.hidden = !session;
  if (!session) return;
  fill(
    nav,
    h(
      'ul',
      {},
      h('li', {}, h('a', { href: '#/refunds' }, 'Refunds')),
      may('start') && h('li', {}, h('a', { href: '#/start' }, 'Start a refund')),
      h('li', {}, h('a', { href: '#/summary' }, 'Summary')),
    ),
  );
  fill(
    user,
    h('span', {}, 'Signed in as ', h('strong', {}, session.name), ` (${session.role})`),
    h('button', { type: 'button', class: 'link', onClick: signOut }, 'Sign out'),
  );
}

function markCurrentLink() {
  for (const link of nav.querySelectorAll('a')) {
    const current = (location.hash || '#/refunds').startsWith(link.getAttribute('href'));
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function signOut() {
  await api('DELETE', '/v1/session').catch(() => undefined);
  signedOut();
}

async function boot() {
  window.addEventListener('hashchange', route);
  try {
    signedIn(await api('GET', '/v1/session'));
  } catch {
    signedOut();
  }
}

void boot();

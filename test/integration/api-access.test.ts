// Who may call what: API keys and roles on every /v1 endpoint (401, 403), the console's session
// cookie and its CSRF token, and an audit line for refused state changes too.
import { RefundPhase } from '../../src/contract';
import type { Role } from '../../src/api/keys';
import { REQUEST_TIMEOUT_MS } from '../../src/api/server';
import { type ApiStack, auditEntries, callApi, startApiServer, startApiStack, TEST_KEYS } from '../helpers/api-stack';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

let stack: ApiStack;
let tid: string;
beforeAll(async () => {
  stack = await startApiStack();
  tid = newTid();
  stack.sim.seed({ tid });
  await stack.refunds.start({ tid, ...FAST });
  await waitFor(
    'AWAITING_OTP',
    () => stack.refunds.getState(tid),
    (state) => state.phase === RefundPhase.AWAITING_OTP,
  );
}, 60_000);
afterAll(() => stack?.stop());

interface Endpoint {
  method: string;
  path: () => string;
  body?: () => unknown;
  /** The roles that may call it. */
  roles: Role[];
}

// State-changing calls use a tid with no refund: a permitted role gets past authorisation to a 404.
const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: () => '/v1/refunds', roles: ['viewer', 'service', 'support'] },
  { method: 'GET', path: () => `/v1/refunds/${tid}`, roles: ['viewer', 'service', 'support'] },
  // An unknown tid: a permitted role gets a 404 instead of a stream that lasts until the refund ends.
  { method: 'GET', path: () => `/v1/refunds/${newTid()}/events`, roles: ['viewer', 'service', 'support'] },
  { method: 'GET', path: () => '/v1/summary?days=1', roles: ['viewer', 'service', 'support'] },
  { method: 'GET', path: () => '/v1/session', roles: ['viewer', 'service', 'support'] },
  { method: 'GET', path: () => `/v1/refunds/export.csv?tid=${newTid()}`, roles: ['viewer', 'service', 'support'] },
  { method: 'GET', path: () => `/v1/refunds/${tid}/notifications`, roles: ['viewer', 'service', 'support'] },
  { method: 'POST', path: () => '/v1/refunds', body: () => ({ tid: '1' }), roles: ['service', 'support'] },
  { method: 'POST', path: () => '/v1/refund-batches', body: () => ({ tids: ['x'] }), roles: ['service', 'support'] },
  { method: 'POST', path: () => '/v1/notifications/no-such-event~x/redeliver', roles: ['support'] },
  { method: 'POST', path: () => `/v1/refunds/${newTid()}/otp`, body: () => ({ otp: '123456' }), roles: ['support'] },
  { method: 'POST', path: () => `/v1/refunds/${newTid()}/resend-otp`, roles: ['support'] },
  {
    method: 'POST',
    path: () => `/v1/refunds/${newTid()}/cancel`,
    body: () => ({ reason: 'test' }),
    roles: ['support'],
  },
];
const describeEndpoint = (e: Endpoint) => `${e.method} ${e.path().replace(/undefined|\d{6,}/, '{tid}')}`;

describe.each(ENDPOINTS)('$method endpoint', (endpoint) => {
  test(`${describeEndpoint(endpoint)}: 401 without a key, with an unknown key, or with another scheme`, async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer not-a-key-of-this-api-0123456789' },
      { authorization: `Basic ${TEST_KEYS.support.key}` },
    ]) {
      const response = await fetch(`${stack.url}${endpoint.path()}`, {
        method: endpoint.method,
        headers: { ...headers, ...(endpoint.body ? { 'content-type': 'application/json' } : {}) },
        body: endpoint.body ? JSON.stringify(endpoint.body()) : undefined,
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="eko-refund"');
      expect(await response.json()).toMatchObject({ type: '/docs#problem-unauthenticated', status: 401 });
    }
  });

  test(`${describeEndpoint(endpoint)}: 403 for the roles without the right, allowed for ${endpoint.roles.join(', ')}`, async () => {
    for (const role of ['viewer', 'service', 'support'] as Role[]) {
      const answer = await stack.call(role, endpoint.method, endpoint.path(), endpoint.body?.());
      if (endpoint.roles.includes(role)) {
        expect([200, 201, 404]).toContain(answer.status);
      } else {
        expect(answer.status).toBe(403);
        expect(answer.body).toMatchObject({
          type: '/docs#problem-forbidden',
          detail: expect.stringContaining(`the ${role} role may not`),
        });
      }
    }
  });
});

test('a refused state change is audited with who tried', async () => {
  const answer = await stack.call('viewer', 'POST', `/v1/refunds/${tid}/cancel`, { reason: 'not mine to cancel' });
  expect(answer.status).toBe(403);
  expect(auditEntries(stack.logs).filter((audit) => audit.action === 'cancel' && audit.tid === tid)).toEqual([
    { action: 'cancel', keyName: 'test-viewer', role: 'viewer', tid, status: 403, result: '403 forbidden' },
  ]);
  expect((await stack.refunds.getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
});

test('no key is ever logged', async () => {
  await stack.call(null, 'GET', '/v1/refunds');
  await callApi(stack.url, 'wrong-key-but-long-enough-0123456789', 'GET', '/v1/refunds');
  const logs = stack.logs.join('\n');
  expect(logs).not.toContain('wrong-key-but-long-enough');
  for (const { key } of Object.values(TEST_KEYS)) expect(logs).not.toContain(key);
});

describe('the console session', () => {
  async function signIn(key: string): Promise<{ cookie: string; csrfToken: string; setCookie: string }> {
    const response = await fetch(`${stack.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    return {
      cookie: setCookie.split(';')[0],
      csrfToken: ((await response.json()) as { csrfToken: string }).csrfToken,
      setCookie,
    };
  }
  const withCookie = (
    cookie: string,
    method: string,
    path: string,
    extra: Record<string, string> = {},
    body?: unknown,
  ) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: { cookie, ...extra, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  test('signing in with a key sets an HttpOnly, SameSite=Strict cookie that reads as the key', async () => {
    const { cookie, csrfToken, setCookie } = await signIn(TEST_KEYS.support.key);
    expect(setCookie).toMatch(/^refund_session=[^;]+; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict/);
    expect(setCookie).not.toContain(TEST_KEYS.support.key);
    const session = await withCookie(cookie, 'GET', '/v1/session');
    expect(await session.json()).toMatchObject({
      name: 'test-support',
      role: 'support',
      permissions: ['read', 'start', 'operate'],
      csrfToken,
    });
    expect((await withCookie(cookie, 'GET', `/v1/refunds/${tid}`)).status).toBe(200);
    expect(auditEntries(stack.logs)).toContainEqual({
      action: 'signIn',
      keyName: 'test-support',
      role: 'support',
      tid: null,
      status: 200,
      result: 'signed in',
    });
  });

  test('a state change with the cookie needs the CSRF token', async () => {
    const { cookie, csrfToken } = await signIn(TEST_KEYS.support.key);
    const started = newTid();
    stack.sim.seed({ tid: started });
    const without = await withCookie(cookie, 'POST', '/v1/refunds', {}, { tid: started });
    expect(without.status).toBe(403);
    expect(await without.json()).toMatchObject({ detail: expect.stringContaining('CSRF') });
    const wrong = await withCookie(cookie, 'POST', '/v1/refunds', { 'x-csrf-token': 'forged' }, { tid: started });
    expect(wrong.status).toBe(403);
    const right = await withCookie(
      cookie,
      'POST',
      '/v1/refunds',
      { 'x-csrf-token': csrfToken },
      { tid: started, ...FAST },
    );
    expect(right.status).toBe(201);
    // Refused before the body is read, the first two name no tid.
    const starts = auditEntries(stack.logs).filter(
      (audit) => audit.action === 'start' && audit.keyName === 'test-support',
    );
    expect(starts.slice(-3).map(({ status, tid }) => [status, tid])).toEqual([
      [403, null],
      [403, null],
      [201, started],
    ]);
  });

  test('an unknown key does not sign in; a tampered cookie is no session; signing out clears it', async () => {
    const unknown = await fetch(`${stack.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'not-a-key-of-this-api-0123456789' }),
    });
    expect(unknown.status).toBe(401);
    const { cookie, csrfToken } = await signIn(TEST_KEYS.viewer.key);
    const [name, value] = cookie.split('=');
    const [payload, signature] = value.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), n: 'test-support' }),
    ).toString('base64url');
    expect((await withCookie(`${name}=${forgedPayload}.${signature}`, 'GET', '/v1/session')).status).toBe(401);

    const signOut = await withCookie(cookie, 'DELETE', '/v1/session', { 'x-csrf-token': csrfToken });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.get('set-cookie')).toMatch(
      /^refund_session=; Max-Age=0|^refund_session=;.*Expires=Thu, 01 Jan 1970/,
    );
  });

  test('a viewer session may read but not act', async () => {
    const { cookie, csrfToken } = await signIn(TEST_KEYS.viewer.key);
    expect((await withCookie(cookie, 'GET', '/v1/refunds')).status).toBe(200);
    const otp = await withCookie(
      cookie,
      'POST',
      `/v1/refunds/${tid}/otp`,
      { 'x-csrf-token': csrfToken },
      { otp: '123456' },
    );
    expect(otp.status).toBe(403);
  });
});

describe('hardening', () => {
  test('HSTS behind TLS (Secure cookies) only; the HTTP server has a request timeout', async () => {
    const tls = await startApiServer(stack.refunds, { secureCookies: true });
    try {
      const answer = await fetch(`${tls.url}/healthz`);
      expect(answer.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await tls.close();
    }
    expect((await fetch(`${stack.url}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    expect(stack.api.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
  });
});

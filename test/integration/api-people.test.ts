// People, not desks: an identity from a trusted authenticating proxy, over real HTTP on the real
// stack. From the proxy's address the header names the person and REFUND_PEOPLE their role; the
// audit line and the workflow's actor name them; the header from anywhere else is refused.
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { type ApiServer, type ApiStack, auditEntries, startApiServer, startApiStack } from '../helpers/api-stack';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

const PEOPLE = [
  { who: 'alice@bank.example', role: 'support' as const },
  { who: '@audit.example', role: 'viewer' as const },
];

let stack: ApiStack;
/** The API behind a proxy on 127.0.0.1, as the tests call it. */
let proxied: ApiServer;

beforeAll(async () => {
  stack = await startApiStack({
    people: { trustedProxies: ['10.9.9.9'], header: 'X-Forwarded-Email', roles: PEOPLE },
  });
  proxied = await startApiServer(stack.refunds, {
    people: { trustedProxies: ['127.0.0.1', '::1'], header: 'X-Forwarded-Email', roles: PEOPLE },
  });
}, 60_000);
afterAll(async () => {
  await proxied?.close();
  await stack?.stop();
});

async function asPerson(api: ApiServer, email: string, method: string, path: string, body?: unknown, csrf?: string) {
  const headers: Record<string, string> = { 'x-forwarded-email': email };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

test('from the proxy, the header names the person with the role REFUND_PEOPLE gives; audit and actor name them', async () => {
  const session = await asPerson(proxied, 'Alice@Bank.example', 'GET', '/v1/session');
  expect(session.body).toMatchObject({ name: 'alice@bank.example', role: 'support', csrfToken: expect.any(String) });
  const csrf = session.body.csrfToken;

  const tid = newTid();
  stack.sim.seed({ tid });
  // A state change without the console's CSRF token is refused: the proxy's cookie rides along with any request.
  expect((await asPerson(proxied, 'alice@bank.example', 'POST', '/v1/refunds', { tid, ...FAST })).status).toBe(403);
  expect((await asPerson(proxied, 'alice@bank.example', 'POST', '/v1/refunds', { tid, ...FAST }, csrf)).status).toBe(
    201,
  );
  await waitFor(
    'AWAITING_OTP',
    () => stack.refunds.getState(tid),
    (state) => state.phase === RefundPhase.AWAITING_OTP,
  );
  const otp = stack.sim.lastOtp(tid)!;
  const answer = await asPerson(proxied, 'alice@bank.example', 'POST', `/v1/refunds/${tid}/otp`, { otp }, csrf);
  expect(answer.body.phase).toBe(RefundOutcome.REFUNDED);

  const description = await stack.server.env.client.workflow.getHandle(`refund-${tid}`).describe();
  expect(await description.memo).toMatchObject({ requestedBy: 'alice@bank.example' });
  const result = await stack.refunds.result(tid);
  expect(result.state.transitions.some((t) => t.by === 'alice@bank.example')).toBe(true);
  // Refused before its body was read, the first start's line names who tried, not the tid.
  expect(auditEntries(proxied.logs).filter((line) => line.status === 403)).toEqual([
    expect.objectContaining({ action: 'start', keyName: 'alice@bank.example', role: 'support', tid: null }),
  ]);
  expect(auditEntries(proxied.logs).filter((line) => line.tid === tid)).toEqual([
    expect.objectContaining({ action: 'start', keyName: 'alice@bank.example', role: 'support', status: 201 }),
    expect.objectContaining({ action: 'submitOtp', keyName: 'alice@bank.example', status: 200 }),
  ]);
});

test('a domain gives its people a role; someone REFUND_PEOPLE does not name gets a 403', async () => {
  expect((await asPerson(proxied, 'bob@audit.example', 'GET', '/v1/session')).body).toMatchObject({
    name: 'bob@audit.example',
    role: 'viewer',
  });
  const tid = newTid();
  const viewer = await asPerson(proxied, 'bob@audit.example', 'GET', '/v1/session');
  const refused = await asPerson(proxied, 'bob@audit.example', 'POST', '/v1/refunds', { tid }, viewer.body.csrfToken);
  expect(refused.status).toBe(403);
  const stranger = await asPerson(proxied, 'mallory@elsewhere.example', 'GET', '/v1/refunds');
  expect(stranger.status).toBe(403);
  expect(stranger.body.detail).toBe('REFUND_PEOPLE gives this person no role');
});

test('the identity header from an address other than the proxy is refused, even with a key', async () => {
  const refused = await asPerson(stack, 'alice@bank.example', 'GET', '/v1/refunds');
  expect(refused.status).toBe(403);
  expect(refused.body.detail).toContain('trusted proxy');
  // Without the header, keys work as always.
  expect((await stack.call('viewer', 'GET', '/v1/refunds')).status).toBe(200);
});

import { loadApiConfig } from '../../src/api/config';
import { ApiKeyring, DEV_API_KEYS, parseApiKeys } from '../../src/api/keys';
import { SESSION_IDLE_MS, SessionSigner } from '../../src/api/session';
import { parsePeople } from '../../src/api/people';

const SUPPORT_KEY = 'support-key-0123456789abcdef';
const KEYS = `desk:support:${SUPPORT_KEY},dash:viewer:viewer-key-0123456789abcdef`;

describe('REFUND_API_KEYS', () => {
  test('parses name:role:key entries', () => {
    expect(parseApiKeys(KEYS)).toEqual({
      keys: [
        { name: 'desk', role: 'support', key: SUPPORT_KEY },
        { name: 'dash', role: 'viewer', key: 'viewer-key-0123456789abcdef' },
      ],
      problems: [],
    });
  });

  test('names each bad entry by position, never by what it holds', () => {
    const { problems } = parseApiKeys('a:admin:x-key-0123456789abcdefgh,b:viewer:short,c:viewer:short-but-secret-12');
    expect(problems).toEqual([
      'entry 1: role must be one of viewer, service, support',
      'entry 2: key must be at least 24 characters',
      'entry 3: key must be at least 24 characters',
    ]);
    expect(problems.join()).not.toContain('short-but-secret');
  });

  test('refuses duplicate names and keys', () => {
    expect(parseApiKeys(`a:viewer:${SUPPORT_KEY},a:support:${SUPPORT_KEY}`).problems).toEqual([
      'key names must be unique',
      'keys must be unique',
    ]);
  });

  test('the API needs keys; production refuses the public development keys', () => {
    expect(() => loadApiConfig({})).toThrow(/REFUND_API_KEYS: required/);
    expect(loadApiConfig({ REFUND_API_KEYS: DEV_API_KEYS })).toMatchObject({ port: 8090, host: '127.0.0.1' });
    expect(() => loadApiConfig({ NODE_ENV: 'production', REFUND_API_KEYS: DEV_API_KEYS })).toThrow(
      /REFUND_API_KEYS: the development keys of npm run dev are public/,
    );
    expect(loadApiConfig({ NODE_ENV: 'production', REFUND_API_KEYS: KEYS })).toMatchObject({
      host: '0.0.0.0',
      secureCookies: true,
    });
  });
});

describe('EKO_CALLBACK_*', () => {
  const TOKEN = 'a-callback-token-of-32-characters-x';

  test('no token, no callback endpoint; a token turns it on with its source list and OTP choice', () => {
    expect(loadApiConfig({ REFUND_API_KEYS: KEYS }).ekoCallback).toBeUndefined();
    expect(
      loadApiConfig({
        REFUND_API_KEYS: KEYS,
        EKO_CALLBACK_TOKEN: TOKEN,
        EKO_CALLBACK_ALLOW: '203.0.113.0/24, 2001:db8::/32,198.51.100.7',
        EKO_CALLBACK_REQUEST_OTP: 'true',
      }).ekoCallback,
    ).toEqual({ token: TOKEN, allow: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'], requestOtp: true });
  });

  test('a short or URL-unsafe token and a malformed CIDR are refused, naming the variable', () => {
    expect(() => loadApiConfig({ REFUND_API_KEYS: KEYS, EKO_CALLBACK_TOKEN: 'short' })).toThrow(
      /EKO_CALLBACK_TOKEN: at least 32 characters/,
    );
    expect(() => loadApiConfig({ REFUND_API_KEYS: KEYS, EKO_CALLBACK_TOKEN: `${TOKEN}/../x` })).toThrow(
      /EKO_CALLBACK_TOKEN/,
    );
    expect(() =>
      loadApiConfig({ REFUND_API_KEYS: KEYS, EKO_CALLBACK_TOKEN: TOKEN, EKO_CALLBACK_ALLOW: '10.0.0.0/33,bad' }),
    ).toThrow(/EKO_CALLBACK_ALLOW: not a CIDR: 10.0.0.0\/33[^]*not a CIDR: bad/);
  });
});

describe('ApiKeyring', () => {
  const keyring = new ApiKeyring(parseApiKeys(KEYS).keys);

  test('finds the principal of a key, and nothing for another string', () => {
    expect(keyring.authenticate(SUPPORT_KEY)).toEqual({ name: 'desk', role: 'support' });
    expect(keyring.authenticate(`${SUPPORT_KEY}x`)).toBeUndefined();
    expect(keyring.authenticate('')).toBeUndefined();
  });
});

describe('SessionSigner', () => {
  const signer = new SessionSigner(Buffer.from('key material'));

  test('verifies its own cookie until it expires, renewed by requests while it is in use', () => {
    let { session, cookie } = signer.issue('desk', 1_000);
    expect(signer.verify(cookie, 2_000)).toEqual(session);
    // A request renews it at most once a minute; each renewal starts the idle time again.
    expect(signer.renew(session, 30_000)).toBeUndefined();
    for (let now = 1_000 + SESSION_IDLE_MS - 1; now < session.expiresAt; now += SESSION_IDLE_MS - 1) {
      ({ session, cookie } = signer.renew(signer.verify(cookie, now)!, now)!);
    }
    expect(signer.verify(cookie, session.expiresAt)).toBeUndefined();
  });

  test('a session with no request for 30 minutes is over', () => {
    const { session, cookie } = signer.issue('desk', 1_000);
    expect(signer.verify(cookie, 1_000 + SESSION_IDLE_MS - 1)).toEqual(session);
    expect(signer.verify(cookie, 1_000 + SESSION_IDLE_MS)).toBeUndefined();
  });

  test("refuses another signer's cookie and an edited one", () => {
    const { cookie } = new SessionSigner(Buffer.from('other material')).issue('desk');
    expect(signer.verify(cookie)).toBeUndefined();
    const own = signer.issue('dash').cookie;
    expect(signer.verify(own.replace(/^./, (c) => (c === 'e' ? 'f' : 'e')))).toBeUndefined();
    expect(signer.verify('not.a.cookie')).toBeUndefined();
  });

  test('the CSRF token belongs to one session', () => {
    const a = signer.issue('desk').session;
    const b = signer.issue('desk').session;
    expect(signer.checkCsrf(a, signer.csrfToken(a))).toBe(true);
    expect(signer.checkCsrf(b, signer.csrfToken(a))).toBe(false);
    expect(signer.checkCsrf(a, undefined)).toBe(false);
  });
});

describe('REFUND_PEOPLE', () => {
  test('email:role and @domain:role, lower-cased; each bad entry named', () => {
    expect(parsePeople('Alice@Bank.example:support, @audit.example:viewer')).toEqual({
      roles: [
        { who: 'alice@bank.example', role: 'support' },
        { who: '@audit.example', role: 'viewer' },
      ],
      problems: [],
    });
    expect(parsePeople('bob:support,carol@x.example:boss').problems).toEqual([
      'not email:role or @domain:role: bob:support',
      'carol@x.example: role must be one of viewer, service, support',
    ]);
  });
});

// The security headers (@fastify/helmet) on every kind of answer: the console's files, a problem,
// the live events stream (written on the raw response after hijacking), the reference page and its
// assets; HSTS only behind TLS. From the API in front of a stand-in RefundClient (no Temporal).
import type { RefundClient } from '../../src/client';
import type { ZodApp } from '../../src/api/openapi';
import { EXAMPLES } from '../../src/api/schemas';
import { buildApi } from '../../src/api/server';
import { createLogger } from '../../src/logging';

const VIEWER = { name: 'dash', role: 'viewer', key: 'viewer-key-0123456789abcdef' } as const;

/** A refund that has ended: its stream sends the state and `end`, then closes. */
const refunds = {
  client: {},
  getState: async () => EXAMPLES.refunded.value,
} as unknown as RefundClient;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
];

async function start(secureCookies: boolean): Promise<{ api: ZodApp; url: string }> {
  const api = await buildApi({ refunds, keys: [VIEWER], logger: createLogger({ level: 'silent' }), secureCookies });
  const address = await api.listen({ port: 0, host: '127.0.0.1' });
  return { api, url: address };
}

function expectHardened(headers: Headers, what: string): void {
  const csp = headers
    .get('content-security-policy')
    ?.split(';')
    .map((directive) => directive.trim())
    .filter(Boolean);
  expect([what, csp]).toEqual([what, CSP]);
  expect([what, headers.get('x-content-type-options')]).toEqual([what, 'nosniff']);
  expect([what, headers.get('referrer-policy')]).toEqual([what, 'no-referrer']);
  expect([what, headers.get('x-frame-options')]).toEqual([what, 'DENY']);
}

describe('over plain HTTP', () => {
  let api: ZodApp;
  let url: string;
  beforeAll(async () => ({ api, url } = await start(false)));
  afterAll(() => api?.close());

  test('the console, a problem and the reference page carry the strict CSP; no HSTS', async () => {
    for (const path of ['/', '/v1/summary', '/docs', '/openapi.json', '/no/such/path']) {
      const answer = await fetch(`${url}${path}`);
      await answer.arrayBuffer();
      expectHardened(answer.headers, path);
      expect([path, answer.headers.get('strict-transport-security')]).toEqual([path, null]);
    }
  });

  test('the live events stream keeps the headers it was given before hijacking', async () => {
    const answer = await fetch(`${url}/v1/refunds/${EXAMPLES.refunded.value.tid}/events`, {
      headers: { authorization: `Bearer ${VIEWER.key}` },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expectHardened(answer.headers, 'events');
    expect(await answer.text()).toContain('event: end');
  });

  test('the reference page loads only its own files, all of them served', async () => {
    const html = await (await fetch(`${url}/docs`)).text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThan(4);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\//);
      const answer = await fetch(`${url}${asset}`);
      await answer.arrayBuffer();
      expect([asset, answer.status]).toEqual([asset, 200]);
    }
    // Swagger UI's icons come as files too: img-src 'self' refuses data: URLs.
    const css = await (await fetch(`${url}/docs/static/swagger-ui.css`)).text();
    expect(css).not.toContain('data:');
    const icons = [...css.matchAll(/url\("(\/docs\/icons\/[^"]+)"\)/g)].map((match) => match[1]);
    expect(icons.length).toBeGreaterThan(0);
    for (const icon of new Set(icons)) {
      const answer = await fetch(`${url}${icon}`);
      expect([icon, answer.status, answer.headers.get('content-type')]).toEqual([
        icon,
        200,
        expect.stringMatching(/^image\//),
      ]);
      await answer.arrayBuffer();
    }
  });
});

test('behind TLS (Secure cookies), HSTS too, on the stream as well', async () => {
  const { api, url } = await start(true);
  try {
    for (const path of ['/healthz', `/v1/refunds/${EXAMPLES.refunded.value.tid}/events`]) {
      const answer = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${VIEWER.key}` } });
      await answer.arrayBuffer();
      expect([path, answer.headers.get('strict-transport-security')]).toEqual([
        path,
        'max-age=31536000; includeSubDomains',
      ]);
      expectHardened(answer.headers, path);
    }
  } finally {
    await api.close();
  }
});

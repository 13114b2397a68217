import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { createEncryptionCodec } from '../../src/codec/encryption';
import { type RunningCodecServer, startCodecServer } from '../../src/codec/server';

const TOKEN = 'test-token-7f3a';
const UI = 'http://localhost:8233';
const codec = createEncryptionCodec([{ id: 'k1', key: randomBytes(32) }]);
const b64 = (bytes: string | Uint8Array) => Buffer.from(bytes).toString('base64');
const asJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(payload.data ?? ''),
});
// A payload as the Web UI and the CLI send it: protobuf JSON, bytes in base64.
const plain = { metadata: { encoding: b64('json/plain') }, data: b64('{"otp":"482913"}') };

let server: RunningCodecServer;
beforeAll(async () => {
  server = await startCodecServer({ codec, token: TOKEN, corsOrigins: [UI] });
});
afterAll(() => server?.close());

function post(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });
}

test('encodes to binary/encrypted and decodes back to the same payload', async () => {
  const encoded = await post('/encode', { payloads: [plain] });
  expect(encoded.status).toBe(200);
  const { payloads } = (await encoded.json()) as { payloads: (typeof plain)[] };
  expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  expect(JSON.stringify(payloads)).not.toContain(plain.data);

  const decoded = await post('/decode', { payloads });
  expect(decoded.status).toBe(200);
  expect(await decoded.json()).toEqual({ payloads: [plain] });
});

test('passes plain payloads through decode', async () => {
  const decoded = await post('/decode', { payloads: [plain] });
  expect(await decoded.json()).toEqual({ payloads: [plain] });
});

test('serves the endpoints under any prefix, as the CLI templates /{namespace}/decode', async () => {
  const decoded = await post('/default/decode', { payloads: [plain] });
  expect(decoded.status).toBe(200);
});

test('answers 401 without a token', async () => {
  const response = await post('/decode', { payloads: [plain] }, {});
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
});

test('answers 401 with a wrong token', async () => {
  const response = await post('/decode', { payloads: [plain] }, { authorization: `Bearer ${TOKEN}x` });
  expect(response.status).toBe(401);
});

test('answers the Web UI preflight with CORS headers, without asking for the token', async () => {
  const response = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: {
      origin: UI,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-namespace',
    },
  });
  expect(response.status).toBe(204);
  expect(response.headers.get('access-control-allow-origin')).toBe(UI);
  expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  const allowed = response.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/);
  expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-namespace']));
});

test('sets the allowed origin on the answer itself, so the browser lets the UI read it', async () => {
  const response = await post('/decode', { payloads: [plain] }, { authorization: `Bearer ${TOKEN}`, origin: UI });
  expect(response.status).toBe(200);
  expect(response.headers.get('access-control-allow-origin')).toBe(UI);
});

test('refuses a browser page from another origin', async () => {
  const response = await post(
    '/decode',
    { payloads: [plain] },
    { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.test' },
  );
  expect(response.status).toBe(403);
  expect(response.headers.get('access-control-allow-origin')).toBeNull();
});

test('answers 400 naming the key id for a payload encrypted with an unknown key', async () => {
  const retired = createEncryptionCodec([{ id: 'retired-1', key: randomBytes(32) }]);
  const [foreign] = await retired.encode([
    { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{}') },
  ]);
  const response = await post('/decode', { payloads: [asJson(foreign)] });
  expect(response.status).toBe(400);
  expect(((await response.json()) as { message: string }).message).toContain('unknown key id "retired-1"');
});

test('answers 400 to a body that is not a Payloads message', async () => {
  expect((await post('/decode', { data: 'x' })).status).toBe(400);
});

test('answers 404 elsewhere and 405 to other methods', async () => {
  expect((await post('/metrics', {})).status).toBe(404);
  const get = await fetch(`${server.url}/decode`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(get.status).toBe(405);
});

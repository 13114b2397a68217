import { randomBytes } from 'node:crypto';
import net from 'node:net';
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

test('answers 401 without a token, offering Basic (a browser signs in) and Bearer (the CLI)', async () => {
  const response = await post('/decode', { payloads: [plain] }, {});
  expect(response.status).toBe(401);
  // One header per scheme: a browser ignores a Basic challenge listed beside another one.
  const head = await responseHead(`${server.url}/`);
  expect(head.match(/^www-authenticate: .*$/gim)).toEqual([
    'www-authenticate: Basic realm="eko refund codec server"',
    'www-authenticate: Bearer',
  ]);
});

test('takes the token as the password of HTTP Basic, as a browser signed in at / sends it', async () => {
  const basic = (user: string, password: string) => `Basic ${b64(`${user}:${password}`)}`;
  expect((await post('/decode', { payloads: [plain] }, { authorization: basic('support', TOKEN) })).status).toBe(200);
  expect((await post('/decode', { payloads: [plain] }, { authorization: basic(TOKEN, 'x') })).status).toBe(401);
  const signIn = await fetch(`${server.url}/`, { headers: { authorization: basic('', TOKEN) } });
  expect(signIn.status).toBe(200);
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

describe('listening beyond loopback', () => {
  it('refuses to start without a token', async () => {
    await expect(startCodecServer({ codec, corsOrigins: [UI] }, 0, '0.0.0.0')).rejects.toThrow(
      /^CODEC_SERVER_TOKEN: required when HOST is not a loopback address/,
    );
  });

  it('starts with a token, and asks every caller for it', async () => {
    const open = await startCodecServer({ codec, token: TOKEN, corsOrigins: [UI] }, 0, '0.0.0.0');
    try {
      const response = await fetch(`http://127.0.0.1:${new URL(open.url).port}/decode`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(401);
    } finally {
      await open.close();
    }
  });
});

describe('request bodies', () => {
  const LIMIT = 1024;
  let strict: RunningCodecServer;
  beforeAll(async () => {
    strict = await startCodecServer({
      codec,
      token: TOKEN,
      corsOrigins: [UI],
      maxBodyBytes: LIMIT,
      bodyTimeoutMs: 300,
    });
  });
  afterAll(() => strict?.close());

  it('answers 413 to a body past the limit without waiting for the rest, and closes the connection', async () => {
    const upload = startUpload(strict.url, { 'transfer-encoding': 'chunked' });
    upload.write('a'.repeat(2 * LIMIT));
    expect(await upload.status).toBe(413);
    await upload.closed;
  });

  it('answers 413 at once to a declared length past the limit, before any of the body', async () => {
    const upload = startUpload(strict.url, { 'content-length': String(10 * 1024 * 1024) });
    expect(await upload.status).toBe(413);
    await upload.closed;
  });

  it('cuts off an upload that keeps coming instead of reading it to the end', async () => {
    const upload = startUpload(strict.url, { 'transfer-encoding': 'chunked' });
    const total = 64 * 1024 * 1024;
    const chunk = 'a'.repeat(64 * 1024);
    let written = 0;
    let open = true;
    void upload.closed.then(() => (open = false));
    while (open && written < total) {
      written += chunk.length;
      if (!upload.write(chunk)) await Promise.race([upload.drained(), upload.closed]);
    }
    await upload.closed;
    expect(written).toBeLessThan(total);
  });

  it('answers 408 to a body that stops arriving, and closes the connection', async () => {
    const upload = startUpload(strict.url, { 'content-length': '100' });
    upload.write('{"payloads":');
    expect(await upload.status).toBe(408);
    await upload.closed;
  });

  it('closes the connection after refusing a request whose body is still coming', async () => {
    const upload = startUpload(strict.url, { 'content-length': '100' }, 'Bearer wrong');
    upload.write('{"payloads":');
    expect(await upload.status).toBe(401);
    await upload.closed;
  });
});

/**
 * A POST /decode over a bare TCP connection, its body written piece by piece: the test never
 * closes it, so `closed` settles only when the server cuts it off.
 */
function startUpload(url: string, headers: Record<string, string>, authorization = `Bearer ${TOKEN}`) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  // Cut off mid-upload, the socket may see EPIPE or ECONNRESET: that is the point.
  socket.on('error', () => undefined);
  const chunked = headers['transfer-encoding'] === 'chunked';
  const head = Object.entries({
    host: `${hostname}:${port}`,
    'content-type': 'application/json',
    authorization,
    ...headers,
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST /decode HTTP/1.1\r\n${head}\r\n`);
  let received = '';
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const status = new Promise<number>((resolve) => {
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      const statusLine = /^HTTP\/1\.1 (\d{3}) /.exec(received);
      if (statusLine) resolve(Number(statusLine[1]));
    });
    void closed.then(() => resolve(0));
  });
  return {
    status,
    closed,
    /** Writes body bytes (framed as one chunk when chunked); false when the socket buffer is full. */
    write: (text: string) => socket.write(chunked ? `${text.length.toString(16)}\r\n${text}\r\n` : text),
    drained: () => new Promise((resolve) => socket.once('drain', resolve)),
  };
}

/** The status line and headers of a GET, as they came over the wire. */
async function responseHead(url: string): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.write(`GET ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nconnection: close\r\n\r\n`);
  let received = '';
  for await (const chunk of socket) received += (chunk as Buffer).toString('latin1');
  return received.split('\r\n\r\n')[0];
}

import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { TOKEN_REQUIRED } from './config';
import { isLoopback } from './loopback';
import { parseJson } from '../json';

/**
 * Temporal's codec-server protocol, so the Web UI (`--ui-codec-endpoint`) and the CLI
 * (`--codec-endpoint`) show decrypted payloads and can send encrypted input: `POST .../encode`
 * and `POST .../decode` with `{ "payloads": [...] }` in protobuf JSON (bytes as base64).
 * Anyone who can call it can read every payload: beyond loopback it needs a token.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /**
   * When set, requests must carry `Authorization: Bearer <token>` (the CLI's `--codec-auth`) or
   * HTTP Basic with the token as password (a browser signed in at `/`, for the Web UI). Required
   * to listen beyond loopback.
   */
  token?: string;
  /** Web UI origins allowed to call from a browser. */
  corsOrigins: readonly string[];
  /** A larger body is cut off at once with 413. */
  maxBodyBytes?: number;
  /** A body still arriving after this long is cut off with 408. */
  bodyTimeoutMs?: number;
}

export interface RunningCodecServer {
  url: string;
  close(): Promise<void>;
}

// A history's payloads are decoded in batches; Temporal refuses single payloads over 2 MB by default.
const MAX_BODY_BYTES = 32 * 1024 * 1024;
// The Web UI sends a batch in one quick request: a body that trickles in is holding a socket open.
const BODY_TIMEOUT_MS = 10_000;
// Two headers, not one with both: Chromium ignores a Basic challenge listed beside another scheme.
const CHALLENGES = ['Basic realm="eko refund codec server"', 'Bearer'];

const payloadsSchema = z.object({
  payloads: z.array(
    // Protobuf JSON leaves out empty fields.
    z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }),
  ),
});
type PayloadJson = z.infer<typeof payloadsSchema>['payloads'][number];

export async function startCodecServer(
  options: CodecServerOptions,
  port = 0,
  host = '127.0.0.1',
): Promise<RunningCodecServer> {
  if (options.token === undefined && !isLoopback(host)) {
    throw new Error(`${TOKEN_REQUIRED}; HOST is ${host}`);
  }
  const server = createCodecServer(options);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      // The Web UI keeps connections alive; do not wait for it to let go.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function createCodecServer(options: CodecServerOptions): http.Server {
  return http.createServer((req, res) => {
    handle(req, res, options).catch(() => {
      // Never echo an internal error: it could quote a payload.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'codec server error' }));
    });
  });
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, options: CodecServerOptions) {
  const origin = req.headers.origin;
  const originAllowed = origin === undefined || options.corsOrigins.includes(origin);
  const reply = (status: number, body?: unknown, headers: http.OutgoingHttpHeaders = {}) => {
    res.writeHead(status, {
      ...(origin !== undefined && originAllowed ? corsHeaders(origin) : {}),
      vary: 'Origin',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  // Answered before its whole body came (refused, too large, too slow): stop reading it, where
  // Node would drain the rest of the upload to keep the connection.
  res.once('finish', () => {
    if (!req.complete) req.destroy();
  });

  // A browser page from another origin gets nothing, not even the work done for it.
  if (!originAllowed) return reply(403, { message: 'origin not allowed: add it to CODEC_CORS_ORIGINS' });
  // Browsers send the preflight without credentials.
  if (req.method === 'OPTIONS') return reply(204);
  // A browser asked for Basic signs in once at `/`; it then sends the same credentials with the
  // Web UI's requests (TEMPORAL_CODEC_INCLUDE_CREDENTIALS).
  if (options.token !== undefined && !authorized(req.headers.authorization, options.token)) {
    return reply(401, { message: 'missing or wrong token' }, { 'www-authenticate': CHALLENGES });
  }
  // The protocol looks only at the last path segment, so the server can sit under a prefix
  // (the CLI's `/{namespace}/decode` templating, a reverse proxy).
  const path = new URL(req.url ?? '/', 'http://codec').pathname;
  if (path === '/' && req.method === 'GET') return reply(200, { message: 'signed in: the Web UI can decode now' });
  const operation = path.endsWith('/encode') ? 'encode' : path.endsWith('/decode') ? 'decode' : undefined;
  if (operation === undefined) return reply(404, { message: 'not found: POST /encode or /decode' });
  if (req.method !== 'POST') return reply(405, { message: 'use POST' }, { allow: 'POST, OPTIONS' });

  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const body = await readBody(req, maxBytes, options.bodyTimeoutMs ?? BODY_TIMEOUT_MS);
  if (body.kind === 'aborted') return;
  if (body.kind !== 'read') {
    return body.kind === 'too_large'
      ? reply(413, { message: `body over ${maxBytes} bytes` }, { connection: 'close' })
      : reply(408, { message: 'body too slow' }, { connection: 'close' });
  }
  const parsed = payloadsSchema.safeParse(parseJson(body.text));
  if (!parsed.success)
    return reply(400, { message: 'body must be {"payloads": [{"metadata": {...}, "data": "..."}]}' });
  let payloads: Payload[];
  try {
    payloads = await options.codec[operation](parsed.data.payloads.map(fromJson));
  } catch (err) {
    // The codec's own errors (unknown key id, failed authentication) name no payload content.
    return reply(400, { message: err instanceof Error ? err.message : 'codec failed' });
  }
  return reply(200, { payloads: payloads.map(toJson) });
}

function corsHeaders(origin: string): http.OutgoingHttpHeaders {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'Authorization, Content-Type, X-Namespace',
    'access-control-max-age': '600',
  };
}

function authorized(header: string | undefined, token: string): boolean {
  // Equal-length digests, so the comparison takes the same time whatever the guess.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const presented = presentedToken(header ?? '');
  return timingSafeEqual(digest(presented ?? ''), digest(token)) && presented !== undefined;
}

/** The token of `Bearer <token>`, or the password of `Basic base64(user:token)` (any user name). */
function presentedToken(header: string): string | undefined {
  const [scheme, credentials] = header.split(' ', 2);
  if (credentials === undefined) return undefined;
  if (/^bearer$/i.test(scheme)) return credentials;
  if (!/^basic$/i.test(scheme)) return undefined;
  const userAndPassword = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = userAndPassword.indexOf(':');
  return colon < 0 ? undefined : userAndPassword.slice(colon + 1);
}

type Body = { kind: 'read'; text: string } | { kind: 'too_large' } | { kind: 'too_slow' } | { kind: 'aborted' };

/**
 * The body as text, or why it was not read: larger than `maxBytes` (declared or as it arrives),
 * or not complete within `timeoutMs`. The caller cuts the connection off in both cases.
 */
function readBody(req: http.IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Body> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve({ kind: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (body: Body) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError);
      if (body.kind !== 'read') req.pause();
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ kind: 'too_large' });
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: 'read', text: Buffer.concat(chunks).toString('utf8') });
    // The client went away: nobody is left to answer.
    const onError = () => finish({ kind: 'aborted' });
    const timer = setTimeout(() => finish({ kind: 'too_slow' }), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

function fromJson(payload: PayloadJson): Payload {
  const metadata = Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]);
  return { metadata: Object.fromEntries(metadata), data: Buffer.from(payload.data ?? '', 'base64') };
}

function toJson(payload: Payload): PayloadJson {
  const metadata = Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, base64(value)]);
  return { metadata: Object.fromEntries(metadata), data: base64(payload.data) };
}

function base64(bytes: Uint8Array | null | undefined): string {
  return Buffer.from(bytes ?? []).toString('base64');
}

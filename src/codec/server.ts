import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import fastifyCors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
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
  const app = await buildCodecServer(options);
  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    // The Web UI keeps connections alive: closing ends them (forceCloseConnections).
    close: () => app.close(),
  };
}

/** A request answered with a status and a message, the body left unread. */
class Refusal extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const BODY_SHAPE = 'body must be {"payloads": [{"metadata": {...}, "data": "..."}]}';

export async function buildCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const maxBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const app = Fastify({
    bodyLimit: maxBytes,
    forceCloseConnections: true,
    // The protocol looks only at the last path segment, so the server can sit under a prefix
    // (the CLI's `/{namespace}/decode` templating, a reverse proxy).
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return /\/(encode|decode)$/.exec(url.split('?')[0])?.[0] ?? url;
    },
  });

  // A browser page from another origin gets nothing, not even the work done for it.
  app.addHook('onRequest', async (request, reply) => {
    const { origin } = request.headers;
    if (origin !== undefined && !options.corsOrigins.includes(origin)) {
      return reply
        .code(403)
        .header('vary', 'Origin')
        .send({ message: 'origin not allowed: add it to CODEC_CORS_ORIGINS' });
    }
  });
  // The allowed origins' preflights are answered here, without credentials (browsers send none).
  await app.register(fastifyCors, {
    origin: [...options.corsOrigins],
    credentials: true,
    methods: ['POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
    maxAge: 600,
    strictPreflight: false,
  });
  // A browser asked for Basic signs in once at `/`; it then sends the same credentials with the
  // Web UI's requests (TEMPORAL_CODEC_INCLUDE_CREDENTIALS).
  app.addHook('onRequest', async (request, reply) => {
    if (options.token === undefined || request.method === 'OPTIONS') return;
    if (!authorized(request.headers.authorization, options.token)) {
      return reply.code(401).header('www-authenticate', CHALLENGES).send({ message: 'missing or wrong token' });
    }
  });
  // The Web UI sends a batch in one quick request: a body still trickling in after bodyTimeoutMs
  // is refused with 408.
  app.addHook('preParsing', async (_request, reply, payload) => {
    const body = new PassThrough();
    const timer = setTimeout(() => {
      payload.unpipe(body);
      body.destroy(new Refusal(408, 'body too slow'));
    }, bodyTimeoutMs);
    // Read, or answered already (too large, or the client went away): nothing left to time out.
    const stop = () => clearTimeout(timer);
    payload.once('end', stop).once('close', stop);
    reply.raw.once('close', stop);
    return payload.pipe(body);
  });
  // Answered before its whole body came (refused, too large, too slow): close the connection and
  // stop reading, where Node would drain the rest of the upload to keep the connection.
  app.addHook('onSend', async (request, reply) => {
    if (!request.raw.complete) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request) => {
    if (!request.raw.complete) request.raw.destroy();
  });

  // Bodies are read whatever their content type, as JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => done(null, parseJson(String(text))));

  app.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof Refusal) return reply.code(error.statusCode).send({ message: error.message });
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ message: `body over ${maxBytes} bytes` });
    }
    // The body could not be read as a whole (its length, its end): not a Payloads message.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(400).send({ message: BODY_SHAPE });
    // Never echo an internal error: it could quote a payload.
    return reply.code(500).send({ message: 'codec server error' });
  });
  app.setNotFoundHandler((request, reply) =>
    request.url === '/encode' || request.url === '/decode'
      ? reply.code(405).header('allow', 'POST, OPTIONS').send({ message: 'use POST' })
      : reply.code(404).send({ message: 'not found: POST /encode or /decode' }),
  );

  app.get('/', () => ({ message: 'signed in: the Web UI can decode now' }));
  for (const operation of ['encode', 'decode'] as const) {
    app.post(`/${operation}`, async (request, reply) => {
      const parsed = payloadsSchema.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send({ message: BODY_SHAPE });
      let payloads: Payload[];
      try {
        payloads = await options.codec[operation](parsed.data.payloads.map(fromJson));
      } catch (err) {
        // The codec's own errors (unknown key id, failed authentication) name no payload content.
        return reply.code(400).send({ message: err instanceof Error ? err.message : 'codec failed' });
      }
      return { payloads: payloads.map(toJson) };
    });
  }
  await app.ready();
  return app;
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

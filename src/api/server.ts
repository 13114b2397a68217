/**
 * The refund HTTP API and support console (docs/contract/refund-api.md) in one fastify app, in
 * front of RefundClient. It holds no refund state: every answer comes from the workflow or
 * Temporal visibility.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type pino from 'pino';
import type { RefundClient } from '../client';
import { auditLogger } from './audit';
import { authenticator } from './auth';
import { consoleRoutes } from './console';
import { ApiKeyring, type ApiKey } from './keys';
import { registerOpenApi, type ZodApp } from './openapi';
import { Problem, sendProblem, toProblem } from './problems';
import type { EkoCallbackConfig } from './config';
import { ekoCallbackRoutes } from './routes/eko-callback';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { notificationRoutes } from './routes/notifications';
import { refundRoutes } from './routes/refunds';
import { sessionRoutes } from './routes/session';
import { People, type PeopleConfig } from './people';
import { batchRoutes } from './routes/batches';
import { summaryRoutes } from './routes/summary';
import { PlainRequestLog } from './request-log';
import { SessionSigner } from './session';

export interface ApiOptions {
  refunds: RefundClient;
  keys: readonly ApiKey[];
  logger: pino.Logger;
  /** OTP submissions per key per minute; default 10. */
  otpLimitPerMinute?: number;
  /** `Secure` session cookies (behind TLS); default false. */
  secureCookies?: boolean;
  /** How often a live-state stream polls the workflow; default 1 s. */
  eventsPollMs?: number;
  /** Eko's transaction status callback starts refunds; no endpoint when absent. */
  ekoCallback?: EkoCallbackConfig;
  /** People named by a trusted authenticating proxy. */
  people?: PeopleConfig;
  /** Shown in the OpenAPI document. */
  version?: string;
}

/** How long a client may take to send a whole request. */
export const REQUEST_TIMEOUT_MS = 10_000;

// The console loads only its own files; nothing may frame it.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function buildApi(options: ApiOptions): Promise<ZodApp> {
  const keyring = new ApiKeyring(options.keys);
  const sessions = new SessionSigner(keyring.fingerprint());
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // A client that takes longer than this to send its request is cut off (slow-request abuse);
    // answers and live streams are not limited by it.
    requestTimeout: REQUEST_TIMEOUT_MS,
    logController: new PlainRequestLog(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error);
    if (problem) return sendProblem(request, reply, problem);
    request.log.error({ err: error, method: request.method, path: request.routeOptions.url }, 'request failed');
    return sendProblem(request, reply, new Problem('internal', 'the request failed; the log has the details'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new Problem('not-found', `no such path: ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  // Before the authentication hook, which reads the session cookie.
  await app.register(fastifyCookie);
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(SECURITY_HEADERS);
    // Behind TLS (production's Secure cookies): browsers keep to HTTPS for a year.
    if (options.secureCookies) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
  });
  const people = options.people && new People(options.people);
  app.addHook('onRequest', authenticator({ keyring, sessions, people, secureCookies: options.secureCookies ?? false }));
  app.addHook('onResponse', auditLogger(options.logger));

  await app.register(fastifyRateLimit, {
    global: false,
    // After authentication, so the limit is per API key.
    hook: 'preHandler',
    keyGenerator: (request) => request.principal?.name ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new Problem(
        'rate-limited',
        `at most ${context.max} OTPs per minute per API key; retry in ${Math.ceil(context.ttl / 1000)} s`,
        {
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        },
      ),
  });
  await registerOpenApi(app, options.version ?? '1');

  refundRoutes(app, { refunds: options.refunds, otpLimitPerMinute: options.otpLimitPerMinute ?? 10 });
  eventRoutes(app, { refunds: options.refunds, pollMs: options.eventsPollMs ?? 1_000 });
  batchRoutes(app, { refunds: options.refunds });
  summaryRoutes(app, { refunds: options.refunds });
  notificationRoutes(app, { refunds: options.refunds });
  if (options.ekoCallback) ekoCallbackRoutes(app, options.refunds, options.ekoCallback);
  sessionRoutes(app, { keyring, sessions, secureCookies: options.secureCookies ?? false });
  healthRoutes(app, { client: options.refunds.client });
  consoleRoutes(app);
  await app.ready();
  return app;
}

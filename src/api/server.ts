/**
 * The refund HTTP API and support console (docs/contract/refund-api.md) in one fastify app, in
 * front of RefundClient. It holds no refund state: every answer comes from the workflow or
 * Temporal visibility.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type pino from 'pino';
import type { RefundClient } from '../client';
import { auditHooks } from './audit';
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
import type Redis from 'ioredis';
import { DEFAULT_WRONG_OTPS, MemoryCounter, RedisCounter, type WrongOtpBudget, WrongOtps } from './otp-budget';
import { DEFAULT_OTP_POLICY, type OtpPolicy } from './otp-policy';
import { People, type PeopleConfig } from './people';
import { DEFAULT_STREAM_LIMITS, type StreamLimits, Streams } from './streams';
import { DEFAULT_TIME_ZONE } from './time-zone';
import { batchRoutes } from './routes/batches';
import { summaryRoutes } from './routes/summary';
import { PlainRequestLog } from './request-log';
import { SessionSigner } from './session';

export interface ApiOptions {
  refunds: RefundClient;
  keys: readonly ApiKey[];
  logger: pino.Logger;
  /** Audit lines; the API's entry point gives them a logger LOG_LEVEL does not silence. */
  auditLogger?: pino.Logger;
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
  /** The server's OTP policy, which a start may only tighten; the contract's defaults otherwise. */
  otpPolicy?: OtpPolicy;
  /** Wrong OTPs per key or person; default 5 a minute, 50 a day. */
  wrongOtps?: WrongOtpBudget;
  /** Shares the OTP limits between API replicas; each process counts for itself without. */
  redis?: Redis;
  /** The desk's days (summary, console): an IANA zone; Asia/Kolkata by default. */
  timeZone?: string;
  /** Live streams per key or person and in all; 20 and 500 by default. */
  streamLimits?: StreamLimits;
  /** Shown in the OpenAPI document. */
  version?: string;
}

/** How long requests under way get to finish when the API closes. */
const CLOSE_GRACE_MS = 10_000;

/** How long a client may take to send a whole request. */
export const REQUEST_TIMEOUT_MS = 10_000;

// The console and the reference page load only their own files; nothing may frame them.
const CONTENT_SECURITY_POLICY = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
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

  // Closing: Node closes the connections idle at that moment, and keeps the others open until they
  // end. A keep-alive connection that goes idle later (its answer sent) would stay for the whole
  // keep-alive timeout: close those as they go idle, and all that are left after a grace period.
  app.addHook('preClose', async () => {
    const idle = setInterval(() => app.server.closeIdleConnections(), 250);
    const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
    app.server.once('close', () => (clearInterval(idle), clearTimeout(cut)));
    idle.unref();
    cut.unref();
  });

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
  // On every answer, set on the raw response (the live events stream keeps them after hijacking).
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Behind TLS (production's Secure cookies): browsers keep to HTTPS for a year.
    strictTransportSecurity: options.secureCookies ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
  });
  const people = options.people && new People(options.people);
  app.addHook('onRequest', authenticator({ keyring, sessions, people, secureCookies: options.secureCookies ?? false }));
  const audit = auditHooks(options.auditLogger ?? options.logger);
  app.addHook('preHandler', audit.preHandler);
  app.addHook('onResponse', audit.onResponse);

  await app.register(fastifyRateLimit, {
    global: false,
    ...(options.redis && { redis: options.redis, nameSpace: 'eko-refund:otp-rate:' }),
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

  const otpPolicy = options.otpPolicy ?? DEFAULT_OTP_POLICY;
  refundRoutes(app, {
    refunds: options.refunds,
    otpLimitPerMinute: options.otpLimitPerMinute ?? 10,
    otpPolicy,
    wrongOtps: new WrongOtps(
      options.wrongOtps ?? DEFAULT_WRONG_OTPS,
      options.redis ? new RedisCounter(options.redis) : new MemoryCounter(),
    ),
  });
  const streams = new Streams(options.streamLimits ?? DEFAULT_STREAM_LIMITS);
  eventRoutes(app, { refunds: options.refunds, pollMs: options.eventsPollMs ?? 1_000, streams });
  batchRoutes(app, { refunds: options.refunds, otpPolicy });
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  summaryRoutes(app, { refunds: options.refunds, timeZone });
  notificationRoutes(app, { refunds: options.refunds });
  if (options.ekoCallback) ekoCallbackRoutes(app, options.refunds, options.ekoCallback, otpPolicy);
  sessionRoutes(app, { keyring, sessions, secureCookies: options.secureCookies ?? false, streams });
  healthRoutes(app, { client: options.refunds.client });
  consoleRoutes(app, { timeZone });
  await app.ready();
  return app;
}

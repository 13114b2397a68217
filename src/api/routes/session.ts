/** The console's sign-in: a key once, then a signed session cookie and a CSRF token. */
import { z } from 'zod';
import { type ApiKeyring, permissionsOf, type Principal } from '../keys';
import { type HeaderDoc, problemResponses, type ZodApp } from '../openapi';
import { setSessionCookie } from '../auth';
import { Problem } from '../problems';
import { SESSION_COOKIE, type Session, type SessionSigner } from '../session';
import { sessionSchema, signInBodySchema } from '../schemas';
import type { Streams } from '../streams';

export interface SessionRouteOptions {
  keyring: ApiKeyring;
  sessions: SessionSigner;
  secureCookies: boolean;
  streams: Streams;
}

const tags = ['console'];

const SESSION_SET_COOKIE: HeaderDoc = {
  description: `The session cookie (${SESSION_COOKIE}): HttpOnly, SameSite=Strict, 8 hours, over after 30 minutes without a request`,
  schema: { type: 'string' },
};

export function sessionRoutes(app: ZodApp, { keyring, sessions, secureCookies, streams }: SessionRouteOptions): void {
  const describe = (principal: Principal, session?: Session, viaProxy = false) => ({
    name: principal.name,
    role: principal.role,
    permissions: [...permissionsOf(principal.role)],
    csrfToken: session ? sessions.csrfToken(session) : viaProxy ? sessions.csrfTokenFor(principal.name) : null,
    expiresAt: session ? new Date(session.expiresAt).toISOString() : null,
  });

  app.post(
    '/v1/session',
    {
      config: { access: 'public', audit: 'signIn' },
      schema: {
        operationId: 'signIn',
        tags,
        summary: 'Sign in to the console with an API key',
        description: `Sets an HttpOnly, SameSite=Strict session cookie (${SESSION_COOKIE}) for 8 hours.`,
        body: signInBodySchema,
        response: { 200: sessionSchema, ...problemResponses('unauthenticated', 'invalid-input') },
        responseHeaders: { 200: { 'Set-Cookie': SESSION_SET_COOKIE } },
      },
    },
    async (request, reply) => {
      const principal = keyring.authenticate(request.body.key);
      if (!principal) throw new Problem('unauthenticated', 'unknown API key');
      request.principal = principal;
      const { session, cookie } = sessions.issue(principal.name);
      setSessionCookie(reply, cookie, secureCookies);
      request.auditResult = 'signed in';
      return describe(principal, session);
    },
  );

  app.get(
    '/v1/session',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getSession',
        tags,
        summary: 'Who is signed in, with the CSRF token',
        response: { 200: sessionSchema },
      },
    },
    (request) => describe(request.principal!, request.session, request.viaProxy),
  );

  app.delete(
    '/v1/session',
    {
      config: { access: 'read', audit: 'signOut' },
      schema: {
        operationId: 'signOut',
        tags,
        summary: 'Sign out of the console',
        response: { 204: z.undefined().describe('Signed out') },
        responseHeaders: {
          204: { 'Set-Cookie': { ...SESSION_SET_COOKIE, description: 'Clears the session cookie' } },
        },
      },
    },
    async (request, reply) => {
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookies });
      // The session's live streams end with it.
      if (request.session) streams.endSession(request.session.id);
      request.auditResult = 'signed out';
      return reply.code(204).send();
    },
  );
}

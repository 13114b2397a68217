/**
 * Who is calling, and may they: `Authorization: Bearer <key>` (services), or the console's session
 * cookie with its CSRF token on state-changing calls. Routes under /v1 need a key unless their
 * config says `access: 'public'`; everything else (console files, docs, health) is public.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyring, can, type Permission, type Principal } from './keys';
import type { People } from './people';
import { Problem } from './problems';
import { CSRF_HEADER, SESSION_COOKIE, SESSION_TTL_MS, type Session, type SessionSigner } from './session';

export type Access = Permission | 'public';

/** The audited actions: every state-changing call. */
export type AuditAction =
  'start' | 'startBatch' | 'submitOtp' | 'resendOtp' | 'cancel' | 'signIn' | 'signOut' | 'ekoCallback' | 'redeliver';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    audit?: AuditAction;
  }
  interface FastifyRequest {
    principal?: Principal;
    session?: Session;
    /** What the audit line says happened; set by handlers and by problems. */
    auditResult?: string;
    /** Who acted, for a call without a key (Eko's callback). */
    auditActor?: string;
    /** The trusted proxy named the person (REFUND_TRUSTED_PROXY). */
    viaProxy?: boolean;
  }
}

const DOES: Record<Permission, string> = {
  read: 'read refunds',
  start: 'start refunds',
  operate: 'submit OTPs, resend OTPs or cancel refunds',
};
const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/** The console's session cookie: HttpOnly, SameSite=Strict, for the session's whole life. */
export function setSessionCookie(reply: FastifyReply, cookie: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, cookie, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export interface Identities {
  keyring: ApiKeyring;
  sessions: SessionSigner;
  people?: People;
  secureCookies: boolean;
}

export function authenticator(identities: Identities) {
  const { sessions, secureCookies } = identities;
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const configured = request.routeOptions.config.access;
    const access = configured ?? (request.url.startsWith('/v1/') ? 'read' : 'public');
    if (access === 'public') return;
    request.principal = identify(request, identities);
    const renewed = request.session && sessions.renew(request.session);
    if (renewed) setSessionCookie(reply, renewed.cookie, secureCookies);
    if (!can(request.principal.role, access)) {
      throw new Problem('forbidden', `the ${request.principal.role} role may not ${DOES[access]}`);
    }
  };
}

function identify(request: FastifyRequest, { keyring, sessions, people }: Identities): Principal {
  const person = people && request.headers[people.header];
  if (people && person !== undefined) {
    if (!people.trusts(request.ip)) {
      throw new Problem('forbidden', `${people.header} is taken only from the trusted proxy (REFUND_TRUSTED_PROXY)`);
    }
    const principal = typeof person === 'string' ? people.principal(person) : undefined;
    if (!principal) throw new Problem('forbidden', 'REFUND_PEOPLE gives this person no role');
    request.viaProxy = true;
    request.principal = principal;
    // The proxy's own cookie rides along with any request from the browser: a state change must
    // still prove it comes from the console.
    checkCsrf(request, sessions.csrfTokenFor(principal.name), sessions);
    return principal;
  }
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!bearer) throw new Problem('unauthenticated', 'send Authorization: Bearer <API key>');
    const principal = keyring.authenticate(bearer[1]);
    if (!principal) throw new Problem('unauthenticated', 'unknown API key');
    return principal;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie === undefined) throw new Problem('unauthenticated', 'send Authorization: Bearer <API key>, or sign in');
  const session = sessions.verify(cookie);
  const principal = session && keyring.byName(session.name);
  if (!session || !principal)
    throw new Problem('unauthenticated', 'the session expired or its key changed: sign in again');
  request.principal = principal;
  request.session = session;
  // The browser sends the cookie with any request to us: a state change must prove it comes from the console.
  checkCsrf(request, sessions.csrfToken(session), sessions);
  return principal;
}

function checkCsrf(request: FastifyRequest, expected: string, sessions: SessionSigner): void {
  const token = request.headers[CSRF_HEADER];
  if (SAFE_METHODS.includes(request.method) || sessions.same(expected, typeof token === 'string' ? token : '')) return;
  throw new Problem('forbidden', 'missing or wrong CSRF token: reload the console');
}

/**
 * The console's session: after signing in with a key, an HttpOnly, SameSite=Strict cookie that
 * holds the key's name, signed. The API keeps no session store (any instance with the same keys
 * accepts it); the signing secret is derived from the configured keys, so changing a key ends
 * every session. State-changing requests carry a CSRF token bound to the session.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const SESSION_COOKIE = 'refund_session';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** A session with no request for this long is over (a desk left signed in); each request renews it. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** The cookie is renewed at most this often (not on every request). */
const RENEW_AFTER_MS = 60 * 1000;

export interface Session {
  /** The API key's name. The role is looked up at each request, so a role change applies at once. */
  name: string;
  id: string;
  expiresAt: number;
  /** The last request that renewed it. */
  seenAt: number;
}

const payloadSchema = z.object({ n: z.string(), i: z.string(), e: z.number(), s: z.number() });

export class SessionSigner {
  private readonly secret: Buffer;

  constructor(keyMaterial: Buffer) {
    this.secret = Buffer.from(hkdfSync('sha256', keyMaterial, 'eko-refund-api', 'console session v1', 32));
  }

  /** A new session for a key name, and its cookie value. */
  issue(name: string, now = Date.now()): { session: Session; cookie: string } {
    return this.seal({ name, id: randomBytes(16).toString('base64url'), expiresAt: now + SESSION_TTL_MS, seenAt: now });
  }

  /** The session seen again: a renewed cookie when the last renewal is a while ago, else nothing. */
  renew(session: Session, now = Date.now()): { session: Session; cookie: string } | undefined {
    return now - session.seenAt < RENEW_AFTER_MS ? undefined : this.seal({ ...session, seenAt: now });
  }

  private seal(session: Session): { session: Session; cookie: string } {
    const { name: n, id: i, expiresAt: e, seenAt: s } = session;
    const payload = Buffer.from(JSON.stringify({ n, i, e, s })).toString('base64url');
    return { session, cookie: `${payload}.${this.sign(`session:${payload}`)}` };
  }

  /** The session in a cookie value, if it is ours, intact, not expired and not idle too long. */
  verify(cookie: string, now = Date.now()): Session | undefined {
    const [payload, signature, ...rest] = cookie.split('.');
    if (!payload || !signature || rest.length > 0 || !this.matches(`session:${payload}`, signature)) return undefined;
    let decoded;
    try {
      decoded = payloadSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      return undefined;
    }
    if (!decoded.success || decoded.data.e <= now || decoded.data.s + SESSION_IDLE_MS <= now) return undefined;
    return { name: decoded.data.n, id: decoded.data.i, expiresAt: decoded.data.e, seenAt: decoded.data.s };
  }

  csrfToken(session: Session): string {
    return this.sign(`csrf:${session.id}`);
  }

  /** A person the trusted proxy names has no session: their CSRF token is bound to their name. */
  csrfTokenFor(person: string): string {
    return this.sign(`csrf-person:${person}`);
  }

  checkCsrf(session: Session, token: string | undefined): boolean {
    return token !== undefined && this.same(this.csrfToken(session), token);
  }

  /** Constant-time comparison of two tokens. */
  same(expected: string, given: string): boolean {
    const [a, b] = [Buffer.from(expected), Buffer.from(given)];
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private sign(message: string): string {
    return createHmac('sha256', this.secret).update(message).digest('base64url');
  }

  private matches(message: string, signature: string): boolean {
    return this.same(this.sign(message), signature);
  }
}

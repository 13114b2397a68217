/**
 * `Eko-Refund-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: how
 * subscribers know an event came from this worker. The verifier is exported by the client library.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Eko-Refund-Signature';
/** A receiver refuses a signature older than this (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signWebhook(body: string, secret: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

/**
 * True when `header` signs `body` (the raw request body, as received) with `secret`, and its
 * timestamp is within 5 minutes of now. Any v1 of several (a secret being rotated) may match.
 */
export function verifyWebhook(
  body: string | Buffer,
  header: string | undefined | null,
  secret: string,
  { nowMs = Date.now(), toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS } = {},
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, t, body.toString()), 'hex');
  return parts.some(
    ([key, value]) =>
      key === 'v1' && /^[0-9a-f]{64}$/.test(value ?? '') && timingSafeEqual(Buffer.from(value, 'hex'), expected),
  );
}

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

import { createHmac } from 'node:crypto';

export type EkoSignature = {
  'secret-key': string;
  'secret-key-timestamp': string;
};

/**
 * Eko's request signature. The HMAC key is the base64 *text* of the access key, not its decoded
 * bytes: keying with the raw access key is the common mistake and gets HTTP 403.
 */
export function computeSecretKey(accessKey: string, timestamp: string): string {
  const hmacKey = Buffer.from(accessKey, 'utf8').toString('base64');
  return createHmac('sha256', hmacKey).update(timestamp).digest('base64');
}

/** A fresh signature for one request: Eko answers 403 to a stale timestamp, so never reuse one. */
export function signRequest(accessKey: string, nowMs: number): EkoSignature {
  const timestamp = String(nowMs);
  return { 'secret-key': computeSecretKey(accessKey, timestamp), 'secret-key-timestamp': timestamp };
}

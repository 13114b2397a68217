import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The `encoding` of an encrypted payload, as in Temporal's samples: the Web UI shows it for undecoded data. */
export const ENCODING_ENCRYPTED = 'binary/encrypted';
/** Which key encrypted the payload, so that payloads written before a rotation still decode. */
export const METADATA_KEY_ID = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  /** Not secret: stored in every payload's metadata. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

/**
 * AES-256-GCM over the whole serialized payload (its metadata included, so the history shows
 * neither the data nor its type). The first key encrypts; every key decrypts. Payloads without
 * the encrypted encoding pass through decode unchanged: signals sent by the `temporal` CLI or the
 * Web UI without a codec endpoint arrive as plain `json/plain`.
 */
export function createEncryptionCodec(keys: readonly EncryptionKey[]): PayloadCodec {
  const [current] = keys;
  if (!current) throw new Error('createEncryptionCodec needs at least one key');
  const byId = new Map(keys.map(({ id, key }) => [id, key]));
  return {
    async encode(payloads) {
      return payloads.map((payload) => encrypt(payload, current));
    },
    async decode(payloads) {
      return payloads.map((payload) => (isEncrypted(payload) ? decrypt(payload, byId) : payload));
    },
  };
}

function encrypt(payload: Payload, { id, key }: EncryptionKey): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv);
  const plain = temporal.api.common.v1.Payload.encode(payload).finish();
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING_ENCRYPTED), [METADATA_KEY_ID]: Buffer.from(id) },
    data: sealed,
  };
}

function decrypt(payload: Payload, keys: ReadonlyMap<string, Buffer>): Payload {
  const id = text(payload.metadata?.[METADATA_KEY_ID]);
  const key = keys.get(id);
  if (!key) {
    // Names the key id (not secret) so an operator knows which retired key to configure again.
    throw new PayloadDecryptionError(
      `payload encrypted with unknown key id "${id}"; configured key ids: ${[...keys.keys()].join(', ')}`,
    );
  }
  const sealed = Buffer.from(payload.data ?? []);
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload is truncated`);
  const decipher = createDecipheriv(CIPHER, key, sealed.subarray(0, IV_BYTES));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    const plain = Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return temporal.api.common.v1.Payload.decode(plain);
  } catch {
    throw new PayloadDecryptionError(
      `payload failed authentication with key id "${id}": altered in storage, or encrypted with another key of that id`,
    );
  }
}

export function isEncrypted(payload: Payload | null | undefined): boolean {
  return text(payload?.metadata?.[METADATA_ENCODING_KEY]) === ENCODING_ENCRYPTED;
}

function text(bytes: Uint8Array | null | undefined): string {
  return bytes ? Buffer.from(bytes).toString('utf8') : '';
}

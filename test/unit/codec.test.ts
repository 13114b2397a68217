import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError } from '../../src/config';
import { DEV_ENCRYPTION_KEYS, loadCodecServerConfig, loadEncryptionConfig } from '../../src/codec/config';
import { createEncryptionCodec, type EncryptionKey, PayloadDecryptionError } from '../../src/codec/encryption';
import { dataConverterFor } from '../../src/codec';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const OLD = key('2024-01');
const NEW = key('2025-06');
const SECRET = { otp: '482913', otpRefId: 'c0ffee00-1234-4abc-8def-000000000001', mobile: '9812345678' };
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value)!;
const fromPayload = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
};
const utf8 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('encryption codec', () => {
  it('decodes what it encoded', async () => {
    const codec = createEncryptionCodec([NEW]);
    const [encoded] = await codec.encode([toPayload(SECRET)]);
    const [decoded] = await codec.decode([encoded]);
    expect(fromPayload(decoded)).toEqual(SECRET);
  });

  it('names the encoding binary/encrypted and the key id in the metadata, and nothing else', async () => {
    const [encoded] = await createEncryptionCodec([NEW]).encode([toPayload(SECRET)]);
    expect(Object.keys(encoded.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']);
    expect(utf8(encoded.metadata?.encoding)).toBe('binary/encrypted');
    expect(utf8(encoded.metadata?.['encryption-key-id'])).toBe('2025-06');
  });

  it('leaves no plaintext in the encoded payload, not even the original encoding', async () => {
    const [encoded] = await createEncryptionCodec([NEW]).encode([toPayload(SECRET)]);
    const stored = JSON.stringify(encoded) + utf8(encoded.data) + Object.values(encoded.metadata ?? {}).map(utf8);
    for (const secret of [...Object.values(SECRET), 'json/plain']) expect(stored).not.toContain(secret);
  });

  it('encrypts the same value differently each time (a fresh IV per payload)', async () => {
    const codec = createEncryptionCodec([NEW]);
    const [a, b] = await codec.encode([toPayload(SECRET), toPayload(SECRET)]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('after a rotation, still decodes payloads encrypted with the old key and encrypts with the new one', async () => {
    const [before] = await createEncryptionCodec([OLD]).encode([toPayload(SECRET)]);
    const rotated = createEncryptionCodec([NEW, OLD]);
    const [after] = await rotated.encode([toPayload(SECRET)]);
    expect(utf8(after.metadata?.['encryption-key-id'])).toBe('2025-06');
    const decoded = await rotated.decode([before, after]);
    expect(decoded.map(fromPayload)).toEqual([SECRET, SECRET]);
  });

  it('refuses a payload whose key id is not configured, naming that key id', async () => {
    const [encoded] = await createEncryptionCodec([OLD]).encode([toPayload(SECRET)]);
    const decoding = createEncryptionCodec([NEW]).decode([encoded]);
    await expect(decoding).rejects.toThrow(PayloadDecryptionError);
    await expect(createEncryptionCodec([NEW]).decode([encoded])).rejects.toThrow(/unknown key id "2024-01"/);
  });

  it('refuses a tampered ciphertext', async () => {
    const codec = createEncryptionCodec([NEW]);
    const [encoded] = await codec.encode([toPayload(SECRET)]);
    const data = Buffer.from(encoded.data!);
    data[20] ^= 0x01;
    await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(/failed authentication with key id "2025-06"/);
  });

  it('refuses a payload decrypted with a different key under the same id', async () => {
    const [encoded] = await createEncryptionCodec([NEW]).encode([toPayload(SECRET)]);
    await expect(createEncryptionCodec([key('2025-06')]).decode([encoded])).rejects.toThrow(PayloadDecryptionError);
  });

  it('passes plain payloads through decode unchanged (signals from the temporal CLI or Web UI)', async () => {
    const fromCli: Payload = {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from('{"otp":"123456"}'),
    };
    const [decoded] = await createEncryptionCodec([NEW]).decode([fromCli]);
    expect(decoded).toBe(fromCli);
    expect(fromPayload(decoded)).toEqual({ otp: '123456' });
  });

  it('keeps empty and undefined values (binary/null) through a round trip', async () => {
    const codec = createEncryptionCodec([NEW]);
    const [encoded] = await codec.encode([toPayload(undefined)]);
    const [decoded] = await codec.decode([encoded]);
    expect(fromPayload(decoded)).toBeUndefined();
  });
});

describe('dataConverterFor', () => {
  it('is the SDK default when no key is configured', () => {
    expect(dataConverterFor([])).toEqual({});
  });

  it('encrypts payloads and encodes failure messages when a key is configured', () => {
    const converter = dataConverterFor([NEW]);
    expect(converter.payloadCodecs).toHaveLength(1);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { failureConverter } = require(converter.failureConverterPath!);
    expect(failureConverter.options).toMatchObject({ encodeCommonAttributes: true });
  });
});

describe('loadEncryptionConfig', () => {
  const base64Key = randomBytes(32).toString('base64');

  it('is empty (encryption off) when REFUND_ENCRYPTION_KEYS is unset or empty', () => {
    expect(loadEncryptionConfig({})).toEqual([]);
    expect(loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: '' })).toEqual([]);
  });

  it('reads keyId:base64 entries in order, the first one encrypting', () => {
    const keys = loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: `new:${base64Key}, ${DEV_ENCRYPTION_KEYS}` });
    expect(keys.map((k) => k.id)).toEqual(['new', 'dev-1']);
    expect(keys[0].key.equals(Buffer.from(base64Key, 'base64'))).toBe(true);
    expect(keys.every((k) => k.key.length === 32)).toBe(true);
  });

  it.each([
    ['a key without its id', base64Key, 'entry 1 must be keyId:key'],
    ['a 16-byte key', `k1:${randomBytes(16).toString('base64')}`, 'entry 1 must be keyId:key'],
    ['a bad second entry', `k1:${base64Key},k2:${base64Key.slice(1)}`, 'entry 2 must be keyId:key'],
    ['a repeated key id', `k1:${base64Key},k1:${randomBytes(32).toString('base64')}`, 'key ids must be unique'],
  ])('refuses %s, naming the variable and never printing the key', (_, value, message) => {
    const error = errorOf(() => loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: value }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`REFUND_ENCRYPTION_KEYS: ${message}`);
    expect(error.message).not.toContain(base64Key.slice(0, 12));
  });
});

describe('loadCodecServerConfig', () => {
  it('needs the keys, and defaults to port 8081 and the local Web UI origins', () => {
    expect(() => loadCodecServerConfig({})).toThrow('REFUND_ENCRYPTION_KEYS: required');
    expect(loadCodecServerConfig({ REFUND_ENCRYPTION_KEYS: DEV_ENCRYPTION_KEYS })).toMatchObject({
      port: 8081,
      host: '127.0.0.1',
      token: undefined,
      corsOrigins: ['http://localhost:8233', 'http://127.0.0.1:8233'],
    });
  });

  it('reads the token and the origins', () => {
    const config = loadCodecServerConfig({
      REFUND_ENCRYPTION_KEYS: DEV_ENCRYPTION_KEYS,
      PORT: '9000',
      CODEC_SERVER_TOKEN: 'a-token-of-16-chars',
      CODEC_CORS_ORIGINS: 'https://temporal.example.in, http://localhost:8233',
    });
    expect(config).toMatchObject({
      port: 9000,
      token: 'a-token-of-16-chars',
      corsOrigins: ['https://temporal.example.in', 'http://localhost:8233'],
    });
  });

  it('refuses an origin with a path, naming the variable', () => {
    const load = () =>
      loadCodecServerConfig({ REFUND_ENCRYPTION_KEYS: DEV_ENCRYPTION_KEYS, CODEC_CORS_ORIGINS: 'http://ui:8233/' });
    expect(load).toThrow('CODEC_CORS_ORIGINS: entry 1 must be an origin');
  });
});

import { configuredSecrets, Redactor } from '../../src/logging';
import { UAT } from '../../src/eko/uat';

describe('Redactor', () => {
  it('keeps redacting a pinned access key after 20,000 per-refund values were learned', () => {
    const redactor = new Redactor();
    redactor.pin(UAT.accessKey);
    for (let i = 0; i < 20_000; i += 1) redactor.add(String(100_000 + i));
    expect(redactor.redactText(`401 with access key ${UAT.accessKey}`)).toBe('401 with access key [REDACTED]');
  });

  it('bounds per-refund values: the oldest is forgotten first, a value seen again counts as new', () => {
    const redactor = new Redactor();
    redactor.add('111111', '222222');
    for (let i = 0; i < 9_999; i += 1) {
      if (i === 5_000) redactor.add('111111');
      redactor.add(String(300_000 + i));
    }
    // 10,001 values for 10,000 places: 222222, now the oldest, is the one forgotten.
    expect(redactor.redactText('111111 222222 309998')).toBe('[REDACTED] 222222 [REDACTED]');
  });

  it('redacts a secret inside words and JSON, but not digits that are part of a longer number such as a tid', () => {
    const redactor = new Redactor();
    redactor.add('0001');
    expect(redactor.redactText('otp 0001 for tid 1000000001: {"otp":"0001"}, otp=0001;\n0001')).toBe(
      'otp [REDACTED] for tid 1000000001: {"otp":"[REDACTED]"}, otp=[REDACTED];\n[REDACTED]',
    );
  });

  it('redacts an access key even when glued to other text', () => {
    const redactor = new Redactor();
    redactor.pin('d2fe1d99-6298');
    expect(redactor.redactText('key=xd2fe1d99-6298x')).toBe('key=x[REDACTED]x');
  });

  it('ignores values shorter than an OTP, which would blank innocent numbers', () => {
    const redactor = new Redactor();
    redactor.add('123', '');
    redactor.pin('abc');
    expect(redactor.redactText('123 abc')).toBe('123 abc');
  });

  it('redacts fields named like secrets whole, and values inside nested objects and errors', () => {
    const redactor = new Redactor();
    redactor.add('654321');
    expect(
      redactor.redact({ otp: 'anything', nested: { note: 'got 654321' }, err: new Error('bad 654321') }),
    ).toMatchObject({ otp: '[REDACTED]', nested: { note: 'got [REDACTED]' }, err: { message: 'bad [REDACTED]' } });
  });
});

describe('configuredSecrets', () => {
  it('takes the access key, the API keys, the codec token and each encryption key from the environment', () => {
    const key = 'MPUFcsqbfZCyT2zrPA57UO+/IEbt+QoFFHSWeJJjj7M=';
    const secrets = configuredSecrets({
      EKO_ACCESS_KEY: 'access-key',
      EKO_DEVELOPER_KEY: 'developer-key',
      TEMPORAL_API_KEY: 'temporal-api-key',
      CODEC_SERVER_TOKEN: 'codec-token',
      REFUND_ENCRYPTION_KEYS: `k2:${key},k1:${key.replace('M', 'N')}`,
      TEMPORAL_ADDRESS: 'localhost:7233',
    });
    expect(secrets).toEqual(
      expect.arrayContaining(['access-key', 'developer-key', 'temporal-api-key', 'codec-token', key]),
    );
    expect(secrets).toContain(key.replace('M', 'N'));
    expect(secrets).not.toContain('localhost:7233');
  });
});

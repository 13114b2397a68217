import { computeSecretKey, signRequest } from '../../../src/eko/signing';

describe('Eko request signing', () => {
  it.each([
    ['TEST_ACCESS_KEY_DO_NOT_USE', '1700000000000', 'u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk='],
    ['test-access-key-123', '1700000000000', '88lqTf9ew69XbVbeczjxVL8/B4vibfp1MvTi1mIj2Xo='],
    ['f74c50a1-f705-4634-9cda-30a477df91b7', '1516705204593', 'MC6dKW278tBef+AuqL/5rW2K3WgOegF0ZHLW/FriZQw='],
  ])('matches the published vector for access key %s', (accessKey, timestamp, expected) => {
    expect(computeSecretKey(accessKey, timestamp)).toBe(expected);
  });

  it('keys the HMAC with the base64 text of the access key, not the raw key', () => {
    const rawKeyMistake = 'GxF3Pm81zvVbFPbQzDWcPXU+v9tKaMHsjtTxjdwDR9w=';
    expect(computeSecretKey('TEST_ACCESS_KEY_DO_NOT_USE', '1700000000000')).not.toBe(rawKeyMistake);
  });

  it('signs with the given clock, as a millisecond timestamp string', () => {
    expect(signRequest('test-access-key-123', 1700000000000)).toEqual({
      'secret-key': '88lqTf9ew69XbVbeczjxVL8/B4vibfp1MvTi1mIj2Xo=',
      'secret-key-timestamp': '1700000000000',
    });
  });
});

import { randomBytes } from 'node:crypto';
import { DEV_ENCRYPTION_KEYS } from '../../src/codec/config';
import { UAT } from '../../src/eko/uat';
import { productionRefusals, productionWarning, unsafeForProduction, WORKER_CONCERNS } from '../../src/production';

const KEY = `k1:${randomBytes(32).toString('base64')}`;
const SAFE = {
  EKO_BASE_URL: 'https://api.eko.in:25002/ekoicici/v3',
  EKO_DEVELOPER_KEY: 'issued-developer-key',
  EKO_ACCESS_KEY: 'issued-access-key',
  EKO_INITIATOR_ID: '9000000001',
  EKO_USER_CODE: '123',
  REFUND_ENCRYPTION_KEYS: KEY,
};
const DEV_KEY_BASE64 = DEV_ENCRYPTION_KEYS.split(':')[1];

describe('unsafeForProduction', () => {
  it('finds nothing in a production configuration', () => {
    expect(unsafeForProduction(SAFE, WORKER_CONCERNS)).toEqual([]);
  });

  it.each([
    ['no EKO_BASE_URL', { EKO_BASE_URL: undefined }, 'EKO_BASE_URL: required in production'],
    ['an empty EKO_BASE_URL', { EKO_BASE_URL: ' ' }, 'EKO_BASE_URL: required in production'],
    ['an http:// Eko URL', { EKO_BASE_URL: 'http://api.eko.in/ekoicici/v3' }, 'EKO_BASE_URL: must be an https:// URL'],
    ['a URL without a scheme', { EKO_BASE_URL: 'api.eko.in/ekoicici/v3' }, 'EKO_BASE_URL: must be an https:// URL'],
    ['the UAT host', { EKO_BASE_URL: `${UAT.baseUrl}/` }, "EKO_BASE_URL: is Eko's UAT host"],
    ['no EKO_DEVELOPER_KEY', { EKO_DEVELOPER_KEY: undefined }, 'EKO_DEVELOPER_KEY: required in production'],
    ['the UAT developer key', { EKO_DEVELOPER_KEY: UAT.developerKey }, "EKO_DEVELOPER_KEY: is Eko's public UAT value"],
    ['no EKO_ACCESS_KEY', { EKO_ACCESS_KEY: undefined }, 'EKO_ACCESS_KEY: required in production'],
    ['the UAT access key', { EKO_ACCESS_KEY: UAT.accessKey }, "EKO_ACCESS_KEY: is Eko's public UAT value"],
    ['no EKO_INITIATOR_ID', { EKO_INITIATOR_ID: undefined }, 'EKO_INITIATOR_ID: required in production'],
    ['the UAT initiator', { EKO_INITIATOR_ID: UAT.initiatorId }, "EKO_INITIATOR_ID: is Eko's public UAT value"],
    ['no EKO_USER_CODE', { EKO_USER_CODE: undefined }, 'EKO_USER_CODE: required in production'],
    ['the UAT user code', { EKO_USER_CODE: UAT.userCode }, "EKO_USER_CODE: is Eko's public UAT value"],
    ['no REFUND_ENCRYPTION_KEYS', { REFUND_ENCRYPTION_KEYS: undefined }, 'REFUND_ENCRYPTION_KEYS: required'],
    ['the dev key', { REFUND_ENCRYPTION_KEYS: DEV_ENCRYPTION_KEYS }, 'REFUND_ENCRYPTION_KEYS: holds the public'],
    [
      'the dev key kept to decrypt',
      { REFUND_ENCRYPTION_KEYS: `${KEY}, ${DEV_ENCRYPTION_KEYS}` },
      'REFUND_ENCRYPTION_KEYS: holds the public',
    ],
    [
      'the dev key under another id',
      { REFUND_ENCRYPTION_KEYS: `mine:${DEV_KEY_BASE64}` },
      'REFUND_ENCRYPTION_KEYS: holds the public',
    ],
  ])('refuses %s, naming the variable and not its value', (_, change, finding) => {
    const findings = unsafeForProduction({ ...SAFE, ...change }, WORKER_CONCERNS);
    expect(findings).toEqual([expect.stringContaining(finding)]);
    for (const value of Object.values(change)) {
      if (value?.trim()) expect(findings[0]).not.toContain(value.trim());
    }
  });

  it('checks only what the process uses: a client or codec server has no Eko settings', () => {
    expect(unsafeForProduction({ REFUND_ENCRYPTION_KEYS: KEY }, ['encryption'])).toEqual([]);
  });
});

describe('productionRefusals and productionWarning', () => {
  it('refuse under NODE_ENV=production, with no warning', () => {
    const env = { NODE_ENV: 'production', ...SAFE, EKO_ACCESS_KEY: UAT.accessKey };
    expect(productionRefusals(env, WORKER_CONCERNS)).toHaveLength(1);
    expect(productionWarning(env, WORKER_CONCERNS)).toBeUndefined();
  });

  it('warn in one line elsewhere, naming what production would refuse', () => {
    const env = { NODE_ENV: 'development' };
    expect(productionRefusals(env, WORKER_CONCERNS)).toEqual([]);
    const warning = productionWarning(env, WORKER_CONCERNS)!;
    expect(warning).not.toContain('\n');
    expect(warning).toMatch(/^development settings \(NODE_ENV=development\)/);
    for (const name of ['EKO_BASE_URL', 'EKO_ACCESS_KEY', 'REFUND_ENCRYPTION_KEYS']) expect(warning).toContain(name);
  });

  it('say nothing outside production when the settings are safe', () => {
    expect(productionWarning({ ...SAFE }, WORKER_CONCERNS)).toBeUndefined();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiKeysEnv, clusterSecrets } from '../../../scripts/cluster/secrets';
import { loadApiConfig } from '../../../src/api/config';
import { WORKER_CONCERNS, unsafeForProduction } from '../../../src/production';

/**
 * `npm run cluster` runs every refund process with NODE_ENV=production: the credentials it
 * generates must pass what production refuses, be made once (the data outlives a restart) and be
 * readable by the owner alone.
 */
describe("the cluster's generated credentials", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-secrets-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('pass the production refusals of the worker and the API', () => {
    const secrets = clusterSecrets(dir);
    const workerEnv = {
      NODE_ENV: 'production',
      EKO_BASE_URL: 'https://127.0.0.1:8443/ekoapi/v3',
      EKO_DEVELOPER_KEY: secrets.eko.developerKey,
      EKO_ACCESS_KEY: secrets.eko.accessKey,
      EKO_INITIATOR_ID: secrets.eko.initiatorId,
      EKO_USER_CODE: secrets.eko.userCode,
      REFUND_ENCRYPTION_KEYS: secrets.encryptionKeys,
    };
    expect(unsafeForProduction(workerEnv, WORKER_CONCERNS)).toEqual([]);
    const api = loadApiConfig({
      NODE_ENV: 'production',
      REFUND_API_KEYS: apiKeysEnv(secrets),
      EKO_CALLBACK_TOKEN: secrets.ekoCallbackToken,
    });
    expect(api.keys.map(({ name, role }) => `${name}:${role}`)).toEqual([
      'service:service',
      'desk:support',
      'dashboard:viewer',
    ]);
  });

  test('are made once, kept for the next start, readable by the owner only', () => {
    const first = clusterSecrets(dir);
    expect(clusterSecrets(dir)).toEqual(first);
    expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const other = clusterSecrets(fs.mkdtempSync(path.join(dir, 'other-')));
    expect(other.encryptionKeys).not.toBe(first.encryptionKeys);
    expect(other.postgresPassword).not.toBe(first.postgresPassword);
  });
});

import { randomBytes } from 'node:crypto';
import { DEV_ENCRYPTION_KEYS } from '../../src/codec/config';
import { ConfigError, loadConfig, loadTemporalConfig } from '../../src/config';
import { UAT } from '../../src/eko/uat';

const KEY = `k1:${randomBytes(32).toString('base64')}`;
/** What a production worker needs: none of it Eko's public UAT values. */
const SAFE_PRODUCTION = {
  NODE_ENV: 'production',
  EKO_BASE_URL: 'https://api.eko.in/ekoicici/v3',
  EKO_DEVELOPER_KEY: 'issued-developer-key',
  EKO_ACCESS_KEY: 'issued-access-key',
  EKO_INITIATOR_ID: '9000000001',
  EKO_USER_CODE: '123',
  REFUND_ENCRYPTION_KEYS: KEY,
};

describe('loadConfig', () => {
  it('defaults to Eko UAT and the eko-refunds task queue when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      taskQueue: 'eko-refunds',
      eko: { baseUrl: UAT.baseUrl, developerKey: UAT.developerKey, accessKey: UAT.accessKey, timeoutMs: 30_000 },
      defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
      shutdownGraceMs: 30_000,
      metricsPort: 9464,
      healthPort: 8088,
      listenHost: '0.0.0.0',
      encryptionKeys: [],
      tuning: { maxCachedWorkflows: 0 },
      webhooks: [],
    });
  });

  it('keeps no workflow cached unless a cache size is given', () => {
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '500' }).tuning).toEqual({ maxCachedWorkflows: 500 });
    expect(
      loadConfig({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20', WORKER_MAX_CONCURRENT_ACTIVITIES: '50' }).tuning,
    ).toEqual({
      maxCachedWorkflows: 0,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxConcurrentActivityTaskExecutions: 50,
    });
  });

  it('reads REFUND_WEBHOOKS, and names what is wrong in it without a secret', () => {
    const secret = 'webhook-secret-0123456789abcdef0123';
    const webhooks = JSON.stringify([{ url: 'https://billing.example.com/x', secret, events: ['refund.refunded'] }]);
    expect(loadConfig({ REFUND_WEBHOOKS: webhooks }).webhooks).toEqual([
      { name: 'billing.example.com', url: 'https://billing.example.com/x', secret, events: ['refund.refunded'] },
    ]);
    const plain = JSON.stringify([{ url: 'http://billing.example.com/x', secret: 'too-short-secret' }]);
    expect(() => loadConfig({ REFUND_WEBHOOKS: plain, NODE_ENV: 'production' })).toThrow(
      /REFUND_WEBHOOKS: 0\.url: must be https:\/\/ in production; REFUND_WEBHOOKS: 0\.secret: at least 32/,
    );
  });

  it('reads every variable', () => {
    const config = loadConfig({
      REFUND_TASK_QUEUE: 'q',
      EKO_BASE_URL: 'https://api.eko.in/ekoicici/v3',
      EKO_DEVELOPER_KEY: 'dev',
      EKO_ACCESS_KEY: 'secret',
      EKO_INITIATOR_ID: '9000000001',
      EKO_USER_CODE: '123',
      EKO_TIMEOUT_MS: '5000',
      SHUTDOWN_GRACE_MS: '1000',
    });
    expect(config).toMatchObject({ taskQueue: 'q', eko: { timeoutMs: 5000 }, defaults: { userCode: '123' } });
  });

  it.each([
    [{ EKO_BASE_URL: 'staging.eko.in' }, 'EKO_BASE_URL: must be a URL'],
    [{ EKO_INITIATOR_ID: '12345' }, 'EKO_INITIATOR_ID: must be a 10-digit mobile number'],
    [{ EKO_USER_CODE: 'abc' }, 'EKO_USER_CODE: must be digits'],
    [{ EKO_TIMEOUT_MS: 'soon' }, 'EKO_TIMEOUT_MS'],
    [{ WORKER_MAX_CACHED_WORKFLOWS: '-1' }, 'WORKER_MAX_CACHED_WORKFLOWS'],
    [{ WORKER_MAX_CACHED_WORKFLOWS: '1' }, 'WORKER_MAX_CACHED_WORKFLOWS: must be 0 (no cache) or at least 2'],
    [{ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 'many' }, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'],
    [{ WORKER_HOST: 'localhost:9464' }, 'WORKER_HOST: must be an IP address'],
  ])('stops start-up on %p with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never puts the value of a bad variable in its error (the access key is secret)', () => {
    expect(() => loadConfig({ EKO_ACCESS_KEY: 'topsecret', EKO_USER_CODE: 'topsecret' })).toThrow(
      /^invalid configuration: EKO_USER_CODE: must be digits$/,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ EKO_ACCESS_KEY: '' }).eko.accessKey).toBe(UAT.accessKey);
  });
});

describe('loadConfig under NODE_ENV=production', () => {
  it('starts with every Eko setting given and a key of its own', () => {
    const config = loadConfig(SAFE_PRODUCTION);
    expect(config.eko).toMatchObject({ baseUrl: SAFE_PRODUCTION.EKO_BASE_URL, accessKey: 'issued-access-key' });
    expect(config.encryptionKeys.map((key) => key.id)).toEqual(['k1']);
  });

  it('names every unsafe variable in one error, and no value', () => {
    const error = errorOf(() =>
      loadConfig({ NODE_ENV: 'production', EKO_ACCESS_KEY: UAT.accessKey, EKO_USER_CODE: 'abc' }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['EKO_BASE_URL', 'EKO_DEVELOPER_KEY', 'EKO_ACCESS_KEY', 'EKO_INITIATOR_ID']) {
      expect(error.message).toContain(`${name}: `);
    }
    // A malformed value is reported beside the refusals.
    expect(error.message).toContain('EKO_USER_CODE: must be digits');
    expect(error.message).toContain('REFUND_ENCRYPTION_KEYS: required in production');
    expect(error.message).not.toContain(UAT.accessKey);
  });

  it('refuses the development key among the keys', () => {
    expect(() => loadConfig({ ...SAFE_PRODUCTION, REFUND_ENCRYPTION_KEYS: `${KEY},${DEV_ENCRYPTION_KEYS}` })).toThrow(
      /^invalid configuration: REFUND_ENCRYPTION_KEYS: holds the public development key/,
    );
  });

  it('keeps the UAT defaults and the missing key outside production', () => {
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({
      eko: { baseUrl: UAT.baseUrl },
      encryptionKeys: [],
    });
  });
});

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('loadTemporalConfig', () => {
  it('defaults to localhost:7233 and the default namespace', () => {
    expect(loadTemporalConfig({})).toMatchObject({
      connectionOptions: { address: 'localhost:7233' },
      namespace: 'default',
    });
  });

  it("reads the SDK's own TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE", () => {
    expect(loadTemporalConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'refunds' })).toMatchObject({
      connectionOptions: { address: 'temporal:7233' },
      namespace: 'refunds',
    });
  });
});

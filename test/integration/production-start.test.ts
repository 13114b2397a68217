import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DEV_ENCRYPTION_KEYS } from '../../src/codec/config';
import { UAT } from '../../src/eko/uat';
import { type DevServerProcess, startDevServerProcess } from '../../tools/temporal-server';
import { buildProduction } from '../helpers/build';
import { startWorkerProcess } from '../../tools/worker-process';

/**
 * NODE_ENV=production (the Docker image sets it) on the compiled entry points, as `npm start`
 * and the image run them: every unsafe setting stops the start with one message naming the
 * variable, never its value; a safe configuration starts.
 */
const REPO = path.resolve(__dirname, '../..');
const KEY = `k1:${randomBytes(32).toString('base64')}`;
const SAFE: Record<string, string> = {
  NODE_ENV: 'production',
  // Never called: the worker calls Eko only for a refund.
  EKO_BASE_URL: 'https://eko.invalid/ekoicici/v3',
  EKO_DEVELOPER_KEY: 'issued-developer-key',
  EKO_ACCESS_KEY: 'issued-access-key-7d1c',
  EKO_INITIATOR_ID: '9000000001',
  EKO_USER_CODE: '123',
  REFUND_ENCRYPTION_KEYS: KEY,
};
const UNSET = '';

let server: DevServerProcess;
beforeAll(async () => {
  await buildProduction();
  server = await startDevServerProcess();
}, 300_000);
afterAll(() => server?.stop());

/** Runs a compiled entry point to its exit; what it wrote, and its exit code. */
async function runToExit(script: string, env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: REPO,
    env: { ...process.env, METRICS_PORT: '0', HEALTH_PORT: '0', TEMPORAL_ADDRESS: server.address, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

describe('the compiled worker under NODE_ENV=production', () => {
  it.each([
    ['no EKO_BASE_URL', { EKO_BASE_URL: UNSET }, ['EKO_BASE_URL']],
    ['an http:// Eko URL', { EKO_BASE_URL: 'http://eko-simulator:8080/ekoapi/v3' }, ['EKO_BASE_URL']],
    ["Eko's UAT URL", { EKO_BASE_URL: UAT.baseUrl }, ['EKO_BASE_URL']],
    ['no EKO_DEVELOPER_KEY', { EKO_DEVELOPER_KEY: UNSET }, ['EKO_DEVELOPER_KEY']],
    ['the UAT developer key', { EKO_DEVELOPER_KEY: UAT.developerKey }, ['EKO_DEVELOPER_KEY']],
    ['no EKO_ACCESS_KEY', { EKO_ACCESS_KEY: UNSET }, ['EKO_ACCESS_KEY']],
    ['the UAT access key', { EKO_ACCESS_KEY: UAT.accessKey }, ['EKO_ACCESS_KEY']],
    ['no EKO_INITIATOR_ID', { EKO_INITIATOR_ID: UNSET }, ['EKO_INITIATOR_ID']],
    ['the UAT initiator', { EKO_INITIATOR_ID: UAT.initiatorId }, ['EKO_INITIATOR_ID']],
    ['no EKO_USER_CODE', { EKO_USER_CODE: UNSET }, ['EKO_USER_CODE']],
    ['the UAT user code', { EKO_USER_CODE: UAT.userCode }, ['EKO_USER_CODE']],
    ['no REFUND_ENCRYPTION_KEYS', { REFUND_ENCRYPTION_KEYS: UNSET }, ['REFUND_ENCRYPTION_KEYS']],
    ['the dev key', { REFUND_ENCRYPTION_KEYS: DEV_ENCRYPTION_KEYS }, ['REFUND_ENCRYPTION_KEYS']],
    [
      'the dev key kept to decrypt',
      { REFUND_ENCRYPTION_KEYS: `${KEY},${DEV_ENCRYPTION_KEYS}` },
      ['REFUND_ENCRYPTION_KEYS'],
    ],
    [
      'nothing set at all',
      Object.fromEntries(
        Object.keys(SAFE)
          .filter((name) => name !== 'NODE_ENV')
          .map((name) => [name, UNSET]),
      ),
      [
        'EKO_BASE_URL',
        'EKO_DEVELOPER_KEY',
        'EKO_ACCESS_KEY',
        'EKO_INITIATOR_ID',
        'EKO_USER_CODE',
        'REFUND_ENCRYPTION_KEYS',
      ],
    ],
  ])('refuses to start with %s, in one message naming the variable', async (_, change, names) => {
    const env: Record<string, string> = { ...SAFE, ...change };
    const { code, output } = await runToExit('dist/worker.js', env);
    expect(code).not.toBe(0);
    const refusals = output.split('\n').filter((line) => line.includes('invalid configuration'));
    expect(refusals).toHaveLength(1);
    for (const name of names) expect(refusals[0]).toContain(`${name}: `);
    for (const value of Object.values(change)) if (value) expect(output).not.toContain(value);
    expect(output).not.toContain('Refund worker polling');
  });

  it('starts with a safe configuration, without a warning', async () => {
    const worker = startWorkerProcess({ ...SAFE, TEMPORAL_ADDRESS: server.address }, { entry: 'compiled' });
    try {
      await worker.ready();
      expect(worker.output()).not.toContain('development settings');
      expect(worker.output()).toContain('"encryptedPayloads":true');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });
});

describe('outside production', () => {
  it('starts on the UAT defaults without a key, with one warning line naming them', async () => {
    const unset = Object.fromEntries(Object.keys(SAFE).map((name) => [name, UNSET]));
    const worker = startWorkerProcess(
      { ...unset, NODE_ENV: 'development', TEMPORAL_ADDRESS: server.address },
      { entry: 'compiled' },
    );
    try {
      await worker.ready();
      const warnings = worker
        .output()
        .split('\n')
        .filter((line) => line.includes('development settings'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('EKO_ACCESS_KEY');
      expect(warnings[0]).toContain('REFUND_ENCRYPTION_KEYS');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });
});

describe('the compiled codec server', () => {
  const codecEnv = { NODE_ENV: 'production', PORT: '0', REFUND_ENCRYPTION_KEYS: KEY, CODEC_SERVER_TOKEN: UNSET };

  it.each([
    [
      'the dev key under NODE_ENV=production',
      { REFUND_ENCRYPTION_KEYS: DEV_ENCRYPTION_KEYS },
      'REFUND_ENCRYPTION_KEYS',
    ],
    ['no key', { REFUND_ENCRYPTION_KEYS: UNSET }, 'REFUND_ENCRYPTION_KEYS'],
    ['HOST beyond loopback without a token', { HOST: '0.0.0.0' }, 'CODEC_SERVER_TOKEN'],
    ['a short token', { HOST: '0.0.0.0', CODEC_SERVER_TOKEN: 'short' }, 'CODEC_SERVER_TOKEN'],
  ])('refuses to start with %s', async (_, change, name) => {
    const { code, output } = await runToExit('dist/codec/main.js', { ...codecEnv, ...change });
    expect(code).not.toBe(0);
    expect(output).toMatch(new RegExp(`^invalid configuration: .*${name}: `, 'm'));
    expect(output).not.toContain('listening');
  });
});

describe('the CLI (the client library) under NODE_ENV=production', () => {
  it.each([
    ['no REFUND_ENCRYPTION_KEYS', UNSET],
    ['the dev key', DEV_ENCRYPTION_KEYS],
  ])('refuses to connect with %s, naming the variable', async (_, keys) => {
    const { code, output } = await runToExit('dist/cli.js', { NODE_ENV: 'production', REFUND_ENCRYPTION_KEYS: keys }, [
      'list',
    ]);
    expect(code).toBe(2);
    expect(output).toMatch(/^eko-refund: invalid configuration: REFUND_ENCRYPTION_KEYS: /m);
  });
});

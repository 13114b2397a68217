// The OpenAPI document is good enough to generate a client from: the pinned openapi-python-client
// (scripts/install-openapi-python-client.js) generates a Python package from the live API's
// /openapi.json, with no warning, and a Python service on it (test/fixtures/python-client/)
// refunds a tid to REFUNDED on the real stack (Temporal dev server, the Eko simulator, a worker,
// the API) and gets the API's refusals as parsed Problem models. Generating takes about a second;
// the file about 10 s, most of it the stack's start (and about 20 s more on a machine without the
// generator's venv yet).
import { type ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hasExited, spawnChild, stopChild } from '../../tools/children';
import { type ApiStack, startApiStack, TEST_KEYS } from '../helpers/api-stack';
import { newTid } from '../helpers/refund-stack';
import { followSteps } from '../helpers/steps';

const REPO = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(REPO, 'test', 'fixtures', 'python-client', 'refund_flow.py');
const PACKAGE = 'eko_refunds_client';
const run = promisify(execFile);

let dir: string;
let venv: string;
let stack: ApiStack | undefined;
let flow: ChildProcess | undefined;
let generated: { output: string; ms: number };

/** Generates the Python client from the running API's document into `dir`. */
async function generateClient(): Promise<{ output: string; ms: number }> {
  const response = await fetch(`${stack!.url}/openapi.json`);
  expect(response.status).toBe(200);
  const document = path.join(dir, 'openapi.json');
  fs.writeFileSync(document, await response.text());
  const started = Date.now();
  // The venv's bin on PATH: the generator formats its output with the ruff installed beside it.
  const { stdout, stderr } = await run(
    path.join(venv, 'bin', 'openapi-python-client'),
    ['generate', '--path', document, '--meta', 'none', '--output-path', path.join(dir, PACKAGE)],
    { cwd: dir, env: { PATH: `${path.join(venv, 'bin')}:${process.env.PATH}`, HOME: dir }, timeout: 120_000 },
  );
  return { output: stdout + stderr, ms: Date.now() - started };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refund-python-client-'));
  // Installing the generator (idempotent: quick once done) while the Temporal server starts.
  const installed = run(process.execPath, [path.join(REPO, 'scripts', 'install-openapi-python-client.js')], {
    timeout: 300_000,
  }).then(({ stdout }) => (venv = stdout.trim()));
  const stackReady = startApiStack().then((started) => (stack = started));
  const results = await Promise.allSettled([installed, stackReady]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  generated = await generateClient();
}, 360_000);

afterAll(async () => {
  if (flow) await stopChild(flow);
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('openapi-python-client generates a client from /openapi.json without a warning', () => {
  expect(generated.output).not.toMatch(/warning|error|skipping/i);
  const operations = path.join(dir, PACKAGE, 'api', 'refunds');
  // One module per operation, named after its operationId.
  expect(fs.readdirSync(operations).sort()).toEqual(
    [
      '__init__.py',
      'cancel_refund.py',
      'export_refunds.py',
      'get_refund.py',
      'list_refunds.py',
      'resend_otp.py',
      'start_refund.py',
      'start_refund_batch.py',
      'stream_refund_events.py',
      'submit_otp.py',
    ].sort(),
  );
});

test('a Python service on the generated client refunds a tid to REFUNDED and gets refusals as Problems', async () => {
  const live = stack!;
  const tid = newTid();
  live.sim.seed({ tid, amount: '750.00', fee: '7.50' });
  const child = spawnChild(path.join(venv, 'bin', 'python'), [SCRIPT], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      PYTHONPATH: dir,
      PYTHONDONTWRITEBYTECODE: '1',
      API_URL: live.url,
      API_KEY: TEST_KEYS.support.key,
      TID: tid,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  flow = child;
  const step = followSteps(child, 'the Python script');

  expect(await step('started')).toEqual({
    step: 'started',
    status: 201,
    location: `/v1/refunds/${tid}`,
    started: { tid, workflowId: `refund-${tid}`, runId: expect.any(String), created: true },
    againStatus: 200,
    again: { tid, workflowId: `refund-${tid}`, runId: expect.any(String), created: false },
    conflict: expect.objectContaining({
      httpStatus: 409,
      class: 'Problem',
      type: '/docs#problem-start-conflict',
      status: 409,
      fields: ['otpTimeout'],
    }),
  });
  expect(await step('awaiting-otp')).toEqual({ step: 'awaiting-otp', phase: 'AWAITING_OTP', otpAttemptsLeft: 3 });

  // The customer reads the OTP that Eko texted (the simulator's) to the support agent.
  child.stdin!.end(`${JSON.stringify({ otp: live.sim.lastOtp(tid) })}\n`);
  expect(await step('refunded')).toMatchObject({
    answer: { phase: 'REFUNDED', otpAttemptsLeft: 3 },
    phase: 'REFUNDED',
    outcome: 'REFUNDED',
    refundedAmount: expect.any(String),
  });
  const { usedAgain, unknown } = await step('problems');
  expect(usedAgain).toMatchObject({
    httpStatus: 409,
    class: 'Problem',
    type: '/docs#problem-refund-ended',
    title: 'Refund ended',
    status: 409,
    instance: `/v1/refunds/${tid}/otp`,
  });
  expect(unknown).toMatchObject({
    httpStatus: 404,
    class: 'Problem',
    type: '/docs#problem-not-found',
    status: 404,
    detail: expect.stringContaining(`${tid}0`),
  });
  expect(
    await new Promise((resolve) => (hasExited(child) ? resolve(child.exitCode) : child.once('exit', resolve))),
  ).toBe(0);
}, 120_000);

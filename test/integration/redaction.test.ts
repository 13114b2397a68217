import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { RefundClient } from '../../src/client';
import { UAT } from '../../src/eko/uat';
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';

/**
 * Runs refunds, failing ones included, through a worker process (debug logs), the client library
 * and the CLI, then looks for the access key, every OTP and every otp_ref_id in all they wrote.
 */
const REPO = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const TASK_QUEUE = `redaction-${process.pid}`;
let stack: RefundStack;
let worker: WorkerProcess;
let refunds: RefundClient;
const written: string[] = []; // everything the CLI printed and every error the client threw

beforeAll(async () => {
  stack = await startRefundStack();
  worker = startWorkerProcess({
    TEMPORAL_ADDRESS: stack.server.env.address,
    REFUND_TASK_QUEUE: TASK_QUEUE,
    EKO_BASE_URL: stack.sim.baseUrl,
    EKO_TIMEOUT_MS: '500',
    LOG_LEVEL: 'debug',
  });
  await worker.ready();
  refunds = new RefundClient(stack.server.env.client, TASK_QUEUE);
}, 60_000);

afterAll(async () => {
  worker?.child.kill('SIGTERM');
  await worker?.exited;
  await stack?.stop();
});

async function cli(...args: string[]): Promise<void> {
  const env = { ...process.env, TEMPORAL_ADDRESS: stack.server.env.address, REFUND_TASK_QUEUE: TASK_QUEUE };
  const result = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', ...args], {
    cwd: REPO,
    env,
  }).catch((err: { stdout: string; stderr: string }) => err);
  written.push(result.stdout, result.stderr);
}

async function awaitingOtp(seed = {}): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid, ...seed });
  await refunds.start({ tid, ...FAST, ekoCallTimeout: '3s' });
  await waitFor(
    'AWAITING_OTP',
    () => refunds.getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  return tid;
}

test('no access key, OTP or otp_ref_id in anything the worker, the client or the CLI wrote', async () => {
  const tids: string[] = [];
  const wrongOtps = ['111111', '222222'];

  // A wrong OTP through the CLI, then the right one through the client.
  const wrongThenRight = await awaitingOtp({ otpCode: '707070' });
  tids.push(wrongThenRight);
  await cli('otp', wrongThenRight, wrongOtps[0]);
  expect((await refunds.submitOtp(wrongThenRight, { otp: '707070' })).phase).toBe(RefundOutcome.REFUNDED);

  // Eko rejects the refund.
  const rejected = await awaitingOtp({ rejectRefund: { status: 347, message: 'Insufficient balance' } });
  tids.push(rejected);
  await cli('otp', rejected, stack.sim.lastOtp(rejected)!);

  // The refund call times out after Eko applied it; the retry inquires.
  const timedOut = await awaitingOtp();
  tids.push(timedOut);
  stack.sim.injectFault({ type: 'timeout_after_apply', endpoint: 'refund', tid: timedOut });
  await refunds.submitOtp(timedOut, { otp: stack.sim.lastOtp(timedOut)! });

  // Eko answers 403 until its key is restored.
  const forbidden = await awaitingOtp();
  tids.push(forbidden);
  stack.sim.configure({ accessKey: 'rotated' });
  const answered = refunds.submitOtp(forbidden, { otp: stack.sim.lastOtp(forbidden)! });
  await waitFor(
    'a retried 403',
    () => refunds.getState(forbidden),
    (s) => (s.pendingActivity?.attempt ?? 0) >= 2,
  );
  stack.sim.configure({ accessKey: UAT.accessKey });
  await answered;

  // A malformed OTP, and a wrong one through the client, whose errors are kept.
  const malformed = await awaitingOtp();
  tids.push(malformed);
  await refunds.submitOtp(malformed, { otp: '12a4567' }).catch((err: Error) => written.push(err.message));
  await refunds.submitOtp(malformed, { otp: wrongOtps[1] });
  await cli('status', malformed);
  await cli('status', malformed, '--json');
  await cli('list', '--json');
  await refunds.cancel(malformed, { reason: 'test done' });

  for (const tid of tids) await refunds.result(tid);
  expect((await refunds.result(rejected)).outcome).toBe(RefundOutcome.FAILED);
  for (const tid of tids) written.push(JSON.stringify(await refunds.getState(tid)));

  const secrets = [
    UAT.accessKey,
    '707070',
    '12a4567',
    ...wrongOtps,
    ...tids.flatMap((tid) => stack.sim.sms(tid).map((sms) => /^(\d+) is the OTP/.exec(sms.text)![1])),
    ...tids.flatMap((tid) => stack.sim.transaction(tid)!.issuedOtpRefIds),
  ];
  expect(secrets.length).toBeGreaterThan(12);
  const logs = worker.output();
  const everything = [logs, ...written].join('\n');
  const leaks = secrets.filter((secret) => everything.includes(secret));
  expect(leaks).toEqual([]);

  // The worker's log is JSON, with the workflow and activity named on activity lines.
  const lines = logs.split('\n').filter((line) => line.startsWith('{'));
  const ekoCalls = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.endpoint);
  expect(ekoCalls.length).toBeGreaterThan(10);
  for (const line of ekoCalls) {
    expect(line).toMatchObject({
      workflowId: expect.stringMatching(/^refund-/),
      workflowRunId: expect.any(String),
      activityType: expect.any(String),
    });
  }
});

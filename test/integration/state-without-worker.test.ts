/**
 * A refund's state is read without a worker (docs/contract/refund-workflow.md, State): a completed
 * refund's from its result, a running one's from what visibility keeps. So the CLI, the API (and
 * the console and its live stream on top of it) and the client agree, and no read makes a worker
 * replay a history: here no worker runs at all while they read.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { RefundClient } from '../../src/client';
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { createEkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { createRefundWorker } from '../../src/worker';
import { startApiServer } from '../helpers/api-stack';
import { FAST, newTid, phaseOf, type RefundStack, startRefundStack } from '../helpers/refund-stack';

let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

test('with no worker running, the client, the API and the CLI read a completed and a running refund alike', async () => {
  const taskQueue = `no-worker-${process.pid}`;
  const refunds = new RefundClient(stack.server.env.client, taskQueue);
  const worker = await createRefundWorker({
    connection: stack.server.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    eko: createEkoClient({ baseUrl: stack.sim.baseUrl, developerKey: UAT.developerKey, accessKey: UAT.accessKey }),
    defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
    shutdownGraceMs: 500,
  });
  const running = worker.run();
  const [done, waiting] = [newTid(), newTid()];
  for (const tid of [done, waiting]) {
    stack.sim.seed({ tid, otpCode: '482913' });
    await refunds.start({ tid, ...FAST });
    await phaseOf(refunds, tid, RefundPhase.AWAITING_OTP);
  }
  await refunds.submitOtp(done, { otp: '482913' });
  expect(await refunds.submitOtp(waiting, { otp: '111111' })).toMatchObject({ otpAttemptsLeft: 2 });
  worker.shutdown();
  await running;

  const api = await startApiServer(refunds);
  try {
    for (const tid of [done, waiting]) {
      const fromClient = await refunds.getState(tid);
      const fromApi = await api.call('viewer', 'GET', `/v1/refunds/${tid}`);
      const cli = await promisify(execFile)(
        process.execPath,
        ['-r', 'ts-node/register', 'src/cli.ts', 'status', tid, '--json'],
        {
          cwd: path.resolve(__dirname, '../..'),
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: stack.server.env.address,
            REFUND_TASK_QUEUE: taskQueue,
            TS_NODE_TRANSPILE_ONLY: '1',
          },
          timeout: 30_000,
        },
      );
      expect(fromApi.status).toBe(200);
      expect(fromApi.body).toMatchObject({ tid, phase: fromClient.phase, otpAttemptsLeft: fromClient.otpAttemptsLeft });
      expect(JSON.parse(cli.stdout)).toMatchObject({
        tid,
        phase: fromClient.phase,
        otpAttemptsLeft: fromClient.otpAttemptsLeft,
      });
    }
    const completed = await refunds.getState(done);
    expect(completed).toMatchObject({ phase: RefundOutcome.REFUNDED, workflowStatus: 'COMPLETED' });
    expect(completed.transitions.map((t) => t.to)).toContain(RefundPhase.SUBMITTING); // the final state, whole
    const open = await refunds.getState(waiting);
    expect(open).toMatchObject({
      phase: RefundPhase.AWAITING_OTP,
      otpAttemptsLeft: 2,
      wrongOtpAttempts: 1,
      workflowStatus: 'RUNNING',
    });
    expect(open.otpDeadline).toEqual(expect.any(String));
    expect(open.lastEkoAnswer?.message).toBe('Wrong OTP');
  } finally {
    await api.close();
  }
}, 120_000);

import { WorkflowFailedError } from '@temporalio/client';
import { InvalidInputError, RefundOutcome, RefundPhase, type RefundInput } from '../../src/contract';
import type { FaultInput } from '../../simulator';
import { historyLength } from '../helpers/histories';
import { FAST, newTid, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

/**
 * Bad input at every entry point gets a clear error naming the problem, and nothing is started,
 * changed or left half-done. Values are never echoed back: they may be secrets.
 */
let stack: RefundStack;
beforeAll(async () => {
  stack = await startRefundStack();
}, 60_000);
afterAll(() => stack?.stop());

const refunds = () => stack.refunds;
const client = () => stack.server.env.client;
const workflowExists = (tid: string) =>
  client()
    .workflow.getHandle(`refund-${tid}`)
    .describe()
    .then(
      () => true,
      () => false,
    );

async function awaitingOtp(): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid, otpCode: '246810' });
  await refunds().start({ tid, ...FAST });
  await waitFor(
    'AWAITING_OTP',
    () => refunds().getState(tid),
    (s) => s.phase === RefundPhase.AWAITING_OTP,
  );
  return tid;
}

describe('RefundClient.start', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['a tid with letters', { tid: '12ab' }, 'tid: tid must be 1 to 20 digits'],
    ['a missing tid', { tid: undefined }, 'tid: expected string'],
    [
      'an initiatorId that is not a mobile',
      { initiatorId: '98765' },
      'initiatorId: initiatorId must be a 10-digit mobile number',
    ],
    ['a userCode with letters', { userCode: 'x1' }, 'userCode: userCode must be digits'],
    ['a duration without a unit', { otpTimeout: 'tomorrow' }, 'otpTimeout: must be a duration'],
    ['maxOtpAttempts of 0', { maxOtpAttempts: 0 }, 'maxOtpAttempts'],
    ['requestOtp as a string', { requestOtp: 'yes' }, 'requestOtp: expected boolean'],
    ['an unknown field', { otp: '123456' }, 'input: unknown field(s) otp'],
  ])('%s is refused by name, and no workflow is started', async (_what, fields, message) => {
    const tid = newTid();
    const input = { tid, ...fields } as RefundInput;
    const refused = refunds().start(input);
    await expect(refused).rejects.toThrow(InvalidInputError);
    await expect(refused).rejects.toThrow(message);
    expect(await workflowExists(String(input.tid ?? tid))).toBe(false);
  });

  test('the refused value is not echoed in the error (it may be an OTP typed in the wrong field)', async () => {
    await expect(refunds().start({ tid: newTid(), otp: '913579' } as unknown as RefundInput)).rejects.toThrow(
      /^invalid refund input: input: unknown field\(s\) otp$/,
    );
  });
});

describe('submitOtp, the otp signal and cancel', () => {
  test.each<[string, unknown, string]>([
    ['letters', { otp: '12ab56' }, 'otp: otp must be 4 to 8 digits'],
    ['too short', { otp: '123' }, 'otp: otp must be 4 to 8 digits'],
    ['a number, not a string', { otp: 123456 }, 'otp: expected string'],
    ['missing', {}, 'otp: expected string'],
  ])(
    'submitOtp with an OTP that is %s is refused by the client and by the workflow, leaving no trace',
    async (_what, submission, message) => {
      const tid = await awaitingOtp();
      const before = await historyLength(client(), tid);
      await expect(refunds().submitOtp(tid, submission as never)).rejects.toThrow(message);
      // Bypassing the client: the workflow's update validator refuses it before history is written.
      await expect(
        client()
          .workflow.getHandle(`refund-${tid}`)
          .executeUpdate('submitOtp', { args: [submission] }),
      ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/^invalid OTP submission: /) } });
      expect(await historyLength(client(), tid)).toBe(before);
      const state = await refunds().getState(tid);
      expect(state).toMatchObject({ phase: RefundPhase.AWAITING_OTP, wrongOtpAttempts: 0 });
      expect(stack.sim.transaction(tid)?.calls.refund).toBe(0);
    },
  );

  test.each<[string, unknown]>([
    ['a number', { otp: 246810 }],
    ['null', null],
    ['a string', '246810'],
  ])(
    'an otp signal carrying %s is dropped, noted without its value, and no refund is attempted',
    async (_what, payload) => {
      const tid = await awaitingOtp();
      await client().workflow.getHandle(`refund-${tid}`).signal('otp', payload);
      expect((await refunds().getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
      await refunds().cancel(tid, { reason: 'test done' });
      const { state } = await refunds().result(tid);
      expect(state.notes[0]).toMatch(/dropped an otp signal: /);
      expect(JSON.stringify(state)).not.toContain('246810');
      expect(state.outcome).toBe(RefundOutcome.CANCELLED);
      expect(stack.sim.transaction(tid)?.calls.refund).toBe(0);
    },
  );

  test('cancel without a reason is refused by name', async () => {
    const tid = await awaitingOtp();
    await expect(refunds().cancel(tid, { reason: '' })).rejects.toThrow('reason: reason is required');
    expect((await refunds().getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
  });

  test('an OTP for a tid with no refund is refused as not found', async () => {
    await expect(refunds().submitOtp('4040404040', { otp: '123456' })).rejects.toThrow(
      'no refund workflow for tid 4040404040',
    );
  });
});

describe('a start that bypasses the client', () => {
  test('bad input fails the workflow at once with the field named, before any Eko call', async () => {
    const tid = newTid();
    stack.sim.seed({ tid });
    const handle = await client().workflow.start('refundWorkflow', {
      workflowId: `refund-${tid}`,
      taskQueue: stack.taskQueue,
      args: [{ tid, maxOtpAttempts: 'three' }],
    });
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toBe(
      'invalid refund input: maxOtpAttempts: expected number',
    );
    expect(stack.sim.transaction(tid)?.calls).toEqual({ otp: 0, refund: 0, inquiry: 0 });
  });
});

describe('bad answers from Eko', () => {
  test.each<[FaultInput['type'], string]>([
    ['non_json', 'Eko answered with a body that is not JSON'],
    ['envelope_less', 'Eko answered without a status envelope: No key for Response'],
    ['wrong_types', 'Eko answered an envelope with malformed fields: status, response_status_id'],
    ['huge_body', 'Eko answered with a body over the size limit'],
  ])('%s is named in the refund state while it is retried, and the refund then goes on', async (type, message) => {
    const tid = newTid();
    stack.sim.seed({ tid, txStatus: 4 });
    stack.sim.injectFault({ type, endpoint: 'inquiry', tid, times: 3 });
    await refunds().start({ tid, ...FAST, pollInterval: '1s', maxPollInterval: '1s' });
    const retrying = await waitFor(
      'a retried inquiry',
      () => refunds().getState(tid),
      (s) => s.pendingActivity?.lastFailure !== undefined,
    );
    expect(retrying.pendingActivity?.lastFailure).toBe(message);
    expect(await refunds().result(tid)).toMatchObject({ outcome: 'REFUNDED' });
  });
});

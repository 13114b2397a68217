/**
 * The inquiry before a refund ends without a refund (a cancel, the OTP deadline): it answers only
 * once no refund call of an earlier run can still be applied, and Eko's silence never answers it.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import type { RunsOf } from '../../../src/activities/earlier-runs';
import type { InquiryAnswer } from '../../../src/eko/answers';
import { scriptedEko, tx } from './scripted-eko';

Runtime.install({ logger: new DefaultLogger('WARN') });

const NOW = Date.parse('2026-11-29T10:00:00.000Z');
const MINUTE = 60_000;
const RUN = { workflowId: 'refund-13192443', runId: 'this-run' };
const REQUEST = { tid: '13192443', settleWindowMs: 10 * MINUTE };
const only: RunsOf = async () => [{ runId: RUN.runId, running: true, phase: 'AWAITING_OTP' }];

function inquire(script: Parameters<typeof scriptedEko>[0], runsOf: RunsOf = only) {
  const { eko, calls } = scriptedEko(script);
  const env = new MockActivityEnvironment({ attempt: 1, startToCloseTimeoutMs: MINUTE, workflowExecution: RUN });
  const activities = createActivities({
    eko,
    defaults: { initiatorId: '9962981729', userCode: '20810200' },
    now: () => NOW,
    runsOf,
  });
  return { answer: env.run(activities.inquireBeforeEnding, REQUEST), calls };
}

test.each([3, 4, 0, 1])('a final status (%p) answers', async (status) => {
  await expect(inquire({ inquiry: [tx(status)] }).answer).resolves.toMatchObject({ kind: 'settled', txStatus: status });
});

test.each([2, 5, 42])('a status in flight (%p) is asked again: the attempt fails retryably', async (status) => {
  await expect(inquire({ inquiry: [tx(status)] }).answer).rejects.toMatchObject({ type: 'RefundNotSettled' });
});

test("Eko's silence or a refusal it cannot explain is asked again, never an answer", async () => {
  const silent: InquiryAnswer = { kind: 'retryable', reason: 'timeout', message: 'Eko did not answer within 30000 ms' };
  const refused: InquiryAnswer = { kind: 'rejected', reason: 'other', message: 'Something went wrong', code: 1 };
  await expect(inquire({ inquiry: [silent] }).answer).rejects.toThrow('did not answer');
  await expect(inquire({ inquiry: [refused] }).answer).rejects.toThrow('Something went wrong');
});

test('"no such tid" is an answer: the workflow decides what it means for this refund', async () => {
  const unknown: InquiryAnswer = { kind: 'rejected', reason: 'tid_unknown', message: 'Invalid reference_id', code: 1 };
  await expect(inquire({ inquiry: [unknown] }).answer).resolves.toMatchObject({
    kind: 'rejected',
    reason: 'tid_unknown',
  });
});

test('an earlier run that may have a call in flight: no answer until its close + an attempt + a window', async () => {
  const earlier: RunsOf = async () => [
    { runId: RUN.runId, running: true },
    {
      runId: 'terminated',
      running: false,
      phase: 'AWAITING_OTP',
      closedAt: NOW - 5_000,
      timings: { attemptMs: MINUTE, settleWindowMs: 10 * MINUTE },
    },
  ];
  const { answer } = inquire({ inquiry: [tx(3)] }, earlier);
  await expect(answer).rejects.toThrow(
    /an earlier run may still be applied: asking Eko again at 2026-11-29T10:10:55.000Z/,
  );
});

test('Temporal cannot list the earlier runs: no answer, the attempt fails (nothing ends on it)', async () => {
  const { answer } = inquire({ inquiry: [tx(3)] }, () => Promise.reject(new Error('unavailable')));
  await expect(answer).rejects.toThrow('unavailable');
});

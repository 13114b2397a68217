/** CHECKING and SENDING_OTP in one activity attempt (fewer workflow tasks per refund). */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import type { OtpAnswer } from '../../../src/eko/answers';
import type { RunsOf } from '../../../src/activities/earlier-runs';
import type { EkoClient } from '../../../src/eko/client';
import { scriptedEko, tx } from './scripted-eko';

Runtime.install({ logger: new DefaultLogger('WARN') });

const REQUEST = { tid: '13192443', requestOtp: true, settleWindowMs: 600_000 };
const sent: OtpAnswer = { kind: 'otp_sent', otpRefId: 'ref-1', message: 'OTP sent', code: 2133 };

function prepare(eko: EkoClient, request = REQUEST, runsOf: RunsOf = async () => [], attempt = 1) {
  const env = new MockActivityEnvironment({ attempt, startToCloseTimeoutMs: 60_000 });
  const activities = createActivities({
    eko,
    defaults: { initiatorId: '9962981729', userCode: '20810200' },
    runsOf,
  });
  return env.run(activities.prepareRefund, request);
}

test('refund pending: the OTP is requested in the same attempt', async () => {
  const { eko, calls } = scriptedEko({ inquiry: [tx(3)], otp: [sent] });
  expect(await prepare(eko)).toMatchObject({ check: { txStatus: 3 }, otp: { kind: 'sent', otpRefId: 'ref-1' } });
  expect(calls.map((c) => c.endpoint)).toEqual(['inquiry', 'otp']);
});

test.each([0, 1, 4])('tx_status %p: no OTP is requested', async (status) => {
  const { eko, calls } = scriptedEko({ inquiry: [tx(status)] });
  expect(await prepare(eko)).toEqual({ check: expect.objectContaining({ txStatus: status }) });
  expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
});

test('requestOtp false: the check alone', async () => {
  const { eko, calls } = scriptedEko({ inquiry: [tx(3)] });
  expect(await prepare(eko, { ...REQUEST, requestOtp: false })).toEqual({
    check: expect.objectContaining({ txStatus: 3 }),
  });
  expect(calls).toHaveLength(1);
});

test('Get Refund OTP failing leaves the check answered and says why (SENDING_OTP asks again)', async () => {
  const down: OtpAnswer = {
    kind: 'retryable',
    reason: 'server_error',
    httpStatus: 502,
    message: 'Eko answered HTTP 502',
  };
  const { eko } = scriptedEko({ inquiry: [tx(3)], otp: [down] });
  expect(await prepare(eko)).toMatchObject({ check: { txStatus: 3 }, otpFailed: 'Eko answered HTTP 502' });
});

test('tx_status 2 is polled on: the attempt fails retryably (a poll), no OTP', async () => {
  const { eko, calls } = scriptedEko({ inquiry: [tx(2)] });
  await expect(prepare(eko)).rejects.toMatchObject({ type: 'RefundNotSettled' });
  expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
});

test('tx_status 1 while an earlier run may still have a refund call applied: no ending yet, asked again then', async () => {
  const { eko } = scriptedEko({ inquiry: [tx(1)] });
  const terminatedJustNow = async () => [
    { runId: 'earlier', running: false, phase: 'AWAITING_OTP', closedAt: Date.now() },
  ];
  await expect(prepare(eko, REQUEST, terminatedJustNow)).rejects.toMatchObject({
    type: 'RefundNotSettled',
    message: expect.stringContaining('a refund call of an earlier run may still be applied'),
  });
});

test("an OTP sent by a retry: the first attempt's request may reach Eko later, so its otp_ref_id is not trusted", async () => {
  const { eko } = scriptedEko({ inquiry: [tx(3)], otp: [sent] });
  expect(await prepare(eko, REQUEST, async () => [], 2)).toMatchObject({ otp: { kind: 'sent', otpRefId: null } });
});

test('a resend asked for past the OTP deadline requests no OTP, whenever the workflow asked', async () => {
  const { eko, calls } = scriptedEko({ otp: [sent] });
  const env = new MockActivityEnvironment({ attempt: 1, startToCloseTimeoutMs: 60_000 });
  const activities = createActivities({
    eko,
    defaults: { initiatorId: '9962981729', userCode: '20810200' },
    runsOf: async () => [],
  });
  const past = new Date(Date.now() - 1).toISOString();
  await expect(env.run(activities.requestRefundOtp, { ...REQUEST, notAfter: past })).rejects.toMatchObject({
    type: 'OtpDeadlinePassed',
    nonRetryable: true,
  });
  expect(calls).toEqual([]);
  const later = new Date(Date.now() + 60_000).toISOString();
  expect(await env.run(activities.requestRefundOtp, { ...REQUEST, notAfter: later })).toMatchObject({ kind: 'sent' });
});

test('a check past the OTP deadline (a refund back in CHECKING) finds tx_status 3 and requests no OTP', async () => {
  const { eko, calls } = scriptedEko({ inquiry: [tx(3)], otp: [sent] });
  const notAfter = new Date(Date.now() - 1).toISOString();
  expect(await prepare(eko, { ...REQUEST, notAfter } as typeof REQUEST)).toEqual({
    check: expect.objectContaining({ txStatus: 3 }),
    otpFailed: 'the OTP deadline passed: no OTP is requested',
  });
  expect(calls.map((c) => c.endpoint)).toEqual(['inquiry']);
});

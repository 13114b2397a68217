// Finding, exporting and starting many refunds over real HTTP on the real stack: the list's
// filters (several phases or outcomes, start-time range, requester) and fields, the CSV export
// with the same filters for reconciliation against Eko's statements, and batches of starts.
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { type ApiStack, auditEntries, startApiStack, TEST_KEYS } from '../helpers/api-stack';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

let stack: ApiStack;
let since: string;
/** Awaiting the OTP, started by the service key. */
let waiting: string;
/** Refunded, started by the support key, the OTP entered by it. */
let refunded: string;
/** Not refundable (Eko says the transaction succeeded), started by the service key. */
let notRefundable: string;

beforeAll(async () => {
  stack = await startApiStack({ otpLimitPerMinute: 1000 });
  since = new Date().toISOString();
  [waiting, refunded, notRefundable] = [newTid(), newTid(), newTid()];
  stack.sim.seed({ tid: waiting, amount: '1250.00', fee: '12.50' });
  stack.sim.seed({ tid: refunded, amount: '5000.00', fee: '50.00' });
  stack.sim.seed({ tid: notRefundable, amount: '10.00', txStatus: 0 });
  for (const [tid, role] of [
    [waiting, 'service'],
    [refunded, 'support'],
    [notRefundable, 'service'],
  ] as const) {
    expect((await stack.call(role, 'POST', '/v1/refunds', { tid, ...FAST })).status).toBe(201);
  }
  await waitFor(
    'the refund awaiting its OTP',
    () => stack.call('viewer', 'GET', `/v1/refunds/${refunded}`),
    (answer) => answer.body?.phase === RefundPhase.AWAITING_OTP,
  );
  const otp = stack.sim.lastOtp(refunded)!;
  expect((await stack.call('support', 'POST', `/v1/refunds/${refunded}/otp`, { otp })).body.phase).toBe(
    RefundOutcome.REFUNDED,
  );
  await waitFor(
    'all three in visibility, as they stand',
    () => stack.call('viewer', 'GET', `/v1/refunds?startedAfter=${since}&limit=100`),
    (answer) => {
      const phases = Object.fromEntries(
        answer.body.refunds.map((r: { tid: string; phase: string }) => [r.tid, r.phase]),
      );
      return (
        phases[waiting] === RefundPhase.AWAITING_OTP &&
        phases[refunded] === RefundOutcome.REFUNDED &&
        phases[notRefundable] === RefundOutcome.NOT_REFUNDABLE
      );
    },
  );
}, 120_000);
afterAll(() => stack?.stop());

const tidsOf = (answer: { body: { refunds: { tid: string }[] } }) =>
  answer.body.refunds.map((r) => r.tid).filter((tid) => [waiting, refunded, notRefundable].includes(tid));

describe('GET /v1/refunds: filters and fields', () => {
  test('a waiting refund shows its amount, OTP deadline, attempts left and Eko’s last message', async () => {
    const answer = await stack.call('viewer', 'GET', `/v1/refunds?tid=${waiting}`);
    expect(answer.body.refunds).toEqual([
      expect.objectContaining({
        tid: waiting,
        phase: RefundPhase.AWAITING_OTP,
        status: 'RUNNING',
        amount: '1250.00',
        otpDeadline: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        otpAttemptsLeft: 3,
        lastEkoMessage: expect.any(String),
        requestedBy: TEST_KEYS.service.name,
      }),
    ]);
    expect(answer.body.refunds[0].outcome).toBeUndefined();
  });

  test('several phases and outcomes, repeated or comma-separated, match any of them', async () => {
    const base = `/v1/refunds?startedAfter=${since}&limit=100`;
    const repeated = await stack.call('viewer', 'GET', `${base}&phase=AWAITING_OTP&outcome=REFUNDED`);
    expect(tidsOf(repeated).sort()).toEqual([waiting, refunded].sort());
    const outcomes = await stack.call('viewer', 'GET', `${base}&outcome=REFUNDED,NOT_REFUNDABLE`);
    expect(tidsOf(outcomes).sort()).toEqual([refunded, notRefundable].sort());
    expect(outcomes.body.refunds.find((r: { tid: string }) => r.tid === refunded)).toMatchObject({
      outcome: RefundOutcome.REFUNDED,
      status: 'COMPLETED',
      amount: '5000.00',
      closedAt: expect.any(String),
    });
    const twice = await stack.call('viewer', 'GET', `${base}&outcome=REFUNDED&outcome=NOT_REFUNDABLE`);
    expect(tidsOf(twice).sort()).toEqual(tidsOf(outcomes).sort());
  });

  test('the start-time range and the requester narrow the list', async () => {
    const byRequester = await stack.call(
      'viewer',
      'GET',
      `/v1/refunds?startedAfter=${since}&requestedBy=${TEST_KEYS.service.name}&limit=100`,
    );
    expect(tidsOf(byRequester).sort()).toEqual([waiting, notRefundable].sort());
    const before = await stack.call('viewer', 'GET', `/v1/refunds?startedBefore=${since}&limit=100`);
    expect(tidsOf(before)).toEqual([]);
    const nobody = await stack.call('viewer', 'GET', `/v1/refunds?requestedBy=nobody&startedAfter=${since}`);
    expect(tidsOf(nobody)).toEqual([]);
  });

  test('the requester is findable but not readable in Temporal visibility', async () => {
    const description = await stack.server.env.client.workflow.getHandle(`refund-${waiting}`).describe();
    const attributes = JSON.stringify(description.searchAttributes);
    expect(attributes).not.toContain(TEST_KEYS.service.name);
    expect(attributes).toContain('RefundRequester');
  });

  test('a bad phase, outcome or time is a 422 naming each', async () => {
    const answer = await stack.call(
      'viewer',
      'GET',
      '/v1/refunds?phase=AWAITING_OTP,HAPPY&outcome=AWAITING_OTP&startedAfter=yesterday',
    );
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'outcome',
      'phase',
      'startedAfter',
    ]);
  });
});

describe('GET /v1/refunds/export.csv', () => {
  const parse = (text: string) => {
    const [header, ...rows] = text.trimEnd().split('\r\n');
    const columns = header.split(',');
    return rows.map((row) => Object.fromEntries(row.split(',').map((cell, i) => [columns[i], cell])));
  };

  test('one row a refund with the amounts, Eko’s refund tid, who started it and who acted last', async () => {
    const answer = await stack.call('viewer', 'GET', `/v1/refunds/export.csv?startedAfter=${since}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="refunds-\d{4}-\d\d-\d\d\.csv"$/);
    expect(answer.text.split('\r\n')[0]).toBe(
      'tid,phase,outcome,amount,fee,refundedAmount,ekoRefundTid,startedAt,endedAt,requestedBy,lastActor,ekoMessage',
    );
    const rows = Object.fromEntries(parse(answer.text).map((row) => [row.tid, row]));
    expect(rows[refunded]).toMatchObject({
      phase: 'REFUNDED',
      outcome: 'REFUNDED',
      amount: '5000.00',
      fee: '50.00',
      refundedAmount: expect.stringMatching(/^\d+(\.\d+)?$/),
      ekoRefundTid: expect.stringMatching(/^\d+$/),
      requestedBy: TEST_KEYS.support.name,
      lastActor: TEST_KEYS.support.name,
      endedAt: expect.stringMatching(/^\d{4}-/),
    });
    expect(rows[waiting]).toMatchObject({
      phase: 'AWAITING_OTP',
      outcome: '',
      amount: '1250.00',
      fee: '',
      endedAt: '',
    });
    expect(rows[notRefundable]).toMatchObject({ outcome: 'NOT_REFUNDABLE', refundedAmount: '', ekoRefundTid: '' });
  });

  test('the list’s filters apply; a bad one is a 422 before any row', async () => {
    const answer = await stack.call('viewer', 'GET', `/v1/refunds/export.csv?startedAfter=${since}&outcome=REFUNDED`);
    expect(parse(answer.text).map((row) => row.tid)).toEqual([refunded]);
    const bad = await stack.call('viewer', 'GET', '/v1/refunds/export.csv?outcome=HAPPY');
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['outcome']);
    expect((await stack.call(null, 'GET', '/v1/refunds/export.csv')).status).toBe(401);
  });
});

describe('POST /v1/refund-batches', () => {
  test('one result per tid, in order: a bad tid or a running one does not stop the others', async () => {
    const [fresh, asNumber] = [newTid(), newTid()];
    stack.sim.seed({ tid: fresh });
    stack.sim.seed({ tid: asNumber });
    const answer = await stack.call('service', 'POST', '/v1/refund-batches', {
      tids: [fresh, waiting, '12ab', Number(asNumber), fresh],
      reason: 'end-of-day batch',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { tid: fresh, result: 'started' },
      { tid: waiting, result: 'already-running' },
      { tid: '12ab', result: 'invalid', detail: 'tid must be 1 to 20 digits' },
      { tid: asNumber, result: 'started' },
      { tid: fresh, result: 'already-running', detail: 'listed earlier in this batch' },
    ]);
    const description = await stack.server.env.client.workflow.getHandle(`refund-${fresh}`).describe();
    expect(await description.memo).toMatchObject({ requestedBy: TEST_KEYS.service.name, reason: 'end-of-day batch' });
    expect(auditEntries(stack.logs).filter((line) => line.action === 'startBatch')).toEqual([
      expect.objectContaining({
        keyName: TEST_KEYS.service.name,
        status: 200,
        result: '2 started, 2 already-running, 1 invalid, 0 failed',
      }),
    ]);
  });

  test('more than 1,000 tids, or none, is a 422 and starts nothing; a viewer may not start', async () => {
    const tids = Array.from({ length: 1001 }, () => newTid());
    const tooMany = await stack.call('service', 'POST', '/v1/refund-batches', { tids });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ field: 'tids' })]);
    const listed = await stack.call('viewer', 'GET', `/v1/refunds?tid=${tids[0]}`);
    expect(listed.body.refunds).toEqual([]);
    expect((await stack.call('service', 'POST', '/v1/refund-batches', { tids: [] })).status).toBe(422);
    expect((await stack.call('viewer', 'POST', '/v1/refund-batches', { tids: [newTid()] })).status).toBe(403);
  });
});

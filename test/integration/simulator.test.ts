import { signRequest } from '../../src/eko/signing';
import { UAT } from '../../src/eko/uat';
import {
  DIALECTS,
  type Dialect,
  type EkoSimulator,
  FAULT_TYPES,
  type SeedInput,
  startSimulator,
} from '../../simulator';
import { signedHeaders, simHttp } from '../helpers/sim-http';
import { waitFor } from '../helpers/wait';

/** The simulator over real HTTP, spoken to the way Eko is: signed requests and JSON bodies. */
let sim: EkoSimulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.configure({ dialect: 'status-code' });
});

const { eko, requestOtp, refund, inquire, admin } = simHttp(() => sim);

describe('signature check', () => {
  it('answers 403 to a secret-key made with the wrong access key', async () => {
    sim.seed({ tid: '101' });
    const query = `initiator_id=${UAT.initiatorId}&user_code=${UAT.userCode}`;
    const wrongKey = signedHeaders({}, 'wrong-key');
    const response = await eko('GET', `/tools/reference/transaction/101?${query}`, undefined, wrongKey);
    expect(response.status).toBe(403);
  });

  it('answers 403 to a timestamp outside the clock-skew window', async () => {
    sim.seed({ tid: '102' });
    const stale = signRequest(UAT.accessKey, Date.now() - 10 * 60_000);
    const response = await eko(
      'GET',
      `/tools/reference/transaction/102?initiator_id=${UAT.initiatorId}&user_code=${UAT.userCode}`,
      undefined,
      signedHeaders(stale),
    );
    expect(response.status).toBe(403);
  });

  it('answers 403 when the developer_key header is missing or wrong', async () => {
    sim.seed({ tid: '103' });
    const response = await eko(
      'POST',
      '/customer/payment/refund/103/otp',
      { initiator_id: UAT.initiatorId },
      signedHeaders({ developer_key: UAT.accessKey }),
    );
    expect(response.status).toBe(403);
  });

  it('accepts a correctly signed request', async () => {
    sim.seed({ tid: '104' });
    expect((await inquire('104')).status).toBe(200);
  });
});

describe('Eko endpoints', () => {
  it('sends an OTP by SMS to the customer and answers with an otp_ref_id', async () => {
    sim.seed({ tid: '201', customerMobile: '6111111111' });
    const response = await requestOtp('201');
    expect(response.json).toMatchObject({
      status: 2133,
      response_type_id: 2133,
      data: { otp_ref_id: expect.any(String) },
    });
    const sms = (await admin('GET', '/sms?tid=201')).json;
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ to: '6111111111', tid: '201' });
  });

  it('answers 302 to a wrong OTP and leaves the transaction refundable', async () => {
    sim.seed({ tid: '202' });
    await requestOtp('202');
    const response = await refund('202', sim.lastOtp('202') === '000000' ? '111111' : '000000');
    expect(response.json).toMatchObject({ status: 302 });
    expect(sim.transaction('202')).toMatchObject({ txStatus: 3, refundCount: 0 });
  });

  it('answers 303 to an expired OTP', async () => {
    sim.seed({ tid: '203' });
    await requestOtp('203');
    await admin('POST', '/transactions/203/expire-otp');
    const response = await refund('203', sim.lastOtp('203')!);
    expect(response.json).toMatchObject({ status: 303 });
  });

  it('applies a refund once: the right OTP refunds, a replay of the same POST does not', async () => {
    sim.seed({ tid: '204', amount: '5000.00', fee: '50.00' });
    const { json } = await requestOtp('204');
    const otpRefId = (json?.data as { otp_ref_id: string }).otp_ref_id;
    const otp = sim.lastOtp('204')!;
    const first = await refund('204', otp, otpRefId);
    expect(first.json).toMatchObject({
      status: 0,
      response_type_id: 74,
      message: 'Refund done',
      data: { amount: '5000.00', refunded_amount: '5050.00', fee: '50.00' },
    });
    const second = await refund('204', otp, otpRefId);
    expect(second.json).toMatchObject({ message: 'Transaction is already in refunded state.' });
    const tx = (await admin('GET', '/transactions/204')).json;
    expect(tx).toMatchObject({ txStatus: 4, refundCount: 1, calls: { otp: 1, refund: 2 } });
  });

  it('answers inquiries with tx_status as a string inside data, as Eko does', async () => {
    sim.seed({ tid: '205', txStatus: 1 });
    expect((await inquire('205')).json).toMatchObject({ status: 0, response_type_id: 1472, data: { tx_status: '1' } });
  });

  it('settles a pending transaction after the configured number of inquiries', async () => {
    sim.seed({ tid: '206', txStatus: 2, pendingInquiries: 2, settlesTo: 3 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await inquire('206')).json?.data);
    expect(statuses.map((d) => (d as { tx_status: string }).tx_status)).toEqual(['2', '2', '3']);
  });

  it('answers a refund in pending mode with tx_status 2, then settles to refunded', async () => {
    sim.seed({ tid: '207', refundMode: 'pending', refundPendingInquiries: 1 });
    await requestOtp('207');
    const response = await refund('207', sim.lastOtp('207')!);
    expect(response.json).toMatchObject({ status: 0, data: { tx_status: 2 } });
    expect((await inquire('207')).json?.data).toMatchObject({ tx_status: '2' });
    expect((await inquire('207')).json?.data).toMatchObject({ tx_status: '4' });
    expect(sim.transaction('207')?.refundCount).toBe(1);
  });

  it('answers 168 for an unknown tid', async () => {
    expect((await inquire('999')).json).toMatchObject({ status: 168 });
  });

  it('answers 319 for an unknown initiator', async () => {
    sim.seed({ tid: '208' });
    const response = await eko('POST', '/customer/payment/refund/208/otp', { initiator_id: '9000000000' });
    expect(response.json).toMatchObject({ status: 319 });
  });

  it('answers 415 to a POST without a JSON content type', async () => {
    sim.seed({ tid: '209' });
    const response = await eko(
      'POST',
      '/customer/payment/refund/209/otp',
      { initiator_id: UAT.initiatorId },
      signedHeaders({ 'content-type': 'text/plain' }),
    );
    expect(response.status).toBe(415);
  });

  it('answers 404 to an unknown path and 405 to a wrong method', async () => {
    expect((await eko('GET', '/nope')).status).toBe(404);
    expect((await eko('GET', '/customer/payment/refund/1/otp')).status).toBe(405);
  });
});

describe('fault injection', () => {
  beforeEach(() => {
    sim.seed({ tid: '301' });
  });

  it.each([
    ['http500', 500, 'Internal Server Error'],
    ['non_json', 200, '<html><body>Service Unavailable</body></html>'],
    ['envelope_less', 200, '{"message":"No key for Response"}'],
    ['http403', 403, '{"message":"Forbidden"}'],
  ] as const)('%s answers %p once, then Eko behaves again', async (type, status, text) => {
    await admin('POST', '/faults', { type, endpoint: 'inquiry' });
    const faulty = await inquire('301');
    expect({ status: faulty.status, text: faulty.text }).toEqual({ status, text });
    expect((await inquire('301')).status).toBe(200);
  });

  it('busy answers "another transaction in progress" (code -2)', async () => {
    sim.injectFault({ type: 'busy' });
    expect((await inquire('301')).json).toMatchObject({ status: -2, message: 'Another transaction is in progress' });
  });

  it('reset drops the connection without applying the refund', async () => {
    await requestOtp('301');
    sim.injectFault({ type: 'reset', endpoint: 'refund' });
    await expect(refund('301', sim.lastOtp('301')!)).rejects.toThrow();
    expect(sim.transaction('301')).toMatchObject({ txStatus: 3, refundCount: 0 });
  });

  it('reset_after_apply drops the connection after the refund was applied', async () => {
    await requestOtp('301');
    sim.injectFault({ type: 'reset_after_apply', endpoint: 'refund' });
    await expect(refund('301', sim.lastOtp('301')!)).rejects.toThrow();
    expect(sim.transaction('301')).toMatchObject({ txStatus: 4, refundCount: 1 });
  });

  it('timeout_after_apply applies the refund and never answers', async () => {
    await requestOtp('301');
    sim.injectFault({ type: 'timeout_after_apply', endpoint: 'refund' });
    await expect(refund('301', sim.lastOtp('301')!, '', AbortSignal.timeout(300))).rejects.toThrow();
    expect(sim.transaction('301')).toMatchObject({ txStatus: 4, refundCount: 1 });
  });

  it('latency holds the answer back: the call has arrived, Eko has not answered it yet', async () => {
    sim.seed({ tid: '303', txStatus: 2, pendingInquiries: 1 });
    sim.injectFault({ type: 'latency', tid: '303', latencyMs: 1_000 });
    let answered = false;
    const call = inquire('303').finally(() => (answered = true));
    await waitFor(
      'the inquiry to arrive',
      async () => sim.transaction('303'),
      (tx) => tx?.calls.inquiry === 1,
    );
    expect({ answered, pendingInquiriesLeft: sim.transaction('303')?.pendingInquiriesLeft }).toEqual({
      answered: false,
      pendingInquiriesLeft: 1,
    });
    expect((await call).json?.data).toMatchObject({ tx_status: '2' });
    expect(sim.transaction('303')?.pendingInquiriesLeft).toBe(0);
  });

  it('a fault scoped to a tid leaves other tids alone', async () => {
    sim.seed({ tid: '302' });
    sim.injectFault({ type: 'http500', tid: '302' });
    expect((await inquire('301')).status).toBe(200);
    expect((await inquire('302')).status).toBe(500);
  });

  it('a fault with times: N hits N requests', async () => {
    sim.injectFault({ type: 'http500', times: 2 });
    const statuses = [(await inquire('301')).status, (await inquire('301')).status, (await inquire('301')).status];
    expect(statuses).toEqual([500, 500, 200]);
  });
});

describe('admin surface', () => {
  it('seeds a transaction and reads it back with its refund count', async () => {
    const created = await admin('POST', '/transactions', {
      tid: '401',
      txStatus: 3,
      amount: '10.00',
      fee: '1.00',
      customerMobile: '6111111111',
    });
    expect(created.status).toBe(201);
    expect((await admin('GET', '/transactions/401')).json).toMatchObject({
      tid: '401',
      txStatus: 3,
      amount: '10.00',
      refundCount: 0,
    });
  });

  it('rejects a malformed seed with a message naming the field', async () => {
    const response = await admin('POST', '/transactions', { tid: 'abc' });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: 'tid: tid must be digits' });
  });

  it('answers 404 for an unknown transaction', async () => {
    expect((await admin('GET', '/transactions/404404')).status).toBe(404);
  });

  it('changes its keys at run time, so a test can fix "the configuration"', async () => {
    sim.seed({ tid: '402' });
    await admin('PATCH', '/config', { accessKey: 'rotated-key' });
    try {
      expect((await inquire('402')).status).toBe(403);
    } finally {
      sim.configure({ accessKey: UAT.accessKey });
    }
    expect((await inquire('402')).status).toBe(200);
  });
});

/** A failure as the dialect shapes it: the granular code in `status` or in `response_status_id`. */
function coded(dialect: Dialect, code: number) {
  return dialect === 'status-code' ? { status: code, response_status_id: 1 } : { status: 1, response_status_id: code };
}
const otherDialect = (dialect: Dialect): Dialect => (dialect === 'status-code' ? 'response-code' : 'status-code');

/** Sends a refund call to a slow Eko and returns once Eko accepted it and is applying it. */
async function startSlowRefund(tid: string, applyAfterMs: number, signal?: AbortSignal) {
  sim.injectFault({ type: 'slow_apply', tid, applyAfterMs });
  await requestOtp(tid);
  let answered = false;
  const call = refund(tid, sim.lastOtp(tid)!, '', signal).finally(() => (answered = true));
  call.catch(() => undefined); // a test that times the call out awaits the rejection itself
  await waitFor(
    'Eko to be applying the refund',
    async () => sim.transaction(tid),
    (tx) => tx?.applying === true,
  );
  return { call, answered: () => answered };
}

const SLOW_MS = 1_000;

describe.each(DIALECTS)('failures in the %s dialect', (dialect) => {
  describe.each([
    ['set for the simulator', { simulator: dialect, seed: undefined }],
    ['seeded for the transaction, the simulator set to the other', { simulator: otherDialect(dialect), seed: dialect }],
  ] as const)('%s', (_how, setup) => {
    beforeEach(async () => {
      expect((await admin('PATCH', '/config', { dialect: setup.simulator })).status).toBe(200);
    });
    const seed = (input: SeedInput) => sim.seed({ ...input, dialect: setup.seed });

    it('answers a wrong OTP with 302', async () => {
      seed({ tid: '601', otpCode: '111111', sendOtp: true });
      const answer = await refund('601', '222222');
      expect(answer.json).toEqual({
        ...coded(dialect, 302),
        message: 'Wrong OTP',
        data: {},
      });
    });

    it('answers an expired OTP with 303', async () => {
      seed({ tid: '602', sendOtp: true });
      sim.expireOtp('602');
      expect((await refund('602', sim.lastOtp('602')!)).json).toMatchObject(coded(dialect, 303));
    });

    it('answers an unknown initiator with 319', async () => {
      seed({ tid: '603' });
      const answer = await eko('POST', '/customer/payment/refund/603/otp', { initiator_id: '9000000000' });
      expect(answer.json).toMatchObject(coded(dialect, 319));
    });

    it('answers an unknown user code with 463', async () => {
      seed({ tid: '604' });
      expect((await inquire('604', '99999999')).json).toMatchObject(coded(dialect, 463));
    });

    it('answers a refund rejected for insufficient balance with 347', async () => {
      seed({ tid: '605', sendOtp: true, rejectRefund: { status: 347, message: 'Insufficient balance' } });
      const answer = await refund('605', sim.lastOtp('605')!);
      expect(answer.json).toMatchObject({ ...coded(dialect, 347), message: 'Insufficient balance' });
    });

    it('answers busy with -2', async () => {
      seed({ tid: '606' });
      sim.injectFault({ type: 'busy', tid: '606' });
      expect((await inquire('606')).json).toMatchObject(coded(dialect, -2));
    });

    it('refuses a second refund call while a slow Eko applies the first, as a wrong OTP (302)', async () => {
      seed({ tid: '607' });
      const first = await startSlowRefund('607', SLOW_MS);
      expect((await refund('607', sim.lastOtp('607')!)).json).toMatchObject(coded(dialect, 302));
      expect((await first.call).json).toMatchObject({ status: 0, message: 'Refund done' });
      expect(sim.transaction('607')).toMatchObject({ txStatus: 4, refundCount: 1, callsWhileApplying: 1 });
    });

    it('refuses a refund with an OTP sent while a slow Eko applies the first as busy (-2): one refund only', async () => {
      seed({ tid: '608' });
      const first = await startSlowRefund('608', SLOW_MS);
      expect((await requestOtp('608')).json).toMatchObject({ status: 2133 });
      expect((await refund('608', sim.lastOtp('608')!)).json).toMatchObject(coded(dialect, -2));
      await first.call;
      expect(sim.transaction('608')).toMatchObject({ txStatus: 4, refundCount: 1 });
    });
  });

  it('answers Get Refund OTP and Initiate Refund of an unknown tid with 168', async () => {
    sim.configure({ dialect });
    expect((await requestOtp('609')).json).toMatchObject(coded(dialect, 168));
    expect((await refund('609', '123456')).json).toMatchObject(coded(dialect, 168));
  });
});

describe('inquiry of an unknown tid', () => {
  it('answers 168 in the status-code dialect', async () => {
    expect((await inquire('610')).json).toMatchObject(coded('status-code', 168));
  });

  it("answers Eko's sample refusal in the response-code dialect", async () => {
    sim.configure({ dialect: 'response-code' });
    expect((await inquire('611')).json).toEqual({
      status: 1,
      response_status_id: -1,
      message: 'Invalid reference_id',
      data: {},
    });
  });
});

describe('amounts Eko does not know', () => {
  it('answers "" for the seeded emptyAmounts in the refund and inquiry answers', async () => {
    sim.seed({ tid: '620', sendOtp: true, emptyAmounts: ['fee', 'balance'] });
    expect((await inquire('620')).json?.data).toMatchObject({ amount: '1000.00', fee: '' });
    const answer = await refund('620', sim.lastOtp('620')!);
    expect(answer.json).toMatchObject({ status: 0, data: { amount: '1000.00', fee: '', balance: '', tds: '0.00' } });
  });

  it('answers null for the seeded nullAmounts', async () => {
    sim.seed({ tid: '621', sendOtp: true, nullAmounts: ['fee', 'commission_reverse'] });
    expect((await inquire('621')).json?.data).toMatchObject({ fee: null });
    expect((await refund('621', sim.lastOtp('621')!)).json?.data).toMatchObject({
      fee: null,
      commission_reverse: null,
    });
  });

  it('refuses a seed that names an amount it does not know, naming the field', async () => {
    const response = await admin('POST', '/transactions', { tid: '622', emptyAmounts: ['fees'] });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: expect.stringContaining('emptyAmounts.0') });
  });
});

describe.each(DIALECTS)('Get Refund OTP refusals in the %s dialect', (dialect) => {
  const refused = (message: string) => ({ status: 1, response_status_id: -1, message, data: {} });

  it('refuses a refunded transaction (tx_status 4) as Eko does, and sends no SMS', async () => {
    sim.seed({ tid: '630', txStatus: 4, dialect });
    expect((await requestOtp('630')).json).toEqual(refused('Transaction is already in refunded state.'));
    expect(sim.sms('630')).toHaveLength(0);
  });

  it.each([0, 1, 2, 5])('refuses a transaction in tx_status %i as not refundable', async (txStatus) => {
    sim.seed({ tid: '631', txStatus, dialect });
    expect((await requestOtp('631')).json).toEqual(refused('Transaction is not in a refundable state.'));
    expect(sim.sms('631')).toHaveLength(0);
  });

  it('refuses OTP requests beyond maxOtpRequests, and the last OTP still refunds', async () => {
    sim.seed({ tid: '632', maxOtpRequests: 2, dialect });
    expect((await requestOtp('632')).json).toMatchObject({ status: 2133 });
    expect((await requestOtp('632')).json).toMatchObject({ status: 2133 });
    const third = await requestOtp('632');
    expect(third.json).toMatchObject({ status: 1, response_status_id: -1 });
    expect(third.json?.message).toMatch(/limit/i);
    expect(sim.sms('632')).toHaveLength(2);
    expect((await refund('632', sim.lastOtp('632')!)).json).toMatchObject({ status: 0, message: 'Refund done' });
  });
});

describe('a slow Eko (slow_apply)', () => {
  it('consumes the OTP at once, keeps tx_status 3 while it applies, and answers only once it applied', async () => {
    sim.seed({ tid: '640' });
    const { call, answered } = await startSlowRefund('640', SLOW_MS);
    expect(sim.transaction('640')).toMatchObject({ txStatus: 3, otpActive: false, refundCount: 0, applying: true });
    expect((await inquire('640')).json?.data).toMatchObject({ tx_status: '3' });
    expect(answered()).toBe(false);
    expect((await call).json).toMatchObject({ status: 0, response_type_id: 74, message: 'Refund done' });
    expect(sim.transaction('640')).toMatchObject({ txStatus: 4, refundCount: 1, applying: false });
  });

  it('applies the refund after a client gave up on the call', async () => {
    sim.seed({ tid: '641' });
    const { call } = await startSlowRefund('641', SLOW_MS, AbortSignal.timeout(300));
    await expect(call).rejects.toThrow();
    expect(sim.transaction('641')).toMatchObject({ txStatus: 3, applying: true });
    await waitFor(
      'the refund to be applied',
      async () => sim.transaction('641'),
      (tx) => tx?.txStatus === 4,
    );
    expect(sim.transaction('641')).toMatchObject({ refundCount: 1, applying: false });
  });

  it('settles as the seed says once applied: refund pending mode becomes tx_status 2', async () => {
    sim.seed({ tid: '642', refundMode: 'pending' });
    const { call } = await startSlowRefund('642', SLOW_MS);
    expect((await call).json).toMatchObject({ status: 0, data: { tx_status: 2 } });
    expect(sim.transaction('642')).toMatchObject({ txStatus: 2, refundCount: 1 });
  });

  it('strikes the next refund Eko accepts: a refused call leaves it waiting', async () => {
    sim.seed({ tid: '643', otpCode: '111111', sendOtp: true });
    sim.injectFault({ type: 'slow_apply', tid: '643', applyAfterMs: 0 });
    expect((await refund('643', '222222')).json).toMatchObject({ status: 302 });
    expect(sim.faults()).toMatchObject([{ type: 'slow_apply', tid: '643' }]);
    expect((await refund('643', '111111')).json).toMatchObject({ status: 0 });
    expect(sim.faults()).toEqual([]);
  });

  it('counts every refund call and those after the refund was accepted, in GET /__sim/transactions/<tid>', async () => {
    sim.seed({ tid: '644' });
    const first = await startSlowRefund('644', SLOW_MS);
    await refund('644', sim.lastOtp('644')!); // while applying: 302
    await first.call;
    expect((await refund('644', sim.lastOtp('644')!)).json).toMatchObject({
      message: 'Transaction is already in refunded state.',
    });
    expect((await admin('GET', '/transactions/644')).json).toMatchObject({
      calls: { refund: 3 },
      callsAfterApplied: 2,
      callsWhileApplying: 1,
      refundCount: 1,
    });
  });

  it('refuses slow_apply on an endpoint other than Initiate Refund, naming the field', async () => {
    const response = await admin('POST', '/faults', { type: 'slow_apply', endpoint: 'inquiry' });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: expect.stringMatching(/^endpoint: slow_apply/) });
  });
});

describe('refund calls after the refund was applied', () => {
  it('counts a second call after an applied refund', async () => {
    sim.seed({ tid: '650', sendOtp: true, otpCode: '123456' });
    await refund('650', '123456');
    await refund('650', '123456');
    expect(sim.transaction('650')).toMatchObject({ calls: { refund: 2 }, callsAfterApplied: 1, refundCount: 1 });
  });

  it('counts a call for a transaction that was already refunded (tx_status 4)', async () => {
    sim.seed({ tid: '651', txStatus: 4 });
    await refund('651', '123456');
    expect(sim.transaction('651')).toMatchObject({ callsAfterApplied: 1, refundCount: 0 });
  });

  it('does not count the call that is applied', async () => {
    sim.seed({ tid: '652', sendOtp: true });
    await refund('652', sim.lastOtp('652')!);
    expect(sim.transaction('652')).toMatchObject({ calls: { refund: 1 }, callsAfterApplied: 0, refundCount: 1 });
  });
});

describe('fault types', () => {
  it.each(FAULT_TYPES)('accepts %s at the admin surface', async (type) => {
    expect((await admin('POST', '/faults', { type })).status).toBe(201);
  });

  it('refuses a type outside FAULT_TYPES, naming the field', async () => {
    const response = await admin('POST', '/faults', { type: 'meteor' });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: expect.stringMatching(/^type: /) });
  });
});

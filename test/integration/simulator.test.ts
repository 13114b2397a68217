import { signRequest } from '../../src/eko/signing';
import { UAT } from '../../src/eko/uat';
import { type EkoSimulator, startSimulator } from '../../src/simulator/simulator';

/** The simulator over real HTTP, spoken to the way Eko is: signed requests and JSON bodies. */
let sim: EkoSimulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

function signedHeaders(overrides: Record<string, string> = {}, accessKey: string = UAT.accessKey) {
  return {
    developer_key: UAT.developerKey,
    'content-type': 'application/json',
    ...signRequest(accessKey, Date.now()),
    ...overrides,
  };
}

async function eko(method: string, path: string, body?: object, headers = signedHeaders()) {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

const requestOtp = (tid: string) =>
  eko('POST', `/customer/payment/refund/${tid}/otp`, { initiator_id: UAT.initiatorId });
const refund = (tid: string, otp: string, otpRefId = '') =>
  eko('POST', `/customer/payment/refund/${tid}`, {
    initiator_id: UAT.initiatorId,
    user_code: UAT.userCode,
    otp,
    otp_ref_id: otpRefId,
    service_code: '80',
    state: 1,
  });
const inquire = (tid: string) =>
  eko('GET', `/tools/reference/transaction/${tid}?initiator_id=${UAT.initiatorId}&user_code=${UAT.userCode}`);

async function admin(method: string, path: string, body?: object) {
  const response = await fetch(`${sim.url}/__sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & unknown[] };
}

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

  it('busy answers "another transaction in progress" (response_status_id -2)', async () => {
    sim.injectFault({ type: 'busy' });
    expect((await inquire('301')).json).toMatchObject({ response_status_id: -2 });
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
    const call = fetch(`${sim.baseUrl}/customer/payment/refund/301`, {
      method: 'POST',
      headers: signedHeaders(),
      body: JSON.stringify({
        initiator_id: UAT.initiatorId,
        user_code: UAT.userCode,
        otp: sim.lastOtp('301'),
        service_code: '80',
        state: 1,
      }),
      signal: AbortSignal.timeout(300),
    });
    await expect(call).rejects.toThrow();
    expect(sim.transaction('301')).toMatchObject({ txStatus: 4, refundCount: 1 });
  });

  it('latency delays the answer by the given time', async () => {
    sim.injectFault({ type: 'latency', latencyMs: 200 });
    const started = performance.now();
    await inquire('301');
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
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

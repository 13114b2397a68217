import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EkoReply } from '../../src/eko/answers';
import { createEkoClient, type EkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { type EkoSimulator, startSimulator } from '../../simulator';

/** The production Eko client against the simulator over real HTTP: every classification branch. */
let sim: EkoSimulator;
let eko: EkoClient;
const initiator = { initiatorId: UAT.initiatorId, userCode: UAT.userCode };
const seen: EkoReply[] = [];
const secrets = new Set<string>(['012345', '111111', '222222', '123456']);

function client(overrides: Partial<Parameters<typeof createEkoClient>[0]> = {}, now?: () => number): EkoClient {
  const inner = createEkoClient(
    { baseUrl: sim.baseUrl, developerKey: UAT.developerKey, accessKey: UAT.accessKey, timeoutMs: 2_000, ...overrides },
    { now },
  );
  // Keep every answer, so the last test can check that none carries a secret.
  const keep = <T extends EkoReply>(answer: T): T => (seen.push(answer), answer);
  return {
    requestRefundOtp: (tid, id, options) => inner.requestRefundOtp(tid, id, options).then(keep),
    initiateRefund: (request, options) => inner.initiateRefund(request, options).then(keep),
    inquireTransaction: (tid, who, options) => inner.inquireTransaction(tid, who, options).then(keep),
  };
}

beforeAll(async () => {
  sim = await startSimulator();
  eko = client();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function otpFor(tid: string): Promise<{ otp: string; otpRefId?: string }> {
  const answer = await eko.requestRefundOtp(tid, UAT.initiatorId);
  if (answer.kind !== 'otp_sent') throw new Error(`expected otp_sent, got ${answer.kind}`);
  const otp = sim.lastOtp(tid)!;
  secrets.add(otp).add(answer.otpRefId!);
  return { otp, otpRefId: answer.otpRefId };
}

const refund = (tid: string, otp: string, otpRefId?: string) =>
  eko.initiateRefund({ tid, otp, otpRefId, serviceCode: '80', ...initiator });

describe('EkoClient against the simulator', () => {
  it('requests an OTP and gets its otp_ref_id despite Eko reporting status 2133', async () => {
    sim.seed({ tid: '501' });
    const answer = await eko.requestRefundOtp('501', UAT.initiatorId);
    expect(answer).toMatchObject({ kind: 'otp_sent', otpRefId: expect.any(String), code: 2133 });
  });

  it('refunds with the right OTP: refunded, with the refund details as decimal strings', async () => {
    sim.seed({ tid: '502', amount: '5000.00', fee: '50.00' });
    const { otp, otpRefId } = await otpFor('502');
    expect(await refund('502', otp, otpRefId)).toMatchObject({
      kind: 'refunded',
      message: 'Refund done',
      refund: { tid: '502', amount: '5000.00', refundedAmount: '5050.00', balance: '2222637312.86' },
    });
    expect(sim.transaction('502')?.refundCount).toBe(1);
  });

  it('sends an OTP with a leading zero as a string, so Eko sees every digit', async () => {
    sim.seed({ tid: '503', otpCode: '012345' });
    const { otpRefId } = await otpFor('503');
    expect(await refund('503', '012345', otpRefId)).toMatchObject({ kind: 'refunded' });
  });

  it('reads a refund answered "initiated" as pending with its tx_status', async () => {
    sim.seed({ tid: '504', refundMode: 'pending' });
    const { otp } = await otpFor('504');
    expect(await refund('504', otp)).toMatchObject({ kind: 'pending', txStatus: 2 });
  });

  it('reads a wrong OTP as wrong_otp', async () => {
    sim.seed({ tid: '505', otpCode: '111111' });
    await otpFor('505');
    expect(await refund('505', '222222')).toMatchObject({ kind: 'wrong_otp', code: 302 });
  });

  it('reads an expired OTP as otp_expired', async () => {
    sim.seed({ tid: '506' });
    const { otp } = await otpFor('506');
    sim.expireOtp('506');
    expect(await refund('506', otp)).toMatchObject({ kind: 'otp_expired', code: 303 });
  });

  it.each([
    ['an unknown tid', {}, 'tid_unknown'],
    ['a refunded transaction', { txStatus: 4 }, 'already_refunded'],
    ['a successful transaction', { txStatus: 0 }, 'not_refundable'],
    [
      'a rejection with code 347',
      { rejectRefund: { status: 347, message: 'Insufficient balance' } },
      'insufficient_balance',
    ],
  ])('reads a refund of %s as rejected (%s)', async (_what, seed, reason) => {
    if (reason !== 'tid_unknown') sim.seed({ tid: '507', otpCode: '123456', sendOtp: true, ...seed });
    expect(await refund('507', '123456')).toMatchObject({ kind: 'rejected', reason });
  });

  it('inquires a transaction: tx_status and amounts', async () => {
    sim.seed({ tid: '508', txStatus: 3, amount: '100.00', fee: '1.00' });
    expect(await eko.inquireTransaction('508', initiator)).toMatchObject({
      kind: 'transaction',
      txStatus: 3,
      txStatusDesc: 'Refund Pending',
      amount: '100.00',
      fee: '1.00',
    });
  });

  it('reads an unknown initiator as a retryable configuration error', async () => {
    sim.seed({ tid: '509' });
    expect(await eko.requestRefundOtp('509', '9000000000')).toMatchObject({ kind: 'retryable', reason: 'config' });
  });

  it.each([
    ['http500', 'server_error'],
    ['non_json', 'bad_response'],
    ['envelope_less', 'bad_response'],
    ['huge_body', 'bad_response'],
    ['http403', 'forbidden'],
    ['busy', 'busy'],
    ['reset', 'transport'],
    ['hang', 'timeout'],
  ] as const)('reads the %s fault as retryable %s', async (type, reason) => {
    sim.seed({ tid: '510' });
    sim.injectFault({ type, endpoint: 'inquiry' });
    const quick = client({ timeoutMs: 300 });
    expect(await quick.inquireTransaction('510', initiator)).toMatchObject({ kind: 'retryable', reason });
  });

  it("lowers the timeout for one call, and says so with the call's own number", async () => {
    sim.seed({ tid: '516' });
    sim.injectFault({ type: 'hang', endpoint: 'inquiry' });
    expect(await eko.inquireTransaction('516', initiator, { timeoutMs: 300 })).toEqual({
      kind: 'retryable',
      reason: 'timeout',
      message: 'Eko did not answer within 300 ms',
    });
  });

  it('never raises the timeout of a call above the configured one', async () => {
    sim.seed({ tid: '517' });
    sim.injectFault({ type: 'hang', endpoint: 'refund' });
    const quick = client({ timeoutMs: 300 });
    const answer = await quick.initiateRefund(
      { tid: '517', otp: '123456', serviceCode: '80', ...initiator },
      { timeoutMs: 60_000 },
    );
    expect(answer).toMatchObject({ kind: 'retryable', reason: 'timeout', message: 'Eko did not answer within 300 ms' });
  });

  it('sends nothing when the call has no time left: a timeout, never a failure', async () => {
    sim.seed({ tid: '518', sendOtp: true });
    const answer = await eko.initiateRefund(
      { tid: '518', otp: sim.lastOtp('518')!, serviceCode: '80', ...initiator },
      { timeoutMs: 0 },
    );
    expect(answer).toMatchObject({ kind: 'retryable', reason: 'timeout' });
    expect(sim.transaction('518')).toMatchObject({ txStatus: 3, calls: { refund: 0 } });
  });

  it('reads a refund that Eko applied but never answered as a timeout: indeterminate, not a failure', async () => {
    sim.seed({ tid: '511' });
    const { otp } = await otpFor('511');
    sim.injectFault({ type: 'timeout_after_apply', endpoint: 'refund' });
    const quick = client({ timeoutMs: 300 });
    const answer = await quick.initiateRefund({ tid: '511', otp, serviceCode: '80', ...initiator });
    expect(answer).toMatchObject({ kind: 'retryable', reason: 'timeout' });
    expect(sim.transaction('511')).toMatchObject({ txStatus: 4, refundCount: 1 });
  });

  it('reads a wrong access key as retryable forbidden', async () => {
    sim.seed({ tid: '512' });
    const wrongKey = client({ accessKey: 'not-the-key' });
    expect(await wrongKey.inquireTransaction('512', initiator)).toMatchObject({
      kind: 'retryable',
      reason: 'forbidden',
      httpStatus: 403,
    });
  });

  it('signs every call afresh from its clock: a stale clock gets 403', async () => {
    sim.seed({ tid: '513' });
    const stale = client({}, () => Date.now() - 60 * 60_000);
    expect(await stale.inquireTransaction('513', initiator)).toMatchObject({ kind: 'retryable', reason: 'forbidden' });
  });

  it('reads a wrong base URL as a retryable client error (HTTP 404)', async () => {
    const wrongUrl = client({ baseUrl: `${sim.url}/wrong/v3` });
    expect(await wrongUrl.inquireTransaction('514', initiator)).toMatchObject({
      kind: 'retryable',
      reason: 'client_error',
      httpStatus: 404,
    });
  });

  it('reads a closed port as retryable transport', async () => {
    const nowhere = client({ baseUrl: 'http://127.0.0.1:1/ekoapi/v3' });
    expect(await nowhere.inquireTransaction('515', initiator)).toMatchObject({
      kind: 'retryable',
      reason: 'transport',
    });
  });

  it('never puts the access key, an OTP or an otp_ref_id into the message of any answer in these tests', () => {
    const messages = seen.map((answer) => answer.message).join('\n');
    expect(seen.length).toBeGreaterThan(20);
    for (const secret of [UAT.accessKey, ...secrets]) expect(messages).not.toContain(secret);
  });
});

/** A stand-in Eko that records what reaches it and answers a fixed body: for what the simulator does not expose. */
describe('EkoClient on the wire', () => {
  let server: http.Server;
  let received: { url: string; body: string }[] = [];
  let answer = '';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received = [];
  });

  const wire = () =>
    createEkoClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ekoapi/v3`,
      developerKey: UAT.developerKey,
      accessKey: UAT.accessKey,
      timeoutMs: 2_000,
    });

  it("sends service_code as the number 80 and no otp_ref_id when there is none, as Eko's sample does", async () => {
    answer = JSON.stringify({ status: 0, response_type_id: 74, message: 'Refund done', data: { balance: '' } });
    const result = await wire().initiateRefund({ tid: '13192443', otp: '123456', serviceCode: '80', ...initiator });
    expect(result).toMatchObject({ kind: 'refunded' });
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/ekoapi/v3/customer/payment/refund/13192443');
    expect(JSON.parse(received[0].body)).toEqual({
      initiator_id: UAT.initiatorId,
      user_code: UAT.userCode,
      otp: 123456,
      service_code: 80,
      state: 1,
    });
  });

  it("reads Eko's QR refund error shape as wrong_otp, with digits that could be an OTP masked", async () => {
    answer = JSON.stringify({
      status: 1,
      response_status_id: 302,
      message: 'Wrong OTP 654321 for tid 13192443. Please enter the correct OTP.',
    });
    const result = await wire().initiateRefund({ tid: '13192443', otp: '654321', serviceCode: '80', ...initiator });
    expect(result).toMatchObject({
      kind: 'wrong_otp',
      code: 302,
      message: 'Wrong OTP •••••• for tid 13192443. Please enter the correct OTP.',
    });
  });

  it('reads the inquiry refusal "Invalid reference_id" as rejected, not as a transaction', async () => {
    answer = JSON.stringify({ status: 1, response_status_id: -1, message: 'Invalid reference_id', data: {} });
    expect(await wire().inquireTransaction('13192443', initiator)).toMatchObject({
      kind: 'rejected',
      reason: 'tid_unknown',
    });
  });
});

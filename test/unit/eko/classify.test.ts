import { classifyInquiry, classifyOtp, classifyRefund, type RawExchange } from '../../../src/eko/classify';

const ok = (body: unknown): RawExchange => ({ kind: 'response', httpStatus: 200, body: JSON.stringify(body) });
const http = (httpStatus: number, body = ''): RawExchange => ({ kind: 'response', httpStatus, body });
const failure = (status: number, message: string) =>
  ok({ status, response_status_id: 1, response_type_id: -1, message, data: {} });

// Eko's published sample success of Initiate Refund.
const REFUND_DONE_SAMPLE = {
  status: 0,
  response_status_id: 0,
  response_type_id: 74,
  message: 'Refund done',
  data: {
    refund_tid: '2147591637',
    tid: '13192443',
    amount: '5000.00',
    refunded_amount: '5050.00',
    fee: '50.0',
    tds: '7.1',
    commission_reverse: '28.38',
    balance: '2.22263731286E9',
    currency: 'INR',
    timestamp: '2018-10-30T12:00:14.058Z',
  },
};

const REFUND_DETAILS = {
  refundTid: '2147591637',
  tid: '13192443',
  amount: '5000.00',
  refundedAmount: '5050.00',
  fee: '50.0',
  tds: '7.1',
  commissionReverse: '28.38',
  balance: '2222637312.86',
  currency: 'INR',
  timestamp: '2018-10-30T12:00:14.058Z',
};

describe('classifyRefund', () => {
  it("reads Eko's published 'Refund done' sample as refunded, with money as decimal strings", () => {
    expect(classifyRefund(ok(REFUND_DONE_SAMPLE))).toEqual({
      kind: 'refunded',
      httpStatus: 200,
      code: 0,
      responseTypeId: 74,
      message: 'Refund done',
      refund: REFUND_DETAILS,
    });
  });

  it.each([
    [2, 'Initiated / Response Awaited'],
    [3, 'Refund Pending'],
    [5, 'On Hold'],
    [9, 'Unknown (9), treated as initiated'],
  ])('reads a success carrying tx_status %p as pending (%s)', (txStatus, desc) => {
    const body = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, tx_status: String(txStatus) } };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'pending', txStatus, txStatusDesc: desc });
  });

  it('reads a success carrying tx_status 4 as refunded', () => {
    expect(classifyRefund(ok({ ...REFUND_DONE_SAMPLE, tx_status: 4 }))).toMatchObject({ kind: 'refunded' });
  });

  it('reads status 302 as a wrong OTP', () => {
    expect(classifyRefund(failure(302, 'Wrong OTP'))).toMatchObject({ kind: 'wrong_otp', code: 302 });
  });

  it('reads status 303 as an expired OTP', () => {
    expect(classifyRefund(failure(303, 'OTP expired'))).toMatchObject({ kind: 'otp_expired', code: 303 });
  });

  it('reads the granular code from response_status_id when status is missing', () => {
    expect(classifyRefund(ok({ response_status_id: 302, message: 'Wrong OTP' }))).toMatchObject({ kind: 'wrong_otp' });
  });

  it.each([
    [168, 'TID does not exist', 'tid_unknown'],
    [347, 'Insufficient balance', 'insufficient_balance'],
    [1, 'Transaction is already in refunded state.', 'already_refunded'],
    [1, 'Transaction is not in a refundable state.', 'not_refundable'],
    [999, 'Something else', 'other'],
  ])('reads status %p "%s" as rejected (%s) with the code and message', (status, message, reason) => {
    expect(classifyRefund(failure(status, message))).toEqual({
      kind: 'rejected',
      reason,
      httpStatus: 200,
      code: status,
      responseTypeId: -1,
      message,
    });
  });

  it.each([319, 346, 463, 1297])('reads configuration error %p as retryable config', (status) => {
    const answer = classifyRefund(failure(status, 'Invalid initiator'));
    expect(answer).toMatchObject({ kind: 'retryable', reason: 'config', code: status });
    expect(answer.message).toContain('EKO_INITIATOR_ID');
  });

  it('reads response_status_id -2 as retryable busy (another transaction in progress)', () => {
    expect(classifyRefund(ok({ status: 1, response_status_id: -2, message: 'Another txn in progress' }))).toMatchObject(
      {
        kind: 'retryable',
        reason: 'busy',
      },
    );
  });

  it.each([
    [403, 'forbidden', 'EKO_ACCESS_KEY'],
    [404, 'client_error', 'EKO_BASE_URL'],
    [405, 'client_error', 'EKO_BASE_URL'],
    [415, 'client_error', 'EKO_BASE_URL'],
    [500, 'server_error', 'HTTP 500'],
    [502, 'server_error', 'HTTP 502'],
  ])('reads HTTP %p as retryable %s, saying what to check', (status, reason, hint) => {
    const answer = classifyRefund(http(status, 'Forbidden'));
    expect(answer).toMatchObject({ kind: 'retryable', reason, httpStatus: status });
    expect(answer.message).toContain(hint);
  });

  it('reads a non-JSON body as retryable bad_response', () => {
    expect(classifyRefund(http(200, '<html>oops</html>'))).toEqual({
      kind: 'retryable',
      reason: 'bad_response',
      httpStatus: 200,
      message: 'Eko answered with a body that is not JSON',
    });
  });

  it('reads an envelope-less body as retryable bad_response, keeping its message', () => {
    const answer = classifyRefund(ok({ message: 'No key for Response' }));
    expect(answer).toMatchObject({ kind: 'retryable', reason: 'bad_response' });
    expect(answer.message).toBe('Eko answered without a status envelope: No key for Response');
  });

  it('reads JSON that is not an object as retryable bad_response', () => {
    expect(classifyRefund(ok([1, 2]))).toMatchObject({ kind: 'retryable', reason: 'bad_response' });
  });

  it('reads an envelope with wrongly typed codes as retryable bad_response naming them', () => {
    expect(classifyRefund(ok({ status: 'ok', response_status_id: 'x', message: 'hello' }))).toEqual({
      kind: 'retryable',
      reason: 'bad_response',
      httpStatus: 200,
      message: 'Eko answered an envelope with malformed fields: status, response_status_id',
    });
  });

  it('keeps the rest of a refund answer when one amount is unreadable, naming the ignored field', () => {
    const body = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, amount: 'lots' } };
    const answer = classifyRefund(ok(body));
    expect(answer).toMatchObject({ kind: 'refunded', ignoredFields: ['data.amount'] });
    expect(answer.kind === 'refunded' && answer.refund).toEqual({ ...REFUND_DETAILS, amount: undefined });
  });

  it('reads a timeout as retryable timeout, never as a failure', () => {
    const exchange: RawExchange = { kind: 'transport_error', timedOut: true, tooLarge: false, message: 'slow' };
    expect(classifyRefund(exchange)).toEqual({ kind: 'retryable', reason: 'timeout', message: 'slow' });
  });

  it('reads a connection error as retryable transport', () => {
    const exchange: RawExchange = { kind: 'transport_error', timedOut: false, tooLarge: false, message: 'reset' };
    expect(classifyRefund(exchange)).toEqual({ kind: 'retryable', reason: 'transport', message: 'reset' });
  });

  it('reads an oversized body as retryable bad_response', () => {
    const exchange: RawExchange = { kind: 'transport_error', timedOut: false, tooLarge: true, message: 'big' };
    expect(classifyRefund(exchange)).toMatchObject({ kind: 'retryable', reason: 'bad_response' });
  });
});

describe('classifyOtp', () => {
  it("reads Eko's quirky success (status 2133, response_status_id 1, otp_ref_id) as otp_sent", () => {
    const body = { status: 2133, response_status_id: 1, message: 'OTP sent', data: { otp_ref_id: 'ref-1' } };
    expect(classifyOtp(ok(body))).toMatchObject({ kind: 'otp_sent', otpRefId: 'ref-1' });
  });

  it('reads response_type_id 2133 without otp_ref_id as otp_sent', () => {
    expect(classifyOtp(ok({ status: 0, response_type_id: 2133, message: 'OTP sent' }))).toMatchObject({
      kind: 'otp_sent',
      otpRefId: undefined,
    });
  });

  it('reads a refusal as rejected', () => {
    expect(classifyOtp(failure(1, 'Transaction is not in a refundable state.'))).toMatchObject({
      kind: 'rejected',
      reason: 'not_refundable',
    });
  });

  it('reads a configuration error as retryable config', () => {
    expect(classifyOtp(failure(319, 'Invalid initiator'))).toMatchObject({ kind: 'retryable', reason: 'config' });
  });
});

describe('classifyInquiry', () => {
  it("reads Eko's inquiry sample (tx_status as a string inside data)", () => {
    const body = {
      status: 0,
      response_status_id: -1,
      response_type_id: 1472,
      message: 'Transaction status',
      data: { tx_status: '0', txstatus_desc: 'Success', amount: '100.0', fee: '1.0E1' },
    };
    expect(classifyInquiry(ok(body))).toMatchObject({
      kind: 'transaction',
      txStatus: 0,
      txStatusDesc: 'Success',
      amount: '100.0',
      fee: '10',
    });
  });

  it('reads tx_status as a number at the top level', () => {
    expect(classifyInquiry(ok({ status: 0, tx_status: 4, message: 'ok', data: {} }))).toMatchObject({
      kind: 'transaction',
      txStatus: 4,
      txStatusDesc: 'Refunded',
    });
  });

  it('reads an inquiry without tx_status as retryable bad_response naming the field', () => {
    expect(classifyInquiry(ok({ status: 0, message: 'ok', data: {} }))).toMatchObject({
      kind: 'retryable',
      reason: 'bad_response',
      message: 'Eko inquiry answer has malformed fields: tx_status',
    });
  });

  it('reads 168 as rejected tid_unknown', () => {
    expect(classifyInquiry(failure(168, 'TID does not exist'))).toMatchObject({
      kind: 'rejected',
      reason: 'tid_unknown',
    });
  });

  it('reads busy as retryable', () => {
    expect(classifyInquiry(ok({ response_status_id: -2, message: 'busy' }))).toMatchObject({
      kind: 'retryable',
      reason: 'busy',
    });
  });
});

describe('the granular code, in either envelope field', () => {
  it('reads wrong OTP from response_status_id when status is the coarse 1 (QR refund sample)', () => {
    const body = { status: 1, response_status_id: 302, message: 'Wrong OTP. Please enter the correct OTP.' };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'wrong_otp', code: 302 });
  });

  it('reads an expired OTP from response_status_id when status is 2131', () => {
    const body = { status: 2131, response_status_id: 303, message: 'OTP expired' };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'otp_expired', code: 303 });
  });

  it('lets a granular code in status win over a coarse response_status_id', () => {
    const body = { status: 168, response_status_id: -1, message: 'TID does not exist' };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'rejected', reason: 'tid_unknown', code: 168 });
  });

  it('lets a granular code in response_status_id win over status 0', () => {
    const body = { status: 0, response_status_id: 347, message: 'Insufficient balance' };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'rejected', reason: 'insufficient_balance', code: 347 });
  });

  it('carries -2 as the code of a busy answer whose status is 1', () => {
    const body = { status: 1, response_status_id: -2, message: 'Another transaction is in progress' };
    expect(classifyInquiry(ok(body))).toMatchObject({ kind: 'retryable', reason: 'busy', code: -2 });
  });

  it('carries an unknown code of response_status_id when status is coarse', () => {
    const body = { status: 1, response_status_id: 945, message: 'Something new' };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'rejected', reason: 'other', code: 945 });
  });
});

describe('a refusal that suggests the refund may be under way', () => {
  it.each([
    ['tx_status 2 in data', { data: { tx_status: '2' } }, 2],
    ['tx_status 3 at the top level', { tx_status: 3, data: {} }, 3],
    ['tx_status 5 at the top level', { tx_status: 5, data: {} }, 5],
    ['response_status_id 2 (initiated)', { response_status_id: 2, data: {} }, 2],
    ['response_status_id 3 (refund initiated)', { response_status_id: 3, data: {} }, 2],
    ['response_status_id 5 (on hold)', { response_status_id: 5, data: {} }, 5],
  ])('reads a non-zero status with %s as pending, to be confirmed by inquiry', (_what, fields, txStatus) => {
    const body = { status: 1, response_status_id: 1, message: 'Refund could not be completed', ...fields };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'pending', txStatus, code: 1 });
  });

  it('reads a "not refundable" message with tx_status 2 as pending: the state wins over the words', () => {
    const body = {
      status: 1,
      response_status_id: -1,
      message: 'Transaction is not in a refundable state.',
      tx_status: 2,
    };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'pending', txStatus: 2 });
  });

  it('reads a non-zero status with tx_status 1 (fail) as a plain rejection', () => {
    const body = { status: 1, response_status_id: 1, message: 'Refund failed', tx_status: 1 };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'rejected', reason: 'other' });
  });
});

describe('classifyInquiry: success and refusal', () => {
  it('reads status 1 with response_status_id -1 as a refusal, never as success', () => {
    const body = { status: 1, response_status_id: -1, message: 'Invalid reference_id', data: {} };
    expect(classifyInquiry(ok(body))).toEqual({
      kind: 'rejected',
      reason: 'tid_unknown',
      httpStatus: 200,
      code: 1,
      message: 'Invalid reference_id',
    });
  });

  it('reads another refusal with status 1 and response_status_id -1 as rejected other', () => {
    const body = { status: 1, response_status_id: -1, message: 'Service temporarily disabled', data: {} };
    expect(classifyInquiry(ok(body))).toMatchObject({ kind: 'rejected', reason: 'other' });
  });

  it.each([0, -1])('reads a missing status with response_status_id %p as success', (responseStatusId) => {
    const body = { response_status_id: responseStatusId, message: 'ok', data: { tx_status: '3' } };
    expect(classifyInquiry(ok(body))).toMatchObject({ kind: 'transaction', txStatus: 3 });
  });

  it('reads response_type_id 1472 with a tx_status as success whatever the status', () => {
    const body = { status: 1, response_type_id: 1472, message: 'Transaction status', data: { tx_status: '4' } };
    expect(classifyInquiry(ok(body))).toMatchObject({ kind: 'transaction', txStatus: 4 });
  });

  it('reads response_type_id 1472 without a tx_status and status 1 as a refusal', () => {
    const body = { status: 1, response_type_id: 1472, message: 'Invalid reference_id', data: {} };
    expect(classifyInquiry(ok(body))).toMatchObject({ kind: 'rejected', reason: 'tid_unknown' });
  });

  it('prefers the tx_status in data, and falls back to the top level when data has ""', () => {
    const body = { status: 0, tx_status: 4, message: 'ok', data: { tx_status: '' } };
    expect(classifyInquiry(ok(body))).toMatchObject({ kind: 'transaction', txStatus: 4 });
  });
});

describe('"" and null mean absent; one odd field never discards the rest', () => {
  it('keeps amount, refunded_amount, fee and refund_tid of a "Refund done" with balance ""', () => {
    const body = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, balance: '' } };
    const answer = classifyRefund(ok(body));
    expect(answer).toMatchObject({
      kind: 'refunded',
      refund: { amount: '5000.00', refundedAmount: '5050.00', fee: '50.0', refundTid: '2147591637' },
    });
    expect(answer.kind === 'refunded' && answer.refund.balance).toBeUndefined();
    expect(answer).not.toHaveProperty('ignoredFields');
  });

  it.each([
    ['fee', ''],
    ['customer_balance', ''],
    ['refund_tid', null],
    ['tds', null],
    ['currency', ''],
    ['timestamp', null],
  ])('reads %s %j as absent and keeps the answer refunded', (field, value) => {
    const body = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, [field]: value } };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'refunded', refund: { amount: '5000.00' } });
  });

  it('reads null envelope fields as absent', () => {
    const body = { ...REFUND_DONE_SAMPLE, response_status_id: null, message: null, txstatus_desc: null };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'refunded', code: 0, message: '' });
  });

  it('reads data "" or null as no data', () => {
    expect(classifyRefund(ok({ status: 0, message: 'Refund done', data: '' }))).toMatchObject({
      kind: 'refunded',
      refund: {},
    });
    expect(classifyRefund(ok({ status: 0, message: 'Refund done', data: null }))).toMatchObject({ kind: 'refunded' });
  });

  it('drops an amount with a huge exponent, keeping the rest', () => {
    const body = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, balance: '1E400000000' } };
    const answer = classifyRefund(ok(body));
    expect(answer).toMatchObject({ kind: 'refunded', ignoredFields: ['data.balance'], refund: { amount: '5000.00' } });
    expect(answer.kind === 'refunded' && answer.refund.balance).toBeUndefined();
  });

  it('drops an unreadable inquiry amount, keeping the tx_status', () => {
    const body = { status: 0, message: 'ok', data: { tx_status: '3', amount: { value: 1 }, fee: '1.0' } };
    expect(classifyInquiry(ok(body))).toMatchObject({
      kind: 'transaction',
      txStatus: 3,
      fee: '1.0',
      ignoredFields: ['data.amount'],
    });
  });

  it('keeps tx_status strict: a present but unreadable tx_status is a bad response', () => {
    const refund = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, tx_status: 'done' } };
    expect(classifyRefund(ok(refund))).toMatchObject({
      kind: 'retryable',
      reason: 'bad_response',
      message: 'Eko refund answer has malformed fields: data.tx_status',
    });
    expect(classifyInquiry(ok({ status: 0, message: 'ok', tx_status: 2.5, data: {} }))).toMatchObject({
      kind: 'retryable',
      reason: 'bad_response',
    });
  });

  it('reads tx_status "" on a refund answer as absent: "Refund done" stays refunded', () => {
    const body = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, tx_status: '' } };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'refunded' });
  });

  it('reads otp_ref_id "" as absent', () => {
    const body = { status: 2133, response_status_id: 1, message: 'OTP sent', data: { otp_ref_id: '' } };
    const answer = classifyOtp(ok(body));
    expect(answer).toMatchObject({ kind: 'otp_sent' });
    expect(answer.kind === 'otp_sent' && answer.otpRefId).toBeUndefined();
  });
});

describe('HTTP 400', () => {
  it("says a request parameter is malformed, with Eko's message, not to check the URL", () => {
    const answer = classifyRefund(http(400, JSON.stringify({ message: 'Invalid service_code' })));
    expect(answer).toMatchObject({ kind: 'retryable', reason: 'client_error', httpStatus: 400 });
    expect(answer.message).toBe('Eko answered HTTP 400: a request parameter is malformed: Invalid service_code');
    expect(answer.message).not.toContain('EKO_BASE_URL');
  });
});

describe("Eko's message is masked", () => {
  it('masks an OTP and a mobile in the message, keeping the tid of the call and amounts', () => {
    const body = {
      status: 1,
      response_status_id: 302,
      message: 'Wrong OTP 123456 for tid 13192443 of Rs 5000.00, customer +91 6111111111',
    };
    expect(classifyRefund(ok(body), { tid: '13192443' })).toMatchObject({
      kind: 'wrong_otp',
      message: 'Wrong OTP •••••• for tid 13192443 of Rs 5000.00, customer +•• ••••••••••',
    });
  });

  it('masks the message that an HTTP error and an envelope-less body carry', () => {
    expect(classifyInquiry(http(500, JSON.stringify({ message: 'mobile 6111111111 locked' })))).toMatchObject({
      message: 'Eko answered HTTP 500: mobile •••••••••• locked',
    });
    expect(classifyInquiry(ok({ message: 'OTP 4321 invalid' }))).toMatchObject({
      message: 'Eko answered without a status envelope: OTP •••• invalid',
    });
  });

  it("masks Eko's txstatus_desc as well", () => {
    const body = { status: 0, message: 'ok', data: { tx_status: '3', txstatus_desc: 'Refund Pending for 6111111111' } };
    expect(classifyInquiry(ok(body), { tid: '1' })).toMatchObject({ txStatusDesc: 'Refund Pending for ••••••••••' });
  });

  it('does not mask the numbers of its own messages (codes, timeouts)', () => {
    expect(classifyRefund(failure(1297, 'User 6111111111 not onboarded'))).toMatchObject({
      message: 'Eko rejected the initiator or user (code 1297): check EKO_INITIATOR_ID and EKO_USER_CODE',
    });
    const timeout: RawExchange = {
      kind: 'transport_error',
      timedOut: true,
      tooLarge: false,
      message: 'Eko did not answer within 2500 ms',
    };
    expect(classifyRefund(timeout).message).toBe('Eko did not answer within 2500 ms');
  });
});
